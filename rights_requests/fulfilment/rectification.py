"""Rectification (GDPR Art. 16): staff see the claim beside a before/after diff, then apply.

`changes` is {category code: {field: new value}}; a field is one a connector can
rectify (the SQL connector's configured statements, the portal's own subject fields).
Manual systems holding the category get a checklist task with the change. After the
change, each recipient of the rectified categories gets a notice for staff to give (Art. 19).
The audit trail names the rows and fields changed, never the old or new values: the
old ones were inaccurate, and the new ones are in the systems.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from datamap.connectors import ConnectorError, ConnectorResult
from datamap.names import CodeNames
from portal.text import alphabetical
from rights_requests.models import Right, Status
from rights_requests.workflow import TransitionNotAllowed, record_event

from . import audit


@dataclass(frozen=True)
class FieldChoice:
    """One thing staff can correct: a category's field, under one label in every system.

    Systems may name the same datum differently (the customer system's `language`, the
    portal's `preferred_language`): one choice then carries all of those fields, so that
    a correction reaches every system that holds the datum.
    """

    category: str
    fields: tuple[str, ...]
    label: str  # "Contact details – E-mail address"
    systems: tuple[str, ...]

    @property
    def value(self) -> str:
        return f"{self.category}:{'+'.join(self.fields)}"


def parse_choice(value: str) -> tuple[str, list[str]]:
    """The category and the fields of a FieldChoice.value."""
    category, names = value.split(":", 1)
    return category, names.split("+")


@dataclass(frozen=True)
class DiffRow:
    system: str  # the system's code
    category: str  # the category's code
    key: str  # which row: the row's key in the system
    field: str
    label: str
    before: str
    after: str
    system_name: str = ""
    category_name: str = ""

    @property
    def changes(self) -> bool:
        return self.before != self.after


def claims(request) -> list[dict]:
    """The customer's claim: [{"data": what is wrong, "correct": what is right}]."""
    return list((request.details or {}).get("changes") or [])


def rectifiable(connector, category: str) -> list[str]:
    """The fields of a category this connector can rectify."""
    if not connector.holds(category):
        return []
    if connector.kind == "sql":
        return list((connector.spec(category).get("rectify") or {}).keys())
    if connector.kind == "portal":
        return [name for name, _label in connector.SUBJECT_FIELDS.get(category, [])]
    return []


def field_choices(request) -> list[FieldChoice]:
    """What staff can correct for this request, by label in the active language.

    Fields with the same label in the same category are one choice (see FieldChoice).
    """
    names = CodeNames()
    found: dict[tuple[str, str], dict] = {}
    for system, connector in audit.connectors(request):
        for category in connector.categories():
            fields = rectifiable(connector, category)
            if not fields:
                continue
            labels = dict(connector.fields(category))
            for name in fields:
                label = f"{names('category', category)} – {labels.get(name, name)}"
                entry = found.setdefault((category, label), {"fields": [], "systems": []})
                if name not in entry["fields"]:
                    entry["fields"].append(name)
                if system.code not in entry["systems"]:
                    entry["systems"].append(system.code)
    choices = [
        FieldChoice(category, tuple(entry["fields"]), label, tuple(entry["systems"]))
        for (category, label), entry in found.items()
    ]
    return sorted(choices, key=lambda choice: alphabetical(choice.label))


def _check(request) -> None:
    if request.right != Right.RECTIFICATION:
        raise ValueError(f"request {request.reference} is not a rectification request")
    if request.status != Status.IN_PROGRESS:
        raise TransitionNotAllowed(_("The request is not in progress."))


def preview(request_id: int, changes: dict[str, dict[str, str]]) -> list[DiffRow]:
    """Return the before/after of every row the change would touch, from connector.export."""
    request = audit.load(request_id)
    _check(request)
    names = CodeNames()
    rows: list[DiffRow] = []
    for system, connector in audit.connectors(request):
        for category, fields in sorted(changes.items()):
            usable = [f for f in fields if f in rectifiable(connector, category)]
            if not usable:
                continue
            labels = dict(connector.fields(category))
            key_field = connector.fields(category)[0][0] if connector.kind == "sql" else None
            for index, current in enumerate(connector.export(request.subject, category)):
                if key_field:
                    key = f"{labels.get(key_field, key_field)} {current.get(key_field) or index}"
                else:  # the portal holds one record per customer
                    key = _("The customer's record")
                for name in usable:
                    before = current.get(name)
                    rows.append(
                        DiffRow(
                            system.code,
                            category,
                            key,
                            name,
                            labels.get(name, name),
                            "" if before is None else str(before),
                            fields[name],
                            system_name=system.shown_name,
                            category_name=names("category", category),
                        )
                    )
    return rows


def apply(request_id: int, changes: dict[str, dict[str, str]], by) -> ConnectorResult:
    """Rectify in every system holding the categories; notify recipients; log everything."""
    request = audit.load(request_id)
    _check(request)
    changes = {
        c: {f: v.strip() for f, v in fields.items()} for c, fields in changes.items() if fields
    }
    if not changes:
        raise ValueError(_("Choose at least one field to correct."))
    # Plan first, so that nothing changes when one field cannot be rectified anywhere.
    plan = []
    handled: set[tuple[str, str]] = set()
    for _system, connector in audit.connectors(request):
        for category, fields in sorted(changes.items()):
            if not connector.holds(category):
                continue
            if connector.kind == "manual":
                plan.append((connector, category, fields))
                continue
            usable = {f: v for f, v in fields.items() if f in rectifiable(connector, category)}
            if usable:
                plan.append((connector, category, usable))
                handled |= {(category, f) for f in usable}
    unknown = sorted(
        f"{c}:{f}" for c, fields in changes.items() for f in fields if (c, f) not in handled
    )
    if unknown:
        raise ConnectorError(f"no system can rectify {unknown}")
    result = ConnectorResult()
    for connector, category, fields in plan:
        rows = connector.rectify(request.subject, category, fields)
        result.extend(rows)
        audit.log_rows(request, rows.actions, by=by)
    categories = sorted({r.category for r in result.actions if r.action == "rectified"})
    recipients = audit.file_recipient_notices(request, categories, change="rectified", by=by)
    record_event(
        request,
        "rectification.applied",
        actor=by,
        data={
            "fields": {c: sorted(fields) for c, fields in sorted(changes.items())},
            "rows": audit.summary(result),
            "pending": result.pending,
            "recipients_to_tell": recipients,
            "article": "GDPR Art. 16, 19",
        },
        customer_visible=True,
    )
    return result
