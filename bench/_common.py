"""Shared pieces of bench_filing.py and bench_e2e.py: the production-like server setup.

- `production_env(name)`: DEBUG off with explicit (benchmark-only) keys, PostgreSQL
  (dsr_bench_<name>), Redis (database BENCH_REDIS_DB, default 9), HTTPS behind a
  TLS proxy (the load client sends X-Forwarded-Proto as the proxy would), e-mail to
  files; settings bench.settings_bench (the portal plus the bare view).
- `setup_django(env)`: create the databases if missing, migrate (the datamap seed
  comes from the migrations), and set Django up in this process on the same database.
- `Gunicorn` and `CeleryWorker`: the servers, as subprocesses, stopped by their pid.
- `Client`: one keep-alive HTTP/1.1 connection that keeps its own cookies (the session
  cookie is Secure in production; a load client over loopback sends it anyway).
- `run_load(...)`: the load generator, in another process (spawned), with one thread
  per connection; returns the latencies and errors.
"""

from __future__ import annotations

import base64
import html.parser
import http.client
import multiprocessing
import os
import platform
import queue as queue_module
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VENV_BIN = Path(sys.executable).parent
PG_BASE = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = "redis://127.0.0.1:6379/" + os.environ.get("BENCH_REDIS_DB", "9")

# Keys for the benchmark databases only: fixed so that a database filled by one run
# can be read by the next. Never used anywhere else.
BENCH_SECRET_KEY = "bench-only-secret-key-" + "x" * 40
BENCH_PII_KEY = base64.urlsafe_b64encode(b"bench-only-pii-encryption-key-32").decode()
BENCH_HASH_KEY = "bench-only-personal-number-lookup-key"


def production_env(name: str) -> dict[str, str]:
    """The environment of every process of one benchmark (bench process, servers, worker)."""
    var = ROOT / "var" / f"bench-{name}"
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "DEBUG": "false",
        "DSR_TESTING": "false",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "PII_ENCRYPTION_KEYS": BENCH_PII_KEY,
        "PII_HASH_KEY": BENCH_HASH_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        # TLS ends at the proxy in production; here the client sends the proxy's header.
        "BEHIND_TLS_PROXY": "true",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"{PG_BASE}/dsr_bench_{name}",
        "CIS_DATABASE_URL": f"{PG_BASE}/dsr_bench_{name}_cis",
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_URL": REDIS_URL,  # the cache every web process shares (API throttles)
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # A local mail relay's stand-in: each message is rendered and written to a file.
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(var / "mail"),
        "VAR_DIR": str(var),
        "PORTAL_BASE_URL": "https://127.0.0.1",
        "LOG_LEVEL": "INFO",
    }


def create_database(url: str) -> None:
    import psycopg
    from dj_database_url import parse

    config = parse(url)
    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def setup_django(env: dict[str, str]) -> None:
    """Create and migrate the benchmark's databases; set Django up on them here."""
    os.environ.update(env)
    Path(env["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    create_database(env["DATABASE_URL"])
    create_database(env["CIS_DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def flush_redis() -> None:
    """Empty the benchmark's own Redis database (queued tasks of an earlier run)."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine() -> dict[str, str]:
    model = ""
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        total_kb = int(handle.readline().split()[1])
    return {
        "nproc": str(os.cpu_count()),
        "ram": f"{total_kb / 1024 / 1024:.1f} GiB",
        "cpu": model or platform.processor(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
    }


# --- Servers -------------------------------------------------------------------------------


class _Process:
    """A subprocess in its own process group, stopped by its pid (never by name)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.args = args
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log_handle = log.open("ab")
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, timeout: float = 20) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log_handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Gunicorn(_Process):
    """gunicorn serving portal.wsgi with the benchmark settings on 127.0.0.1."""

    def __init__(
        self, env, *, workers: int, threads: int, log: Path, app="portal.wsgi:application"
    ):
        self.port = free_port()
        self.setup = (
            f"gunicorn {_version('gunicorn')}, {workers} workers x {threads} threads "
            f"({'gthread' if threads > 1 else 'sync'}), keep-alive 5 s, 127.0.0.1:{self.port}"
        )
        args = [
            str(VENV_BIN / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread" if threads > 1 else "sync",
            "--threads",
            str(threads),
            "--keep-alive",
            "5",
            "--timeout",
            "120",
        ]
        super().__init__(args, env, log)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                status, _headers, _body = Client(self.port).request("GET", "/health/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s; see {self.log}")


class CeleryWorker(_Process):
    """`celery -A portal worker` on the benchmark's Redis database and PostgreSQL."""

    def __init__(self, env, *, concurrency: int, log: Path):
        self.setup = f"celery {_version('celery')} worker, prefork, concurrency {concurrency}"
        self.hostname = f"bench-{uuid.uuid4().hex[:8]}@%h"
        args = [
            str(VENV_BIN / "celery"),
            "-A",
            "portal",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "--hostname",
            self.hostname,
            "--without-gossip",
            "--without-mingle",
        ]
        if log.exists():
            log.unlink()
        super().__init__(args, env, log)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited; see {self.log}")
            if b" ready." in self.log.read_bytes():
                return
            time.sleep(0.2)
        raise RuntimeError(f"the worker was not ready within {timeout} s; see {self.log}")


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


# --- HTTP ----------------------------------------------------------------------------------


class Client:
    """One keep-alive connection to 127.0.0.1:port, with its own cookie jar.

    Every request carries the headers the TLS proxy adds in production
    (X-Forwarded-Proto: https), so the portal sees HTTPS as it would behind it.
    """

    def __init__(self, port: int, cookies: dict[str, str] | None = None, timeout: float = 60):
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.cookies = dict(cookies or {})
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout
            )
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def request(self, method, path, body: bytes | None = None, headers: dict | None = None):
        all_headers = {
            "Host": self.host,
            "X-Forwarded-Proto": "https",
            "Accept-Language": "sv",
            **(headers or {}),
        }
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request(method, path, body=body, headers=all_headers)
                response = connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: open a new one, once.
                self.close()
                if attempt == 2:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                self.cookies[cookie_name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, dict(response.getheaders()), data


class FormFields(html.parser.HTMLParser):
    """The fields a browser would send for one form of a page, with their initial values."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            elif kind not in ("file", "submit", "button"):
                self.fields.append((name, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea and self.fields and self.fields[-1][0] == self._textarea:
            self.fields[-1] = (self._textarea, self.fields[-1][1] + data)


def form_fields(page: bytes, action: str) -> list[tuple[str, str]]:
    parser = FormFields(action)
    parser.feed(page.decode("utf-8"))
    return parser.fields


def multipart(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    """Encode the fields as a browser does for enctype=multipart/form-data (no file chosen)."""
    boundary = "----benchboundary" + uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="proof"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
    )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode("utf-8"), f"multipart/form-data; boundary={boundary}"


def urlencoded(fields: list[tuple[str, str]]) -> bytes:
    return urlencode(fields).encode()


# --- Load ----------------------------------------------------------------------------------


@dataclass
class Job:
    method: str
    path: str
    body: bytes | None = None
    headers: dict = field(default_factory=dict)
    cookies: dict = field(default_factory=dict)
    expect: tuple = (200,)


@dataclass
class LoadResult:
    latencies: list[float]
    errors: list[str]
    elapsed: float
    answers: list[str]  # the Location header of each successful answer (in job order)

    @property
    def done(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        if len(ordered) == 1:
            return ordered[0]
        return statistics.quantiles(ordered, n=1000, method="inclusive")[int(q * 1000) - 1]

    def line(self, label: str) -> str:
        return (
            f"{label:<14} {self.done:>5} answered in {self.elapsed:6.1f} s: "
            f"{self.rate:8.1f} req/s, p50 {self.percentile(0.5) * 1000:7.1f} ms, "
            f"p99 {self.percentile(0.99) * 1000:7.1f} ms, errors {len(self.errors)}"
        )


def _run_lanes(port: int, lanes: list[list[Job]], time_cap: float, queue) -> None:
    """The load generator's process: one thread and one connection per lane."""
    latencies: list[float] = []
    errors: list[str] = []
    answers: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(lanes) + 1)
    deadline = [0.0]

    def lane(jobs: list[Job]) -> None:
        client = Client(port)  # one keep-alive connection per lane
        start.wait()
        for job in jobs:
            if time.perf_counter() > deadline[0]:
                break
            client.cookies = dict(job.cookies)
            began = time.perf_counter()
            try:
                status, headers, body = client.request(job.method, job.path, job.body, job.headers)
            except OSError as exc:
                with lock:
                    errors.append(f"{job.method} {job.path}: {exc!r}")
                client.close()
                continue
            took = time.perf_counter() - began
            with lock:
                if status in job.expect:
                    latencies.append(took)
                    answers.append(headers.get("Location", ""))
                else:
                    errors.append(f"{job.method} {job.path}: HTTP {status} {body[:200]!r}")
        client.close()

    threads = [threading.Thread(target=lane, args=(jobs,)) for jobs in lanes]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + time_cap
    start.wait()
    for thread in threads:
        thread.join()
    queue.put((latencies, errors, time.perf_counter() - began, answers))


def run_load(port: int, lanes: list[list[Job]], *, time_cap: float) -> LoadResult:
    """Send the jobs from another process, one keep-alive connection per lane at a time."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_run_lanes, args=(port, lanes, time_cap, queue))
    process.start()
    while True:
        try:
            latencies, errors, elapsed, answers = queue.get(timeout=1)
            break
        except queue_module.Empty:
            if not process.is_alive():
                raise RuntimeError(f"the load generator exited with {process.exitcode}") from None
    process.join()
    return LoadResult(latencies, errors, elapsed, answers)


def split(jobs: list[Job], lanes: int) -> list[list[Job]]:
    return [jobs[i::lanes] for i in range(lanes)]


# --- Where the time goes -------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(child) for child in handle.read().split()]
        except OSError:
            pass
    return found


class Probe:
    """CPU of the web server and of its database backends, transactions, and lock waits.

    `start()` / `stop()` around a phase; meanwhile a thread samples pg_stat_activity every
    50 ms for the server's backends that wait on a lock, and the statement they wait in.
    """

    def __init__(self, server_pid: int, database_url: str):
        self.server_pid = server_pid
        self.database_url = database_url
        self._stop = threading.Event()

    def _connect(self):
        import psycopg
        from dj_database_url import parse

        config = parse(self.database_url)
        return psycopg.connect(
            host=config["HOST"] or "127.0.0.1",
            port=config["PORT"] or 5432,
            user=config["USER"],
            dbname=config["NAME"],
            autocommit=True,
        )

    def _backends(self, conn) -> list[int]:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        ).fetchall()
        return [pid for (pid,) in rows if pid not in self.exclude]

    def _snapshot(self, conn) -> dict:
        time.sleep(1.1)  # let the backends flush their statistics (PostgreSQL 15+)
        conn.execute("SELECT pg_stat_clear_snapshot()")
        commits, inserted, updated = conn.execute(
            "SELECT xact_commit, tup_inserted, tup_updated FROM pg_stat_database "
            "WHERE datname = current_database()"
        ).fetchone()
        workers = [self.server_pid, *_children(self.server_pid)]
        return {
            "app": sum(_cpu_seconds(pid) for pid in workers),
            "db": {pid: _cpu_seconds(pid) for pid in self._backends(conn)},
            "commits": commits,
            "rows": inserted + updated,
        }

    def start(self, exclude: tuple[int, ...] = ()) -> None:
        self.exclude = set(exclude)
        self.conn = self._connect()
        self.exclude.add(self.conn.info.backend_pid)
        self.before = self._snapshot(self.conn)
        self.samples = 0
        self.waiting = 0
        self.active = 0
        self.waits: dict[str, int] = {}
        self.last_cpu: dict[int, float] = dict(self.before["db"])
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        conn = self._connect()
        while not self._stop.wait(0.05):
            rows = conn.execute(
                "SELECT wait_event_type, left(regexp_replace(query, '\\s+', ' ', 'g'), 70) "
                "FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state = 'active'"
            ).fetchall()
            # Backends come and go (CONN_MAX_AGE): keep the last CPU seen of each.
            for pid in self._backends(conn):
                self.last_cpu[pid] = _cpu_seconds(pid) or self.last_cpu.get(pid, 0.0)
            self.samples += 1
            self.active += len(rows)
            for wait_type, query in rows:
                if wait_type == "Lock":
                    self.waiting += 1
                    self.waits[query] = self.waits.get(query, 0) + 1
        conn.close()

    def stop(self, requests: int) -> list[str]:
        self._stop.set()
        self._thread.join()
        after = self._snapshot(self.conn)
        self.conn.close()
        before = self.before
        self.last_cpu.update(after["db"])
        db_cpu = sum(cpu - before["db"].get(pid, 0.0) for pid, cpu in self.last_cpu.items())
        n = max(requests, 1)
        samples = max(self.samples, 1)
        lines = [
            f"  per request: web server CPU {(after['app'] - before['app']) / n * 1000:.2f} ms, "
            f"PostgreSQL CPU {db_cpu / n * 1000:.2f} ms, "
            f"{(after['commits'] - before['commits']) / n:.1f} transactions, "
            f"{(after['rows'] - before['rows']) / n:.1f} rows written",
            f"  database backends: {self.active / samples:.1f} active on average, "
            f"{self.waiting / samples:.1f} of them waiting on a lock",
        ]
        for query, count in sorted(self.waits.items(), key=lambda item: -item[1])[:3]:
            lines.append(f"    waiting {100 * count / max(self.waiting, 1):3.0f}% in: {query}")
        return lines
