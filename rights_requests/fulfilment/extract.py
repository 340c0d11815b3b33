"""The register extract (GDPR Art. 15): gather a subject's data at one controller, render a PDF.

`build_register_extract(request_id)`:

1. loads the request, its subject and legal entity; returns the existing file when one
   was built already (a redelivered task builds nothing twice);
2. asks every connector of the entity (`datamap.connectors.connectors_for`) for each
   category it holds and streams the rows into one CSV per system and category and one
   JSON file, while keeping the rows for the pages; long series (hourly meter readings)
   are summarised per month for the pages instead (legal-rules.md R13, R15);
3. adds per category what Art. 15(1)(a)-(d), (g), (h) asks for, from the record of
   processing (`datamap.ProcessingActivity`) and the retention assessment
   (`retention.assessment.assess_erasure`, which gives concrete dates, R38);
4. renders the HTML in the subject's language and then a tagged PDF (PDF/UA-1) with the
   complete data attached, or, when the identity level does not allow a download
   (DESIGN.md §6), a letter for post to the registered address, without attachments;
5. stores the file privately as an Artifact and records an event.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import hashlib
import json
import logging
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dates import MONTHS_3
from django.utils.translation import gettext

from identity.levels import IdentityLevel, satisfies
from rights_requests.models import Artifact, Right, RightsRequest, Status

from . import extract_texts as texts
from . import pdf, review

logger = logging.getLogger(__name__)
STOCKHOLM = ZoneInfo("Europe/Stockholm")

# Categories whose rows are a time series, summarised per month in the pages (R13).
SERIES_CATEGORIES = frozenset({"meter-readings"})
# Any other category with more rows than this, a time column and a number column, too.
LONG_SERIES_MIN_ROWS = 500
ARTIFACT_DAYS = getattr(settings, "DSR_ARTIFACT_DAYS", 30)


class DeliveryNotPossible(Exception):
    """The extract can be neither downloaded nor posted (no registered address)."""


# --- Delivery (DESIGN.md §6) -------------------------------------------------------------------


def may_download(request: RightsRequest) -> bool:
    """Return True when the result may be downloaded in the portal.

    A download needs `substantial` or `high` assurance (DESIGN.md §6; Art. 12(6), 32):
    below that, or when the customer asked for post, it goes by letter to the registered
    address.
    """
    if (request.details or {}).get("delivery") == "post":
        return False
    return satisfies(request.identity_level or IdentityLevel.NONE, IdentityLevel.SUBSTANTIAL)


def language_of(subject) -> str:
    """Swedish unless the subject chose English."""
    return "en" if (subject.preferred_language or "").startswith("en") else "sv"


# --- Values ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Cell:
    text: str
    num: bool = False
    time: bool = False


def json_default(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


# One encoder for every row: json.dumps with arguments builds a new encoder per call.
JSON_ROW = json.JSONEncoder(default=json_default, ensure_ascii=False)


PRIMITIVE = (str, int, float, bool, type(None))


_AS_TEXT = {
    datetime.datetime: datetime.datetime.isoformat,
    datetime.date: datetime.date.isoformat,
    Decimal: str,
}


def jsonable(value):
    """The value as JSON has it: text, numbers and null as they are; the rest as `plain`."""
    convert = _AS_TEXT.get(type(value))
    if convert is not None:
        return convert(value)
    return value if type(value) in PRIMITIVE else plain(value)


def plain(value) -> str:
    """The value as written to CSV: ISO dates and times, decimals with a point."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date | Decimal):
        return json_default(value)
    return str(value)


def _number(value, lang: str) -> str:
    text = f"{value:f}" if isinstance(value, Decimal) else f"{value}"
    return text.replace(".", ",") if lang == "sv" else text


def cell(value, lang: str) -> Cell:
    """The value as shown in the pages: Swedish time, decimal comma in Swedish."""
    if value is None:
        return Cell("")
    if isinstance(value, bool):
        return Cell(gettext("Yes") if value else gettext("No"))
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(STOCKHOLM)
        return Cell(value.strftime("%Y-%m-%d %H:%M"), time=True)
    if isinstance(value, datetime.date):
        return Cell(value.isoformat())
    if isinstance(value, int | float | Decimal):
        return Cell(_number(value, lang), num=True)
    return Cell(str(value))


def _as_datetime(value) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str) and len(value) >= 16 and value[4] == "-" and value[10] in "T ":
        try:
            return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


# --- Long series: a summary per month --------------------------------------------------------


class MonthlySummary:
    """Totals per month (Swedish time) and per series key, fed one row at a time.

    The series key is every text column but the time column (a metering point, say); the
    totals are over the number columns (kWh). Memory grows with months, not with rows.
    The pages show, per key and number column, a table of years by months.
    """

    def __init__(self, time_field: str, key_fields: list[str], value_fields: list[str]):
        self.time_field, self.key_fields, self.value_fields = time_field, key_fields, value_fields
        self.groups: dict[tuple, list] = {}
        self._month: tuple | None = None  # (start, end, (year, month)) of the last row's month

    @classmethod
    def for_row(cls, row: dict) -> MonthlySummary | None:
        """Return a summary fitting `row`, or None when it has no time and number column."""
        time_field = next((k for k, v in row.items() if _as_datetime(v) is not None), None)
        values = [
            k
            for k, v in row.items()
            if isinstance(v, int | float | Decimal) and not isinstance(v, bool)
        ]
        if time_field is None or not values:
            return None
        keys = [
            k for k, v in row.items() if k != time_field and k not in values and isinstance(v, str)
        ]
        return cls(time_field, keys, values)

    def _month_of(self, moment: datetime.datetime) -> tuple[int, int]:
        month = self._month
        if month is None or not (month[0] <= moment < month[1]):
            local = moment.astimezone(STOCKHOLM)
            start = datetime.datetime(local.year, local.month, 1, tzinfo=STOCKHOLM)
            end = datetime.datetime(
                local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=STOCKHOLM
            )
            # Bounds in the rows' own zone: aware times of one tzinfo compare quickly.
            zone = moment.tzinfo
            month = self._month = (
                start.astimezone(zone),
                end.astimezone(zone),
                (local.year, local.month),
            )
        return month[2]

    def add(self, row: dict) -> None:
        moment = row.get(self.time_field)
        if not isinstance(moment, datetime.datetime):
            moment = _as_datetime(moment)
            if moment is None:
                return
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=STOCKHOLM)
        month = self._month
        if month is not None and month[0] <= moment < month[1]:
            key = month[2]
        else:
            key = self._month_of(moment)
        group = (*map(row.get, self.key_fields), key)
        entry = self.groups.get(group)
        if entry is None:
            entry = self.groups[group] = [0, [Decimal(0)] * len(self.value_fields)]
        entry[0] += 1
        sums = entry[1]
        for i, name in enumerate(self.value_fields):
            value = row.get(name)
            if value is not None:
                sums[i] += value if type(value) is Decimal else Decimal(str(value))

    def tables(self, descriptions: dict[str, str], lang: str) -> list[dict]:
        """One table per series key and number column: a row per year, a column per month."""
        labels = texts.LABELS
        months = [str(MONTHS_3[m]) for m in range(1, 13)]
        series: dict[tuple, dict[int, dict[int, list]]] = {}
        for group, (count, sums) in self.groups.items():
            *key, (year, month) = group
            series.setdefault(tuple(key), {}).setdefault(year, {})[month] = [count, sums]
        tables = []
        for key in sorted(series, key=lambda k: tuple("" if x is None else str(x) for x in k)):
            years = series[key]
            for index, name in enumerate(self.value_fields):
                rows = []
                for year in sorted(years):
                    by_month = years[year]
                    row = [Cell(str(year))]
                    total, count = Decimal(0), 0
                    for month in range(1, 13):
                        if month in by_month:
                            value = by_month[month][1][index]
                            total += value
                            count += by_month[month][0]
                            row.append(cell(value.quantize(Decimal("0.1")), lang))
                        else:
                            row.append(Cell(""))
                    row += [cell(total.quantize(Decimal("0.1")), lang), Cell(str(count), num=True)]
                    rows.append(row)
                caption = ", ".join(
                    f"{descriptions.get(k, k)} {v}"
                    for k, v in zip(self.key_fields, key, strict=True)
                )
                tables.append(
                    {
                        "caption": f"{caption}: {descriptions.get(name, name)}".lstrip(": "),
                        "columns": [
                            str(labels["year"]),
                            *months,
                            str(labels["total"]),
                            str(labels["values"]),
                        ],
                        "rows": rows,
                    }
                )
        return tables


# --- Gathering -------------------------------------------------------------------------------


@dataclasses.dataclass
class Block:
    """One system's rows of one category."""

    system_code: str
    system_name: str
    category: str
    fields: list[tuple[str, str]]
    columns: list[str] = dataclasses.field(default_factory=list)
    rows: list[list[Cell]] = dataclasses.field(default_factory=list)
    row_count: int = 0
    summaries: list[dict] = dataclasses.field(default_factory=list)
    pending: bool = False
    csv_name: str = ""
    review_note: str = ""  # values held back for staff's review (Art. 15(4)), and why


@dataclasses.dataclass
class Section:
    """One data category: its rows per system and what Art. 15(1) asks about it."""

    code: str
    name: str
    description: str = ""
    purposes: list[dict] = dataclasses.field(default_factory=list)
    recipients: list[dict] = dataclasses.field(default_factory=list)
    retention_texts: list[str] = dataclasses.field(default_factory=list)
    keep_until: datetime.date | None = None
    retention_rule: str = ""
    retention_reason: str = ""
    sources: list[str] = dataclasses.field(default_factory=list)
    automated: list[str] = dataclasses.field(default_factory=list)
    blocks: list[Block] = dataclasses.field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(b.row_count for b in self.blocks)

    @property
    def pending(self) -> bool:
        return any(b.pending for b in self.blocks)


@dataclasses.dataclass
class Gathered:
    sections: list[Section]
    empty_categories: list[str]
    attachments: list[pdf.FileAttachment]
    transfers: list[dict]
    legend_bases: list[tuple[str, str]]
    recipients: list[dict] = dataclasses.field(default_factory=list)


WRITE_BATCH = 500


def _row_encoder():
    """JSON_ROW.encode of one row, without building a C encoder per call where possible."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return JSON_ROW.encode
    one = make(
        None,  # no circular check: rows are flat lists of plain values
        JSON_ROW.default,
        json.encoder.encode_basestring,  # ensure_ascii=False, as JSON_ROW
        None,
        JSON_ROW.key_separator,
        JSON_ROW.item_separator,
        False,
        False,
        True,
    )
    return lambda values: "".join(one(values, 0))


def _write_batch(batch: list[list], writer, json_file, encode, *, first: bool) -> None:
    """Write rows to the CSV and, as `,\\n    [...]` items, to the JSON file."""
    writer.writerows(batch)
    json_file.write(("\n    " if first else ",\n    ") + ",\n    ".join(map(encode, batch)))


def _localised(obj, field: str, lang: str) -> str:
    return getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_sv", "")


def write_block_rows(
    rows: Iterable[dict],
    *,
    block: Block,
    csv_file,
    json_file,
    lang: str,
    summarise: bool,
) -> None:
    """Stream `rows` to the CSV and JSON files and keep what the pages show.

    Rows are kept for the table until the series turns out long; from then on only the
    monthly summary grows (it is fed every row, the kept ones included).
    """
    names = [name for name, _ in block.fields]
    writer = csv.writer(csv_file)
    header_written = False
    kept: list[dict] = []
    summary: MonthlySummary | None = None
    encode = _row_encoder()
    count = block.row_count
    batch: list[list] = []  # written every WRITE_BATCH rows: fewer, larger writes
    for row in rows:
        if not header_written:
            names = names or list(row)
            extra = [k for k in row if k not in names]
            names += extra
            writer.writerow(names)
            header_written = True
        batch.append([v if type(v) is str else jsonable(v) for v in map(row.get, names)])
        if len(batch) >= WRITE_BATCH:
            _write_batch(batch, writer, json_file, encode, first=not count)
            count += len(batch)
            batch = []
        if summary is None:
            kept.append(row)
            if summarise or len(kept) > LONG_SERIES_MIN_ROWS:
                summary = MonthlySummary.for_row(row)
                if summary is not None:
                    for earlier in kept:
                        summary.add(earlier)
                    kept = []
        else:
            summary.add(row)
    if batch:
        _write_batch(batch, writer, json_file, encode, first=not count)
        count += len(batch)
    block.row_count = count
    if not header_written and names:
        writer.writerow(names)
    json_file.write(f'], "columns": {JSON_ROW.encode(names)}')
    descriptions = dict(block.fields)
    block.columns = [descriptions.get(n) or n for n in names]
    if summary is not None:
        block.summaries = summary.tables(descriptions, lang)
    else:
        block.rows = [[cell(row.get(n), lang) for n in names] for row in kept]


def _ropa(entity, lang: str):
    """Return per category code the purposes, recipients, retention, source, automation."""
    from datamap.models import ProcessingActivity

    info: dict[str, dict] = {}
    bases: dict[str, str] = {}
    transfers: dict[str, dict] = {}
    everyone: dict[str, dict] = {}
    activities = (
        ProcessingActivity.objects.filter(legal_entity=entity)
        .select_related("purpose", "legal_basis")
        .prefetch_related("categories", "recipients")
        .order_by("purpose__code", "id")
    )
    for activity in activities:
        basis = activity.legal_basis
        bases[basis.article] = basis.name
        recipients = [
            {
                "name": r.shown_name,
                "description": _localised(r, "description", lang),
                "kind": r.get_kind_display(),
                "outside_eea": r.outside_eea,
                "safeguards": r.safeguards,
            }
            for r in activity.recipients.all()
        ]
        for r in recipients:
            everyone.setdefault(r["name"], r)
            if r["outside_eea"]:
                transfers[r["name"]] = r
        for category in activity.categories.all():
            entry = info.setdefault(
                category.code,
                {"purposes": [], "recipients": {}, "retention": [], "sources": [], "automated": []},
            )
            entry["purposes"].append(
                {"name": activity.purpose.name, "basis": basis.name, "article": basis.article}
            )
            for r in recipients:
                entry["recipients"].setdefault(r["name"], r)
            for key, field in (
                ("retention", "retention"),
                ("sources", "source"),
                ("automated", "automated_decisions"),
            ):
                text = _localised(activity, field, lang)
                if text and text not in entry[key]:
                    entry[key].append(text)
    legend_bases = sorted(bases.items())
    return info, legend_bases, list(transfers.values()), list(everyone.values())


def _retention_decisions(subject, entity) -> dict:
    """Return the retention assessment per category, or {} where it cannot be had."""
    try:
        from retention.assessment import assess_erasure
    except ImportError:  # the retention part is optional for the extract
        return {}
    try:
        return {d.category: d for d in assess_erasure(subject, entity)}
    except Exception:  # the extract must not fail on it: the ROPA text still applies
        logger.exception("retention assessment failed for request entity %s", entity.pk)
        return {}


def safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text).strip("-") or "data"


def gather(request: RightsRequest, workdir: Path, *, lang: str, connectors=None) -> Gathered:
    """Gather the subject's data at the request's entity into `workdir` and the sections.

    `connectors` defaults to `connectors_for(entity, request=request)`; tests pass their own.
    """
    from datamap.models import DataCategory

    subject, entity = request.subject, request.legal_entity
    if connectors is None:
        from datamap.connectors import connectors_for

        connectors = connectors_for(entity, request=request)
    ropa, legend_bases, transfers, recipients = _ropa(entity, lang)
    decisions = _retention_decisions(subject, entity)
    categories = {c.code: c for c in DataCategory.objects.order_by("pk")}
    sections: dict[str, Section] = {}
    attachments: list[pdf.FileAttachment] = []
    seen_categories: set[str] = set(ropa)

    json_path = workdir / "data.json"
    with json_path.open("w", encoding="utf-8") as json_file:
        json_file.write("{\n")
        json_file.write(f'  "reference": {json.dumps(request.reference)},\n')
        json_file.write(f'  "controller": {json.dumps(entity.name, ensure_ascii=False)},\n')
        json_file.write(f'  "generated_at": {json.dumps(timezone.now().isoformat())},\n')
        json_file.write('  "data": [')
        first_block = True
        for system, connector in connectors:
            pending = _pending_by_hand(connector, subject)
            for code in connector.categories():
                seen_categories.add(code)
                category = categories.get(code)
                name = category.name if category else code
                try:
                    fields = [(n, str(d)) for n, d in connector.fields(code)]
                except NotImplementedError:
                    fields = []
                block = Block(system.code, system.shown_name, code, fields, pending=code in pending)
                block.csv_name = f"{safe_name(system.code)}-{safe_name(code)}.csv"
                json_file.write(("," if not first_block else "") + "\n  {")
                first_block = False
                json_file.write(
                    f'"system": {json.dumps(system.code)}, "category": {json.dumps(code)}, '
                )
                json_file.write(
                    f'"fields": {json.dumps(dict(fields), ensure_ascii=False)}, "rows": ['
                )
                csv_path = workdir / block.csv_name
                rows = _export(connector, subject, code, block)
                withheld = review.for_category(connector, code)
                if withheld is not None:
                    rows = review.withheld_rows(rows, withheld, review.marker())
                with csv_path.open("w", encoding="utf-8-sig", newline="") as csv_file:
                    write_block_rows(
                        rows,
                        block=block,
                        csv_file=csv_file,
                        json_file=json_file,
                        lang=lang,
                        summarise=code in SERIES_CATEGORIES,
                    )
                json_file.write("}")
                if withheld is not None and withheld.rows:
                    block.review_note = review.customer_note(withheld.rows)
                    review.file_task(
                        request, system, code, withheld, connector=connector, category_name=name
                    )
                if block.row_count == 0 and not block.pending:
                    csv_path.unlink()
                    continue
                if block.row_count:
                    attachments.append(
                        pdf.FileAttachment(
                            block.csv_name, csv_path, f"{name} ({system.shown_name}), CSV"
                        )
                    )
                section = sections.get(code)
                if section is None:
                    section = sections[code] = _section(
                        code, category, ropa.get(code), decisions.get(code), lang
                    )
                section.blocks.append(block)
        json_file.write("\n  ]\n}\n")
    if sections:
        attachments.append(
            pdf.FileAttachment("data.json", json_path, gettext("All the data, JSON"))
        )
    ordered = [sections[c] for c in sorted(sections, key=lambda c: _category_order(c, categories))]
    empty = [
        categories[c].name if c in categories else c
        for c in sorted(
            seen_categories - set(sections), key=lambda c: _category_order(c, categories)
        )
    ]
    used = {r["name"] for section in ordered for r in section.recipients}
    recipients = sorted((r for r in recipients if r["name"] in used), key=lambda r: r["name"])
    return Gathered(ordered, empty, attachments, transfers, legend_bases, recipients)


def _category_order(code: str, categories: dict) -> tuple:
    ids = list(categories)
    return (ids.index(code) if code in categories else len(ids), code)


def _pending_by_hand(connector, subject) -> set[str]:
    """File (once) the staff checklist tasks of a manual system; return its pending categories.

    What staff gather by hand is sent to the customer separately, and the extract says so.
    """
    if getattr(connector, "kind", "") != "manual":
        return set()
    result = connector.find(subject)
    return {action.category for action in result.actions if action.action == "task_created"}


def _export(connector, subject, code: str, block: Block) -> Iterator[dict]:
    """The connector's rows; a connector that cannot export marks the block pending."""
    try:
        yield from connector.export(subject, code)
    except NotImplementedError:
        block.pending = True


def _section(code, category, ropa_entry, decision, lang) -> Section:
    ropa_entry = ropa_entry or {
        "purposes": [],
        "recipients": {},
        "retention": [],
        "sources": [],
        "automated": [],
    }
    section = Section(
        code=code,
        name=category.name if category else code,
        description=_localised(category, "description", lang) if category else "",
        purposes=ropa_entry["purposes"],
        recipients=list(ropa_entry["recipients"].values()),
        retention_texts=ropa_entry["retention"],
        sources=ropa_entry["sources"],
        automated=ropa_entry["automated"],
    )
    if decision is not None and decision.keep_until:
        section.keep_until = decision.keep_until
        section.retention_rule = str(decision.rule or "")
        section.retention_reason = str(decision.reason or "")
    return section


# --- Rendering -------------------------------------------------------------------------------


def render_html(request: RightsRequest, gathered: Gathered, *, lang: str, delivery: str) -> str:
    """Render the extract's HTML in `lang` (call inside translation.override)."""
    subject, entity = request.subject, request.legal_entity
    organisation = entity.organisation
    dpo = entity.dpo_email + (f", {organisation.dpo_phone}" if organisation.dpo_phone else "")
    legend_fields = []
    for section in gathered.sections:
        fields = {}
        for block in section.blocks:
            for name, description in block.fields:
                fields.setdefault(name, description)
        if fields:
            legend_fields.append((section.name, list(fields.items())))
    codes = [(code, str(text)) for code, text in texts.CODES.items()]
    # The portal's own records show rights and statuses as codes: explain those shown.
    shown = {
        c.text
        for section in gathered.sections
        for block in section.blocks
        for row in block.rows
        for c in row
    }
    codes += [
        (value, str(label))
        for choices in (Right, Status)
        for value, label in choices.choices
        if value in shown and value not in texts.CODES
    ]
    context = {
        "lang": lang,
        "labels": {k: str(v) for k, v in texts.LABELS.items()},
        "cover": {
            "greeting": str(texts.COVER["greeting"]) % {"name": subject.full_name},
            "intro": str(texts.COVER["intro"]) % {"company": entity.name},
            "attachments": str(texts.COVER["attachments"]),
            "post": str(texts.COVER["post"]),
            "questions": str(texts.COVER["questions"]) % {"dpo": dpo},
            "regards": str(texts.COVER["regards"]),
            "no_data": str(texts.COVER["no_data"]),
        },
        "reference": request.reference,
        "today": timezone.localdate(),
        "subject": subject,
        "entity": entity,
        "organisation": organisation,
        "delivery": delivery,
        "categories": gathered.sections,
        "empty_categories": gathered.empty_categories,
        "rights": [(str(h), str(t)) for h, t in texts.RIGHTS],
        "rights_how": str(texts.RIGHTS_HOW) % {"portal": settings.PORTAL_BASE_URL, "dpo": dpo},
        "complaint": str(texts.COMPLAINT),
        "imy": texts.IMY,
        "sources_intro": str(texts.SOURCES_INTRO),
        "automated_intro": str(texts.AUTOMATED_INTRO),
        "transfers": gathered.transfers,
        "recipients": gathered.recipients,
        "transfers_intro": str(texts.TRANSFERS_INTRO),
        "no_transfers": str(texts.NO_TRANSFERS),
        "legend_general": [(str(a), str(b)) for a, b in texts.LEGEND_GENERAL] + codes,
        "legend_bases": gathered.legend_bases,
        "legend_fields": legend_fields,
        "attachments": gathered.attachments if delivery == "download" else [],
        "attachments_intro": str(texts.ATTACHMENTS_INTRO),
    }
    return render_to_string("extract/register_extract.html", context)


def render_extract(
    request: RightsRequest, *, delivery: str, workdir: Path, connectors=None
) -> bytes:
    """Gather and render the extract of `request`; return the PDF bytes."""
    lang = language_of(request.subject)
    with translation.override(lang):
        gathered = gather(request, workdir, lang=lang, connectors=connectors)
        html = render_html(request, gathered, lang=lang, delivery=delivery)
    attachments = gathered.attachments if delivery == "download" else []
    return pdf.render_pdf(html, attachments=attachments)


# --- Storing ---------------------------------------------------------------------------------


def existing_artifact(request_id: int, kinds: Iterable[str]) -> Artifact | None:
    return (
        Artifact.objects.filter(
            request_id=request_id, kind__in=list(kinds), deleted_at__isnull=True
        )
        .order_by("created_at", "id")
        .first()
    )


def store_artifact(
    request: RightsRequest,
    *,
    kind: str,
    filename: str,
    content_type: str,
    path: Path,
    kinds: Iterable[str],
) -> tuple[Artifact, bool]:
    """Store the file at `path` as the request's Artifact, once; return (artifact, created).

    Two workers that built the same file at the same time: the request row lock lets the
    first store it; the second finds it and drops its own copy.
    """
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):  # memory flat in the size
            digest.update(chunk)
    with transaction.atomic():
        RightsRequest.objects.select_for_update().filter(pk=request.pk).first()
        found = existing_artifact(request.pk, kinds)
        if found is not None:
            return found, False
        now = timezone.now()
        artifact = Artifact(
            request=request,
            created_at=now,
            kind=kind,
            filename=filename,
            content_type=content_type,
            size=path.stat().st_size,
            sha256=digest.hexdigest(),
            expires_at=now + datetime.timedelta(days=ARTIFACT_DAYS),
        )
        with path.open("rb") as handle:
            artifact.file.save(filename, File(handle), save=False)
        try:
            artifact.save()
        except Exception:
            default_storage.delete(artifact.file.name)
            raise
        return artifact, True


def extract_filename(request: RightsRequest, *, letter: bool) -> str:
    with translation.override(language_of(request.subject)):
        stem = gettext("register-extract")
        if letter:
            stem = gettext("letter") + "-" + stem
    return f"{safe_name(stem)}-{request.reference}.pdf"


def build_register_extract(request_id: int, *, connectors=None) -> Artifact:
    """Build (once) the register extract of a request; return its Artifact.

    Downloadable in the portal (kind `register_extract`) where the identity level allows,
    otherwise a letter for post (kind `letter`) that the daily print batch collects.
    """
    from rights_requests import workflow

    kinds = (Artifact.Kind.REGISTER_EXTRACT, Artifact.Kind.LETTER)
    found = existing_artifact(request_id, kinds)
    if found is not None:
        return found
    request = RightsRequest.objects.select_related(
        "subject", "legal_entity__organisation", "submission"
    ).get(pk=request_id)
    if request.right != Right.ACCESS:
        raise ValueError(f"request {request.reference} is not an access request")
    delivery = "download" if may_download(request) else "post"
    subject = request.subject
    if delivery == "post" and not (subject.street_address and subject.postal_code):
        raise DeliveryNotPossible(
            f"request {request.reference}: no download allowed and no registered address"
        )
    with tempfile.TemporaryDirectory(prefix="extract-") as tmp:
        workdir = Path(tmp)
        content = render_extract(request, delivery=delivery, workdir=workdir, connectors=connectors)
        pdf_path = workdir / "extract.pdf"
        pdf_path.write_bytes(content)
        del content
        letter = delivery == "post"
        artifact, created = store_artifact(
            request,
            kind=Artifact.Kind.LETTER if letter else Artifact.Kind.REGISTER_EXTRACT,
            filename=extract_filename(request, letter=letter),
            content_type="application/pdf",
            path=pdf_path,
            kinds=kinds,
        )
    if created:
        workflow.record_event(
            request,
            "extract.letter_created" if letter else "extract.ready",
            data={"artifact": artifact.pk, "delivery": delivery, "size": artifact.size},
            customer_visible=True,
        )
    return artifact
