"""identity.ratelimit: counted in the database, atomic across connections, keys hashed."""

import datetime
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from identity import ratelimit
from identity.models import RateLimitCounter

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)  # on a window boundary


def at(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.mark.django_db
def test_it_allows_up_to_the_limit_and_refuses_the_next(monkeypatch):
    at(monkeypatch, T0)
    results = [ratelimit.hit("t", "k", limit=3, window=HOUR) for _ in range(4)]
    assert results == [True, True, True, False]


@pytest.mark.django_db
def test_keys_and_scopes_are_counted_apart(monkeypatch):
    at(monkeypatch, T0)
    assert ratelimit.hit("a", "k", limit=1, window=HOUR)
    assert ratelimit.hit("a", "other", limit=1, window=HOUR)
    assert ratelimit.hit("b", "k", limit=1, window=HOUR)
    assert not ratelimit.hit("a", "k", limit=1, window=HOUR)


@pytest.mark.django_db
def test_the_table_never_holds_the_raw_key(monkeypatch):
    at(monkeypatch, T0)
    ratelimit.hit("email_code.email", "alice@example.org", limit=5, window=HOUR)
    ratelimit.hit("email_code.personal_number", "198504122394", limit=5, window=HOUR)
    rows = " ".join(str(row) for row in RateLimitCounter.objects.values_list())
    assert "alice" not in rows
    assert "198504122394" not in rows and "8504122394" not in rows


@pytest.mark.django_db
def test_a_burst_at_the_window_boundary_is_not_allowed_twice(monkeypatch):
    at(monkeypatch, T0 + HOUR - datetime.timedelta(seconds=1))
    assert all(ratelimit.hit("t", "k", limit=3, window=HOUR) for _ in range(3))
    at(monkeypatch, T0 + HOUR)  # a new fixed window, but the last hour saw three
    assert not ratelimit.hit("t", "k", limit=3, window=HOUR)


@pytest.mark.django_db
def test_the_limit_opens_again_as_the_old_window_slides_out(monkeypatch):
    at(monkeypatch, T0)
    assert all(ratelimit.hit("t", "k", limit=2, window=HOUR) for _ in range(2))
    at(monkeypatch, T0 + HOUR + datetime.timedelta(minutes=31))  # previous weighs < 1/2
    assert ratelimit.hit("t", "k", limit=2, window=HOUR)
    at(monkeypatch, T0 + 3 * HOUR)
    assert ratelimit.hit("t", "k", limit=2, window=HOUR)
    assert ratelimit.hit("t", "k", limit=2, window=HOUR)


@pytest.mark.django_db
def test_prune_deletes_only_counters_that_can_no_longer_matter(monkeypatch):
    at(monkeypatch, T0)
    ratelimit.hit("t", "old", limit=5, window=HOUR)
    at(monkeypatch, T0 + 2 * HOUR)
    ratelimit.hit("t", "new", limit=5, window=HOUR)
    at(monkeypatch, T0 + 2 * HOUR + datetime.timedelta(seconds=1))
    assert ratelimit.prune() == 1
    assert ratelimit.attempts("t", "new", window=HOUR) == 1


@pytest.mark.django_db
def test_clear_forgets_a_key(monkeypatch):
    at(monkeypatch, T0)
    ratelimit.hit("t", "k", limit=1, window=HOUR)
    ratelimit.clear("t", "k")
    assert ratelimit.hit("t", "k", limit=1, window=HOUR)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_hits_from_separate_connections_never_exceed_the_limit():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: the in-memory SQLite test database locks whole tables "
            "without waiting (the cross-process test below covers SQLite files)"
        )
    allowed, errors = [], []
    barrier = threading.Barrier(8)

    def worker():
        try:
            barrier.wait(timeout=10)
            allowed.append(ratelimit.hit("race", "k", limit=5, window=HOUR))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert sorted(allowed) == [False] * 3 + [True] * 5
    assert ratelimit.attempts("race", "k", window=HOUR) == 8


_PROCESS_SCRIPT = """
import json, sys, time
from datetime import timedelta
import django
django.setup()
from django.db import connection
from identity import ratelimit
from identity.models import RateLimitCounter
if sys.argv[1] == "create":
    with connection.schema_editor() as editor:
        editor.create_model(RateLimitCounter)
else:
    time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
    print(json.dumps([ratelimit.hit("race", "k", limit=10, window=timedelta(days=1)) for _ in range(5)]))
"""


def test_processes_sharing_a_sqlite_file_never_exceed_the_limit(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "VAR_DIR": str(tmp_path),
    }
    root = Path(__file__).resolve().parents[2]

    def run(*args):
        return subprocess.Popen(
            [sys.executable, "-c", _PROCESS_SCRIPT, *args],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    creator = run("create")
    assert creator.wait(timeout=60) == 0, creator.stderr.read()
    start_at = str(time.time() + 4)
    workers = [run("hit", start_at) for _ in range(4)]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=90)
        assert worker.returncode == 0, err
        results.extend(json.loads(out))
    assert results.count(True) == 10
    assert results.count(False) == 10


def test_the_client_address_comes_from_the_connection_by_default(settings):
    settings.IDENTITY_TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.5", HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert ratelimit.client_ip(request) == "192.0.2.5"


def test_behind_one_proxy_the_last_forwarded_address_counts(settings):
    settings.IDENTITY_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1"
    )
    assert ratelimit.client_ip(request) == "198.51.100.1"


def test_ipv6_clients_are_counted_per_64_network(settings):
    settings.IDENTITY_TRUSTED_PROXY_COUNT = 0
    one = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2::1")
    two = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert ratelimit.client_ip(one) == ratelimit.client_ip(two) == "2001:db8:1:2::/64"


@pytest.mark.django_db
def test_hit_many_counts_every_limit_in_one_upsert_and_says_which_are_over(
    monkeypatch, django_assert_num_queries
):
    at(monkeypatch, T0)
    attempts = [("a", "k", 2, HOUR), ("a", "k", 5, DAY), ("b", "k", 1, HOUR)]
    with django_assert_num_queries(2):  # one INSERT ... ON CONFLICT, one SELECT
        assert ratelimit.hit_many(attempts) == [True, True, True]
    assert ratelimit.hit_many(attempts) == [True, True, False]
    assert ratelimit.hit_many(attempts) == [False, True, False]
    assert ratelimit.attempts("a", "k", window=DAY) == 3


@pytest.mark.django_db
def test_the_same_counter_twice_in_one_call_counts_twice(monkeypatch):
    at(monkeypatch, T0)
    assert ratelimit.hit_many([("t", "k", 2, HOUR), ("t", "k", 2, HOUR)]) == [True, True]
    assert ratelimit.attempts("t", "k", window=HOUR) == 2
    assert not ratelimit.hit("t", "k", limit=2, window=HOUR)


@pytest.mark.django_db
def test_a_hit_now_and_then_prunes_stale_counters_by_itself(monkeypatch):
    at(monkeypatch, T0)
    ratelimit.hit("t", "old", limit=5, window=HOUR)
    at(monkeypatch, T0 + 3 * HOUR)
    ratelimit.hit("t", "new", limit=5, window=HOUR)  # no prune: tests/conftest.py
    assert RateLimitCounter.objects.count() == 2
    monkeypatch.setattr(ratelimit, "_PRUNE_PROBABILITY", 1)

    ratelimit.hit("t", "new", limit=5, window=HOUR)

    assert list(RateLimitCounter.objects.values_list("hits", flat=True)) == [2]
