"""Restriction of processing (GDPR Art. 18): mark the data restricted in every system.

- `restrict(request_id)`: every category of every system of the entity is marked
  restricted (Art. 18(1), 18(2): the data may then only be stored); each row logged.
  Used for restriction requests and, meanwhile, for objections under Art. 21(1)
  (Art. 18(1)(d)).
- `notify_lift(request_id, by=...)`: tell the customer that the restriction will be
  lifted. Art. 18(3): the controller informs the data subject *before* the lift.
- `lift(request_id, notice_sent=None, by=...)`: lift it everywhere; refused unless a
  notice was sent first (through `notify_lift`, or `notice_sent`: when it was sent some
  other way, e.g. by letter).
"""

from __future__ import annotations

import datetime
import logging

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from datamap.connectors import ConnectorResult
from rights_requests.models import Message, Right, RightsRequest
from rights_requests.workflow import TransitionNotAllowed, record_event

from . import audit

logger = logging.getLogger(__name__)

APPLIED = "restriction.applied"
NOTIFIED = "restriction.lift_notified"
LIFTED = "restriction.lifted"


class LiftRefused(TransitionNotAllowed):
    """The restriction cannot be lifted before the customer is told (Art. 18(3))."""


def _each_category(request, method: str, *, by=None) -> ConnectorResult:
    result = ConnectorResult()
    for _system, connector in audit.connectors(request):
        for category in connector.categories():
            rows = getattr(connector, method)(request.subject, category)
            result.extend(rows)
            audit.log_rows(request, rows.actions, by=by)
    return result


def is_restricted(request: RightsRequest) -> bool:
    """Whether the request's latest restriction event is an application (not a lift)."""
    last = (
        request.events.filter(kind__in=(APPLIED, LIFTED))
        .order_by("-seq")
        .values_list("kind", flat=True)
        .first()
    )
    return last == APPLIED


def restrict(request_id: int, by=None, *, reason: str = "") -> ConnectorResult:
    """Mark the subject's data restricted in every system of the entity; idempotent."""
    request = audit.load(request_id)
    if request.right not in (Right.RESTRICTION, Right.OBJECTION, Right.RECTIFICATION):
        raise ValueError(f"request {request.reference} does not restrict processing")
    if is_restricted(request):
        return ConnectorResult()
    result = _each_category(request, "restrict", by=by)
    categories = sorted({r.category for r in result.actions if r.action == "restricted"})
    audit.file_recipient_notices(request, categories, change="restricted", by=by)
    record_event(
        request,
        APPLIED,
        actor=by,
        data={
            "rows": audit.summary(result),
            "pending": result.pending,
            "reason": reason or request.details.get("ground", ""),
            "article": "GDPR Art. 18(1)",
        },
        customer_visible=True,
    )
    return result


def lift_notice_text(request: RightsRequest) -> str:
    from rights_requests.notices import language_of

    with translation.override(language_of(request)):
        return _(
            "We will lift the restriction of the processing of your personal data "
            "(reference %(reference)s). From then on we may process the data again for "
            "the purposes stated in our privacy policy. If you disagree, reply to this "
            "message. (GDPR Article 18(3).)"
        ) % {"reference": request.reference}


def notify_lift(request_id: int, *, by=None, text: str = "") -> Message:
    """Tell the customer, in the portal and by e-mail, that the restriction will be lifted."""
    request = audit.load(request_id)
    if not is_restricted(request):
        raise TransitionNotAllowed(_("The data are not restricted."))
    body = text.strip() or lift_notice_text(request)
    with transaction.atomic():
        message = Message.objects.create(
            request=request, sender=Message.Sender.STAFF, author=by, body=body
        )
        record_event(
            request,
            NOTIFIED,
            actor=by,
            data={"message": message.pk, "article": "GDPR Art. 18(3)"},
            customer_visible=True,
        )
        address = request.submission.contact_email or request.subject.email
        if address:
            subject_line = f"{request.reference}: {body.split('.')[0][:70]}"
            transaction.on_commit(
                lambda: send_mail(subject_line, body, None, [address], fail_silently=False),
                robust=True,
            )
    return message


def lift(
    request_id: int, *, notice_sent: datetime.datetime | None = None, by=None
) -> ConnectorResult:
    """Lift the restriction in every system, only after the customer was told (Art. 18(3))."""
    request = audit.load(request_id)
    if not is_restricted(request):
        return ConnectorResult()
    applied = request.events.filter(kind=APPLIED).order_by("-seq").first()
    notified = request.events.filter(kind=NOTIFIED, seq__gt=applied.seq).exists()
    if not notified:
        if notice_sent is None:
            raise LiftRefused(
                _(
                    "Tell the customer before lifting the restriction (GDPR Article 18(3)): "
                    "send the notice first."
                )
            )
        if notice_sent > timezone.now():
            raise LiftRefused(_("The notice must have been sent before the restriction is lifted."))
        record_event(
            request,
            NOTIFIED,
            actor=by,
            data={
                "sent_at": notice_sent.isoformat(),
                "channel": "outside the portal",
                "article": "GDPR Art. 18(3)",
            },
            customer_visible=True,
        )
    result = _each_category(request, "lift", by=by)
    record_event(
        request,
        LIFTED,
        actor=by,
        data={"rows": audit.summary(result), "pending": result.pending},
        customer_visible=True,
    )
    return result
