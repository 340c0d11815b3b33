"""Objection (GDPR Art. 21).

- To direct marketing (Art. 21(2)-(3)): absolute and immediate. The person goes on the
  suppression list (consent.services.suppress) for all direct marketing, the request is
  completed as granted at once; no balancing, no refusal. Marketing systems reached by
  connectors are told through their own checklist (the manual connector) where needed.
- To other processing on grounds relating to their situation (Art. 21(1)): the data are
  restricted meanwhile (Art. 18(1)(d)) and the request waits for staff to assess whether
  compelling legitimate grounds override; `decide(...)` records the assessment with its
  reasons and either stops the processing (granted) or refuses with reasons (Art. 12(4)).
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from rights_requests.models import Outcome, Right, Status
from rights_requests.workflow import record_event, request_complete, request_refuse

from . import audit, restriction

logger = logging.getLogger(__name__)


def carry_out(request_id: int, by=None) -> str:
    """Carry out an objection; return "suppressed" or "restricted" (or "" if nothing to do)."""
    request = audit.load(request_id)
    if request.right != Right.OBJECTION:
        raise ValueError(f"request {request.reference} is not an objection")
    if request.status != Status.IN_PROGRESS:
        return ""
    if (request.details or {}).get("direct_marketing"):
        return _direct_marketing(request, by=by)
    restriction.restrict(request.pk, by=by, reason="objection under GDPR Art. 21(1)")
    if not request.events.filter(kind="objection.assessment_needed").exists():
        record_event(
            request,
            "objection.assessment_needed",
            actor=by,
            data={"article": "GDPR Art. 21(1), 18(1)(d)"},
            customer_visible=True,
        )
    return "restricted"


def _direct_marketing(request, *, by=None) -> str:
    from consent import services

    suppression = services.suppress(
        request.subject.personal_number_hash,
        reason="Objection to direct marketing (GDPR Art. 21(2))",
        source=f"objection:{request.reference}",
    )
    record_event(
        request,
        "objection.suppressed",
        actor=by,
        data={"suppression": suppression.pk, "article": "GDPR Art. 21(3)"},
        customer_visible=True,
    )
    # Systems outside the portal that send marketing get a checklist task to drop the
    # person as well (the suppression list is what they check before each mailing).
    pending = False
    for _system, connector in audit.connectors(request):
        if connector.kind != "manual" or not connector.holds("marketing"):
            continue
        result = connector.restrict(request.subject, "marketing")
        pending |= result.pending
        audit.log_rows(request, result.actions, by=by)
    request_complete(
        request,
        outcome=Outcome.GRANTED,
        reasons=_(
            "You will no longer receive direct marketing from us. Your objection took "
            "effect at once (GDPR Article 21(3))."
        ),
        by=by,
    )
    return "suppressed"


def decide(request_id: int, *, compelling_grounds: bool, reasons: str, by) -> None:
    """Record staff's assessment of an Art. 21(1) objection and close the request.

    Without compelling legitimate grounds the processing objected to stops: the request
    is granted and the data stay restricted for that purpose. With them (the burden is
    the controller's, Art. 21(1)) the objection is refused with the reasons, and the
    restriction is lifted only after the customer is told (Art. 18(3)).
    """
    if not reasons.strip():
        raise ValueError(_("Give the reasons for the assessment (GDPR Article 12(4))."))
    request = audit.load(request_id)
    record_event(
        request,
        "objection.assessed",
        actor=by,
        data={"compelling_grounds": compelling_grounds, "article": "GDPR Art. 21(1)"},
    )
    if compelling_grounds:
        request_refuse(request, reasons=reasons, by=by)
    else:
        request_complete(request, outcome=Outcome.GRANTED, reasons=reasons, by=by)
