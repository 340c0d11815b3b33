"""Benchmark: the retention sweep over 100 000 portal records and 100 000 camera recordings.

    .venv/bin/python bench/bench_retention.py          # or through `make bench`
    BENCH_RETENTION_RECORDS=20000 .venv/bin/python bench/bench_retention.py

Database: PostgreSQL when DATABASE_URL (or BENCH_DATABASE_URL) names one; the benchmark
then uses its own database `dsr_bench_retention` on that server (it empties the portal's
request tables, so it never runs in yours). Otherwise SQLite files under var/bench/. The
demo customer information system ("cis") lives in the same database on PostgreSQL.

Each run builds afresh, with bulk inserts (not through the workflow: this measures the
sweep, not the filing):

- portal: RECORDS rows of closed requests older than RETENTION_CLOSED_REQUEST_YEARS (one
  data subject, one submission, one request and two messages each: five rows a person);
- the demo CIS: RECORDS camera recordings of Kalmar Energi Elnät, all past 21 days;
- SPARED people with an open request (their rows must be left alone).

Then it times `retention.sweeps.run_sweep` twice: a dry run and the real run, and prints
for each part (files, closed requests, systems) the seconds, the number of SQL
statements (an executemany counts once) and the rows affected. The closed-request part is
a fixed number of statements whatever RECORDS is; the systems part is one SELECT and one
executemany per rule and system, plus one `connector.find` per spared person to learn
their row keys.
"""

import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RECORDS = int(os.environ.get("BENCH_RETENTION_RECORDS", "100000"))
SPARED = int(os.environ.get("BENCH_RETENTION_SPARED", "50"))
BENCH_DB = "dsr_bench_retention"


def database_urls() -> tuple[str, str]:
    """Return (portal URL, CIS URL): a dedicated PostgreSQL database, or SQLite files."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url)
        url = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
        return url, url
    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{var / 'retention.sqlite3'}", f"sqlite:///{var / 'retention_cis.sqlite3'}"


def create_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
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
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def setup() -> None:
    portal_url, cis_url = database_urls()
    os.environ["DATABASE_URL"] = portal_url
    os.environ["CIS_DATABASE_URL"] = cis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
    os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    create_database(portal_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(today: datetime.date) -> dict[str, int]:
    """Empty the portal's request tables and the CIS footage; insert the bench data."""
    from django.db import connections, transaction

    from datamap import democis, pii
    from datamap.models import LegalEntity
    from rights_requests import deadlines
    from rights_requests.models import (
        Artifact,
        DataSubject,
        Message,
        RequestEvent,
        RightsRequest,
        Status,
        Submission,
    )

    entity = LegalEntity.objects.select_related("organisation").get(slug="kalmar-energi-elnat")
    people = max(1, RECORDS // 5)
    closed_at = datetime.datetime(today.year - 4, 3, 1, 12, 0, tzinfo=datetime.UTC)
    received_at = closed_at - datetime.timedelta(days=20)
    received_on = deadlines.receipt_date(received_at)
    due = deadlines.due_date(received_on)
    with transaction.atomic():
        RequestEvent.objects.all()._raw_delete(RequestEvent.objects.db)  # bench database only
        Artifact.objects.all().delete()
        Message.objects.all()._raw_delete(Message.objects.db)
        RightsRequest.objects.all()._raw_delete(RightsRequest.objects.db)
        Submission.objects.all()._raw_delete(Submission.objects.db)
        DataSubject.objects.all()._raw_delete(DataSubject.objects.db)
        key = pii.encrypt("000000000000")  # the same token for all: encryption is not timed
        subjects = [
            DataSubject(
                personal_number_encrypted=key,
                personal_number_hash=pii.lookup_hash(democis.synthetic_number(i)),
                first_name="Test",
                last_name=f"Kund {i}",
                email=f"kund{i}@example.org",
                phone="070-000 00 00",
                street_address="Provgatan 1",
                postal_code="392 31",
                city="Kalmar",
            )
            for i in range(people + SPARED)
        ]
        DataSubject.objects.bulk_create(subjects, batch_size=5000)
        subjects = list(DataSubject.objects.order_by("pk"))
        submissions = Submission.objects.bulk_create(
            [
                Submission(
                    subject=s,
                    organisation=entity.organisation,
                    channel="web",
                    received_at=received_at,
                    contact_email=s.email,
                )
                for s in subjects
            ],
            batch_size=5000,
        )
        requests = []
        for i, (subject, submission) in enumerate(zip(subjects, submissions, strict=True)):
            spared = i >= people
            requests.append(
                RightsRequest(
                    submission=submission,
                    subject=subject,
                    legal_entity=entity,
                    right="access",
                    reference=f"KE-BENCH-{i:07d}",
                    channel="web",
                    details={"note": "bench"},
                    status=Status.IN_PROGRESS if spared else Status.COMPLETED,
                    identity_required="high",
                    identity_level="high",
                    received_at=received_at,
                    received_on=received_on,
                    due_on=due,
                    notice_by=due,
                    deadline_on=due,
                    target_on=due,
                    closed_at=None if spared else closed_at,
                )
            )
        requests = RightsRequest.objects.bulk_create(requests, batch_size=5000)
        Message.objects.bulk_create(
            [
                Message(request=r, sender=sender, body="Ring mig på 070-000 00 00, tack.")
                for r in requests
                for sender in ("customer", "staff")
            ],
            batch_size=5000,
        )
    democis.create_schema()
    cis = connections["cis"]
    recorded = datetime.datetime.combine(
        today - datetime.timedelta(days=60), datetime.time(10), tzinfo=datetime.UTC
    )
    with transaction.atomic(using="cis"), cis.cursor() as cursor:
        cursor.execute("DELETE FROM camera_footage")
        cursor.executemany(
            "INSERT INTO camera_footage (id, company, recorded_at, location, camera) "
            "VALUES (%s, %s, %s, %s, %s)",
            [
                (
                    f"B-{i:07d}",
                    entity.slug,
                    (recorded - datetime.timedelta(minutes=i)).isoformat(),
                    "Kundmottagningen",
                    "CAM-01",
                )
                for i in range(RECORDS)
            ],
        )
    return {
        "portal rows": len(subjects) + len(submissions) + len(requests) + 2 * len(requests),
        "camera recordings": RECORDS,
        "spared people": SPARED,
    }


def timed_sweep(dry_run: bool, today: datetime.date) -> None:
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from retention import sweeps

    parts = [
        ("files", lambda report: sweeps.sweep_artifacts(report, sweeps._start_of(today))),
        ("closed requests", lambda report: sweeps.sweep_closed_requests(report, today)),
        ("systems", lambda report: sweeps.sweep_systems(report, today)),
    ]
    label = "dry run" if dry_run else "real run"
    for name, part in parts:
        report = sweeps.SweepReport(today=today, dry_run=dry_run)
        with (
            CaptureQueriesContext(connections["default"]) as portal,
            CaptureQueriesContext(connections["cis"]) as cis,
        ):
            started = time.perf_counter()
            part(report)
            seconds = time.perf_counter() - started
        rows = sum(line.count for line in report.lines if line.action not in ("kept", "none"))
        kept = sum(line.count for line in report.lines if line.action == "kept")
        print(
            f"{label:<9} {name:<16} {seconds:8.2f} s  "
            f"{len(portal.captured_queries):6d} portal + {len(cis.captured_queries):6d} CIS statements  "
            f"{rows:8d} rows  {kept:6d} kept"
        )
        slowest = max(
            portal.captured_queries + cis.captured_queries,
            key=lambda q: float(q["time"]),
            default=None,
        )
        if slowest and float(slowest["time"]) > 0.5:
            print(
                f"{'':>10} slowest statement {float(slowest['time']):.2f} s: {slowest['sql'][:160]}"
            )
        for error in report.errors:
            print("   error:", error)


def main() -> int:
    setup()
    from django.conf import settings
    from django.db import connection

    today = datetime.date(2026, 11, 24)
    print(
        f"database: {connection.vendor}; records: {RECORDS}; spared: {SPARED}; "
        f"closed requests anonymised after {settings.RETENTION_CLOSED_REQUEST_YEARS} years"
    )
    started = time.perf_counter()
    built = build(today)
    print(f"built {built} in {time.perf_counter() - started:.1f} s")
    timed_sweep(True, today)
    timed_sweep(False, today)
    return 0


if __name__ == "__main__":
    sys.exit(main())
