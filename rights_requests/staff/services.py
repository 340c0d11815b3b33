"""Staff writes that are not a status change of their own: four-eyes refusals, replies,
registration of a request received outside the portal. Status changes go to workflow.
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from datamap import pii
from datamap.models import LegalEntity

from .. import outbox, roles, workflow
from ..models import DataSubject, Message, RequestEvent, RightsRequest, Status
from .selectors import REFUSAL_APPROVED, REFUSAL_PROPOSED, REFUSAL_REJECTED

# --- Four eyes on refusals --------------------------------------------------------------------
#
# A refusal ends the customer's request and must carry reasons and the right to complain
# (Art. 12(4); legal-rules.md R8). Staff propose it; a DPO other than the proposer decides.
# The proposal and the decision are events in the request's hash chain, so the audit trail
# shows who proposed, who approved and why.


def pending_refusal(request: RightsRequest) -> RequestEvent | None:
    """Return the open refusal proposal of a request, if any."""
    last = (
        RequestEvent.objects.filter(request_id=request.pk, kind__startswith="refusal.")
        .order_by("-seq")
        .first()
    )
    return last if last and last.kind == REFUSAL_PROPOSED else None


def refusal_propose(request: RightsRequest, *, reasons: str, by) -> RequestEvent:
    if not reasons.strip():
        raise ValueError(_("A refusal needs its reasons (GDPR Art. 12(4))."))
    with transaction.atomic():
        request = RightsRequest.objects.select_for_update().get(pk=request.pk)
        if request.status not in (
            Status.RECEIVED,
            Status.AWAITING_IDENTITY,
            Status.IN_PROGRESS,
            Status.AWAITING_CUSTOMER,
        ):
            raise workflow.TransitionNotAllowed(_("Only an open request can be refused."))
        if pending_refusal(request):
            raise workflow.TransitionNotAllowed(_("A refusal is already waiting for the DPO."))
        return workflow.record_event(
            request, REFUSAL_PROPOSED, actor=by, data={"reasons": reasons.strip()}
        )


def refusal_decide(request: RightsRequest, *, approve: bool, by, note: str = "") -> RightsRequest:
    """Approve (the request is refused with the proposed reasons) or reject a proposal."""
    if not roles.is_dpo(by) or not by.has_perm("rights_requests.approve_refusal"):
        raise PermissionError(_("Only the data protection officer decides on a refusal."))
    with transaction.atomic():
        request = RightsRequest.objects.select_for_update().get(pk=request.pk)
        proposal = pending_refusal(request)
        if proposal is None:
            raise workflow.TransitionNotAllowed(_("There is no refusal waiting for a decision."))
        if proposal.actor_id == by.pk:
            raise workflow.TransitionNotAllowed(
                _("Four eyes: the DPO who approves a refusal cannot be the one who proposed it.")
            )
        kind = REFUSAL_APPROVED if approve else REFUSAL_REJECTED
        workflow.record_event(
            request, kind, actor=by, data={"proposal": proposal.seq, "note": note}
        )
        if approve:
            return workflow.request_refuse(request, reasons=proposal.data["reasons"], by=by)
        return request


# --- Replies ---------------------------------------------------------------------------------


def staff_reply(request: RightsRequest, *, body: str, by) -> Message:
    """Post a staff message on the request's thread (no change of status)."""
    if not body.strip():
        raise ValueError(_("Write the message."))
    with transaction.atomic():
        message = Message.objects.create(
            request=request, sender=Message.Sender.STAFF, author=by, body=body.strip()
        )
        event = workflow.record_event(
            request, "message.sent", actor=by, data={"message": message.pk}, customer_visible=True
        )
        # The customer is told by e-mail that a message waits; its text stays in the portal.
        outbox.enqueue_notice(request, "message", cause_seq=event.seq)
    return message


# --- Registration of a request received by e-mail, letter, phone or visit --------------------


def register_request(
    *,
    personal_number: pii.PersonalNumber,
    first_name: str,
    last_name: str,
    email: str = "",
    phone: str = "",
    street_address: str = "",
    postal_code: str = "",
    city: str = "",
    language: str = "sv",
    entities: list[LegalEntity],
    rights: list[str],
    channel: str,
    received_at: datetime.datetime,
    details: str = "",
    identity_level: str = "none",
    identity_method: str = "",
    by,
):
    """File a submission as received at `received_at`; the deadline counts from then (R2)."""
    organisations = {entity.organisation_id for entity in entities}
    if len(organisations) != 1:
        raise ValueError(_("Choose companies of one organisation."))
    for entity in entities:
        if not roles.can_see_request(by, RightsRequest(legal_entity_id=entity.pk)):
            raise PermissionError(_("You do not work for %(entity)s.") % {"entity": entity})
    with transaction.atomic():
        # Look up by the keyed hash (DataSubject.objects.get_by_personal_number is not
        # reachable: the model's default manager shadows the one added with add_to_class).
        subject = DataSubject.objects.filter(
            personal_number_hash=pii.lookup_hash(personal_number)
        ).first()
        if subject is None:
            subject = DataSubject(
                first_name=first_name,
                last_name=last_name,
                email=email,
                phone=phone,
                street_address=street_address,
                postal_code=postal_code,
                city=city,
                preferred_language=language,
            )
            subject.set_personal_number(personal_number)
            subject.save()
        items = [
            workflow.RequestItem(entity, right, {"registered_note": details} if details else {})
            for entity in entities
            for right in rights
        ]
        return workflow.file_submission(
            subject=subject,
            organisation=entities[0].organisation,
            items=items,
            channel=channel,
            received_at=received_at,
            language=language,
            contact_email=email,
            identity_level=identity_level,
            identity_method=identity_method,
            registered_by=by,
        )
