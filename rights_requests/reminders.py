"""Reminders, escalation and DPO alerts from the beat sweep; extension proposals.

Every e-mail to staff is an outbox row with a key that names the request and the date
it is about, so a sweep fired twice (a duplicate beat) queues one e-mail:

- the assignee is reminded `DSR_REMINDER_WORKING_DAYS` working days before the deadline,
  once per request and deadline (a deadline moved by a pause or an extension is a new
  deadline);
- an open request still unassigned after `DSR_ESCALATE_UNASSIGNED_WORKING_DAYS` working
  days goes to the DPO-role staff of its company (or the company's DPO mailbox), once;
- the DPO is alerted when the one-month date is within `DSR_DPO_ALERT_WORKING_DAYS`
  working days and neither a decision nor an extension notice has gone out: after
  that date an extension is no longer possible and a refusal is late (GDPR Art. 12(3),
  12(4); legal-rules R7, R8).

Staff e-mails carry the reference, the company, the right and the dates: no personal
data of the customer (Art. 5(1)(c), (f)).

`extension_proposals` estimates, per company, when each open request will be answered
at the team's recent pace; those that will miss their one-month date while an extension
is still possible are proposed on the DPO dashboard with the notice drafted. Staff
decide: an extension needs a real ground (Art. 12(3); EDPB-GL §§162-164).
"""

import copy
import datetime
import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import linebreaks

from . import deadlines, roles
from .models import (
    OPEN_STATUSES,
    ExtensionReason,
    Outbox,
    RecipientNotice,
    RightsRequest,
    Status,
)

STAFF_TEMPLATES = ("reminder", "escalation", "dpo_alert")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def working_days_before(day: datetime.date, count: int) -> datetime.date:
    """Return the latest date d with `count` working days in (d, day]."""
    found = 0
    while found < count:
        if deadlines.is_working_day(day):
            found += 1
        day -= datetime.timedelta(days=1)
    return day


def today() -> datetime.date:
    return deadlines.receipt_date(timezone.now())


# --- Who gets what ---------------------------------------------------------------------------


def dpo_users(entity_ids) -> dict[int, list[int]]:
    """The active DPO-role staff with an e-mail address covering each legal entity."""
    from datamap.models import LegalEntity, StaffMembership

    entities = LegalEntity.objects.filter(pk__in=set(entity_ids)).values_list(
        "pk", "organisation_id"
    )
    memberships = StaffMembership.objects.filter(
        user__is_active=True, user__groups__name=roles.DPO
    ).exclude(user__email="")
    rows = list(memberships.values_list("user_id", "organisation_id", "legal_entity_id"))
    result: dict[int, list[int]] = {}
    for entity_id, organisation_id in entities:
        result[entity_id] = sorted(
            {
                user_id
                for user_id, org_id, member_entity in rows
                if member_entity == entity_id
                or (member_entity is None and org_id == organisation_id)
            }
        )
    return result


# --- The sweep -------------------------------------------------------------------------------


def _queue(candidates: dict[str, tuple[int, dict]]) -> int:
    """Create the outbox rows not yet there (set-based) and queue them after commit."""
    from . import outbox

    if not candidates:
        return 0
    existing = set(
        Outbox.objects.filter(idempotency_key__in=list(candidates)).values_list(
            "idempotency_key", flat=True
        )
    )
    new = [key for key in candidates if key not in existing]
    if not new:
        return 0
    available_at = timezone.now() + outbox.requeue_after()
    Outbox.objects.bulk_create(
        [
            Outbox(
                kind=Outbox.Kind.STAFF_EMAIL,
                idempotency_key=key,
                request_id=candidates[key][0],
                payload=candidates[key][1],
                available_at=available_at,
            )
            for key in new
        ],
        ignore_conflicts=True,  # a sweep running at the same time wrote it first
    )
    ids = list(
        Outbox.objects.filter(idempotency_key__in=new, status=Outbox.State.PENDING).values_list(
            "pk", flat=True
        )
    )
    transaction.on_commit(lambda: [outbox.publish(pk) for pk in ids])
    return len(new)


def sweep(on: datetime.date | None = None) -> dict[str, int]:
    """Queue the reminders, escalations and DPO alerts due on `on`; return counts."""
    on = on or today()
    open_requests = RightsRequest.objects.filter(status__in=OPEN_STATUSES)
    paused = Q(paused_since__isnull=False, pause_counts=True)
    with transaction.atomic():
        # 1. The assignee, N working days before the deadline (once per deadline).
        remind_until = deadlines.add_working_days(on, _setting("DSR_REMINDER_WORKING_DAYS", 5))
        reminders = {
            f"reminder:{pk}:{deadline_on.isoformat()}": (
                pk,
                {"template": "reminder", "users": [assignee_id], "date": deadline_on.isoformat()},
            )
            for pk, assignee_id, deadline_on in open_requests.exclude(paused)
            .filter(assignee__isnull=False, deadline_on__lte=remind_until)
            .values_list("pk", "assignee_id", "deadline_on")
        }
        # 2. Unassigned for more than N working days: to the company's DPO staff.
        cutoff = working_days_before(on, _setting("DSR_ESCALATE_UNASSIGNED_WORKING_DAYS", 2) + 1)
        unassigned = list(
            open_requests.filter(assignee__isnull=True, received_on__lte=cutoff).values_list(
                "pk", "legal_entity_id", "received_on"
            )
        )
        # 3. The one-month date near with no decision and no extension notice (R7, R8).
        alert_until = deadlines.add_working_days(on, _setting("DSR_DPO_ALERT_WORKING_DAYS", 5))
        alerts = list(
            open_requests.filter(
                notice_by__gte=on, notice_by__lte=alert_until, extension_notice_sent_at__isnull=True
            ).values_list("pk", "legal_entity_id", "notice_by")
        )
        dpos = dpo_users({entity for _pk, entity, _d in unassigned + alerts})
        escalations = {
            f"escalation:{pk}": (
                pk,
                {"template": "escalation", "users": dpos.get(entity, []), "date": day.isoformat()},
            )
            for pk, entity, day in unassigned
        }
        dpo_alerts = {
            f"dpo_alert:{pk}:{day.isoformat()}": (
                pk,
                {"template": "dpo_alert", "users": dpos.get(entity, []), "date": day.isoformat()},
            )
            for pk, entity, day in alerts
        }
        return {
            "reminders": _queue(reminders),
            "escalations": _queue(escalations),
            "dpo_alerts": _queue(dpo_alerts),
        }


# --- Delivery (an outbox effect) --------------------------------------------------------------


EVENT_KINDS = {
    "reminder": "staff.reminded",
    "escalation": "request.escalated",
    "dpo_alert": "dpo.alerted",
}


def render_staff_email(request: RightsRequest, template: str, date: str) -> tuple[str, str, str]:
    """Return (subject line, text, HTML) of a staff e-mail, in the portal's language."""
    if template not in STAFF_TEMPLATES:
        raise ValueError(f"unknown staff e-mail {template!r}")
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "request": request,
            "entity": request.legal_entity,
            "template": template,
            "date": datetime.date.fromisoformat(date),
            "admin_url": f"{settings.PORTAL_BASE_URL.rstrip('/')}/admin/rights_requests/"
            f"rightsrequest/{request.pk}/change/",
        }
        subject_line = " ".join(render_to_string("emails/staff_subject.txt", context).split())
        text = render_to_string("emails/staff.txt", context)
    return subject_line, text, linebreaks(text, autoescape=True)


def deliver(row: Outbox):
    """Send a staff e-mail of an outbox row; return its confirmation."""
    from . import outbox, workflow

    template = row.payload["template"]
    request = RightsRequest.objects.select_related("legal_entity").get(pk=row.request_id)
    users = list(
        get_user_model()
        .objects.filter(pk__in=row.payload.get("users", []), is_active=True)
        .exclude(email="")
        .order_by("pk")
    )
    recipients = [user.email for user in users]
    if not recipients and template in ("escalation", "dpo_alert"):
        recipients = [request.legal_entity.dpo_email]  # the company's DPO mailbox
    if recipients:
        subject_line, text, html = render_staff_email(request, template, row.payload["date"])
        message = EmailMultiAlternatives(
            subject_line,
            text,
            to=recipients,
            headers={
                "Message-ID": outbox.message_id(row.idempotency_key),
                "X-DSR-Outbox": row.idempotency_key,
            },
        )
        message.attach_alternative(html, "text/html")
        message.send()

    def confirm():
        workflow.record_event(
            request,
            EVENT_KINDS[template],
            data={
                "to": [user.get_username() for user in users]
                or (["dpo mailbox"] if recipients else []),
                "date": row.payload["date"],
                "outbox": row.idempotency_key,
            },
        )

    return confirm


# --- Extension proposals (the DPO dashboard) ---------------------------------------------------


@dataclass(frozen=True)
class ExtensionProposal:
    request: RightsRequest
    expected_on: datetime.date
    extended_due_on: datetime.date
    reason_code: str
    reason: str
    notice_subject: str
    notice_text: str


def daily_capacity(entity_ids, *, on: datetime.date) -> dict[int, float]:
    """Requests each company closed per working day over the last 20 working days."""
    from django.db.models import Count

    window = _setting("DSR_CAPACITY_WINDOW_WORKING_DAYS", 20)
    since = working_days_before(on, window)
    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=deadlines.STOCKHOLM)
    closed = dict(
        RightsRequest.objects.filter(
            legal_entity__in=entity_ids,
            status__in=(Status.COMPLETED, Status.REFUSED),
            closed_at__gte=start,
        )
        .values_list("legal_entity")
        .annotate(n=Count("pk"))
        .values_list("legal_entity", "n")
    )
    floor = float(getattr(settings, "DSR_MIN_DAILY_CAPACITY", 1))
    return {entity: max(closed.get(entity, 0) / window, floor) for entity in entity_ids}


def extension_proposals(user, *, on: datetime.date | None = None, limit: int = 50) -> list:
    """Open requests the team will not answer by the one-month date, still extendable.

    1. Per company that allows an extension, order the open, unextended requests by
       deadline (first in, first answered).
    2. The k-th (from 0) is expected to be answered ceil((k+1) / capacity) working days
       from today, at the pace of the last 20 working days.
    3. Propose those expected after their deadline whose one-month date has not passed
       (Art. 12(3): the notice must go out within it), with the notice drafted.
    """
    on = on or today()
    # The queues are worked out on (id, company, deadline) alone, of the companies that
    # allow an extension; only the proposed requests (at most `limit`) are loaded whole.
    # With thousands of open requests this keeps the dashboard from building a model
    # object, with three joins, for each.
    candidates = (
        roles.scope_requests(RightsRequest.objects.all(), user)
        .filter(
            status__in=OPEN_STATUSES,
            extended_due_on__isnull=True,
            notice_by__gte=on,
            legal_entity__max_extended_months__gt=F("legal_entity__base_months"),
        )
        .order_by("legal_entity_id", "deadline_on", "id")
        .values_list("pk", "legal_entity_id", "deadline_on")
    )
    queues: dict[int, list[tuple[int, datetime.date]]] = {}
    for pk, entity_id, deadline_on in candidates:
        queues.setdefault(entity_id, []).append((pk, deadline_on))
    capacity = daily_capacity(list(queues), on=on)
    chosen: list[tuple[int, datetime.date]] = []
    for entity_id, queue in queues.items():
        for position, (pk, deadline_on) in enumerate(queue):
            days = math.ceil((position + 1) / capacity[entity_id])
            expected = deadlines.add_working_days(on, days)
            if expected > deadline_on:
                chosen.append((pk, expected))
            if len(chosen) >= limit:
                break
        if len(chosen) >= limit:
            break
    loaded = RightsRequest.objects.select_related(
        "legal_entity__organisation", "subject", "submission"
    ).in_bulk([pk for pk, _expected in chosen])
    return [_proposal(loaded[pk], expected) for pk, expected in chosen]


def _proposal(request: RightsRequest, expected: datetime.date) -> ExtensionProposal:
    """The extension the request would get, with its notice drafted (never sent from here)."""
    from . import notices

    entity = request.legal_entity
    extended = deadlines.due_date(
        request.received_on,
        entity.max_extended_months,
        paused_days=request.paused_days,
        extend_over_eves=entity.extend_over_eves,
    )
    with translation.override(notices.language_of(request)):
        reason = str(
            translation.gettext(
                "We have received an exceptional number of requests at the same time "
                "and cannot answer all of them within one month."
            )
        )
    draft = copy.copy(request)  # never saved: the notice as it would read
    draft.extended_due_on, draft.extension_reason = extended, reason
    subject_line, text, _html = notices.render_notice(draft, "extended")
    return ExtensionProposal(
        request=request,
        expected_on=expected,
        extended_due_on=extended,
        reason_code=ExtensionReason.EXCEPTIONAL_INFLUX,
        reason=reason,
        notice_subject=subject_line,
        notice_text=text,
    )


def failed_effects(user, *, limit: int = 50) -> list[Outbox]:
    """Outbox rows that failed every attempt, of the requests the user may see (dashboard)."""
    rows = Outbox.objects.filter(status=Outbox.State.FAILED, request__isnull=False)
    return list(
        roles.scope_by_entity(rows, user, "request__legal_entity")
        .select_related("request")
        .order_by("-id")[:limit]
    )


def tasks_due(user, *, on) -> dict[str, int]:
    """Open checklist tasks at the user's companies: all, past their due date, and reviews.

    Reviews are staff's notes held back from an extract or export until read (Art. 15(4)).
    """
    from datamap.models import ManualTask

    tasks = roles.scope_by_entity(
        ManualTask.objects.filter(done_at__isnull=True), user, "legal_entity"
    )
    return tasks.aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(due_on__lt=on)),
        reviews=Count("pk", filter=Q(action=ManualTask.Action.REVIEW)),
    )


def notices_due(user) -> int:
    """How many recipients are still to be told of a change (Art. 19), at the user's companies."""
    notices = RecipientNotice.objects.filter(given_at__isnull=True)
    return roles.scope_by_entity(notices, user, "request__legal_entity").count()
