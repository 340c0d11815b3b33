"""Staff words for every kind of event in a request's audit trail (the request page's timeline).

The customer's timeline speaks to the customer (portal/events.py); this one names what
happened for the case handler and the DPO. The event's code stays beside the label on the
page, since the trail, the API and `verify_event_chain` speak in codes.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from datamap.models import Recipient, System
from datamap.names import CodeNames
from identity.levels import IdentityLevel, VerificationMethod

from ..models import Channel, ExtensionReason, Outcome, RecipientNotice, Right, Status

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
    # One per row a connector touched (datamap.connectors.base.ACTIONS; audit.log_rows).
    "connector.found": _("Data found in a system"),
    "connector.exported": _("Data read from a system"),
    "connector.rectified": _("Data corrected in a system"),
    "connector.erased": _("Data erased in a system"),
    "connector.anonymised": _("Data anonymised in a system"),
    "connector.restricted": _("Processing restricted in a system"),
    "connector.lifted": _("Restriction lifted in a system"),
    "connector.kept": _("Data kept in a system: the law requires it"),
    "connector.task_created": _("Checklist task for a system the portal cannot reach"),
    "connector.task_done": _("Checklist task done"),
}

# The details of an event (its `data`) under staff's words; other keys show as they are.
DETAIL_LABELS = {
    "channel": _("channel"),
    "right": _("right"),
    "due_on": _("deadline"),
    "extended_due_on": _("extended deadline"),
    "outcome": _("outcome"),
    "reason": _("reason"),
    "reason_code": _("ground"),
    "reasons": _("reasons"),
    "required": _("identity level required"),
    "level": _("identity level"),
    "method": _("identification method"),
    "assignee": _("case handler"),
    "pause_counts": _("clock paused"),
    "what": _("what"),
    "system": _("system"),
    "category": _("category"),
    "categories": _("categories"),
    "action": _("step"),
    "key": _("row"),
    "detail": _("field"),
    "fields": _("fields"),
    "rows": _("rows"),
    "pending": _("checklist tasks"),
    "recipient": _("recipient"),
    "recipient_kind": _("kind of recipient"),
    "recipients_to_tell": _("recipients to tell"),
    "change": _("change"),
    "article": _("legal basis"),
    "delivery": _("delivery"),
    "filename": _("file"),
    "pages": _("pages"),
    "note": _("note"),
    "message": _("message no."),
    "artifact": _("file no."),
    "proposal": _("proposal, event no."),
    "notice": _("notice"),
    "outbox": _("outbox key"),
    "language": _("language"),
    "checked_by": _("checked by"),
}
# A language named inside a sentence (the language switcher names them in their own language).
LANGUAGE_NAMES = {
    "sv": pgettext_lazy("in a sentence", "Swedish"),
    "en": pgettext_lazy("in a sentence", "English"),
}
# The e-mail notices to the customer (rights_requests.notices.NOTICE_KINDS, and "receipt").
_NOTICES = {
    "receipt": _("receipt of the request"),
    "received": _("receipt of the request"),
    "identity_needed": _("identity check needed"),
    "clarification_needed": _("question to the customer"),
    "extended": _("deadline extended"),
    "completed": _("request completed"),
    "refused": _("request refused"),
    "withdrawn": _("request withdrawn"),
    "message": _("a new message"),
}
_CHOICES = {
    "channel": Channel,
    "right": Right,
    "outcome": Outcome,
    "reason_code": ExtensionReason,
    "required": IdentityLevel,
    "level": IdentityLevel,
    "method": VerificationMethod,
    "recipient_kind": Recipient.Kind,
    "change": RecipientNotice.Change,
}
_WHAT = {
    "request page": _("the request page"),
    "rectification diff": _("the rectification's before and after"),
    "message": _("a message"),
    "full personal number": _("the full personal number"),
}


def staff_label(kind: str) -> str:
    """The label of an event kind; an unknown kind shows as its code."""
    return STAFF_EVENT_LABELS.get(kind, kind)


def status_label(value: str) -> str:
    """A status in words; an empty or unknown value as it is."""
    return Status(value).label if value in Status.values else value


def _value(key: str, value, names: CodeNames) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):  # by category ("fields") or by action, then category ("rows")
        return "; ".join(f"{_part(k, names)}: {_value(key, v, names)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_value(key, v, names) for v in value)
    value = str(value)
    if key in _CHOICES and value in _CHOICES[key].values:
        return str(_CHOICES[key](value).label)
    if key == "what":
        return str(_WHAT.get(value, value))
    if key == "notice":
        return str(_NOTICES.get(value, value))
    if key == "language":
        return str(LANGUAGE_NAMES.get(value, value))
    if key in ("category", "categories"):
        return names("category", value)
    if key == "system":
        return names("system", value)
    if key == "action":
        return str(STAFF_EVENT_LABELS.get(f"connector.{value}", value))
    return value


def _part(code: str, names: CodeNames) -> str:
    """A key inside an event's detail: a connector's action or a category code, in words."""
    if code in RecipientNotice.Change.values:
        return str(RecipientNotice.Change(code).label)
    return names("category", code)


def _row_key(data: dict, names: CodeNames) -> str | None:
    """The row a connector touched: the portal's own customer row in words, else None.

    The portal's connector keys the customer's row "subject-<pk>", a database key that
    says nothing to staff; other systems' keys (a customer number, a reference) stay.
    """
    key = str(data.get("key", ""))
    if key.startswith("subject-") and names("connector", str(data.get("system", ""))) in (
        System.Connector.PORTAL,
        System.Connector.BUILTIN,
    ):
        return str(_("the customer's record"))
    return None


def event_details(data: dict, names: CodeNames | None = None) -> list[tuple[str, str]]:
    """An event's data as (label, value) pairs in staff's words."""
    names = names or CodeNames()
    data = data or {}
    return [
        (
            str(DETAIL_LABELS.get(key, key)),
            (key == "key" and _row_key(data, names)) or _value(key, value, names),
        )
        for key, value in data.items()
    ]


def actor_label(label: str) -> str:
    """Who did it: a user name as it is, the customer in words."""
    return str(_("the customer")) if label == "customer" else label


def timeline_rows(events, names: CodeNames | None = None) -> list[dict]:
    """The request page's timeline: each event with its label, statuses and details in words."""
    names = names or CodeNames()
    return [
        {
            "event": event,
            "label": staff_label(event.kind),
            "from_status": status_label(event.from_status),
            "to_status": status_label(event.to_status),
            "actor": actor_label(event.actor_label),
            "details": event_details(event.data, names),
        }
        for event in events
    ]


def category_names(codes, names: CodeNames | None = None) -> str:
    """Data category codes as their names, joined for a page or a list column."""
    names = names or CodeNames()
    return ", ".join(names("category", code) for code in codes or ())


def with_category_names(items, names: CodeNames | None = None) -> list[tuple[str, object]]:
    """(category name, item) for items (manual tasks, retention decisions) with a category code."""
    names = names or CodeNames()
    return [(names("category", item.category), item) for item in items]
