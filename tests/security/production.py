"""Run manage.py in a subprocess with production settings (DEBUG off, real keys)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Set by portal.settings_test or a developer's shell; production has none of them.
_TEST_ONLY = {
    "DSR_TESTING",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "CELERY_TASK_ALWAYS_EAGER",
    "DEV_EID_ENABLED",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests' session; never in production
}


def production_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _TEST_ONLY}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        PII_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        PII_HASH_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="example.org",
        VAR_DIR=str(var_dir),
    )
    env.update(extra)
    return env


def manage(var_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=production_env(var_dir, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


SETTINGS_DUMP = """
import json
from django.conf import settings
names = {names!r}
print(json.dumps({{name: getattr(settings, name) for name in names}}, default=str))
"""


def production_settings(var_dir: Path, *names: str) -> dict:
    """Return the named settings as production computes them."""
    result = manage(var_dir, "shell", "-c", SETTINGS_DUMP.format(names=list(names)))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
