"""Benchmark: the staff work queues and the DPO dashboard with 100 000 requests on PostgreSQL.

    .venv/bin/python bench/bench_staff.py            # or through `make bench`
    BENCH_STAFF_REQUESTS=20000 BENCH_DATABASE_URL=postgres://... .venv/bin/python bench/bench_staff.py

Builds (once; reused while the count matches) requests spread over the four companies,
a year and a half of receipt dates and every status, with bulk_create; then requests each
page through Django's test client as a signed-in, second-factor-verified staff member and
prints the p50 and p95 page time and the number of queries. Not part of `make test`.
"""

import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

N_REQUESTS = int(os.environ.get("BENCH_STAFF_REQUESTS", "100000"))
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dsr_bench_staff"
)
ROUNDS = int(os.environ.get("BENCH_STAFF_ROUNDS", "15"))


def _setup():
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
    os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    _create_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)


def _create_database():
    import psycopg
    from dj_database_url import parse

    config = parse(DATABASE_URL)
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


def _build(n: int):
    """Create `n` requests with bulk_create (skipped when the database already holds them)."""
    from django.db import transaction
    from django.utils import timezone

    from datamap import pii
    from datamap.models import LegalEntity
    from rights_requests import deadlines
    from rights_requests.models import (
        Channel,
        DataSubject,
        Outcome,
        Right,
        RightsRequest,
        Status,
        Submission,
    )

    if RightsRequest.objects.count() == n:
        return False
    rng = random.Random(4)
    with transaction.atomic():
        RightsRequest.objects.all().delete()
        Submission.objects.all().delete()
        DataSubject.objects.all().delete()
        subjects = []
        n_subjects = max(n // 5, 1)
        for i in range(n_subjects):
            birth = f"19{50 + i % 50:02d}0{1 + i % 9}1{i % 10}"
            serial = f"{i % 1000:03d}"
            number = pii.parse_personal_number(
                birth + serial + str(pii.luhn_check_digit(birth[2:] + serial))
            )
            subject = DataSubject(first_name="Bench", last_name=f"Person{i}")
            subject.personal_number_encrypted = pii.encrypt(number.digits)
            subject.personal_number_hash = f"bench{i:059d}"  # unique; no look-ups in this bench
            subjects.append(subject)
        DataSubject.objects.bulk_create(subjects, batch_size=5000)
        subjects = list(DataSubject.objects.order_by("pk"))
        entities = list(LegalEntity.objects.select_related("organisation"))
        now = timezone.now()
        submissions, requests = [], []
        statuses = (
            [Status.IN_PROGRESS] * 3
            + [Status.AWAITING_IDENTITY, Status.AWAITING_CUSTOMER, Status.RECEIVED]
            + [Status.COMPLETED] * 8
            + [Status.REFUSED]
        )
        for i in range(n):
            entity = entities[i % len(entities)]
            received_at = now - datetime.timedelta(minutes=rng.randrange(0, 540 * 24 * 60))
            submissions.append(
                Submission(
                    subject=subjects[i % len(subjects)],
                    organisation=entity.organisation,
                    channel=Channel.WEB,
                    received_at=received_at,
                )
            )
        Submission.objects.bulk_create(submissions, batch_size=5000)
        for i, submission in enumerate(submissions):
            entity = entities[i % len(entities)]
            received_on = deadlines.receipt_date(submission.received_at)
            due_on = deadlines.due_date(received_on, 1)
            status = rng.choice(statuses)
            age = (now - submission.received_at).days
            if age > 60 and status not in (Status.COMPLETED, Status.REFUSED):
                status = Status.COMPLETED
            extended = rng.random() < 0.05
            closed_at = None
            if status in (Status.COMPLETED, Status.REFUSED):
                closed_at = min(
                    submission.received_at + datetime.timedelta(days=rng.randrange(1, 45)), now
                )
            requests.append(
                RightsRequest(
                    submission=submission,
                    subject_id=submission.subject_id,
                    legal_entity=entity,
                    right=rng.choice(Right.values),
                    reference=f"{entity.organisation.code}-B-{i:08d}",
                    channel=Channel.WEB,
                    status=status,
                    identity_required="substantial",
                    received_at=submission.received_at,
                    received_on=received_on,
                    due_on=due_on,
                    notice_by=due_on,
                    deadline_on=deadlines.due_date(received_on, 3) if extended else due_on,
                    extended_due_on=deadlines.due_date(received_on, 3) if extended else None,
                    target_on=due_on,
                    closed_at=closed_at,
                    outcome=(Outcome.REFUSED if status == Status.REFUSED else Outcome.GRANTED)
                    if closed_at
                    else "",
                )
            )
        RightsRequest.objects.bulk_create(requests, batch_size=5000)
    with __import__("django.db").db.connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True


def _staff():
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from datamap.models import LegalEntity, Organisation
    from rights_requests import roles

    User = get_user_model()

    def user(username, role, **scope):
        found = User.objects.filter(username=username).first()
        if found is None:
            found = User.objects.create_user(username, password="bench-password-1234")
            roles.grant_role(found, role, **scope)
            TOTPDevice.objects.create(user=found, name="bench", confirmed=True)
        return found

    elnat = LegalEntity.objects.get(slug="kalmar-energi-elnat")
    return {
        "Elnät customer service": user(
            "bench.elnat", roles.CUSTOMER_SERVICE, legal_entities=[elnat]
        ),
        "Kalmar DPO": user(
            "bench.dpo", roles.DPO, organisations=[Organisation.objects.get(code="KE")]
        ),
    }


def _client(user):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


def _measure(client, url, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)  # warm up
    times, queries = [], 0
    for _round in range(ROUNDS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], queries


def main():
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
    _setup()
    from django.urls import reverse

    from rights_requests.models import RightsRequest

    started = time.perf_counter()
    built = _build(N_REQUESTS)
    build_note = f"built in {time.perf_counter() - started:.1f} s" if built else "reused"
    total = RightsRequest.objects.count()
    open_count = RightsRequest.objects.filter(closed_at__isnull=True).count()
    print(
        f"Staff queues and DPO dashboard on PostgreSQL: {total} requests ({open_count} open), {build_note}"
    )
    print(f"{'page':58} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    staff = _staff()
    queue = reverse("admin:rights_requests_rightsrequest_changelist")
    pages = [
        ("Elnät customer service", "queue: open by deadline", queue, {}),
        ("Elnät customer service", "queue: my queue", queue, {"queue": "mine"}),
        ("Elnät customer service", "queue: overdue", queue, {"queue": "overdue"}),
        (
            "Elnät customer service",
            "queue: due within 7 days, right=access",
            queue,
            {"queue": "due_7", "right__exact": "access"},
        ),
        (
            "Elnät customer service",
            "queue: recently completed",
            queue,
            {"queue": "recently_completed"},
        ),
        ("Kalmar DPO", "queue: open by deadline", queue, {}),
        ("Kalmar DPO", "queue: refusals awaiting DPO", queue, {"queue": "pending_refusal"}),
        ("Kalmar DPO", "DPO dashboard", reverse("admin:staff_dashboard"), {}),
        ("Kalmar DPO", "CSV export of open requests", reverse("admin:staff_dashboard_csv"), {}),
    ]
    for persona, label, url, params in pages:
        p50, p95, queries = _measure(_client(staff[persona]), url, params)
        print(f"{persona + ' / ' + label:58} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()
