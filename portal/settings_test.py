"""Settings for the test suite: the production settings with test keys and eager tasks.

Tests that need a real worker start one themselves (see tests/conftest.py).
"""

import os
from pathlib import Path

os.environ.setdefault("DSR_TESTING", "true")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_EAGER_PROPAGATES = True

# The extract, export and objection start by themselves when a request's identity
# suffices (rights_requests.workflow._queue_fulfilment). With eager tasks that would
# render a PDF inside every workflow test; the tests of that step turn it on.
DSR_FULFIL_ON_START = False
