"""Shared steps of the rights carried out through connectors: load, log, notify recipients.

Every connector row action becomes one RequestEvent ("connector.<action>"), so the
request's hash-chained trail says which rows of which system were changed or kept
(GDPR Art. 5(2)). Each recipient of the changed categories gets a notice for staff to
give, and the trail records when it is due and when it was given (Art. 19; legal-rules.md
R31: no deadline, but log each one).
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


def file_recipient_notices(
    request: RightsRequest, categories: Iterable[str], *, change: str, by=None
) -> list[str]:
    """File a notice for each recipient of the changed categories (Art. 19); return their names.

    The portal holds no channel to the recipients, so it does not claim to have told them:
    each recipient gets a RecipientNotice that staff carry out through the channel agreed
    with it, and the trail records "recipient.notice_due" now and "recipient.notice_given"
    when staff mark it given (`give_notice`). The events name the recipient, the categories
    and the change, never the data themselves. Art. 19 sets no deadline, so an open notice
    does not hold the request up (legal-rules.md R31).
    """
    from rights_requests.models import RecipientNotice

    categories = sorted(set(categories))
    if not categories:
        return []
    wanted = set(categories)
    names = []
    with transaction.atomic():
        for recipient in recipients_of(request, categories).prefetch_related(
            "activities__categories"
        ):
            cats = sorted(
                {
                    category.code
                    for activity in recipient.activities.all()
                    if activity.legal_entity_id == request.legal_entity_id
                    for category in activity.categories.all()
                }
                & wanted
            )
            names.append(recipient.name)
            filed = {"request": request, "recipient": recipient, "change": change}
            if RecipientNotice.objects.filter(**filed, categories=cats).exists():
                continue  # a retried or resumed run: filed the first time
            RecipientNotice.objects.create(**filed, categories=cats)
            record_event(
                request,
                "recipient.notice_due",
                actor=by,
                data={
                    "recipient": recipient.name,
                    "recipient_kind": recipient.kind,
                    "change": change,
                    "categories": cats,
                    "article": "GDPR Art. 19",
                },
            )
    return names


def give_notice(notice, *, by, note: str) -> bool:
    """Mark a recipient notice given (from the admin); return False when it already was.

    The note (how the recipient was told) stays on the notice; the trail gets who marked
    it and when.
    """
    from django.utils import timezone

    from rights_requests.models import RecipientNotice

    with transaction.atomic():
        updated = RecipientNotice.objects.filter(pk=notice.pk, given_at__isnull=True).update(
            given_at=timezone.now(), given_by=by, note=note.strip()
        )
        if not updated:
            return False
        notice.refresh_from_db()
        record_event(
            notice.request,
            "recipient.notice_given",
            actor=by,
            data={
                "notice": notice.pk,
                "recipient": notice.recipient.name,
                "change": notice.change,
                "categories": notice.categories,
                "article": "GDPR Art. 19",
            },
        )
    return True
