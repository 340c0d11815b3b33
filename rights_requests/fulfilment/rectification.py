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
from rights_requests.models import Right, Status
from rights_requests.workflow import TransitionNotAllowed, record_event

from . import audit


@dataclass(frozen=True)
class FieldChoice:
    category: str
    field: str
    label: str  # "Contact details – E-mail address"
    systems: tuple[str, ...]

    @property
    def value(self) -> str:
        return f"{self.category}:{self.field}"


@dataclass(frozen=True)
class DiffRow:
    system: str
    category: str
    key: str
    field: str
    label: str
    before: str
    after: str

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
    from datamap.models import DataCategory

    names = {c.code: c.name for c in DataCategory.objects.all()}
    found: dict[tuple[str, str], dict] = {}
    for system, connector in audit.connectors(request):
        for category in connector.categories():
            fields = rectifiable(connector, category)
            if not fields:
                continue
            labels = dict(connector.fields(category))
            for name in fields:
                entry = found.setdefault(
                    (category, name),
                    {
                        "label": f"{names.get(category, category)} – {labels.get(name, name)}",
                        "systems": [],
                    },
                )
                entry["systems"].append(system.code)
    return [
        FieldChoice(category, name, entry["label"], tuple(entry["systems"]))
        for (category, name), entry in sorted(found.items())
    ]


def _check(request) -> None:
    if request.right != Right.RECTIFICATION:
        raise ValueError(f"request {request.reference} is not a rectification request")
    if request.status != Status.IN_PROGRESS:
        raise TransitionNotAllowed(_("The request is not in progress."))


def preview(request_id: int, changes: dict[str, dict[str, str]]) -> list[DiffRow]:
    """Return the before/after of every row the change would touch, from connector.export."""
    request = audit.load(request_id)
    _check(request)
    rows: list[DiffRow] = []
    for system, connector in audit.connectors(request):
        for category, fields in sorted(changes.items()):
            usable = [f for f in fields if f in rectifiable(connector, category)]
            if not usable:
                continue
            labels = dict(connector.fields(category))
            key_field = connector.fields(category)[0][0] if connector.kind == "sql" else None
            for index, current in enumerate(connector.export(request.subject, category)):
                key = str(current.get(key_field)) if key_field else f"subject-{request.subject.pk}"
                for name in usable:
                    before = current.get(name)
                    rows.append(
                        DiffRow(
                            system.code,
                            category,
                            key or str(index),
                            name,
                            labels.get(name, name),
                            "" if before is None else str(before),
                            fields[name],
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
