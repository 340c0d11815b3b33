"""Fixtures shared by the whole suite: personas, demo subjects, and service markers.

Tests that need a real service carry a marker (postgres, redis, worker, browser). Where
the service is missing they are skipped with the reason; tools/testrun.py runs them where
it is present, and with CI=true it fails the run when any of them was skipped.
"""

import functools
import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

from datamap import pii
from datamap.models import LegalEntity, Organisation


def make_personal_number(birth: str = "19811218", serial: str = "987") -> pii.PersonalNumber:
    """Return a valid personal number for a birth date YYYYMMDD and a 3-digit serial."""
    check = pii.luhn_check_digit(birth[2:] + serial)
    return pii.parse_personal_number(f"{birth}{serial}{check}")


@pytest.fixture
def kalmar(db) -> Organisation:
    return Organisation.objects.get(code="KE")


@pytest.fixture
def landskrona(db) -> Organisation:
    return Organisation.objects.get(code="LE")


@pytest.fixture
def elnat(db) -> LegalEntity:
    return LegalEntity.objects.get(slug="kalmar-energi-elnat")


@pytest.fixture
def make_subject(db):
    from rights_requests.models import DataSubject

    counter = {"n": 0}

    def make(first_name="Alice", last_name="Andersson", email=None, birth="19811218", **extra):
        counter["n"] += 1
        number = make_personal_number(birth, f"{counter['n']:03d}")
        subject = DataSubject(
            first_name=first_name,
            last_name=last_name,
            email=email if email is not None else f"{first_name.lower()}@example.org",
            **extra,
        )
        subject.set_personal_number(number)
        subject.save()
        return subject

    return make


# --- URL caches follow the default language -------------------------------------------------


def _clear_url_caches(setting, **kwargs):
    """The URL resolver caches its reverse table per language, with the language prefix
    worked out from LANGUAGE_CODE at the time: a test that changes LANGUAGE_CODE would
    leave `/en/` reversed as `/` for every later test. Django's own test signals do not
    clear it, so this does."""
    if setting in {"LANGUAGE_CODE", "LANGUAGES"}:
        from django.urls import clear_url_caches

        clear_url_caches()


def pytest_configure(config):
    from django.test.signals import setting_changed

    setting_changed.connect(_clear_url_caches, dispatch_uid="tests.clear_url_caches")


# --- Service markers -------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


@functools.cache
def _redis_reason() -> str | None:
    url = urlparse(REDIS_URL)
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), 2) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(16).startswith(b"+PONG"):
                return f"Redis at {url.hostname}:{url.port} did not answer PING"
    except OSError as exc:
        return f"no Redis at {url.hostname}:{url.port} ({exc.strerror or exc})"
    return None


@functools.cache
def _postgres_reason() -> str | None:
    from django.conf import settings

    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return "needs PostgreSQL: the suite runs on SQLite (set DATABASE_URL=postgres://...)"
    return None


@functools.cache
def _browser_reason() -> str | None:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not (os.path.exists(path) or shutil.which(path)):
        return f"no Chromium at {path} (Debian package chromium; or set CHROMIUM_PATH)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (make install)"
    return None


_REASONS = {
    "postgres": (_postgres_reason,),
    "redis": (_redis_reason,),
    "worker": (_postgres_reason, _redis_reason),
    "browser": (_browser_reason,),
}


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    ):
        return True
    return bool({"transactional_db", "live_server"} & set(item.fixturenames))


def pytest_collection_modifyitems(config, items):
    # Browser tests last: once Playwright's sync API runs its event loop in the main
    # thread, Django's connection handler (context-local) hands out new connection
    # objects, which lack the serialized copy that transactional tests restore from.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
    for item in items:
        # A transactional test empties the tables when it ends. Every one restores the
        # database as the migrations left it (the seeded data map, consent purposes,
        # retention rules, staff roles) from its serialized copy, so that no test depends
        # on which transactional test ran before it.
        if _transactional(item):
            marker = item.get_closest_marker("django_db")
            kwargs = dict(marker.kwargs) if marker is not None else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)
    for item in items:
        for marker, checks in _REASONS.items():
            if item.get_closest_marker(marker) is None:
                continue
            for check in checks:
                reason = check()
                if reason:
                    item.add_marker(pytest.mark.skip(reason=f"[service:{marker}] {reason}"))
                    break


# --- One headless Chromium for the whole run -----------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium through Playwright, shared by every browser test of the run.

    Playwright's sync API runs an event loop in this thread, and only one may run, so
    the browser tests of every part use this one session (a second sync_playwright()
    would fail). The test's own ORM calls stay synchronous, so Django's async-safety
    guard is lifted while it runs.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Taken before Playwright's loop starts: see restore_for_browser_tests.
    _SERIALIZED.update(
        {
            alias: connections[alias].__dict__["_test_serialized_contents"]
            for alias in connections
            if "_test_serialized_contents" in connections[alias].__dict__
        }
    )
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                headless=True,
                args=["--no-sandbox", "--disable-dev-shm-usage"],
            )
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


_SERIALIZED: dict[str, str] = {}


@pytest.fixture(autouse=True)
def no_random_prune(monkeypatch):
    """Rate-limit hits prune stale counters at random (identity.ratelimit); not in tests.

    A random extra DELETE would make query counts and counter counts flaky (about one
    run in fifty); tests/identity/test_ratelimit.py tests the random prune on its own.
    """
    from identity import ratelimit

    monkeypatch.setattr(ratelimit, "_PRUNE_PROBABILITY", 0)


@pytest.fixture(autouse=True)
def restore_for_browser_tests(request):
    """Give browser tests the database as the migrations left it.

    Once Playwright's sync API runs its event loop in this thread, Django's
    context-local connection handler hands out new connection objects, which lack the
    serialized copy that a transactional test restores from: put it back on them and
    restore, as Django would have.
    """
    if request.node.get_closest_marker("browser") is None:
        return
    request.getfixturevalue("chromium")
    request.getfixturevalue("transactional_db")
    from django.db import connections

    marker = request.node.get_closest_marker("django_db")
    allowed = (marker.kwargs.get("databases") if marker else None) or ["default"]
    for alias, contents in _SERIALIZED.items():
        if alias not in allowed:
            continue
        connection = connections[alias]
        if "_test_serialized_contents" not in connection.__dict__:
            connection._test_serialized_contents = contents
            connection.creation.deserialize_db_from_string(contents)
