"""Fixtures for the fault tests: the real worker (tests/worker.py) and a private Redis."""

import shutil
import socket
import subprocess
import time

import pytest

from tests.worker import celery_worker_process, worker_env  # noqa: F401


def _free_port(preferred: int = 6390) -> int:
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port")


class OwnRedis:
    """A redis-server of the test's own on a private port, so it can be stopped.

    Never the machine's Redis on 6379: other work uses it.
    """

    def __init__(self, binary: str, directory):
        self.binary = binary
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "OwnRedis":
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    @property
    def running(self) -> bool:
        return bool(self.process and self.process.poll() is None)


@pytest.fixture
def own_redis(tmp_path):
    binary = shutil.which("redis-server")
    if not binary:
        pytest.skip("[service:redis] no redis-server binary to start a private Redis")
    server = OwnRedis(binary, tmp_path).start()
    yield server
    server.stop()
