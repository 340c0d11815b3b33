"""Every status change of a rights request, and nothing else changes a status.

Each transition function:

1. locks the request row (`select_for_update`) inside a transaction;
2. returns early when the request is already where the call would put it, and raises
   `TransitionNotAllowed` from any other state not in its allowed source states;
3. saves only the fields it changed and appends a chained `RequestEvent`;
4. records side effects (customer notices) in the outbox in the same transaction; their
   tasks are queued on commit, so nothing is sent for a change that was rolled back and
   nothing is lost when the broker is down (rights_requests/outbox.py).

Views, admin actions, the API and tasks call these functions.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from datamap.models import LegalEntity, Organisation
from identity.levels import IdentityLevel, satisfies

from . import deadlines
from .models import (
    OPEN_STATUSES,
    Channel,
    DataSubject,
    ExtensionReason,
    Outcome,
    ReferenceCounter,
    RequestEvent,
    Right,
    RightsRequest,
    Status,
    Submission,
)

logger = logging.getLogger(__name__)


class TransitionNotAllowed(Exception):
    """The request is not in a state from which this change may be made."""


# --- Events -------------------------------------------------------------------------------


def record_event(request: RightsRequest, kind: str, **fields) -> RequestEvent:
    """Append an event to the request's hash chain. Locks the request row.

    `fields` are those of `_chained_event`: actor, actor_label, data, from_status,
    to_status, customer_visible, at.
    """
    with transaction.atomic():
        RightsRequest.objects.select_for_update().filter(pk=request.pk).first()
        last = (
            RequestEvent.objects.filter(request_id=request.pk)
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, "")
        event = _chained_event(request, seq, prev_hash, kind, **fields)
        event.save()
        return event


def _chained_event(
    request: RightsRequest,
    seq: int,
    prev_hash: str,
    kind: str,
    *,
    actor=None,
    actor_label: str = "",
    data: dict | None = None,
    from_status: str = "",
    to_status: str = "",
    customer_visible: bool = False,
    at: datetime.datetime | None = None,
) -> RequestEvent:
    """The unsaved event `seq` of the request's chain, its hash computed over `prev_hash`."""
    has_actor = getattr(actor, "pk", None) is not None
    event = RequestEvent(
        request_id=request.pk,
        seq=seq,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor if has_actor else None,
        actor_label=actor_label or (actor.get_username() if has_actor else ""),
        data=data or {},
        customer_visible=customer_visible,
        created_at=at or timezone.now(),
        prev_hash=prev_hash,
    )
    event.hash = event.compute_hash()
    return event


@dataclass
class ChainBreak:
    request_id: int
    seq: int
    event_id: int
    problem: str


def verify_chain(request_ids: Iterable[int] | None = None) -> list[ChainBreak]:
    """Recompute every chain; return the first broken row of each broken request."""
    events = RequestEvent.objects.order_by("request_id", "seq")
    if request_ids is not None:
        events = events.filter(request_id__in=list(request_ids))
    breaks: list[ChainBreak] = []
    current, prev_hash, expected_seq, broken = None, "", 1, False
    for event in events.iterator(chunk_size=2000):
        if event.request_id != current:
            current, prev_hash, expected_seq, broken = event.request_id, "", 1, False
        if broken:
            continue
        problem = None
        if event.seq != expected_seq:
            problem = f"expected event #{expected_seq}, found #{event.seq} (a row is missing)"
        elif event.prev_hash != prev_hash:
            problem = "its link to the previous row does not match"
        elif event.compute_hash() != event.hash:
            problem = "its content does not match its hash (changed after it was written)"
        if problem:
            breaks.append(ChainBreak(event.request_id, event.seq, event.pk, problem))
            broken = True
        prev_hash, expected_seq = event.hash, expected_seq + 1
    return breaks


# --- Identity levels each right needs (DESIGN.md §6, legal-rules.md R21-R23) ---------------


def required_identity_level(right: str, details: dict | None = None) -> str:
    """Return the identity level a right needs, proportionate to the harm of a mistake.

    A download of personal data needs `substantial`; an extract posted to the
    registered address may go with `low`, and so may an objection to direct marketing
    (Art. 21(3): it only stops processing). Changing or erasing data needs `substantial`.
    """
    details = details or {}
    if right == Right.OBJECTION and details.get("direct_marketing"):
        return IdentityLevel.LOW
    if right == Right.ACCESS and details.get("delivery") == "post":
        return IdentityLevel.LOW
    return IdentityLevel.SUBSTANTIAL


# --- Deadlines -------------------------------------------------------------------------------


def _stockholm_today(now: datetime.datetime | None = None) -> datetime.date:
    return deadlines.receipt_date(now or timezone.now())


def _set_deadlines(request: RightsRequest, entity: LegalEntity) -> list[str]:
    """Recompute the stored deadline dates from receipt, pause and extension (R3-R9)."""
    eves = entity.extend_over_eves
    request.due_on = deadlines.due_date(
        request.received_on,
        entity.base_months,
        paused_days=request.paused_days,
        extend_over_eves=eves,
    )
    request.notice_by = deadlines.extension_notice_due(request.received_on, extend_over_eves=eves)
    if request.extended_due_on is not None:
        request.extended_due_on = deadlines.due_date(
            request.received_on,
            entity.max_extended_months,
            paused_days=request.paused_days,
            extend_over_eves=eves,
        )
    request.deadline_on = request.extended_due_on or request.due_on
    request.target_on = deadlines.internal_target(
        request.received_on, settings.DSR_INTERNAL_TARGET_WORKING_DAYS
    )
    return ["due_on", "notice_by", "extended_due_on", "deadline_on", "target_on"]


def _start_pause(request: RightsRequest, *, kind: str, today: datetime.date) -> list[str]:
    """Start the clock pause of R9, if it may count.

    An identity question pauses only when asked "without undue delay" (EDPB-GL §159),
    which the policy reads as within DSR_PROMPT_IDENTITY_ASK_WORKING_DAYS working days of
    receipt; a clarification under Recital 63 pauses whenever the entity's policy allows.
    """
    entity = request.legal_entity
    prompt = deadlines.working_days_between(request.received_on, today) <= (
        settings.DSR_PROMPT_IDENTITY_ASK_WORKING_DAYS
    )
    request.paused_since = today
    request.pause_counts = entity.identity_wait_pauses_clock and (kind == "clarification" or prompt)
    return ["paused_since", "pause_counts"]


def _end_pause(request: RightsRequest, *, today: datetime.date) -> list[str]:
    if request.paused_since is None:
        return []
    if request.pause_counts:
        request.paused_days += max((today - request.paused_since).days, 0)
    request.paused_since = None
    request.pause_counts = False
    return [
        "paused_since",
        "pause_counts",
        "paused_days",
        *_set_deadlines(request, request.legal_entity),
    ]


# --- Helpers -------------------------------------------------------------------------------


def _lock(request: RightsRequest | int) -> RightsRequest:
    pk = request.pk if isinstance(request, RightsRequest) else request
    # of=("self",): lock the request's row only. Without it PostgreSQL also locks the
    # joined legal entity's row, and every transition of the company's requests (each
    # filing too) waits for every other one until it commits (bench/bench_filing.py).
    return (
        RightsRequest.objects.select_for_update(of=("self",))
        .select_related("legal_entity")
        .get(pk=pk)
    )


def _require(request: RightsRequest, allowed: Iterable[str], action: str) -> None:
    if request.status not in allowed:
        raise TransitionNotAllowed(
            _("Cannot %(action)s request %(reference)s while it is %(status)s.")
            % {
                "action": action,
                "reference": request.reference,
                "status": request.get_status_display(),
            }
        )


def _queue_notice(request: RightsRequest, kind: str, cause: RequestEvent) -> None:
    """Record the notice in the outbox, in this transaction; its task is queued on commit."""
    from . import outbox

    outbox.enqueue_notice(request, kind, cause_seq=cause.seq)


def _queue_fulfilment(request: RightsRequest) -> None:
    """Start the work that needs no staff judgement as soon as identity suffices.

    The register extract (Art. 15(3)) and the portability export (Art. 20) are built at
    once, and an objection is carried out at once: to direct marketing it is absolute
    (Art. 21(3)), any other restricts the processing while staff assess it (Art. 18(1)(d)).
    Erasure, rectification and restriction wait for staff, who start them from the
    request page. Recorded in the outbox in this transaction; off in the test settings
    (DSR_FULFIL_ON_START) except for the tests of this step.
    """
    if not getattr(settings, "DSR_FULFIL_ON_START", True):
        return
    from . import outbox

    if request.right == Right.ACCESS:
        outbox.enqueue_extract(request)
    elif request.right == Right.PORTABILITY:
        outbox.enqueue_export(request)
    elif request.right == Right.OBJECTION:
        outbox.enqueue_fulfilment(request, "objection.carry_out")


def _move(
    request: RightsRequest,
    to_status: str,
    *,
    kind: str,
    by=None,
    by_label: str = "",
    fields: Iterable[str] = (),
    data: dict | None = None,
    notice: str | None = None,
    now: datetime.datetime | None = None,
) -> RightsRequest:
    from_status = request.status
    request.status = to_status
    changed = {"status", "updated_at", *fields}
    request.save(update_fields=sorted(changed))
    event = record_event(
        request,
        kind,
        actor=by,
        actor_label=by_label,
        from_status=from_status,
        to_status=to_status,
        data=data,
        customer_visible=True,
        at=now,
    )
    if notice:
        _queue_notice(request, notice, event)
    if to_status == Status.IN_PROGRESS and from_status in (
        Status.RECEIVED,
        Status.AWAITING_IDENTITY,
    ):
        _queue_fulfilment(request)
    return request


# --- Filing ----------------------------------------------------------------------------------


@dataclass
class RequestItem:
    legal_entity: LegalEntity
    right: str
    details: dict = field(default_factory=dict)


def reserve_references(organisation: Organisation, year: int, count: int = 1) -> list[str]:
    """Issue `count` consecutive reference numbers, e.g. KE-2026-000123.

    One `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` on the organisation's counter,
    atomic on SQLite and PostgreSQL. Outside a transaction it commits at once, so the
    counter's row is locked only for that statement and parallel filings of one
    organisation do not wait for each other; the price is that a filing that fails
    afterwards leaves a gap in the numbers. A reference only names a request (it is not
    an accounting voucher, whose series must be unbroken), so gaps are accepted.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organisation_id, year, last_value) VALUES (%s, %s, %s) "
            "ON CONFLICT (organisation_id, year) "
            f"DO UPDATE SET last_value = {table}.last_value + excluded.last_value "
            "RETURNING last_value",
            [organisation.pk, year, count],
        )
        last = int(cursor.fetchone()[0])
    return [f"{organisation.code}-{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


def file_submission(
    *,
    subject: DataSubject,
    organisation: Organisation,
    items: list[RequestItem],
    channel: str = Channel.WEB,
    received_at: datetime.datetime | None = None,
    language: str = "sv",
    contact_email: str = "",
    capacity: str = Submission.Capacity.SELF,
    representative_name: str = "",
    identity_level: str = IdentityLevel.NONE,
    identity_method: str = "",
    registered_by=None,
    route: bool = True,
    one_receipt: bool = False,
) -> Submission:
    """File one submission: one request per legal entity and right, each with its deadline.

    Each request starts `received`. With `route` (the default), one whose identity need
    is met goes on to `in_progress` and the others wait in `awaiting_identity` with
    instructions sent; without it they stay `received` for staff triage. Each request's
    "received" notice acknowledges it (R10); with `one_receipt` a single receipt listing
    them all goes instead (the portal's filing form).
    """
    if not items:
        raise ValueError("a submission needs at least one request")
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + datetime.timedelta(minutes=5):
        raise ValueError(_("The time of receipt cannot lie in the future."))
    # The trail starts at the receipt, whatever the channel: a letter registered today
    # that arrived yesterday, an import, a backdated filing. What the filing itself does
    # next (the start of work, the request for identity) happens now, and never before
    # the receipt (a receipt time a little ahead of this server's clock is accepted).
    acted_at = max(now, received_at)
    for item in items:
        if item.legal_entity.organisation_id != organisation.pk:
            raise ValueError("every legal entity must belong to the submission's organisation")
        Right(item.right)
    received_on = deadlines.receipt_date(received_at)
    # Taken before the transaction (see reserve_references): the counter is not held
    # locked while the requests are written.
    references = reserve_references(organisation, received_on.year, len(items))
    with transaction.atomic():
        submission = Submission.objects.create(
            subject=subject,
            organisation=organisation,
            channel=channel,
            received_at=received_at,
            language=language,
            contact_email=contact_email or subject.email,
            capacity=capacity,
            representative_name=representative_name,
            registered_by=registered_by,
        )
        first = None
        for item, reference in zip(items, references, strict=True):
            request = RightsRequest(
                submission=submission,
                subject=subject,
                legal_entity=item.legal_entity,
                right=item.right,
                channel=channel,
                details=item.details,
                received_at=received_at,
                received_on=received_on,
                identity_required=required_identity_level(item.right, item.details),
                identity_level=identity_level,
                identity_method=identity_method,
                reference=reference,
            )
            _set_deadlines(request, item.legal_entity)
            received = {
                "kind": "request.received",
                "actor": registered_by,
                "actor_label": "" if registered_by else "customer",
                "to_status": Status.RECEIVED,
                "data": {
                    "channel": channel,
                    "right": item.right,
                    "due_on": request.due_on.isoformat(),
                },
                "customer_visible": True,
                "at": received_at,
            }
            # A new request is seen by no one else before the commit: one whose identity
            # suffices is written already started, with both events, instead of through
            # request_start's lock and second write (the same rows, in fewer statements).
            starts = route and satisfies(identity_level, request.identity_required)
            events = [received]
            if starts:
                request.status = Status.IN_PROGRESS
                events.append(
                    {
                        "kind": "request.started",
                        "actor": registered_by,
                        "from_status": Status.RECEIVED,
                        "to_status": Status.IN_PROGRESS,
                        "customer_visible": True,
                        "at": acted_at,
                    }
                )
            request.save()
            received_event = _new_events(request, events)[0]
            if not one_receipt:
                _queue_notice(request, "received", received_event)
            if starts:
                _queue_fulfilment(request)
            elif route:
                request_await_identity(request, by=registered_by, now=acted_at)
            first = first or request
        if one_receipt:
            # One acknowledgement listing every request of the submission (R10), in
            # place of a "received" notice per request.
            from . import outbox
            from .models import Outbox

            outbox.enqueue(
                Outbox.Kind.NOTICE,
                key=f"receipt:{submission.pk}",
                request=first,
                payload={"notice": "receipt", "submission": submission.pk},
            )
    return submission


def _new_events(request: RightsRequest, specs: list[dict]) -> list[RequestEvent]:
    """Write the first events of a request created in this transaction, chained, at once.

    `specs` holds record_event's arguments (`kind` and the keywords). The request is new,
    so its chain is empty and no other transaction can append to it before the commit.
    """
    events, prev_hash = [], ""
    for seq, spec in enumerate(specs, start=1):
        event = _chained_event(request, seq, prev_hash, **spec)
        prev_hash = event.hash
        events.append(event)
    return RequestEvent.objects.bulk_create(events)


# --- Transitions -------------------------------------------------------------------------------


def request_start(request: RightsRequest, *, by=None) -> RightsRequest:
    """Move a request whose identity is sufficient from `received` to `in_progress`."""
    with transaction.atomic():
        request = _lock(request)
        if request.status == Status.IN_PROGRESS:
            return request
        _require(request, {Status.RECEIVED}, _("start"))
        if not satisfies(request.identity_level, request.identity_required):
            raise TransitionNotAllowed(_("The requester's identity is not yet verified enough."))
        return _move(request, Status.IN_PROGRESS, kind="request.started", by=by)


def request_await_identity(request: RightsRequest, *, by=None, now=None) -> RightsRequest:
    """Ask the requester to prove who they are; the clock may pause (R9)."""
    with transaction.atomic():
        request = _lock(request)
        if request.status == Status.AWAITING_IDENTITY:
            return request
        _require(request, {Status.RECEIVED}, _("ask for identity on"))
        fields = _start_pause(request, kind="identity", today=_stockholm_today(now))
        return _move(
            request,
            Status.AWAITING_IDENTITY,
            kind="request.identity_requested",
            by=by,
            fields=fields,
            data={"required": request.identity_required, "pause_counts": request.pause_counts},
            notice="identity_needed",
            now=now,
        )


def verify_waiting_requests(identity, *, now=None) -> list[RightsRequest]:
    """A sign-in verifies the person's own requests that wait for that level (DESIGN.md §6).

    What the request page and the receipt promise: sign in with e-identification and the
    request goes on at once, its paused deadline running again (Art. 12(6)). Only requests
    filed for oneself: a representative's own sign-in proves who they are, not their
    authority for someone else, which staff check.
    """
    waiting = RightsRequest.objects.filter(
        subject__personal_number_hash=identity.personal_number_hash,
        status=Status.AWAITING_IDENTITY,
        submission__capacity=Submission.Capacity.SELF,
    ).order_by("pk")
    return [
        request_verify_identity(request, level=identity.level, method=identity.method, now=now)
        for request in waiting
        if satisfies(identity.level, request.identity_required)
    ]


def _on_sign_in(sender, identity, **kwargs) -> None:
    verified = verify_waiting_requests(identity)
    if verified:
        logger.info("sign-in verified %d waiting request(s)", len(verified))


def request_verify_identity(
    request: RightsRequest, *, level: str, method: str, by=None, checked_by: str = "", now=None
) -> RightsRequest:
    """Record a verified identity (method and who checked; no document kept, R22-R23)."""
    level = IdentityLevel(level)
    with transaction.atomic():
        request = _lock(request)
        _require(
            request,
            {
                Status.RECEIVED,
                Status.AWAITING_IDENTITY,
                Status.IN_PROGRESS,
                Status.AWAITING_CUSTOMER,
            },
            _("verify identity on"),
        )
        if satisfies(request.identity_level, level) and request.status != Status.AWAITING_IDENTITY:
            return request
        request.identity_level = level
        request.identity_method = method
        fields = ["identity_level", "identity_method"]
        data = {"level": level, "method": method, "checked_by": checked_by}
        if not satisfies(level, request.identity_required) or request.status not in (
            Status.RECEIVED,
            Status.AWAITING_IDENTITY,
        ):
            request.save(update_fields=[*fields, "updated_at"])
            record_event(request, "identity.recorded", actor=by, data=data, at=now)
            return request
        if request.status == Status.AWAITING_IDENTITY:
            fields += _end_pause(request, today=_stockholm_today(now))
        return _move(
            request,
            Status.IN_PROGRESS,
            kind="request.identity_verified",
            by=by,
            fields=fields,
            data=data,
            now=now,
        )


def request_ask_customer(
    request: RightsRequest, *, question: str, by=None, now=None
) -> RightsRequest:
    """Ask the customer to clarify (Recital 63); the clock pauses per the policy (R9)."""
    from .models import Message

    if not question.strip():
        raise ValueError(_("Write the question to the customer."))
    with transaction.atomic():
        request = _lock(request)
        _require(request, {Status.IN_PROGRESS}, _("ask the customer on"))
        Message.objects.create(
            request=request,
            sender=Message.Sender.STAFF,
            author=by,
            body=question,
            created_at=now or timezone.now(),  # the question and its event are dated alike
        )
        fields = _start_pause(request, kind="clarification", today=_stockholm_today(now))
        return _move(
            request,
            Status.AWAITING_CUSTOMER,
            kind="request.customer_asked",
            by=by,
            fields=fields,
            notice="clarification_needed",
            now=now,
        )


def request_customer_replied(request: RightsRequest, *, by=None, now=None) -> RightsRequest:
    """Resume work after the customer answered; the paused days move the deadline.

    `by`: the staff member who records an answer that came another way (phone, letter);
    none when the portal records the customer's own answer.
    """
    with transaction.atomic():
        request = _lock(request)
        if request.status == Status.IN_PROGRESS:
            return request
        _require(request, {Status.AWAITING_CUSTOMER}, _("resume"))
        fields = _end_pause(request, today=_stockholm_today(now))
        return _move(
            request,
            Status.IN_PROGRESS,
            kind="request.customer_replied",
            by=by,
            by_label="" if by else "customer",
            fields=fields,
            now=now,
        )


def request_extend(
    request: RightsRequest, *, reason_code: str, reason: str, by=None, now=None
) -> RightsRequest:
    """Extend the deadline to the entity's cap, with a reasoned notice (Art. 12(3); R7).

    Refused once the one-month date has passed: the notice must reach the customer
    within one month of receipt, and the extension is then no longer available.
    """
    ExtensionReason(reason_code)
    if not reason.strip():
        raise ValueError(_("Give the reasons for the extension in words."))
    with transaction.atomic():
        request = _lock(request)
        _require(request, OPEN_STATUSES, _("extend"))
        entity = request.legal_entity
        if request.is_extended:
            raise TransitionNotAllowed(_("The request has already been extended."))
        if entity.max_extended_months <= entity.base_months:
            raise TransitionNotAllowed(_("%(entity)s allows no extension.") % {"entity": entity})
        today = _stockholm_today(now)
        if today > request.notice_by:
            raise TransitionNotAllowed(
                _(
                    "The one-month date (%(date)s) has passed without an extension notice; "
                    "the deadline can no longer be extended (GDPR Art. 12(3))."
                )
                % {"date": request.notice_by.isoformat()}
            )
        request.extended_due_on = request.due_on  # marks it extended; recomputed below
        request.extension_reason_code = reason_code
        request.extension_reason = reason.strip()
        fields = ["extension_reason_code", "extension_reason", *_set_deadlines(request, entity)]
        request.save(update_fields=[*fields, "updated_at"])
        extended = record_event(
            request,
            "request.extended",
            actor=by,
            data={
                "reason_code": reason_code,
                "reason": request.extension_reason,
                "extended_due_on": request.extended_due_on.isoformat(),
            },
            customer_visible=True,
            at=now,
        )
        _queue_notice(request, "extended", extended)
        return request


def request_complete(
    request: RightsRequest, *, outcome: str = Outcome.GRANTED, reasons: str = "", by=None, now=None
) -> RightsRequest:
    """Close a request as granted, or partially granted with reasons (Art. 12(4); R8)."""
    if outcome not in (Outcome.GRANTED, Outcome.PARTIALLY_GRANTED):
        raise ValueError("complete with granted or partially granted; use request_refuse to refuse")
    if outcome == Outcome.PARTIALLY_GRANTED and not reasons.strip():
        raise ValueError(_("A partial grant needs the reasons for what was not granted."))
    with transaction.atomic():
        request = _lock(request)
        if request.status == Status.COMPLETED:
            return request
        _require(request, {Status.IN_PROGRESS}, _("complete"))
        request.outcome, request.decision_reasons = outcome, reasons.strip()
        request.closed_at = now or timezone.now()
        return _move(
            request,
            Status.COMPLETED,
            kind="request.completed",
            by=by,
            fields=["outcome", "decision_reasons", "closed_at"],
            data={"outcome": outcome},
            notice="completed",
            now=now,
        )


def request_refuse(request: RightsRequest, *, reasons: str, by=None, now=None) -> RightsRequest:
    """Refuse with reasons; the notice tells of IMY and the courts (Art. 12(4); R8)."""
    if not reasons.strip():
        raise ValueError(_("A refusal needs its reasons (GDPR Art. 12(4))."))
    with transaction.atomic():
        request = _lock(request)
        if request.status == Status.REFUSED:
            return request
        _require(request, OPEN_STATUSES, _("refuse"))
        request.outcome, request.decision_reasons = Outcome.REFUSED, reasons.strip()
        request.closed_at = now or timezone.now()
        fields = [
            "outcome",
            "decision_reasons",
            "closed_at",
            *_end_pause(request, today=_stockholm_today(now)),
        ]
        return _move(
            request,
            Status.REFUSED,
            kind="request.refused",
            by=by,
            fields=fields,
            notice="refused",
            now=now,
        )


def request_withdraw(
    request: RightsRequest, *, by=None, by_customer: bool = False, now=None
) -> RightsRequest:
    """Withdraw an open request at the customer's wish."""
    with transaction.atomic():
        request = _lock(request)
        if request.status == Status.WITHDRAWN:
            return request
        _require(request, OPEN_STATUSES, _("withdraw"))
        request.closed_at = now or timezone.now()
        fields = ["closed_at", *_end_pause(request, today=_stockholm_today(now))]
        return _move(
            request,
            Status.WITHDRAWN,
            kind="request.withdrawn",
            by=by,
            by_label="customer" if by_customer else "",
            fields=fields,
            notice="withdrawn",
            now=now,
        )


def request_assign(request: RightsRequest, *, assignee, by=None) -> RightsRequest:
    """Assign an open request to a staff member (or to nobody)."""
    with transaction.atomic():
        request = _lock(request)
        _require(request, OPEN_STATUSES, _("assign"))
        if request.assignee_id == getattr(assignee, "pk", None):
            return request
        request.assignee = assignee
        request.save(update_fields=["assignee", "updated_at"])
        record_event(
            request,
            "request.assigned",
            actor=by,
            data={"assignee": assignee.get_username() if assignee else None},
        )
        return request


def record_personal_data_view(request: RightsRequest, *, by, what: str) -> RequestEvent:
    """Record that a staff member was shown personal data of the request's subject."""
    return record_event(request, "subject.viewed", actor=by, data={"what": what})


def mark_extension_notice_sent(request_id: int, *, sent_at: datetime.datetime) -> None:
    RightsRequest.objects.filter(pk=request_id, extension_notice_sent_at__isnull=True).update(
        extension_notice_sent_at=sent_at
    )
