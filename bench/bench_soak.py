"""Soak test: file requests for five minutes while the worker is killed every 30 seconds.

    .venv/bin/python bench/bench_soak.py                 # 300 s, as issue 7 asks
    .venv/bin/python bench/bench_soak.py --seconds 60 --kill-every 15
    .venv/bin/python -m bench soak                       # the same through `make bench`

Needs PostgreSQL on 127.0.0.1:5432 (BENCH_POSTGRES) and the redis-server binary: the
soak starts its own Redis on a free port and a real `celery worker` (tests/worker.py)
on a fresh database `dsr_soak`. While it runs, this process plays the web and the beat:
it files requests (some wait for identity; some are completed, refused, extended or get
a register extract), and fires the outbox sweep every few seconds; every `--kill-every`
seconds the worker is killed with SIGKILL and started again. At the end it waits for the
outbox to drain and checks that every request is in the state the soak put it in and
that every effect happened exactly once: one e-mail per notice (counted in the worker's
mail files), one `notice.sent` event per notice, one Artifact and one file per extract,
an intact event chain. Prints the counts; exits 1 on any missing or doubled effect.
Not part of `make test`.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_BASE = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "dsr_soak"


def _fresh_database() -> None:
    import psycopg
    from dj_database_url import parse

    config = parse(f"{PG_BASE}/postgres")
    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _setup(tmp: Path):
    os.environ["DATABASE_URL"] = f"{PG_BASE}/{DB_NAME}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings_test"
    os.environ["VAR_DIR"] = str(tmp / "var")
    _fresh_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    override_settings(
        CELERY_TASK_ALWAYS_EAGER=False,
        DSR_OUTBOX_REQUEUE_SECONDS=5,
        DSR_FULFIL_ON_START=False,  # extracts are queued by the soak itself, some of them
        STORAGES={
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": tmp / "private", "base_url": None},
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()


def _subject(n: int):
    from datamap import pii
    from rights_requests.models import DataSubject

    birth = f"19{60 + n % 40:02d}{1 + n % 12:02d}{1 + n % 28:02d}"
    serial = f"{n % 1000:03d}"
    number = pii.parse_personal_number(
        birth + serial + str(pii.luhn_check_digit(birth[2:] + serial))
    )
    subject = DataSubject(
        first_name="Soak",
        last_name=f"Person{n}",
        email=f"soak{n}@example.org",
        preferred_language="en" if n % 4 == 0 else "sv",
    )
    subject.set_personal_number(number)
    subject.save()
    return subject


def _act(n: int, rng: random.Random, entities, expected: dict) -> None:
    """File one request and take it to a state; remember the state expected."""
    from django.db import transaction

    from identity.levels import IdentityLevel
    from rights_requests import outbox, workflow
    from rights_requests.models import ExtensionReason, Outcome, Status
    from tests.rights_requests.factories import file_request

    entity = entities[n % len(entities)]
    subject = _subject(n)
    roll = rng.random()
    if roll < 0.2:
        request = file_request(subject, entity)  # waits for identity: two notices
        expected[request.pk] = Status.AWAITING_IDENTITY
        return
    request = file_request(subject, entity, level=IdentityLevel.HIGH)
    expected[request.pk] = Status.IN_PROGRESS
    if roll < 0.4:
        workflow.request_complete(request)
        expected[request.pk] = Status.COMPLETED
    elif roll < 0.5:
        workflow.request_complete(
            request, outcome=Outcome.PARTIALLY_GRANTED, reasons="Invoices are kept (BFL)."
        )
        expected[request.pk] = Status.COMPLETED
    elif roll < 0.6:
        workflow.request_refuse(request, reasons="Manifestly unfounded (Art. 12(5)).")
        expected[request.pk] = Status.REFUSED
    elif roll < 0.7:
        workflow.request_extend(
            request, reason_code=ExtensionReason.VOLUME_OF_DATA, reason="Many systems."
        )
    elif roll < 0.8:
        with transaction.atomic():
            outbox.enqueue_extract(request)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300, help="how long to file (300)")
    parser.add_argument("--kill-every", type=float, default=30, help="seconds between kills (30)")
    parser.add_argument("--rate", type=float, default=2.0, help="requests filed per second (2)")
    parser.add_argument(
        "--effect-delay",
        type=float,
        default=0.1,
        help="seconds each e-mail and extract takes longer in the worker, so that kills "
        "land in the middle of effects (0.1)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the logs and mail files")
    args = parser.parse_args(argv)

    if args.keep:
        tmp = Path(tempfile.mkdtemp(prefix="dsr-soak-"))
        print("logs and mail files in", tmp)
        _setup(tmp)
        return _soak(tmp, args)
    with tempfile.TemporaryDirectory(prefix="dsr-soak-") as tmp_name:
        tmp = Path(tmp_name)
        _setup(tmp)
        return _soak(tmp, args)


def _soak(tmp: Path, args) -> int:
    import shutil

    from django.db import connection

    from datamap.models import LegalEntity
    from rights_requests import outbox
    from tests.faults.conftest import OwnRedis
    from tests.worker import Publishing, WorkerProcess

    binary = shutil.which("redis-server")
    if not binary:
        print("the soak needs the redis-server binary")
        return 2
    redis = OwnRedis(binary, tmp).start()
    queue = "dsr-soak"
    publishing = Publishing(redis.url, queue)
    worker = WorkerProcess(
        tmp,
        broker_url=redis.url,
        queue=queue,
        env={
            "DSR_OUTBOX_LEASE_SECONDS": "20",
            "CELERY_VISIBILITY_TIMEOUT": "15",
            "DSR_TEST_EFFECT_DELAY": str(args.effect_delay),
            "DSR_TEST_SLOW_KINDS": "notice,extract",
        },
    )
    worker.run_python("from datamap import democis\ndemocis.create_schema()")
    worker.start()
    rng = random.Random(7)
    entities = list(LegalEntity.objects.order_by("pk"))
    expected: dict[int, str] = {}
    kills = 0
    started = time.monotonic()
    next_kill = started + args.kill_every
    next_sweep = started
    n = 0
    try:
        while time.monotonic() - started < args.seconds:
            now = time.monotonic()
            if now >= next_kill:
                worker.kill()
                kills += 1
                worker.start()
                next_kill = time.monotonic() + args.kill_every
            if now >= next_sweep:
                outbox.requeue_stale()  # the beat's outbox sweep
                next_sweep = now + 2
            _act(n, rng, entities, expected)
            n += 1
            time.sleep(max(0.0, 1 / args.rate - (time.monotonic() - now)))
        print(
            f"filed {n} requests in {time.monotonic() - started:.0f} s, worker killed {kills} times"
        )
        drained = _drain(timeout=180)
        problems = _check(worker, expected)
        print("outbox drained" if drained else "OUTBOX NOT DRAINED in 180 s")
        for line in problems:
            print("PROBLEM:", line)
        print(
            "OK: every request in its expected state, every effect exactly once"
            if drained and not problems
            else "FAILED"
        )
        return 0 if drained and not problems else 1
    finally:
        worker.stop()
        publishing.restore()
        redis.stop()
        connection.close()


def _drain(timeout: float) -> bool:
    from rights_requests import outbox
    from rights_requests.models import Outbox

    deadline = time.monotonic() + timeout
    while Outbox.objects.exclude(status=Outbox.State.DONE).exists():
        if time.monotonic() > deadline:
            return False
        outbox.requeue_stale()
        time.sleep(1)
    return True


def _check(worker, expected: dict[int, str]) -> list[str]:
    import re

    from rights_requests import workflow
    from rights_requests.models import Artifact, Outbox, RequestEvent, RightsRequest

    problems = []
    states = dict(RightsRequest.objects.values_list("pk", "status"))
    wrong = {pk: (states.get(pk), want) for pk, want in expected.items() if states.get(pk) != want}
    if wrong:
        problems.append(
            f"{len(wrong)} requests not in their expected state: {list(wrong.items())[:5]}"
        )
    rows = list(Outbox.objects.all())
    by_kind = Counter(row.kind for row in rows)
    handed: Counter = Counter()  # messages handed to the mail server, per outbox key
    distinct: dict[str, set] = {}  # distinct Message-IDs per outbox key
    for message in worker.mails():
        key = re.search(r"^X-DSR-Outbox: (\S+)", message, re.MULTILINE)
        message_id = re.search(r"^Message-ID: (\S+)", message, re.MULTILINE)
        if key:
            handed[key[1]] += 1
            distinct.setdefault(key[1], set()).add(message_id[1] if message_id else message)
    mails = Counter({key: len(ids) for key, ids in distinct.items()})
    email_keys = {r.idempotency_key for r in rows if r.kind in outbox_email_kinds()}
    missing = email_keys - set(mails)
    doubled = {k: v for k, v in mails.items() if v > 1}
    handed_again = sum(n - 1 for n in handed.values())
    stray = set(mails) - email_keys
    if missing:
        problems.append(f"{len(missing)} e-mails missing, e.g. {sorted(missing)[:3]}")
    if doubled:
        problems.append(f"{len(doubled)} e-mails doubled, e.g. {list(doubled.items())[:3]}")
    if stray:
        problems.append(f"{len(stray)} e-mails without an outbox row")
    events = Counter(e.data.get("outbox") for e in RequestEvent.objects.filter(kind="notice.sent"))
    if any(v != 1 for v in events.values()):
        problems.append("a notice.sent event recorded twice")
    extracts = [r for r in rows if r.kind == Outbox.Kind.EXTRACT]
    artifacts = Counter(Artifact.objects.values_list("request_id", flat=True))
    for row in extracts:
        if artifacts.get(row.request_id) != 1:
            problems.append(
                f"request {row.request_id}: {artifacts.get(row.request_id, 0)} extracts"
            )
        folder = worker.private_root / "artifacts" / str(row.request_id)
        files = list(folder.iterdir()) if folder.exists() else []
        if len(files) != 1:
            problems.append(f"request {row.request_id}: {len(files)} files on disk")
    breaks = workflow.verify_chain()
    if breaks:
        problems.append(f"{len(breaks)} broken event chains")
    retried = sum(1 for r in rows if r.attempts > 1)
    interrupted = worker.effect_starts() - len(rows)
    print(
        f"e-mail messages {sum(mails.values())} for {len(email_keys)} e-mail effects; the same"
        f" message (same Message-ID) handed to the mail server again after a kill between its"
        f" acceptance and the commit: {handed_again}"
    )
    print(
        f"requests {len(expected)}; effects {len(rows)} ({dict(by_kind)});"
        f" extracts {sum(artifacts.values())}; effects that needed more than one attempt {retried};"
        f" effects interrupted and run again {interrupted}; worker starts {worker.starts}"
    )
    return problems


def outbox_email_kinds():
    from rights_requests.outbox import EMAIL_KINDS

    return EMAIL_KINDS


if __name__ == "__main__":
    sys.exit(main())
