"""What the customer asked for, in plain words, from RightsRequest.details (forms.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from datamap.models import DataCategory

from ..models import Right, RightsRequest
from .forms import SOME, RestrictionGround


def _category_names(codes: list[str]) -> str:
    names = {
        category.code: category.name for category in DataCategory.objects.filter(code__in=codes)
    }
    return ", ".join(names.get(code, code) for code in codes)


def asked_for(request: RightsRequest, *, third_person: bool = False) -> list[str]:
    """Return one line per thing the customer asked for in this request.

    The lines speak to the customer ("about you"), or of "the person" when the request
    was filed on someone else's behalf or when staff read them (`third_person`).
    """
    details = request.details or {}
    representative = details.get("representative")
    # Filed on someone else's behalf: the data are the represented person's, not "yours".
    for_someone_else = isinstance(representative, dict) or third_person
    lines: list[str] = []
    if request.right == Right.ACCESS:
        if details.get("scope") == SOME:
            lines.append(_("Only this: %(text)s") % {"text": details.get("scope_text", "")})
        elif for_someone_else:
            lines.append(_("All data about the person."))
        else:
            lines.append(_("All data about you."))
        if details.get("delivery") == "post" and for_someone_else:
            lines.append(_("By post to the address where the person is registered."))
        elif details.get("delivery") == "post":
            lines.append(_("By post to the address where you are registered."))
        else:
            lines.append(_("To download here in the portal."))
    elif request.right == Right.RECTIFICATION:
        for change in details.get("changes", []):
            lines.append(
                _("%(data)s should be: %(correct)s")
                % {"data": change.get("data", ""), "correct": change.get("correct", "")}
            )
    elif request.right in (Right.ERASURE, Right.PORTABILITY):
        if details.get("scope") == SOME:
            lines.append(
                _("These kinds of data: %(names)s")
                % {"names": _category_names(details.get("categories", []))}
            )
        elif request.right == Right.ERASURE:
            lines.append(_("Everything that can be erased."))
        elif for_someone_else:
            lines.append(
                _("All data the person has provided or that were measured at their installation.")
            )
        else:
            lines.append(
                _("All data you have provided or that were measured at your installation.")
            )
        if details.get("reason"):
            lines.append(_("Why: %(reason)s") % {"reason": details["reason"]})
    elif request.right == Right.RESTRICTION:
        grounds = dict(RestrictionGround.CHOICES)
        if details.get("ground") in grounds:
            lines.append(str(grounds[details["ground"]]))
        if details.get("explanation"):
            lines.append(details["explanation"])
    elif request.right == Right.OBJECTION:
        if details.get("direct_marketing"):
            lines.append(_("Direct marketing."))
        else:
            lines.append(_("Processing: %(text)s") % {"text": details.get("processing", "")})
            lines.append(_("Why: %(reason)s") % {"reason": details.get("reasons", "")})
    if isinstance(representative, dict) and representative.get("name"):
        subject = f"{request.subject.first_name} {request.subject.last_name}".strip()
        if subject:
            lines.append(
                _("Filed by %(name)s on behalf of %(subject)s.")
                % {"name": representative["name"], "subject": subject}
            )
        else:
            lines.append(
                _("Filed by %(name)s on the person's behalf.") % {"name": representative["name"]}
            )
    return [line for line in lines if line.strip()]
