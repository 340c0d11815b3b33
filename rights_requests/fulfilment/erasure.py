"""Carry out an erasure request: erase what may go, keep what must stay, say which and why.

1. Ask `retention.assessment.assess_erasure` which of the entity's categories are
   erasable now and which are kept, why and until when (GDPR Art. 17(1), 17(3);
   Bokföringslagen 7 kap. 2 §, arkivlagen; legal-rules.md R26-R29).
2. Record the rows kept, per system, before anything changes.
3. Erase or anonymise (the category's retention rule decides which) the erasable
   categories in every system that holds them; the identity category last, since it
   links the other rows to the person. Each connector's rows are logged at once, so a
   retried task keeps the trail of what the first attempt did.
4. File a notice for each recipient of the erased categories (Art. 19), for staff to give.
5. Store the decisions (customer-visible) and a retention follow-up with the date until
   which each kept category stays; the retention sweep erases them when the date passes.
6. With nothing left waiting for staff (manual checklist tasks), complete the request:
   granted, or partially granted with the reasons for what is kept (Art. 12(4)).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _

from datamap.connectors import ConnectorResult, RowAction
from rights_requests.models import Outcome, Right, Status
from rights_requests.workflow import record_event, request_complete

from . import audit

logger = logging.getLogger(__name__)

DONE_EVENT = "erasure.carried_out"


@dataclass
class ErasureReport:
    request_id: int
    decisions: list = field(default_factory=list)  # retention.assessment.CategoryDecision
    result: ConnectorResult = field(default_factory=ConnectorResult)
    erased: list[str] = field(default_factory=list)  # categories with rows erased/anonymised
    kept: list[str] = field(default_factory=list)  # categories with rows kept
    recipients: list[str] = field(default_factory=list)
    completed: bool = False

    @property
    def pending(self) -> bool:
        return self.result.pending


def _mode(legal_entity, category: str) -> str:
    """Erase or anonymise, as the category's retention rule says (erase by default)."""
    try:
        from retention.models import RetentionRule
    except ImportError:
        return "erase"
    action = (
        RetentionRule.objects.filter(legal_entity=legal_entity, category__code=category)
        .values_list("action", flat=True)
        .first()
    )
    return "anonymise" if action == "anonymise" else "erase"


def _requested(request) -> set[str] | None:
    """The categories the customer asked to erase; None: all of them."""
    details = request.details or {}
    if details.get("scope") == "some" and details.get("categories"):
        return set(details["categories"])
    return None


def _kept_detail(decision) -> str:
    until = decision.keep_until.isoformat() if decision.keep_until else "-"
    return f"{decision.verdict} until {until}: {decision.rule}"[:500]


def _decision_data(decision) -> dict:
    return {
        "category": decision.category,
        "verdict": decision.verdict,
        "keep_until": decision.keep_until.isoformat() if decision.keep_until else None,
        "rule": decision.rule,
        "reason": str(decision.reason),
    }


@dataclass(frozen=True)
class StoredDecision:
    """A CategoryDecision as stored in the "erasure.decided" event (for a resumed run)."""

    category: str
    verdict: str
    keep_until: datetime.date | None
    rule: str
    reason: str

    @property
    def erasable(self) -> bool:
        return self.verdict == "erasable"

    @classmethod
    def from_data(cls, data: dict) -> StoredDecision:
        until = data.get("keep_until")
        return cls(
            category=data["category"],
            verdict=data["verdict"],
            keep_until=datetime.date.fromisoformat(until) if until else None,
            rule=data.get("rule", ""),
            reason=data.get("reason", ""),
        )


def carry_out(request_id: int, by=None, *, today: datetime.date | None = None) -> ErasureReport:
    """Carry out the erasure request `request_id`; safe to run again (see module docstring).

    A run that left checklist tasks pending is resumed by running it again once staff
    have done them: only the manual systems are asked again.
    """
    request = audit.load(request_id)
    if request.right != Right.ERASURE:
        raise ValueError(f"request {request.reference} is not an erasure request")
    report = ErasureReport(request_id)
    if request.status != Status.IN_PROGRESS:
        logger.info(
            "erasure %s: not in progress (%s); nothing to do", request.reference, request.status
        )
        report.completed = request.status == Status.COMPLETED
        return report
    previous = request.events.filter(kind=DONE_EVENT).order_by("-seq").first()
    if previous is not None and not previous.data.get("pending"):
        return _finish(request, report, by=by)  # done before; only the completion is missing
    pairs = audit.connectors(request)
    if previous is not None:
        decided = request.events.filter(kind="erasure.decided").order_by("-seq").first()
        report.decisions = [StoredDecision.from_data(d) for d in decided.data["decisions"]]
        pairs = [(system, c) for system, c in pairs if c.kind == "manual"]
        _erase(request, report, pairs, by=by)
    else:
        _first_run(request, report, pairs, by=by, today=today)
    record_event(
        request,
        DONE_EVENT,
        actor=by,
        data={"rows": audit.summary(report.result), "pending": report.pending},
    )
    if report.pending:
        return report
    return _finish(request, report, by=by)


def _first_run(request, report: ErasureReport, pairs, *, by, today) -> None:
    from retention.assessment import assess_erasure

    subject, entity = request.subject, request.legal_entity
    wanted = _requested(request)
    with translation.override(_language(request)):
        report.decisions = [
            d
            for d in assess_erasure(subject, entity, today=today)
            if wanted is None or d.category in wanted
        ]
    decisions = report.decisions

    # 2. What is kept, row by row, while the rows can still be found. Manual systems are
    # not asked: nothing is to be done there for a kept category.
    kept = {d.category: d for d in decisions if not d.erasable}
    for _system, connector in pairs:
        if connector.kind == "manual" or not any(connector.holds(c) for c in kept):
            continue
        rows = [
            RowAction(row.system, row.category, "kept", row.key, _kept_detail(kept[row.category]))
            for row in connector.find(subject).actions
            if row.category in kept and row.action == "found"
        ]
        report.result.actions.extend(rows)
        audit.log_rows(request, rows, by=by)

    _erase(request, report, pairs, by=by)

    # 4. Art. 19: the recipients of what was erased are to be told.
    erased = sorted(
        {r.category for r in report.result.actions if r.action in ("erased", "anonymised")}
    )
    report.recipients = audit.file_recipient_notices(request, erased, change="erased", by=by)

    # 5. The decisions for the reply, and the follow-up of what is kept.
    record_event(
        request,
        "erasure.decided",
        actor=by,
        data={
            "decisions": [_decision_data(d) for d in decisions],
            "requested": sorted(wanted) if wanted else "all",
        },
        customer_visible=True,
    )
    kept_categories = {r.category for r in report.result.actions if r.action == "kept"}
    follow_up = {
        d.category: {
            "verdict": d.verdict,
            "keep_until": d.keep_until.isoformat() if d.keep_until else None,
            "rule": d.rule,
        }
        for d in decisions
        if d.category in kept_categories and not d.erasable
    }
    if follow_up:
        record_event(
            request,
            "retention.scheduled",
            actor=by,
            data={"legal_entity": request.legal_entity.slug, "categories": follow_up},
        )


def _erase(request, report: ErasureReport, pairs, *, by) -> None:
    """3. Erase or anonymise the erasable categories; identity last (it links the rest)."""
    erasable = sorted(
        (d.category for d in report.decisions if d.erasable),
        key=lambda code: (code == "identity", code),
    )
    for category in erasable:
        mode = _mode(request.legal_entity, category)
        for _system, connector in pairs:
            if not connector.holds(category):
                continue
            result = connector.erase(request.subject, category, mode=mode)
            report.result.extend(result)
            audit.log_rows(request, result.actions, by=by)


def _finish(request, report: ErasureReport, *, by) -> ErasureReport:
    """6. Complete the request with the reply, from the whole trail of this request."""
    if not report.decisions:
        decided = request.events.filter(kind="erasure.decided").order_by("-seq").first()
        report.decisions = [StoredDecision.from_data(d) for d in decided.data["decisions"]]
    rows = request.events.filter(kind__startswith="connector.").values_list("kind", "data")
    report.erased = sorted(
        {d["category"] for k, d in rows if k in ("connector.erased", "connector.anonymised")}
    )
    report.kept = sorted({d["category"] for k, d in rows if k == "connector.kept"})
    outcome, reasons = reply(request, report.decisions, report)
    request_complete(request, outcome=outcome, reasons=reasons, by=by)
    report.completed = True
    return report


def _language(request) -> str:
    from rights_requests.notices import language_of

    return language_of(request)


def reply(request, decisions, report: ErasureReport) -> tuple[str, str]:
    """The outcome and the reply: what was erased, what is kept, why and until when.

    Partially granted when a retention rule keeps a category (Art. 17(3), 12(4)). Rows
    that the portal's own records keep of an erasable category (the record of the
    request, the consent ledger) are named too, but do not make the grant partial.
    """
    from datamap.models import DataCategory

    by_category = {d.category: d for d in decisions}
    retained = [c for c in report.kept if c in by_category and not by_category[c].erasable]
    records_only = [c for c in report.kept if c not in retained]
    with translation.override(_language(request)):
        names = {c.code: c.name for c in DataCategory.objects.all()}

        def named(codes):
            return ", ".join(names.get(c, c) for c in codes)

        lines = []
        if report.erased:
            lines.append(_("Erased: %(categories)s.") % {"categories": named(report.erased)})
        elif not retained:
            lines.append(_("We found no personal data about you to erase."))
        for code in retained:
            decision = by_category[code]
            if decision.keep_until:
                lines.append(
                    _("Kept until %(date)s: %(category)s. %(reason)s")
                    % {
                        "date": decision.keep_until.isoformat(),
                        "category": names.get(code, code),
                        "reason": decision.reason,
                    }
                )
            else:
                lines.append(
                    _("Kept: %(category)s. %(reason)s")
                    % {"category": names.get(code, code), "reason": decision.reason}
                )
        if retained:
            lines.append(
                _(
                    "What we keep is used only for the purpose it is kept for, and is erased "
                    "when that period ends (GDPR Article 17(3))."
                )
            )
        if records_only:
            lines.append(
                _(
                    "Kept only in our record of your requests and consents: %(categories)s. "
                    "We must be able to show how we handled your request and what you "
                    "consented to (GDPR Articles 5(2), 7(1) and 17(3)(e))."
                )
                % {"categories": named(records_only)}
            )
        text = "\n".join(lines)
    outcome = Outcome.PARTIALLY_GRANTED if retained else Outcome.GRANTED
    return outcome, text
