"""Which of a person's data a legal entity may erase now, and what it must keep, why and how long.

The erasure right (GDPR Art. 17) calls `assess_erasure`; the reply to the customer lists
the categories kept with their reason and date (Art. 12(4), 17(3)), and the register
extract shows the same dates (Art. 15(1)(d)).

Order of the checks for each category the entity processes (from its record of
processing, datamap.ProcessingActivity):

1. a legal hold on the person or on the category: kept, Art. 17(3)(e);
2. an archive rule (Landskrona Energi's official documents): kept, Art. 17(3)(b), (d);
3. a retention period still running from the category's event: kept until its last day,
   Art. 17(3)(b) where the period is a legal duty (Bokföringslagen 7 kap. 2 §);
4. otherwise erasable (Art. 17(1)(a), (b)).
"""

import datetime
import logging
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import periods
from .models import LegalHold, RetentionAction, RetentionRule, RunsFrom

logger = logging.getLogger(__name__)

ERASABLE = "erasable"
KEPT_UNTIL = "kept_until"
KEPT_HOLD = "kept_hold"
KEPT_ARCHIVE = "kept_archive"


@dataclass(frozen=True)
class CategoryDecision:
    category: str  # DataCategory.code
    verdict: str  # "erasable" | "kept_until" | "kept_hold" | "kept_archive"
    keep_until: datetime.date | None
    rule: str  # human-readable rule + legal reference
    reason: str  # plain text for the customer, in the active language

    @property
    def erasable(self) -> bool:
        return self.verdict == ERASABLE


def _today() -> datetime.date:
    return timezone.localdate()


def categories_of(legal_entity) -> list:
    """Return the entity's data categories, from its record of processing."""
    from datamap.models import DataCategory

    return list(
        DataCategory.objects.filter(activities__legal_entity=legal_entity)
        .distinct()
        .order_by("code")
    )


def facts_for(subject, legal_entity) -> dict[str, datetime.date | None]:
    """Return, per category code, the date from which its retention period runs.

    A date: the event happened then (contract ended and settled, financial year ended,
    matter closed, recording made). None: it has not happened yet (the contract still
    runs), so the data are kept. A category missing from the answer falls back to the
    day the person's record was created in the portal.

    The facts come from the entity's connectors (datamap.connectors) that offer
    `retention_facts(subject) -> dict[category, date | None]`; connectors that do not,
    or a connectors package not yet installed, give nothing.
    """
    facts: dict[str, datetime.date | None] = {}
    try:
        from datamap import connectors
    except ImportError:
        return facts
    for_entity = getattr(connectors, "connectors_for", None)
    if for_entity is None:
        return facts
    for _system, connector in for_entity(legal_entity):
        provide = getattr(connector, "retention_facts", None)
        if provide is None:
            continue
        try:
            found = provide(subject) or {}
        except Exception:  # noqa: BLE001 - one broken system must not stop the assessment
            logger.exception("retention facts from %s failed", type(connector).__name__)
            continue
        for category, day in found.items():
            if isinstance(day, datetime.datetime):
                day = timezone.localdate(day) if timezone.is_aware(day) else day.date()
            if category in facts and facts[category] is None:
                continue  # one system says the event has not happened: keep
            if day is None or category not in facts:
                facts[category] = day
            else:
                facts[category] = max(facts[category], day)  # the latest event counts
    return facts


def _fallback_event(subject) -> datetime.date:
    created = getattr(subject, "created_at", None)
    return timezone.localdate(created) if created else _today()


def assess_erasure(
    subject,
    legal_entity,
    *,
    today: datetime.date | None = None,
    facts: dict[str, datetime.date | None] | None = None,
) -> list[CategoryDecision]:
    """Return one decision per data category the entity processes, in category order.

    `facts` overrides `facts_for(subject, legal_entity)` (tests, and callers that already
    asked the systems). Three queries whatever the number of categories.
    """
    today = today or _today()
    if facts is None:
        facts = facts_for(subject, legal_entity)
    categories = categories_of(legal_entity)
    rules = {
        rule.category_id: rule for rule in RetentionRule.objects.filter(legal_entity=legal_entity)
    }
    holds = list(
        LegalHold.objects.active()
        .filter(
            Q(subject_hash=subject.personal_number_hash)
            & (Q(legal_entity__isnull=True) | Q(legal_entity=legal_entity))
            | Q(subject_hash="", legal_entity=legal_entity)
        )
        .values("subject_hash", "category_id", "reason")
    )
    decisions = []
    for category in categories:
        # A person's hold without a category covers every category; a category hold
        # (no person) always names its category (model constraint).
        hold = next((h for h in holds if h["category_id"] in (None, category.pk)), None)
        decisions.append(
            _decide(category.code, rules.get(category.pk), hold, facts, subject, today)
        )
    return decisions


def _decide(code, rule, hold, facts, subject, today) -> CategoryDecision:
    if hold is not None:
        return CategoryDecision(
            category=code,
            verdict=KEPT_HOLD,
            keep_until=None,
            rule=_("Legal hold: %(reason)s (GDPR art. 17.3 e)") % {"reason": hold["reason"]},
            reason=_(
                "Kept while a legal claim or investigation concerning these data is open "
                "(GDPR Article 17(3)(e)). We erase them when it is over."
            ),
        )
    if rule is None:
        return CategoryDecision(
            category=code,
            verdict=ERASABLE,
            keep_until=None,
            rule=_("No retention rule; GDPR art. 17.1"),
            reason=_("No law or other reason requires us to keep these data."),
        )
    if rule.action == RetentionAction.ARCHIVE:
        return CategoryDecision(
            category=code,
            verdict=KEPT_ARCHIVE,
            keep_until=None,
            rule=rule.legal_reference,
            reason=_(
                "These data are part of official documents, which the company must keep "
                "under the Archives Act and may dispose of only under its archive rules "
                "(GDPR Article 17(3)(b) and (d); %(reference)s)."
            )
            % {"reference": rule.legal_reference},
        )
    if code in facts:
        event = facts[code]
    else:
        event = _fallback_event(subject)
    if event is None:
        return CategoryDecision(
            category=code,
            verdict=KEPT_UNTIL,
            keep_until=None,
            rule=f"{rule.legal_reference} ({rule.get_runs_from_display()})",
            reason=_(
                "Still needed: the retention period is counted from %(event)s, which has "
                "not happened yet (%(reference)s)."
            )
            % {"event": rule.get_runs_from_display(), "reference": rule.legal_reference},
        )
    last_day = periods.keep_until(event, rule.period, rule.runs_from)
    if last_day >= today:
        return CategoryDecision(
            category=code,
            verdict=KEPT_UNTIL,
            keep_until=last_day,
            rule=f"{rule.legal_reference} ({rule.period_text()}, {rule.get_runs_from_display()})",
            reason=_("Kept until %(date)s because %(reference)s requires it; erased after that.")
            % {"date": date_format(last_day, "j F Y"), "reference": rule.legal_reference},
        )
    return CategoryDecision(
        category=code,
        verdict=ERASABLE,
        keep_until=None,
        rule=f"{rule.legal_reference} ({rule.period_text()}, {rule.get_runs_from_display()})",
        reason=_("The period for which we had to keep these data is over."),
    )


__all__ = [
    "CategoryDecision",
    "ERASABLE",
    "KEPT_ARCHIVE",
    "KEPT_HOLD",
    "KEPT_UNTIL",
    "RunsFrom",
    "assess_erasure",
    "categories_of",
    "facts_for",
]
