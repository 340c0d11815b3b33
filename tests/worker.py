"""A real Celery worker process for the tests marked postgres + redis + worker.

`celery_worker_process` starts `celery -A tests.worker worker` (this module's `app` is
the portal's Celery app) as a subprocess against the *test* PostgreSQL database (its
NAME from `django.db.connection.settings_dict`) and a Redis broker, with tasks not eager
(DJANGO_SETTINGS_MODULE=portal.settings, DEBUG=true, DSR_TESTING unset). The test process
publishes to the same broker and queue. The worker can be killed with SIGKILL and
restarted; its e-mail goes to files that the test counts.

Tests using it take `transactional_db` (the worker must see committed rows):
`@pytest.mark.django_db(transaction=True, serialized_rollback=True)`.

Inside the worker, `DSR_TEST_EFFECT_DELAY` (seconds) slows the outbox effects named in
`DSR_TEST_SLOW_KINDS`, after writing a line to `DSR_TEST_EFFECT_LOG`, so that a test can
kill the worker or drop its database connection while an effect is under way: before
the effect, or with `DSR_TEST_DELAY_AT=after` once it is done but not yet committed.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent


# --- The worker side: the app celery -A tests.worker loads ---------------------------------


def _log(path: str | None, line: str) -> None:
    if path:
        with open(path, "a") as handle:
            handle.write(line + "\n")


def _install_effect_delay() -> None:
    delay = float(os.environ.get("DSR_TEST_EFFECT_DELAY", "0") or 0)
    kinds = [k for k in os.environ.get("DSR_TEST_SLOW_KINDS", "").split(",") if k]
    log = os.environ.get("DSR_TEST_EFFECT_LOG")
    after = os.environ.get("DSR_TEST_DELAY_AT") == "after"
    if not (delay and kinds):
        return
    from celery.signals import worker_init

    @worker_init.connect(weak=False)
    def wrap(**kwargs):
        from rights_requests import outbox

        for kind in kinds:
            original = outbox.EFFECTS[kind]

            def slow(row, _original=original):
                _log(log, f"{os.getpid()} start {row.pk}")
                if after:  # the effect done but its transaction not yet committed
                    result = _original(row)
                    _log(log, f"{os.getpid()} built {row.pk}")
                    time.sleep(delay)
                    return result
                time.sleep(delay)
                return _original(row)

            outbox.EFFECTS[kind] = slow


if os.environ.get("DSR_TEST_WORKER") == "1":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from portal.celery import app  # noqa: E402,F401  (celery -A tests.worker finds it)

    _install_effect_delay()


# --- The test side -------------------------------------------------------------------------


def database_url() -> str:
    """The URL of the test database this process uses (pytest-django's test_<name>)."""
    from django.db import connection

    s = connection.settings_dict
    user = quote(s.get("USER") or "")
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{s['NAME']}"


def default_broker_url() -> str:
    """REDIS_URL's server with its own database number (DSR_WORKER_REDIS_DB, default 14)."""
    url = urlparse(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"))
    db = os.environ.get("DSR_WORKER_REDIS_DB", "14")
    return f"redis://{url.hostname or '127.0.0.1'}:{url.port or 6379}/{db}"


class WorkerProcess:
    """One `celery worker` subprocess; start, kill -9, restart, stop."""

    def __init__(self, tmp: Path, *, broker_url: str, queue: str, env: dict | None = None):
        self.tmp = tmp
        self.broker_url = broker_url
        self.queue = queue
        self.mail_dir = tmp / "mail"
        self.private_root = tmp / "private"  # the test process stores files here too
        self.effect_log = tmp / "effects.log"
        self.extra_env = dict(env or {})
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.mail_dir.mkdir(parents=True, exist_ok=True)

    def environment(self) -> dict:
        from django.conf import settings

        env = {k: v for k, v in os.environ.items() if not k.startswith(("DSR_", "CELERY_"))}
        env.pop("PYTEST_CURRENT_TEST", None)
        env.update(
            {
                "DSR_TEST_WORKER": "1",
                "DJANGO_SETTINGS_MODULE": "portal.settings",
                "DEBUG": "true",
                "DATABASE_URL": database_url(),
                "DB_CONN_MAX_AGE": "600",  # a persistent connection, as in production
                "VAR_DIR": str(self.tmp / "var"),
                "PRIVATE_MEDIA_ROOT": str(self.private_root),
                "CIS_DATABASE_URL": f"sqlite:///{self.tmp / 'cis.sqlite3'}",
                "PORTAL_BASE_URL": settings.PORTAL_BASE_URL,
                "CELERY_BROKER_URL": self.broker_url,
                "CELERY_TASK_ALWAYS_EAGER": "false",
                "CELERY_VISIBILITY_TIMEOUT": "10",
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": str(self.mail_dir),
                "DSR_TEST_EFFECT_LOG": str(self.effect_log),
                "LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def run_python(self, code: str) -> str:
        """Run Python with the worker's environment (Django set up); return its output."""
        result = subprocess.run(
            [sys.executable, "-c", f"import django\ndjango.setup()\n{code}"],
            cwd=BASE_DIR,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode:
            raise RuntimeError(result.stdout + result.stderr)
        return result.stdout

    def create_cis_schema(self) -> None:
        """The worker's own empty demo customer information system (CIS_DATABASE_URL)."""
        self.run_python("from datamap import democis\ndemocis.create_schema()")

    @property
    def log_path(self) -> Path:
        return self.tmp / f"worker-{self.starts}.log"

    def start(self, timeout: float = 60) -> "WorkerProcess":
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.worker",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}-{self.starts}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=BASE_DIR,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill -9 takes it all
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited at start:\n{self.log()}")
            if b" ready." in self.log_path.read_bytes():
                return self
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"the worker did not get ready in {timeout} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL the worker and everything it started, as a crash or an OOM kill would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 20) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL if it does not end in time."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self, *, kill: bool = True) -> "WorkerProcess":
        self.kill() if kill else self.stop()
        return self.start()

    @property
    def alive(self) -> bool:
        return bool(self.process and self.process.poll() is None)

    def log(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-4000:] for p in sorted(self.tmp.glob("worker-*.log"))
        )

    def effect_starts(self) -> int:
        if not self.effect_log.exists():
            return 0
        return sum(1 for line in self.effect_log.read_text().splitlines() if " start " in line)

    def mails(self) -> list[str]:
        """Every e-mail message the worker wrote (one file per connection, split)."""
        messages: list[str] = []
        for path in sorted(self.mail_dir.glob("*.log")):
            separator = "-" * 79
            messages += [m for m in path.read_text(errors="replace").split(separator) if m.strip()]
        return messages


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.25, what: str = "condition"):
    """Poll `predicate` until it returns a truthy value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Publishing:
    """Point this process's Celery app at the worker's broker and queue, not eager."""

    NAMES = ("default_queue", "queues", "router", "default_exchange")

    def __init__(self, broker_url: str, queue: str):
        from portal.celery import app

        self.app = app
        self.saved = {
            "task_always_eager": app.conf.task_always_eager,
            "broker_url": app.conf.broker_url,
            "task_default_queue": app.conf.task_default_queue,
            "broker_transport_options": app.conf.broker_transport_options,
            "broker_connection_timeout": app.conf.broker_connection_timeout,
        }
        self.set(
            task_always_eager=False,
            broker_url=broker_url,
            task_default_queue=queue,
            broker_transport_options={"visibility_timeout": 10, "socket_connect_timeout": 2},
            broker_connection_timeout=2,
        )

    def set(self, **conf) -> None:
        self.app.conf.update(**conf)
        self.reset_pools()

    def reset_pools(self) -> None:
        for name in self.NAMES:
            self.app.amqp.__dict__.pop(name, None)
        from kombu import pools

        pools.reset()  # closes and forgets kombu's global connection and producer pools
        self.app._pool = None
        self.app.amqp._producer_pool = None

    def restore(self) -> None:
        self.set(**self.saved)


def _fixture():
    import pytest

    @pytest.fixture
    def worker_env() -> dict:
        """Extra environment for the worker; override the fixture (the broker: CELERY_BROKER_URL)."""
        return {}

    @pytest.fixture
    def celery_worker_process(transactional_db, tmp_path, settings, worker_env):
        """A started real worker; `.kill()`, `.restart()`, `.mails()`; stopped after the test."""
        env = dict(worker_env)
        broker_url = env.pop("CELERY_BROKER_URL", None) or default_broker_url()
        queue = f"dsr-test-{uuid.uuid4().hex[:10]}"
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": tmp_path / "private", "base_url": None},
            },
        }
        publishing = Publishing(broker_url, queue)
        worker = WorkerProcess(tmp_path, broker_url=broker_url, queue=queue, env=env)
        worker.publishing = publishing
        try:
            worker.start()
            yield worker
        finally:
            worker.stop()
            publishing.restore()
            _close_worker_connections()

    return worker_env, celery_worker_process


def _close_worker_connections() -> None:
    """End the worker's leftover sessions so the test database can be flushed and dropped."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


if os.environ.get("DSR_TEST_WORKER") != "1":
    worker_env, celery_worker_process = _fixture()
