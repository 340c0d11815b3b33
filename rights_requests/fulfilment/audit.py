"""Shared steps of the rights carried out through connectors: load, log, notify recipients.

Every connector row action becomes one RequestEvent ("connector.<action>"), so the
request's hash-chained trail says which rows of which system were changed or kept
(GDPR Art. 5(2)). Recipients of the changed categories are notified and each
notification is logged (Art. 19; legal-rules.md R31: no deadline, but log each one).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction

from datamap.connectors import ConnectorResult, RowAction, connectors_for
from rights_requests.models import RightsRequest
from rights_requests.workflow import record_event


def load(request_id: int) -> RightsRequest:
    return RightsRequest.objects.select_related(
        "subject", "legal_entity__organisation", "submission"
    ).get(pk=request_id)


def connectors(request: RightsRequest):
    """The (System, Connector) pairs of the request's legal entity, bound to the request."""
    return connectors_for(request.legal_entity, request=request)


def log_rows(request: RightsRequest, rows: Iterable[RowAction], *, by=None) -> int:
    """Append one event per row action; return how many."""
    count = 0
    with transaction.atomic():
        for row in rows:
            record_event(request, f"connector.{row.action}", actor=by, data=row.as_dict())
            count += 1
    return count


def summary(result: ConnectorResult) -> dict[str, dict[str, int]]:
    """{action: {category: rows}} for the closing event and the reply."""
    counts: dict[str, Counter] = {}
    for row in result.actions:
        counts.setdefault(row.action, Counter())[row.category] += 1
    return {action: dict(sorted(c.items())) for action, c in sorted(counts.items())}


def recipients_of(request: RightsRequest, categories: Iterable[str]):
    """The recipients recorded for the entity's processing of these categories (Art. 30(1)(d))."""
    from datamap.models import Recipient

    return (
        Recipient.objects.filter(
            activities__legal_entity=request.legal_entity,
            activities__categories__code__in=list(categories),
        )
        .distinct()
        .order_by("name")
    )


def notify_recipients(
    request: RightsRequest, categories: Iterable[str], *, action: str, by=None
) -> list[str]:
    """Notify each recipient of the changed categories (Art. 19); log one event per recipient.

    The portal holds no address book of recipients: the notification is recorded as given
    to the recipient through the entity's agreed channel, which staff carry out; the event
    names the recipient, the categories and the change (never the data themselves).
    Recipients that are public authorities or the public receive disclosures, not a
    continuing flow, and are notified only where the data were disclosed to them; they are
    logged as such.
    """
    categories = sorted(set(categories))
    if not categories:
        return []
    names = []
    for recipient in recipients_of(request, categories):
        cats = sorted(
            set(
                recipient.activities.filter(
                    legal_entity=request.legal_entity, categories__code__in=categories
                ).values_list("categories__code", flat=True)
            )
            & set(categories)
        )
        record_event(
            request,
            "recipient.notified",
            actor=by,
            data={
                "recipient": recipient.name,
                "recipient_kind": recipient.kind,
                "action": action,
                "categories": cats,
                "article": "GDPR Art. 19",
            },
        )
        names.append(recipient.name)
    return names
