"""`make run`'s last step: runportal starts web, worker and beat on the embedded defaults.

Runs the real command in a child process (SQLite and the filesystem broker in a
temporary VAR_DIR), waits until the web server answers /health/, the worker is ready
and beat has started, then stops it with SIGTERM and checks that all three stopped.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dev_env(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "CIS_DATABASE_URL",
            "CELERY_BROKER_URL",
            "DSR_TESTING",
            "CELERY_TASK_ALWAYS_EAGER",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update({"DEBUG": "true", "VAR_DIR": str(tmp_path / "var"), "PYTHONUNBUFFERED": "1"})
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    return env


def test_runportal_starts_web_worker_and_beat_and_stops_them(dev_env, tmp_path):
    port = free_port()
    log_path = tmp_path / "runportal.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runportal", "--port", str(port), "--concurrency", "1"],
            cwd=ROOT,
            env=dev_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline:
            text = log_path.read_text(errors="replace")
            if health is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as r:
                        health = r.status
                except OSError:
                    pass
            if (
                health == 200
                and "beat: Starting" in text
                and "rights_requests.tasks.deadline_sweep" in text
                and "succeeded" in text.split("rights_requests.tasks.deadline_sweep[", 1)[-1]
            ):
                break
            assert process.poll() is None, f"runportal exited early:\n{text}"
            time.sleep(0.5)
        text = log_path.read_text(errors="replace")
        assert health == 200, text
        assert "worker | " in text and "ready." in text, text
        assert "beat   | " in text and "beat: Starting" in text, text
        assert f"http://127.0.0.1:{port}/admin/" in text
        # The worker carried out the deadline sweep queued at start (the log shows it).
        assert "Task rights_requests.tasks.deadline_sweep[" in text, text
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    text = log_path.read_text(errors="replace")
    assert "Portal stopped." in text
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
