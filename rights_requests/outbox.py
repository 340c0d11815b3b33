"""The outbox: effects recorded with the change that causes them, run exactly once.

1. `enqueue` writes an `Outbox` row inside the caller's transaction, keyed by a unique
   idempotency key (a second enqueue of the same effect returns the existing row), and
   queues its task with `transaction.on_commit`. If the broker is down, the publish
   error is logged (no personal data) and the change stays committed.
2. `run` (the task's body) performs the effect once:
   - transactional effects (an extract, an export, a connector call) run inside one
     transaction that holds the row locked (`SELECT ... FOR UPDATE`) and marks it done;
     a second run waits for the lock and then finds it done; a killed run rolls back;
   - e-mail, which no transaction can take back, is first *claimed* (a lease written
     by compare-and-swap), then sent, then confirmed (`notice.sent` event + done) in one
     transaction. A redelivered task finds the claim and does nothing; a lost
     connection before the confirmation is reconnected and the confirmation retried.
3. `requeue_stale` (a beat sweep) queues again every row still pending after
   `DSR_OUTBOX_REQUEUE_SECONDS`, with `FOR UPDATE SKIP LOCKED` on PostgreSQL so that a
   row being worked on is left alone and two sweeps never take the same row.

Failures are counted; a row is retried with back-off and marked failed after
`DSR_OUTBOX_MAX_ATTEMPTS` attempts (it stays listed for staff and is logged).
"""

import datetime
import logging
import re
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Outbox, RightsRequest

logger = logging.getLogger(__name__)

# The e-mail kinds: sent outside a transaction between a claim and a confirmation.
EMAIL_KINDS = (Outbox.Kind.NOTICE, Outbox.Kind.STAFF_EMAIL)
# The connector calls staff actions may route through the outbox; each takes the
# request id (module, function in rights_requests.fulfilment; imported at call time).
FULFILMENT_ACTIONS = {
    "erasure.carry_out": ("erasure", "carry_out"),
    "objection.carry_out": ("objection", "carry_out"),
    "restriction.restrict": ("restriction", "restrict"),
}
# The effects that store a file with its Artifact row (rights_requests.fulfilment).
FILE_KINDS = (Outbox.Kind.EXTRACT, Outbox.Kind.EXPORT)
# Connector calls change the utility's other systems, which the portal's transaction
# cannot roll back: a call that failed half-way inside one transaction would lose the
# audit rows of what it did change, and its rerun would find nothing left to report.
# They run under a claim instead, like e-mail: each step records its own audit rows as
# it goes, and a rerun after a crash carries on where it stopped (every fulfilment
# function is safe to run again).
CLAIMED_KINDS = (*EMAIL_KINDS, Outbox.Kind.FULFILMENT)
DB_CONNECTION_ERRORS = (OperationalError, InterfaceError)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def requeue_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=_setting("DSR_OUTBOX_REQUEUE_SECONDS", 600))


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=_setting("DSR_OUTBOX_LEASE_SECONDS", 300))


# --- Writing -----------------------------------------------------------------------------


def enqueue(
    kind: str,
    *,
    key: str,
    request: RightsRequest | int | None = None,
    payload: dict | None = None,
) -> Outbox:
    """Record an effect in the current transaction and queue its task after commit.

    Idempotent by `key`: the same key returns the row already there and queues nothing.
    """
    Outbox.Kind(kind)
    request_id = request.pk if isinstance(request, RightsRequest) else request
    row = Outbox(
        kind=kind,
        request_id=request_id,
        payload=payload or {},
        idempotency_key=key,
        available_at=timezone.now() + requeue_after(),
    )
    if not _insert_new(row):
        return Outbox.objects.get(idempotency_key=key)
    row_id = row.pk
    transaction.on_commit(lambda: publish(row_id))
    return row


def _insert_new(row: Outbox) -> bool:
    """INSERT the row unless its key is taken (`ON CONFLICT DO NOTHING`); say if it was.

    One statement, where get_or_create takes four (a SELECT, and the INSERT in a
    savepoint); a parallel transaction's row with the same key waits for that
    transaction and then counts as taken.
    """
    fields = [f for f in Outbox._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(Outbox._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields]
    pk = connection.ops.quote_name(Outbox._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "
            f"ON CONFLICT (idempotency_key) DO NOTHING RETURNING {pk}",
            values,
        )
        inserted = cursor.fetchone()
    if inserted is None:
        return False
    row.pk = inserted[0]
    row._state.adding = False
    row._state.db = connection.alias
    return True


def notice_key(request_id: int, kind: str, event_seq: int) -> str:
    """A notice is keyed by the event that caused it: one e-mail per cause."""
    return f"notice:{request_id}:{kind}:{event_seq}"


def enqueue_notice(request: RightsRequest, kind: str, *, cause_seq: int) -> Outbox:
    return enqueue(
        Outbox.Kind.NOTICE,
        key=notice_key(request.pk, kind, cause_seq),
        request=request,
        payload={"notice": kind},
    )


def enqueue_extract(request: RightsRequest, *, generation: int = 1) -> Outbox:
    """Build the register extract (Art. 15(3)) once per request and generation."""
    return enqueue(Outbox.Kind.EXTRACT, key=f"extract:{request.pk}:{generation}", request=request)


def enqueue_export(request: RightsRequest, *, generation: int = 1) -> Outbox:
    """Build the portability export (Art. 20) once per request and generation."""
    return enqueue(Outbox.Kind.EXPORT, key=f"export:{request.pk}:{generation}", request=request)


def enqueue_fulfilment(request: RightsRequest, action: str, *, generation: int = 1) -> Outbox:
    """Queue a connector call (erasure, objection, restriction) once per request."""
    if action not in FULFILMENT_ACTIONS:
        raise ValueError(f"unknown fulfilment action {action!r}")
    return enqueue(
        Outbox.Kind.FULFILMENT,
        key=f"fulfilment:{request.pk}:{action}:{generation}",
        request=request,
        payload={"action": action},
    )


def message_id(key: str) -> str:
    """A stable Message-ID for an outbox e-mail (RFC 5322 §3.6.4).

    No transaction spans a mail server: a worker that dies in the instant between the
    server's acceptance and the commit hands the same message over again. With the same
    Message-ID it is the same message, which mail systems show once.
    """
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "dsr-portal.invalid"
    return f"<outbox.{key.replace(':', '.')}@{domain}>"


def publish(row_id: int) -> bool:
    """Queue the task for one row; on a broker error log and leave it to the sweep."""
    from .tasks import run_outbox

    try:
        run_outbox.apply_async((row_id,), retry=True, retry_policy=_publish_retry_policy())
    except Exception as exc:  # the broker is down: the sweep queues it later
        if settings.CELERY_TASK_ALWAYS_EAGER and not isinstance(exc, _broker_errors()):
            raise  # an eager run's own failure is a bug to see, not an outage
        logger.warning(
            "outbox %s: could not queue its task (%s); the sweep will queue it again",
            row_id,
            type(exc).__name__,
        )
        return False
    return True


def _publish_retry_policy() -> dict:
    return {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError as KombuOperationalError

    return (KombuOperationalError, ConnectionError, OSError, TimeoutError)


# --- Running -----------------------------------------------------------------------------


def _db_retry(*steps: Callable, attempts: int = 4):
    """Run each step in its own transaction, in order; return the last one's result.

    After a lost connection reconnect and run them again from the first. Only outside
    an enclosing transaction (a task); inside one the error propagates.
    """
    for attempt in range(attempts):
        try:
            result = None
            for step in steps:
                with transaction.atomic():
                    result = step()
            return result
        except DB_CONNECTION_ERRORS:
            if connection.in_atomic_block or attempt == attempts - 1:
                raise
            logger.warning("outbox: database connection lost; reconnecting")
            connection.close()
            time.sleep(min(0.5 * 2**attempt, 4))
    return None  # pragma: no cover


def run(row_id: int) -> bool:
    """Perform one row's effect if it is still pending; return True if it was done now."""
    row = Outbox.objects.filter(pk=row_id).only("kind", "status").first()
    if row is None or row.status != Outbox.State.PENDING:
        return False
    if row.kind in CLAIMED_KINDS:
        return _run_email(row_id)
    if row.kind in FILE_KINDS:
        return _db_retry(lambda: remove_orphan_files(row_id), lambda: _run_transactional(row_id))
    return _db_retry(lambda: _run_transactional(row_id))


def remove_orphan_files(row_id: int) -> int:
    """Delete the files a killed build left behind: on disk but in no Artifact row.

    A build stores its file and its Artifact row in one transaction; a worker killed (or
    a connection lost) before the commit leaves the file, which nothing would ever
    delete (Art. 5(1)(e), storage limitation). Builds store files under the request row's
    lock, taken here too, so a build in progress elsewhere is not touched.
    """
    from django.core.files.storage import default_storage

    from .models import Artifact, artifact_path

    row = Outbox.objects.get(pk=row_id)
    if row.request_id is None or row.status != Outbox.State.PENDING:
        return 0
    RightsRequest.objects.select_for_update().filter(pk=row.request_id).first()
    folder = artifact_path(Artifact(request_id=row.request_id), "")
    try:
        _dirs, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return 0
    known = set(Artifact.objects.filter(request_id=row.request_id).values_list("file", flat=True))
    orphans = [f"{folder}{name}" for name in names if f"{folder}{name}" not in known]
    for name in orphans:
        default_storage.delete(name)
    if orphans:
        logger.warning(
            "outbox %s: removed %s file(s) of an interrupted build", row_id, len(orphans)
        )
    return len(orphans)


def _run_transactional(row_id: int) -> bool:
    row = Outbox.objects.select_for_update().get(pk=row_id)
    if row.status != Outbox.State.PENDING:
        return False
    row.attempts += 1
    try:
        with transaction.atomic():
            EFFECTS[row.kind](row)
    except DB_CONNECTION_ERRORS:
        raise
    except Exception as exc:
        _record_failure(row, exc)
        return False
    row.status, row.done_at, row.last_error = Outbox.State.DONE, timezone.now(), ""
    row.save(update_fields=["attempts", "status", "done_at", "last_error"])
    return True


def _claim(row_id: int) -> bool:
    now = timezone.now()
    return bool(
        Outbox.objects.filter(pk=row_id, status=Outbox.State.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + lease(), attempts=F("attempts") + 1)
    )


def _run_email(row_id: int) -> bool:
    if not _db_retry(lambda: _claim(row_id)):
        return False  # done, failed, or another run holds the claim
    row = Outbox.objects.get(pk=row_id)
    try:
        confirm = EFFECTS[row.kind](row)  # sends; returns the confirmation to run
    except DB_CONNECTION_ERRORS:
        _db_retry(lambda: _release(row_id))
        raise
    except Exception as exc:
        error = exc
        _db_retry(lambda: _record_failure(Outbox.objects.get(pk=row_id), error))
        return False

    def done():
        locked = Outbox.objects.select_for_update().get(pk=row_id)
        if confirm is not None:
            confirm()
        locked.status, locked.done_at, locked.last_error = Outbox.State.DONE, timezone.now(), ""
        locked.save(update_fields=["status", "done_at", "last_error"])
        return True

    return _db_retry(done)


def _release(row_id: int) -> None:
    Outbox.objects.filter(pk=row_id, status=Outbox.State.PENDING).update(claimed_until=None)


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def scrub(text: str) -> str:
    """Mask e-mail addresses and personal numbers in an error kept for staff to read.

    An SMTP refusal names the address and a database error may quote a row; the error is
    shown on the dashboard and in the background-work list, which are no views of
    personal data.
    """
    from datamap.pii import mask_personal_numbers
    from identity.email_code import mask_email

    return _EMAIL.sub(lambda m: mask_email(m.group(0)), mask_personal_numbers(text))


def _record_failure(row: Outbox, exc: Exception) -> None:
    """Count a failed attempt; retry with back-off, or give up after the maximum."""
    now = timezone.now()
    row.last_error = scrub(f"{type(exc).__name__}: {exc}")[:2000]
    row.claimed_until = None
    if row.attempts >= _setting("DSR_OUTBOX_MAX_ATTEMPTS", 8):
        row.status = Outbox.State.FAILED
        logger.error("outbox %s (%s) failed for good: %s", row.pk, row.kind, type(exc).__name__)
    else:
        row.available_at = now + datetime.timedelta(seconds=min(30 * 2**row.attempts, 6 * 3600))
        logger.warning(
            "outbox %s (%s) attempt %s failed: %s",
            row.pk,
            row.kind,
            row.attempts,
            type(exc).__name__,
        )
    row.save(update_fields=["attempts", "last_error", "claimed_until", "status", "available_at"])


def retry_failed(row_ids: Iterable[int], *, by) -> int:
    """Try failed rows again from the start (staff, once the cause is put right).

    Each row goes back to pending with its attempts counted from zero, is queued after
    commit, and its request's trail records who asked for it. Rows that have not failed
    are left alone. Returns how many were taken.
    """
    from .workflow import record_event

    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Outbox.objects.select_for_update(of=("self",))
            .select_related("request")
            .filter(pk__in=list(row_ids), status=Outbox.State.FAILED)
            .order_by("pk")
        )
        for row in rows:
            row.status = Outbox.State.PENDING
            row.attempts = 0
            row.claimed_until = None
            row.available_at = now + requeue_after()
            row.save(update_fields=["status", "attempts", "claimed_until", "available_at"])
            if row.request_id is not None:
                record_event(
                    row.request,
                    "outbox.retried",
                    actor=by,
                    data={"outbox": row.pk, "kind": row.kind},
                )
            transaction.on_commit(lambda pk=row.pk: publish(pk))
    if rows:
        logger.info("outbox: %s failed effects queued again by staff", len(rows))
    return len(rows)


# --- The sweep ---------------------------------------------------------------------------


def requeue_stale(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Queue again the pending rows whose time has come; return how many.

    Each taken row's `available_at` moves one timeout ahead in the same transaction,
    so a second sweep (a duplicate beat) does not take it again; on PostgreSQL rows
    locked by a running effect or by another sweep are skipped.
    """
    now = now or timezone.now()
    with transaction.atomic():
        rows = Outbox.objects.filter(status=Outbox.State.PENDING, available_at__lte=now).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        )
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        ids = list(rows.order_by("available_at", "id").values_list("pk", flat=True)[:limit])
        if ids:
            Outbox.objects.filter(pk__in=ids).update(available_at=now + requeue_after())
            transaction.on_commit(lambda: [publish(pk) for pk in ids])
    if ids:
        logger.info("outbox sweep: queued %s pending effects again", len(ids))
    return len(ids)


# --- The effects -------------------------------------------------------------------------


def _effect_notice(row: Outbox):
    from . import notices

    return notices.deliver(row)


def _effect_staff_email(row: Outbox):
    from . import reminders

    return reminders.deliver(row)


def _effect_extract(row: Outbox) -> None:
    from .fulfilment import extract

    extract.build_register_extract(row.request_id)


def _effect_export(row: Outbox) -> None:
    from .fulfilment import portability

    portability.build_export(row.request_id)


def _effect_fulfilment(row: Outbox) -> None:
    import importlib

    module_name, function = FULFILMENT_ACTIONS[row.payload["action"]]
    module = importlib.import_module(f"rights_requests.fulfilment.{module_name}")
    getattr(module, function)(row.request_id)


# Looked up at run time, so that a test worker can wrap an effect (tests/worker.py).
EFFECTS: dict[str, Callable] = {
    Outbox.Kind.NOTICE: _effect_notice,
    Outbox.Kind.STAFF_EMAIL: _effect_staff_email,
    Outbox.Kind.EXTRACT: _effect_extract,
    Outbox.Kind.EXPORT: _effect_export,
    Outbox.Kind.FULFILMENT: _effect_fulfilment,
}
