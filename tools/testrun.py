"""`make test`: run the suite where it can run, and say what was not run and why.

1. Always: the whole suite on SQLite with eager tasks. Tests that need a service
   (markers postgres, redis, worker, browser) are skipped there with their reason.
2. Where PostgreSQL answers on DSR_TEST_PG (default 127.0.0.1:5432), or when CI=true:
   the whole suite again on PostgreSQL, with Redis, a real Celery worker and headless
   Chromium for the tests that need them.

With CI=true a skipped service test in the second pass fails the run: CI must not pass
by leaving out the tests that exercise the real components.

Extra arguments go to pytest in both passes: `python -m tools.testrun -k deadline`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "var" / "test-reports"
SERVICE_TAG = "[service:"


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), 2):
            return True
    except OSError:
        return False


def run_pass(name: str, env_overrides: dict[str, str], pytest_args: list[str]) -> tuple[int, list]:
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = REPORTS / f"{name}.xml"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CIS_DATABASE_URL"}}
    env.update(env_overrides)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        f"--junitxml={report}",
        *pytest_args,
    ]
    print(f"\n=== {name}: {' '.join(command[2:])}", flush=True)
    for key in sorted(env_overrides):
        print(f"    {key}={env_overrides[key]}", flush=True)
    code = subprocess.call(command, cwd=ROOT, env=env)
    return code, service_skips(report)


def service_skips(report: Path) -> list[tuple[str, str]]:
    """(test id, reason) of every test skipped because a service was missing."""
    if not report.exists():
        return []
    skipped = []
    for case in ET.parse(report).getroot().iter("testcase"):
        for skip in case.findall("skipped"):
            message = skip.get("message", "") + (skip.text or "")
            if SERVICE_TAG in message:
                test_id = f"{case.get('classname')}::{case.get('name')}"
                skipped.append((test_id, message.strip().splitlines()[0]))
    return skipped


def main(argv: list[str]) -> int:
    ci = truthy(os.environ.get("CI"))
    pg_host, _, pg_port = os.environ.get("DSR_TEST_PG", "127.0.0.1:5432").partition(":")
    pg_port_number = int(pg_port or 5432)

    code, skips = run_pass("sqlite", {}, argv)
    if code != 0:
        print(f"\nSQLite pass failed (pytest exit code {code}).")
        return code

    if not ci and not reachable(pg_host, pg_port_number):
        print(
            f"\nNo PostgreSQL at {pg_host}:{pg_port_number}: the service pass was not run. "
            f"{len(skips)} test(s) that need PostgreSQL, Redis, a worker or Chromium were "
            "skipped, each with its reason above (-ra). CI runs them."
        )
        return 0

    database = os.environ.get("DSR_TEST_PG_DB", "dsr")
    overrides = {
        "DATABASE_URL": f"postgres://postgres@{pg_host}:{pg_port_number}/{database}",
        "CIS_DATABASE_URL": f"postgres://postgres@{pg_host}:{pg_port_number}/{database}_cis",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
    }
    code, skips = run_pass("postgres", overrides, argv)
    if code != 0:
        print(f"\nPostgreSQL pass failed (pytest exit code {code}).")
        return code
    if skips:
        print(f"\n{len(skips)} service test(s) skipped in the PostgreSQL pass:")
        for test_id, reason in skips:
            print(f"  {test_id}: {reason}")
        if ci:
            print("CI=true: a skipped service test fails the run.")
            return 1
    print("\nBoth passes green.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
