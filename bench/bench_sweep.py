"""Benchmark: the deadline sweep over 1 000 000 open requests, against one SQL UPDATE.

    .venv/bin/python bench/bench_sweep.py      # or through `make bench`
    BENCH_SWEEP_REQUESTS=200000 .venv/bin/python bench/bench_sweep.py

On PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/dsr_bench_sweep):
builds the requests once with INSERT ... SELECT FROM generate_series (reused while the
count matches), then, side by side in one run, for several rounds:

- `sweep`: rights_requests.sweeps.sweep_deadline_states(), the code beat runs;
- `one UPDATE`: a single hand-written UPDATE that gives every open row the same state
  with a CASE expression (the floor for marking those rows).

Before each timed run every row's state is reset, so both mark all the rows. A third
figure, `sweep again`, is the steady state: the sweep when nothing has changed since the
last run (what beat pays every five minutes). Budget (issue 9): sweep within 2x of the
one UPDATE.
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

N_REQUESTS = int(os.environ.get("BENCH_SWEEP_REQUESTS", "1000000"))
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dsr_bench_sweep"
)
ROUNDS = int(os.environ.get("BENCH_SWEEP_ROUNDS", "3"))
TODAY = datetime.date(2026, 11, 24)


def setup():
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
    os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    create_database(DATABASE_URL)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


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
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def build(n: int) -> float:
    """Insert `n` open requests in one statement; return seconds (0 if already there)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from datamap import pii
    from datamap.models import LegalEntity, Organisation
    from rights_requests.models import DataSubject, RightsRequest, Submission

    if RightsRequest.objects.count() == n:
        return 0.0
    started = time.perf_counter()
    with transaction.atomic():
        RightsRequest.objects.all().delete()
        Submission.objects.all().delete()
        DataSubject.objects.all().delete()
        subject = DataSubject(first_name="Bench", last_name="Sweep")
        subject.set_personal_number(pii.parse_personal_number("198504122394"))
        subject.save()
        organisation = Organisation.objects.first()
        submission = Submission.objects.create(
            subject=subject,
            organisation=organisation,
            channel="web",
            received_at=timezone.now(),
        )
        entities = list(LegalEntity.objects.values_list("pk", flat=True))
        table = RightsRequest._meta.db_table
        # Receipt dates over the 120 days before TODAY; about one in twelve paused for
        # identity; the stored deadline 31 days after receipt (the sweep reads only it).
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} (
                    submission_id, subject_id, legal_entity_id, "right", reference, channel,
                    details, status, identity_required, identity_level, identity_method,
                    received_at, received_on, due_on, notice_by, extended_due_on, deadline_on,
                    target_on, paused_days, paused_since, pause_counts, deadline_state,
                    extension_reason_code, extension_reason, extension_notice_sent_at,
                    assignee_id, outcome, decision_reasons, closed_at, created_at, updated_at
                )
                SELECT %(submission)s, %(subject)s, (%(entities)s::bigint[])[1 + i %% %(n_entities)s],
                       'access', 'B-' || i, 'web', '{{}}',
                       (ARRAY['received','awaiting_identity','in_progress','in_progress',
                              'awaiting_customer'])[1 + i %% 5],
                       'high', 'high', 'eid',
                       d::timestamptz, d, d + 31, d + 31, NULL, d + 31, d + 14,
                       0, CASE WHEN i %% 12 = 0 THEN d + 1 END, i %% 12 = 0, 'on_track',
                       '', '', NULL, NULL, '', '', NULL, now(), now()
                FROM generate_series(1, %(n)s) AS i,
                     LATERAL (SELECT %(today)s::date - (i %% 120) AS d) AS received
                """,
                {
                    "submission": submission.pk,
                    "subject": subject.pk,
                    "entities": entities,
                    "n_entities": len(entities),
                    "n": n,
                    "today": TODAY,
                },
            )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - started


ONE_UPDATE = """
UPDATE {table} SET deadline_state = CASE
    WHEN paused_since IS NOT NULL AND pause_counts THEN 'paused'
    WHEN deadline_on < %(today)s THEN 'overdue'
    WHEN deadline_on <= %(soon)s THEN 'due_soon'
    ELSE 'on_track' END
WHERE status IN ('received', 'awaiting_identity', 'in_progress', 'awaiting_customer')
"""


def reset(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET deadline_state = ''")
        cursor.execute(f"VACUUM ANALYZE {table}")


def main() -> int:
    setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rights_requests.models import OPEN_STATUSES, RightsRequest
    from rights_requests.sweeps import sweep_deadline_states

    assert set(OPEN_STATUSES) == {
        "received",
        "awaiting_identity",
        "in_progress",
        "awaiting_customer",
    }
    table = RightsRequest._meta.db_table
    built = build(N_REQUESTS)
    how = f"built in {built:.1f} s" if built else "reused"
    print(f"{N_REQUESTS:,} open requests on PostgreSQL ({how})")
    soon = TODAY + datetime.timedelta(days=settings.DSR_DUE_SOON_DAYS)
    times = {"sweep": [], "one UPDATE": [], "sweep again": []}
    queries = 0
    for _ in range(ROUNDS):
        reset(table)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            changed = sweep_deadline_states(TODAY)
        times["sweep"].append(time.perf_counter() - started)
        queries = len(captured)
        marked = sum(changed.values())
        started = time.perf_counter()
        sweep_deadline_states(TODAY)
        times["sweep again"].append(time.perf_counter() - started)

        reset(table)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(ONE_UPDATE.format(table=table), {"today": TODAY, "soon": soon})
            updated = cursor.rowcount
        times["one UPDATE"].append(time.perf_counter() - started)
        if marked != updated:
            print(f"MISMATCH: the sweep marked {marked} rows, the UPDATE {updated}")
            return 1
    by_state = RightsRequest.objects.values_list("deadline_state").order_by()
    from django.db.models import Count

    counts = dict(by_state.annotate(n=Count("id")).values_list("deadline_state", "n"))
    print(
        f"rows marked per run: {marked:,}  ({', '.join(f'{k} {v:,}' for k, v in sorted(counts.items()))})"
    )
    print(f"{'':12} {'median s':>9} {'min s':>7}   (rounds: {ROUNDS})")
    for name, values in times.items():
        print(f"{name:12} {statistics.median(values):9.2f} {min(values):7.2f}")
    ratio = statistics.median(times["sweep"]) / statistics.median(times["one UPDATE"])
    print(
        f"sweep / one UPDATE: {ratio:.2f}x (budget 2x) {'OK' if ratio <= 2 else 'OVER BUDGET'}; "
        f"sweep queries: {queries}"
    )
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
