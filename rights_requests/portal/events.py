"""Plain words for the customer-visible events of a request's timeline."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..models import RequestEvent

EVENT_TEXT = {
    "request.received": _("We received your request."),
    "request.started": _("We started working on your request."),
    "request.identity_requested": _("We need to confirm who you are before we can go on."),
    "request.identity_verified": _("Your identity is confirmed and we are working on the request."),
    "request.customer_asked": _(
        "We asked you a question. The time we have to answer is paused until you reply."
    ),
    "request.customer_replied": _("You answered, and we went on with the request."),
    "request.extended": _("We need more time and extended the deadline."),
    "request.completed": _("Your request is answered."),
    "request.refused": _("We decided that we cannot grant your request."),
    "request.withdrawn": _("The request was withdrawn."),
    "message.sent": _("Customer service sent you a message."),
    "message.received": _("You sent a message."),
    "file.downloaded": _("You downloaded a file."),
    "extract.ready": _("Your register extract is ready to download."),
    "extract.letter_created": _(
        "Your register extract will be sent by post to your registered address."
    ),
    "letter.batched": _("Your register extract was handed to the printer for posting."),
    "export.ready": _("Your data export is ready to download."),
    "erasure.decided": _(
        "We erased what we may and listed what the law makes us keep, and until when."
    ),
    "rectification.applied": _(
        "We corrected your data. Where we had shared it with others, we tell them of the correction."
    ),
    "restriction.applied": _("We restricted the processing of your data."),
    "restriction.lift_notified": _("We told you that the restriction will be lifted."),
    "restriction.lifted": _("The restriction of your data was lifted."),
    "objection.suppressed": _("You will no longer receive direct marketing from us."),
    "objection.assessment_needed": _(
        "We restricted the processing you objected to while we assess your objection."
    ),
}


# For a request filed on someone else's behalf (capacity not `self`): what waits is the
# staff's check of the representative's authority (R24), not who the representative is,
# and signing in does not move it on (workflow.verify_waiting_requests).
REPRESENTATIVE_EVENT_TEXT = {
    "request.identity_requested": _(
        "We check your authority to act for the person before we can go on."
    ),
    "request.identity_verified": _(
        "We have checked your authority to act for the person and are working on the request."
    ),
}


def describe(event: RequestEvent, *, for_someone: bool = False) -> str:
    """The event in plain words; `for_someone`: the request was filed on someone's behalf."""
    if for_someone and event.kind in REPRESENTATIVE_EVENT_TEXT:
        return REPRESENTATIVE_EVENT_TEXT[event.kind]
    return EVENT_TEXT.get(event.kind, _("The request was updated."))
