"""Benchmark: the data export (Art. 20) of ten years of hourly readings on two metering points.

    .venv/bin/python bench/bench_portability.py           # PostgreSQL: dsr_bench_export(_cis)
    .venv/bin/python bench/bench_portability.py --sqlite  # SQLite files under var/bench-export

A district-heating customer (a contract: the readings are portable) with 175 200 hourly
readings. Prints the export's rows per second (wall and CPU), the Python heap's peak
(tracemalloc) and ru_maxrss, the heap's peak again for a customer with one year (a tenth
of the rows: memory flat as rows grow); and, where the customer database is PostgreSQL, the rows
per second of `COPY (SELECT ...) TO STDOUT (FORMAT csv)` of the same rows and the ratio
(budget: the export at least 0.5x COPY). Exits 1 when the budget is missed.

Phases (PostgreSQL): "csv" is the connector's copy_csv of the readings alone (the raw
CSV the COPY comparison makes, with the export's value formats); "zip" is the whole
build_export (CSV and JSON of every portable category, deflated, stored as an
Artifact). COPY and the export are measured in turns (best of ROUNDS each), so that
the other load on the machine falls on both alike. `--levels` also times the ZIP at
deflate levels 1 and 6.
"""

import contextlib
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_extract import setup_django, subject_for  # noqa: E402

COMPANY = "kalmar-energi-varme"
PG = "postgres://postgres@127.0.0.1:5432"
RATIO_BUDGET = 0.5
ROUNDS = 5


def customer(index: int = 0, years: int = 10):
    """A benchmark customer (generated once): `years` of hourly readings on 2 metering points.

    Customer 0 has ten years (the budget's case); customer 1 one year, for the memory
    comparison. generate() skips customers already there, so the first call decides.
    """
    from datamap import democis, pii

    number = democis.synthetic_number(index)
    query = (
        "SELECT personal_number, customer_no FROM customers WHERE lookup_hash = %s AND company = %s"
    )
    params = [pii.lookup_hash(number), COMPANY]
    with democis.connection().cursor() as cursor:
        cursor.execute(query, params)
        row = cursor.fetchone()
    if row is None:
        democis.generate(index + 1, years_of_readings=years, points_per_customer=2, company=COMPANY)
        with democis.connection().cursor() as cursor:
            cursor.execute(query, params)
            row = cursor.fetchone()
    return subject_for(row[0]), row[1]


def peak_heap(subject) -> tuple[int, int]:
    """(rows, tracemalloc peak in bytes) of one export."""
    tracemalloc.start()
    _, _, rows, _ = export_once(subject)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rows, peak


def new_request(subject):
    from datamap.models import LegalEntity
    from identity.levels import IdentityLevel, VerificationMethod
    from rights_requests import workflow
    from rights_requests.models import Right

    entity = LegalEntity.objects.get(slug=COMPANY)
    submission = workflow.file_submission(
        subject=subject,
        organisation=entity.organisation,
        items=[workflow.RequestItem(entity, Right.PORTABILITY, {})],
        identity_level=IdentityLevel.HIGH,
        identity_method=VerificationMethod.EID,
    )
    return submission.requests.get()


def export_once(subject) -> tuple[float, float, int, int]:
    """Build one export; return (wall s, CPU s, rows, bytes)."""
    from rights_requests.fulfilment import portability
    from rights_requests.models import RequestEvent

    request = new_request(subject)
    started, started_cpu = time.perf_counter(), time.process_time()
    artifact = portability.build_export(request.pk)
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    rows = RequestEvent.objects.get(request=request, kind="export.ready").data["rows"]
    return wall, cpu, rows, artifact.size


def copy_once(customer_no: str) -> tuple[float, int]:
    """PostgreSQL COPY of the same readings to CSV: (wall s, rows)."""
    from datamap import democis

    conn = democis.connection()
    conn.ensure_connection()
    sql = (
        "COPY (SELECT metering_point_id, hour, kwh FROM meter_readings WHERE metering_point_id "
        "IN (SELECT id FROM metering_points WHERE customer_no = '{}') "
        "ORDER BY metering_point_id, hour) TO STDOUT (FORMAT csv, HEADER)"
    ).format(customer_no.replace("'", "''"))
    with tempfile.TemporaryFile() as target:
        started = time.perf_counter()
        with conn.connection.cursor() as cursor, cursor.copy(sql) as copy:
            for data in copy:
                target.write(data)
        elapsed = time.perf_counter() - started
        target.seek(0)
        rows = sum(1 for _ in target) - 1
    return elapsed, rows


def csv_phase_once(subject) -> tuple[float, float, int] | None:
    """The connector's copy_csv of the readings: (wall s, CPU s, bytes)."""
    from datamap.connectors import connectors_for
    from datamap.models import LegalEntity

    entity = LegalEntity.objects.get(slug=COMPANY)
    connector = next(c for s, c in connectors_for(entity) if s.code == "cis")
    if not hasattr(connector, "copy_csv"):
        return None  # code from before the fast path
    size = 0
    with tempfile.TemporaryFile() as target:
        started, started_cpu = time.perf_counter(), time.process_time()
        with connector.snapshot():
            for chunk in connector.copy_csv(subject, "meter-readings"):
                target.write(chunk)
                size += len(chunk)
        return time.perf_counter() - started, time.process_time() - started_cpu, size


@contextlib.contextmanager
def compresslevel(level: int):
    from rights_requests.fulfilment import portability

    saved = portability.COMPRESSLEVEL
    portability.COMPRESSLEVEL = level
    try:
        yield
    finally:
        portability.COMPRESSLEVEL = saved


def main() -> int:
    if "--sqlite" not in sys.argv:
        # The budget compares with PostgreSQL's COPY: PostgreSQL unless told otherwise.
        os.environ.setdefault("DATABASE_URL", f"{PG}/dsr_bench_export")
        os.environ.setdefault("CIS_DATABASE_URL", f"{PG}/dsr_bench_export_cis")
    setup_django("bench-export")
    from datamap import democis

    subject, customer_no = customer()
    export_once(subject)  # warm up
    postgres = democis.connection().vendor == "postgresql"
    exports, copies, phases = [], [], []
    for _ in range(ROUNDS):
        exports.append(export_once(subject))
        if postgres:
            copies.append(copy_once(customer_no))
            if (phase := csv_phase_once(subject)) is not None:
                phases.append(phase)
    wall, cpu, rows, size = min(exports)
    cpus = sorted(e[1] for e in exports)
    _, peak = peak_heap(subject)
    rate = rows / wall
    print(
        f"zip: export rows={rows} best wall={wall:.2f}s ({rate:,.0f} rows/s) "
        f"cpu best={cpus[0]:.2f}s median={cpus[len(cpus) // 2]:.2f}s "
        f"({rows / cpus[0]:,.0f} rows/s) zip={size / 2**20:.1f}MB "
        f"tracemalloc peak={peak / 2**20:.1f}MB "
        f"ru_maxrss={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}MB",
        flush=True,
    )
    # Memory flat as rows grow: the same export for a customer with a tenth of the rows.
    small_subject, _ = customer(1, years=1)
    export_once(small_subject)  # warm up
    small_rows, small_peak = peak_heap(small_subject)
    print(
        f"memory: tracemalloc peak {small_peak / 2**20:.1f}MB for {small_rows} rows (one year), "
        f"{peak / 2**20:.1f}MB for {rows} rows (ten years): x{peak / small_peak:.2f} "
        f"for x{rows / small_rows:.1f} the rows",
        flush=True,
    )
    if "--levels" in sys.argv:
        for level in (1, 6):
            with compresslevel(level):
                runs = [export_once(subject) for _ in range(3)]
            best = min(runs)
            print(
                f"zip at deflate level {level}: best wall={best[0]:.2f}s "
                f"cpu={min(r[1] for r in runs):.2f}s zip={best[3] / 2**20:.1f}MB",
                flush=True,
            )
    if not postgres:
        print("COPY comparison: the customer database is not PostgreSQL (set CIS_DATABASE_URL)")
        return 0
    copy_wall, copy_rows = min(copies)
    copy_rate = copy_rows / copy_wall
    ratio = rate / copy_rate
    if phases:
        csv_wall, csv_cpu, csv_bytes = min(phases)
        csv_rate = copy_rows / csv_wall
        print(
            f"csv: copy_csv of the readings rows={copy_rows} best wall={csv_wall:.2f}s "
            f"({csv_rate:,.0f} rows/s) cpu={csv_cpu:.2f}s csv={csv_bytes / 2**20:.1f}MB; "
            f"csv/COPY = {csv_rate / copy_rate:.2f}",
            flush=True,
        )
    print(
        f"COPY to CSV rows={copy_rows} best wall={copy_wall:.2f}s {copy_rate:,.0f} rows/s; "
        f"zip export/COPY = {ratio:.2f} (budget >= {RATIO_BUDGET}): "
        f"{'ok' if ratio >= RATIO_BUDGET else 'BELOW'}",
        flush=True,
    )
    return 0 if ratio >= RATIO_BUDGET else 1


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
    sys.exit(main())
