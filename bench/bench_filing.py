"""Benchmark: submitting the portal's filing form, against a bare Django view (issue 9, item 1).

    .venv/bin/python bench/bench_filing.py           # or through `make bench`
    BENCH_FILING_COUNT=500 .venv/bin/python bench/bench_filing.py

The same server setup for both, side by side in one run: gunicorn (gthread; see the
printed setup) serving portal.wsgi with DEBUG off, explicit keys, PostgreSQL
(dsr_bench_filing, created and migrated if missing) and Redis (BENCH_REDIS_DB, default 9)
as broker, HTTPS as seen behind the TLS proxy. The load comes from another process on
loopback: BENCH_FILING_CONCURRENCY (8) threads, each with one keep-alive connection,
BENCH_FILING_COUNT (2000) requests per view, capped at BENCH_FILING_TIME_CAP seconds.

- bare: GET /bench/bare/ (bench/urls_bench.py), a small HttpResponse through the
  portal's middleware;
- floor: the same POSTs to /bench/floor/ (bench/urls_bench.py), which checks the session
  and the CSRF token, parses the form and writes its fields as one row: what any
  persisted, signed-in form POST costs on this stack, the filing's yardstick;
- filing: POST of the filing form at /org/kalmar-energi/file/ (an access request to
  Kalmar Energi Elnät) by customers signed in at level high. Each customer's session is
  made by identity.session.login_customer (what the e-ID sign-in calls) and saved in the
  session store; the customer then opens the form page once, untimed, which gives the
  CSRF cookie and token and the form's initial values, as a browser would. Each
  customer files at most 8 times, below the per-person limit (10 an hour); the
  per-address limit is raised in bench/settings_bench.py since every customer here
  comes from 127.0.0.1. No worker runs: the notices and extract builds queued by each
  filing wait in Redis and are dropped afterwards.

A filing counts when it answers 302 to its confirmation page; afterwards every
confirmed submission (and its request) is looked up in the database. Budget: the
filing's rate at least a quarter of the bare view's, and no errors. Exits 1 otherwise.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402
    Client,
    Gunicorn,
    Job,
    Probe,
    flush_redis,
    form_fields,
    machine,
    multipart,
    production_env,
    run_load,
    setup_django,
    split,
)

COUNT = int(os.environ.get("BENCH_FILING_COUNT", "2000"))
CONCURRENCY = int(os.environ.get("BENCH_FILING_CONCURRENCY", "8"))
TIME_CAP = float(os.environ.get("BENCH_FILING_TIME_CAP", "300"))
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_GUNICORN_THREADS", "4"))
FILINGS_PER_PERSON = 8  # below the per-person limit of 10 an hour (services.FILING_LIMITS)
ORGANISATION = "kalmar-energi"
ENTITY = "kalmar-energi-elnat"
FORM_PATH = f"/org/{ORGANISATION}/file/"
BARE_PATH = "/bench/bare/"
FLOOR_PATH = "/bench/floor/"
FIRST_PERSON = 200_000  # synthetic personal numbers of this benchmark start here
BUDGET_RATIO = 0.25


def signed_in_session(index: int) -> dict[str, str]:
    """Sign a synthetic customer in at level high (as the e-ID callback does); return cookies."""
    from importlib import import_module

    from django.conf import settings
    from django.test import RequestFactory
    from django.utils import timezone

    from datamap import democis, pii
    from identity.levels import IdentityLevel, VerificationMethod
    from identity.session import VerifiedIdentity, login_customer

    number = democis.synthetic_number(FIRST_PERSON + index)
    identity = VerifiedIdentity(
        personal_number_hash=pii.lookup_hash(number),
        masked_personal_number=number.masked(),
        level=IdentityLevel.HIGH,
        method=VerificationMethod.EID,
        given_name="Bench",
        family_name=f"Kund{index}",
        verified_at=timezone.now(),
    )
    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    login_customer(request, identity, number)
    request.session.save()
    return {settings.SESSION_COOKIE_NAME: request.session.session_key}


def filing_job(port: int, cookies: dict[str, str], index: int, entity_pk: int) -> Job:
    """Open the form once (untimed) and return the POST a browser would send from it."""
    client = Client(port, cookies)
    status, _headers, page = client.request("GET", FORM_PATH)
    client.close()
    if status != 200:
        raise RuntimeError(f"the filing form answered {status}")
    chosen = {
        "rights": "access",
        "entities": str(entity_pk),
        "access_scope": "all",
        "access_delivery": "download",
        "capacity": "self",
        "contact_email": f"bench.kund{index}@example.org",
    }
    fields = [(k, v) for k, v in form_fields(page, FORM_PATH) if k not in chosen]
    if not any(k == "csrfmiddlewaretoken" for k, _v in fields):
        raise RuntimeError("no CSRF token in the filing form")
    body, content_type = multipart(fields + list(chosen.items()))
    origin = f"https://{client.host}"
    return Job(
        "POST",
        FORM_PATH,
        body,
        headers={
            "Content-Type": content_type,
            "Origin": origin,
            "Referer": origin + FORM_PATH,
        },
        cookies=client.cookies,  # the session and CSRF cookies
        expect=(302,),
    )


def main() -> int:
    env = production_env("filing")
    setup_django(env)
    from django.db import connection

    from datamap.models import LegalEntity
    from identity.models import RateLimitCounter
    from rights_requests.models import Outbox, RightsRequest, Submission

    flush_redis()
    with connection.cursor() as cursor:  # the floor view's one table (bench/urls_bench.py)
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, fields jsonb)")
    RateLimitCounter.objects.all().delete()  # earlier runs' filings count against the limits
    entity_pk = LegalEntity.objects.get(slug=ENTITY).pk
    persons = math.ceil(COUNT / FILINGS_PER_PERSON)
    started = time.perf_counter()
    sessions = [signed_in_session(i) for i in range(persons + CONCURRENCY)]
    print(
        f"{len(sessions)} customers signed in at level high in {time.perf_counter() - started:.1f} s"
    )

    info = machine()
    print(f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, load {info['load']}")
    log_dir = Path(env["VAR_DIR"])
    with Gunicorn(env, workers=WORKERS, threads=THREADS, log=log_dir / "gunicorn.log") as server:
        print(
            f"server: {server.setup}; DEBUG off, PostgreSQL, Redis broker, HTTPS via proxy header"
        )
        print(f"load: another process, {CONCURRENCY} threads with one keep-alive connection each")
        started = time.perf_counter()
        templates = [
            filing_job(server.port, cookies, i, entity_pk) for i, cookies in enumerate(sessions)
        ]
        print(
            f"{len(templates)} form pages opened (untimed) in {time.perf_counter() - started:.1f} s"
        )
        warm, customers = templates[:CONCURRENCY], templates[CONCURRENCY:]

        # Warm-up, not counted: every worker thread connects and imports what it needs.
        run_load(server.port, split([Job("GET", BARE_PATH)] * 200, CONCURRENCY), time_cap=60)
        run_load(server.port, split(warm, CONCURRENCY), time_cap=60)
        floor_jobs = [dataclasses.replace(job, path=FLOOR_PATH) for job in customers]
        run_load(server.port, split(floor_jobs[:200], CONCURRENCY), time_cap=60)

        submissions_before = Submission.objects.count()
        connection.ensure_connection()
        own_backend = connection.connection.info.backend_pid
        probe = Probe(server.process.pid, env["DATABASE_URL"])
        probe.start(exclude=(own_backend,))
        bare = run_load(
            server.port, split([Job("GET", BARE_PATH)] * COUNT, CONCURRENCY), time_cap=TIME_CAP
        )
        bare_notes = probe.stop(bare.done)
        probe.start(exclude=(own_backend,))
        floor = run_load(
            server.port,
            split([floor_jobs[i % persons] for i in range(COUNT)], CONCURRENCY),
            time_cap=TIME_CAP,
        )
        floor_notes = probe.stop(floor.done)
        # Customer i files jobs i, i + persons, ...: at most FILINGS_PER_PERSON each.
        jobs = [customers[i % persons] for i in range(COUNT)]
        probe.start(exclude=(own_backend,))
        filing = run_load(server.port, split(jobs, CONCURRENCY), time_cap=TIME_CAP)
        filing_notes = probe.stop(filing.done)

    flush_redis()  # the notices and extracts queued for a worker that is not running
    print()
    print(bare.line("bare view"))
    print("\n".join(bare_notes))
    print(floor.line("floor (POST)"))
    print("\n".join(floor_notes))
    print(filing.line("filing (POST)"))
    print("\n".join(filing_notes))
    for label, result in (("bare", bare), ("floor", floor), ("filing", filing)):
        for error in result.errors[:5]:
            print(f"  {label} error: {error}")

    # Every confirmed filing is in the database, and nothing else was filed meanwhile.
    confirmed = [
        int(m.group(1))
        for m in map(re.compile(r"/submissions/(\d+)/$").search, filing.answers)
        if m
    ]
    stored = Submission.objects.filter(pk__in=confirmed).count()
    requests = RightsRequest.objects.filter(submission_id__in=confirmed).count()
    extracts = Outbox.objects.filter(
        kind=Outbox.Kind.EXTRACT, request__submission_id__in=confirmed
    ).count()
    filed = Submission.objects.count() - submissions_before
    persisted = stored == len(confirmed) == filing.done == filed == requests
    print(
        f"persisted: {filing.done} filings answered 302, {len(confirmed)} confirmation pages, "
        f"{stored} submissions found, {requests} requests, {filed} submissions added in the run, "
        f"{extracts} extract builds queued in the outbox: {'all there' if persisted else 'MISMATCH'}"
    )
    ratio = filing.rate / bare.rate if bare.rate else 0.0
    if bare.rate and floor.rate:
        print(
            f"floor/bare: {floor.rate / bare.rate:.3f}; filing/floor: {filing.rate / floor.rate:.3f} "
            "(the floor is the most any persisted, signed-in form POST reaches here)"
        )
    within = (
        ratio >= BUDGET_RATIO
        and not bare.errors
        and not floor.errors
        and not filing.errors
        and persisted
    )
    complete = bare.done == COUNT and filing.done == COUNT
    print(
        f"ratio filing/bare: {ratio:.3f} (budget >= {BUDGET_RATIO}, no errors): "
        f"{'within budget' if within else 'OVER BUDGET'}"
        + ("" if complete else f"; stopped at the time cap of {TIME_CAP:.0f} s")
    )
    return 0 if within and complete else 1


if __name__ == "__main__":
    sys.exit(main())
