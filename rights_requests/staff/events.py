"""Staff words for every kind of event in a request's audit trail (the request page's timeline).

The customer's timeline speaks to the customer (portal/events.py); this one names what
happened for the case handler and the DPO. The event's code stays beside the label on the
page, since the trail, the API and `verify_event_chain` speak in codes.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..models import Status

STAFF_EVENT_LABELS = {
    "request.received": _("Request received"),
    "request.started": _("Work started"),
    "request.assigned": _("Assigned to a case handler"),
    "request.identity_requested": _("Identity check asked of the customer"),
    "request.identity_verified": _("Identity verified"),
    "request.customer_asked": _("Question to the customer (clock paused)"),
    "request.customer_replied": _("Customer answered (clock running)"),
    "request.extended": _("Deadline extended, customer told why"),
    "request.escalated": _("Escalated: deadline near"),
    "request.completed": _("Request completed"),
    "request.refused": _("Request refused"),
    "request.withdrawn": _("Request withdrawn"),
    "identity.recorded": _("Identity level recorded"),
    "proof.received": _("Representative's proof received"),
    "message.sent": _("Message to the customer"),
    "message.received": _("Message from the customer"),
    "notice.sent": _("Notice e-mailed to the customer"),
    "notice.no_address": _("Notice not sent: no e-mail address"),
    "file.downloaded": _("File downloaded by the customer"),
    "subject.viewed": _("Personal data viewed by staff"),
    "dpo.alerted": _("DPO alerted"),
    "extract.ready": _("Register extract ready"),
    "extract.letter_created": _("Register extract made as a letter for post"),
    "review.due": _("Staff's notes held back for review (Art. 15(4))"),
    "letter.batched": _("Letter put in the print batch"),
    "export.ready": _("Data export ready"),
    "erasure.queued": _("Erasure queued"),
    "erasure.carried_out": _("Erasure carried out in the systems"),
    "erasure.decided": _("Erasure decided: erased and kept listed"),
    "rectification.applied": _("Rectification applied"),
    "restriction.applied": _("Processing restricted"),
    "restriction.lift_notified": _("Customer told that the restriction will be lifted"),
    "restriction.lifted": _("Restriction lifted"),
    "objection.suppressed": _("Direct marketing stopped"),
    "objection.assessment_needed": _("Objection: processing restricted while it is assessed"),
    "objection.assessed": _("Objection assessed"),
    "refusal.proposed": _("Refusal proposed to the DPO"),
    "refusal.approved": _("Refusal approved by the DPO"),
    "refusal.rejected": _("Refusal rejected by the DPO"),
    "api.registered": _("Registered through the API"),
    "outbox.retried": _("Failed background work tried again by staff"),
    # Written until 2026-11-27 for what is now a notice due (the portal told no one).
    "recipient.notified": _("Recipient to be told of the change (Art. 19)"),
    "recipient.notice_due": _("Recipient to be told of the change (Art. 19)"),
    "recipient.notice_given": _("Recipient told of the change (Art. 19)"),
    "retention.scheduled": _("Kept data to be erased when its retention ends"),
}


def staff_label(kind: str) -> str:
    """The label of an event kind; an unknown kind shows as its code."""
    return STAFF_EVENT_LABELS.get(kind, kind)


def status_label(value: str) -> str:
    """A status in words; an empty or unknown value as it is."""
    return Status(value).label if value in Status.values else value


def timeline_rows(events) -> list[dict]:
    """The request page's timeline: each event with its label and its statuses in words."""
    return [
        {
            "event": event,
            "label": staff_label(event.kind),
            "from_status": status_label(event.from_status),
            "to_status": status_label(event.to_status),
        }
        for event in events
    ]
