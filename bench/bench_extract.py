"""Benchmark: render time and peak memory of the register extract.

    .venv/bin/python bench/bench_extract.py           # PostgreSQL: dsr_bench_extract(_cis)
    .venv/bin/python bench/bench_extract.py --sqlite  # SQLite files under var/bench-extract

PostgreSQL by default, as the portal runs in production (DATABASE_URL and
CIS_DATABASE_URL, when set, are used as they are).

Two customers of the demo customer information system:
- typical: a customer of the three Kalmar companies with two years of hourly readings,
  extract from Kalmar Energi Elnät (budget: < 1 s);
- long: a grid customer with ten years of hourly readings on two metering points
  (175 200 rows; budget: < 5 s and < 300 MB).
Each case runs in its own process (so that ru_maxrss is its own): the median wall and CPU
time of a few builds (on a busy machine the CPU time is the steadier figure), then one
build under tracemalloc for the Python heap's peak. Prints the
figures and whether they are within budget; exits 1 when a budget is exceeded.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG = "postgres://postgres@127.0.0.1:5432"
BUDGETS = {"typical": (1.0, 300), "long": (5.0, 300)}  # seconds, MB
ROUNDS = {"typical": 5, "long": 2}


def setup_django(name: str) -> None:
    """Configure Django on the benchmark's own databases and migrate the portal's."""
    var = ROOT / "var" / name
    var.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("VAR_DIR", str(var))
    if "--sqlite" not in sys.argv:
        os.environ.setdefault("DATABASE_URL", f"{PG}/dsr_bench_extract")
        os.environ.setdefault("CIS_DATABASE_URL", f"{PG}/dsr_bench_extract_cis")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{var / 'portal.sqlite3'}")
    os.environ.setdefault("CIS_DATABASE_URL", f"sqlite:///{var / 'cis.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
    for variable in ("DATABASE_URL", "CIS_DATABASE_URL"):
        create_postgres_database(os.environ[variable])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from datamap import democis

    democis.create_schema()


def create_postgres_database(url: str) -> None:
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
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def subject_for(personal_number: str, **names):
    """The portal's DataSubject for a personal number (created once)."""
    from datamap import pii
    from rights_requests.models import DataSubject

    number = pii.parse_personal_number(personal_number)
    subject = DataSubject.objects.filter_by_personal_number(number).first()
    if subject is None:
        subject = DataSubject(
            first_name=names.get("first_name", "Test"),
            last_name=names.get("last_name", "Kund"),
            street_address="Storgatan 1",
            postal_code="392 31",
            city="Kalmar",
        )
        subject.set_personal_number(number)
        subject.save()
    return subject


def typical_customer():
    """A customer of the three Kalmar companies with two years of hourly readings."""
    from datamap import democis

    number = "194504249006"  # fictitious (serial 900), with a valid check digit
    democis.seed(
        [
            {
                "personal_number": number,
                "first_name": "Typisk",
                "last_name": "Kund",
                "email": "typisk@example.org",
                "companies": democis.KALMAR,
            }
        ],
        years_of_readings=2,
    )
    return subject_for(number, first_name="Typisk", last_name="Kund")


def long_customer():
    """A grid customer with ten years of hourly readings on two metering points."""
    from datamap import democis

    with democis.connection().cursor() as cursor:
        cursor.execute(
            "SELECT personal_number FROM customers WHERE first_name = 'Test' "
            "AND company = 'kalmar-energi-elnat' ORDER BY customer_no DESC"
        )
        row = cursor.fetchone()
    if row is None:
        democis.generate(1, years_of_readings=10, points_per_customer=2)
        with democis.connection().cursor() as cursor:
            cursor.execute(
                "SELECT personal_number FROM customers WHERE first_name = 'Test' "
                "AND company = 'kalmar-energi-elnat' ORDER BY customer_no DESC"
            )
            row = cursor.fetchone()
    return subject_for(row[0])


def forget_earlier_requests(subject) -> int:
    """Delete the subject's requests from earlier bench runs; return how many.

    The portal's own system lists a customer's requests in the extract (customer cases),
    so without this every run made the "typical" customer's extract longer (7 requests
    a run). Benchmark databases only.
    """
    from django.db import transaction

    from datamap.models import ManualTask
    from rights_requests.models import RequestEvent, RightsRequest, Submission

    requests = RightsRequest.objects.filter(subject=subject)
    count = requests.count()
    with transaction.atomic():
        ManualTask.objects.filter(request__in=requests).delete()
        RequestEvent.objects.filter(request__in=requests).delete()
        requests.delete()
        Submission.objects.filter(subject=subject).delete()
    return count


def reading_count(subject) -> int:
    from datamap import democis, pii

    with democis.connection().cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM meter_readings WHERE metering_point_id IN (SELECT id FROM "
            "metering_points WHERE company = 'kalmar-energi-elnat' AND customer_no IN (SELECT "
            "customer_no FROM customers WHERE lookup_hash = %s))",
            [pii.lookup_hash(subject.personal_number)],
        )
        return cursor.fetchone()[0]


def new_request(subject):
    from datamap.models import LegalEntity
    from identity.levels import IdentityLevel, VerificationMethod
    from rights_requests import workflow
    from rights_requests.models import Right

    entity = LegalEntity.objects.get(slug="kalmar-energi-elnat")
    submission = workflow.file_submission(
        subject=subject,
        organisation=entity.organisation,
        items=[workflow.RequestItem(entity, Right.ACCESS, {})],
        identity_level=IdentityLevel.HIGH,
        identity_method=VerificationMethod.EID,
    )
    return submission.requests.get()


def run_case(case: str) -> dict:
    setup_django("bench-extract")
    from django.db import connection

    from rights_requests.fulfilment import extract

    subject = typical_customer() if case == "typical" else long_customer()
    forget_earlier_requests(subject)
    rows = reading_count(subject)
    extract.build_register_extract(new_request(subject).pk)  # warm up: imports, fonts
    times, cpu = [], []
    for _ in range(ROUNDS[case]):
        request = new_request(subject)
        started, started_cpu = time.perf_counter(), time.process_time()
        artifact = extract.build_register_extract(request.pk)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    tracemalloc.start()
    extract.build_register_extract(new_request(subject).pk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "case": case,
        "readings": rows,
        "database": connection.vendor,
        "seconds_median": statistics.median(times),
        "seconds_max": max(times),
        "cpu_seconds_median": statistics.median(cpu),
        "pdf_bytes": artifact.size,
        "tracemalloc_peak_mb": peak / 2**20,
        "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    if len(sys.argv) >= 3 and sys.argv[1] == "--case":
        print(json.dumps(run_case(sys.argv[2])))
        return 0
    over = []
    for case in ("typical", "long"):
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                "--case",
                case,
                *(a for a in sys.argv[1:] if a == "--sqlite"),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        seconds, megabytes = BUDGETS[case]
        ok = result["seconds_median"] < seconds and result["ru_maxrss_mb"] < megabytes
        if not ok:
            over.append(case)
        print(
            f"{case:8} {result['database']:10} readings={result['readings']:>7} "
            f"render median={result['seconds_median']:.2f}s max={result['seconds_max']:.2f}s "
            f"cpu={result['cpu_seconds_median']:.2f}s "
            f"pdf={result['pdf_bytes'] / 2**20:.1f}MB "
            f"tracemalloc peak={result['tracemalloc_peak_mb']:.1f}MB "
            f"ru_maxrss={result['ru_maxrss_mb']:.0f}MB "
            f"budget <{seconds:.0f}s/<{megabytes}MB: {'ok' if ok else 'OVER'}",
            flush=True,
        )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
