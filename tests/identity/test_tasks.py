"""identity.tasks.prune: spent codes and stale counters do not pile up."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from identity import email_code, ratelimit
from identity.models import EmailChallenge, RateLimitCounter
from identity.tasks import prune
from tests.conftest import make_personal_number

pytestmark = pytest.mark.django_db


def test_prune_deletes_spent_codes_and_stale_counters_only(monkeypatch):
    # The second code's hit does not prune by itself here (tests/conftest.py no_random_prune),
    # or it could delete the counters the task should find.
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: start)
    email_code.request_code(
        personal_number=make_personal_number(),
        email="a@example.org",
        client_ip="192.0.2.1",
        language="sv",
    )
    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(days=3))
    email_code.request_code(
        personal_number=make_personal_number(serial="222"),
        email="b@example.org",
        client_ip="192.0.2.2",
        language="sv",
    )
    assert EmailChallenge.objects.count() == 2
    before = RateLimitCounter.objects.count()

    result = prune.delay().get()

    assert result["challenges"] == 1
    assert EmailChallenge.objects.count() == 1
    assert result["counters"] > 0
    assert RateLimitCounter.objects.count() == before - result["counters"]
    assert (
        ratelimit.attempts(
            "email_code.email.3600", "b@example.org", window=datetime.timedelta(hours=1)
        )
        == 1
    )


def test_prune_is_in_the_beat_schedule():
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "identity.tasks.prune" in entries
