"""Data portability (GDPR Art. 20): the subject's provided and observed data as a streamed ZIP.

Scope (Art. 20(1); WP242 rev.01; legal-rules.md R32): the categories that are provided
by the subject or observed (meter readings, `DataCategory.provided_by_subject`) and that
the legal entity processes under consent or a contract (`LegalBasis.portable`), by
automated means, i.e. through a connector that can export them. Processing under a legal
obligation or a public task is out (Art. 20(3)); such data remain in the register extract.

The ZIP holds per system and category a CSV and a JSON file, `fields.json` with a
description of every field, and `README.txt`. Rows are streamed from the connector's
iterator into the ZIP members (`ZipFile.open(name, "w")`), the JSON through a temporary
file, so memory does not grow with the number of rows.

Fast path: a connector on PostgreSQL that offers `copy_plan`/`copy_csv`/`copy_json`
(datamap.connectors.sql.SqlConnector) has the database write the rows with COPY, in one
snapshot. Where each column's JSON follows from its CSV text (meter readings: text,
times, decimals), one COPY writes the CSV and the JSON is made from its bytes
(`copy_csv_json`); otherwise the database writes both (the CSV on a second connection
at the same time). The bytes are streamed into the members in chunks. Parsed, the files
hold the same rows as the Python path's (tests/connectors/test_copy.py).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import shutil
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from identity.levels import IdentityLevel, satisfies
from rights_requests.models import Artifact, Right, RightsRequest

from . import extract_texts as texts
from . import review
from .extract import (
    JSON_ROW,
    DeliveryNotPossible,
    existing_artifact,
    jsonable,
    language_of,
    safe_name,
    store_artifact,
)

try:
    from isal import isal_zlib
except ImportError:  # a platform without its wheel: the standard zlib deflates
    isal_zlib = None

COPY_CHUNK = 1 << 16
# Deflate level of the members: 1 is several times faster than 6 on meter readings and
# the ZIP is about a third larger (bench/RESULTS.md). ISA-L's level 1 (used for the
# members where `isal` is installed, as it is by `make install`) writes the same
# standard deflate about four times faster than zlib's level 1, and a little smaller.
COMPRESSLEVEL = 1
ISAL_LEVEL = 1


@dataclasses.dataclass
class ExportSource:
    """One system's rows of one category, read when the ZIP is written."""

    system: str
    category: str
    category_name: str
    fields: list[tuple[str, str]]
    rows: Callable[[], Iterable[dict]]
    # (connector, subject) when the connector can COPY the rows itself (PostgreSQL).
    copier: tuple | None = None
    # Staff's free text held back for review (Art. 20(4), 15(4)), and (System, connector).
    withheld: review.Withheld | None = None
    origin: tuple | None = None

    @property
    def stem(self) -> str:
        return f"{safe_name(self.category)}-{safe_name(self.system)}"


def portable_categories(legal_entity) -> set[str]:
    """Return the category codes the entity must hand over under Art. 20(1)."""
    from datamap.models import ProcessingActivity

    return set(
        ProcessingActivity.objects.filter(
            legal_entity=legal_entity,
            legal_basis__portable=True,  # Art. 20(1)(a): consent or contract
            categories__provided_by_subject=True,  # provided or observed (WP242)
        ).values_list("categories__code", flat=True)
    )


def sources_for(request: RightsRequest, *, connectors=None) -> list[ExportSource]:
    """Return the export sources of the request's entity: portable categories only."""
    from datamap.models import DataCategory

    entity, subject = request.legal_entity, request.subject
    if connectors is None:
        from datamap.connectors import connectors_for

        connectors = connectors_for(entity, request=request)
    portable = portable_categories(entity)
    names = {c.code: c.name for c in DataCategory.objects.filter(code__in=portable)}
    sources = []
    for system, connector in connectors:
        if getattr(connector, "kind", "") == "manual":
            continue  # not processed by automated means there (Art. 20(1)(b))
        for code in connector.categories():
            if code not in portable:
                continue
            fields = [(n, str(d)) for n, d in connector.fields(code)]
            can_copy = getattr(connector, "can_copy", None)
            withheld = review.for_category(connector, code)
            sources.append(
                ExportSource(
                    system=system.code,
                    category=code,
                    category_name=names.get(code, code),
                    fields=fields,
                    rows=_bind(connector, subject, code, withheld),
                    # COPY would write the values under review: those go the Python way.
                    copier=(
                        (connector, subject)
                        if can_copy and can_copy() and withheld is None
                        else None
                    ),
                    withheld=withheld,
                    origin=(system, connector),
                )
            )
    return sources


def _bind(connector, subject, code: str, withheld=None) -> Callable[[], Iterator[dict]]:
    if withheld is None:
        return lambda: connector.export(subject, code)
    return lambda: review.withheld_rows(connector.export(subject, code), withheld, review.marker())


def write_export_zip(target, sources: Iterable[ExportSource], *, readme: str) -> dict[str, int]:
    """Write the export ZIP to the binary file `target`; return the row count per member stem.

    Memory stays flat in the number of rows: each row is written to the CSV member and
    to a temporary JSON file as it comes, and the JSON file is then copied in chunks.
    """
    counts: dict[str, int] = {}
    descriptions: dict[str, dict] = {}
    with zipfile.ZipFile(
        target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSLEVEL
    ) as archive:
        for source, count in _write_sources(archive, list(sources)):
            counts[source.stem] = count
            descriptions[source.stem] = {
                "system": source.system,
                "category": source.category,
                "category_name": source.category_name,
                "rows": count,
                "files": [f"{source.stem}.csv", f"{source.stem}.json"],
                "fields": [{"name": n, "description": d} for n, d in source.fields],
            }
            if source.withheld is not None and source.withheld.rows:
                descriptions[source.stem]["held_back_for_review"] = {
                    "fields": source.withheld.fields,
                    "rows": source.withheld.rows,
                    "why": review.customer_note(source.withheld.rows),
                }
        archive.writestr(
            "fields.json", json.dumps(descriptions, ensure_ascii=False, indent=2) + "\n"
        )
        archive.writestr("README.txt", _readme_text(readme, descriptions))
    return counts


def _open_member(archive: zipfile.ZipFile, name: str):
    """Open the member `name` for writing, deflated by ISA-L where it is installed.

    zipfile has no hook for the compressor of a member, so the one it made is replaced
    before the first byte is written: the member's headers still say deflate, which ISA-L
    writes in its standard form (every reader opens it; tests/fulfilment_extract check it
    with zipfile). `_compressor` has been the writer's attribute since Python 3.7; should
    it go, the member is simply deflated by zlib.
    """
    member = archive.open(name, "w", force_zip64=True)
    if isal_zlib is not None and hasattr(member, "_compressor"):
        member._compressor = isal_zlib.compressobj(ISAL_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return member


def _python_rows(archive: zipfile.ZipFile, source: ExportSource) -> int:
    """Write the source's members from its row iterator; return the row count."""
    names = [name for name, _ in source.fields]
    with tempfile.TemporaryFile("w+b") as json_tmp:
        with _open_member(archive, f"{source.stem}.csv") as member:
            count = _write_rows(source, names, member, json_tmp)
        json_tmp.seek(0)
        with _open_member(archive, f"{source.stem}.json") as json_member:
            shutil.copyfileobj(json_tmp, json_member, COPY_CHUNK)
    return count


def _json_head(source: ExportSource) -> str:
    return (
        "{"
        f'"system": {json.dumps(source.system)}, '
        f'"category": {json.dumps(source.category)}, '
        f'"fields": {json.dumps(dict(source.fields), ensure_ascii=False)}, '
        '"rows": ['
    )


def _write_sources(archive: zipfile.ZipFile, sources: list[ExportSource]):
    """Write every source's members in order; yield (source, row count) for each."""
    start = 0
    while start < len(sources):
        source = sources[start]
        if source.copier is None:
            yield source, _python_rows(archive, source)
            start += 1
            continue
        end = start + 1
        while end < len(sources) and (sources[end].copier or (None,))[0] is source.copier[0]:
            end += 1
        yield from _copy_rows(archive, sources[start:end])
        start = end


def _copy_rows(archive: zipfile.ZipFile, group: list[ExportSource]):
    """Write the members of one connector's sources with its COPY; yield (source, count).

    All are read in one snapshot, so CSV and JSON hold the same rows. Outside a caller's
    transaction a second connection joins the snapshot and reads the CSV of every
    source into temporary files while the JSON members (the larger) are written from
    the first connection; each CSV member follows its JSON member. A category without a
    COPY plan (a column type without an exact SQL form) goes the Python way.
    """
    connector, subject = group[0].copier
    with connector.snapshot(shared=True) as snapshot_id, contextlib.ExitStack() as stack:
        plans = [connector.copy_plan(subject, source.category) for source in group]
        reader = None
        # Both files from one COPY where the JSON follows from the CSV (CopyPlan.derive);
        # the others' CSV alongside on a second connection.
        jobs = {
            index: (group[index].category, plan, stack.enter_context(tempfile.TemporaryFile()))
            for index, plan in enumerate(plans)
            if plan is not None and plan.derive is None
        }
        if snapshot_id is not None and jobs:
            reader = _CsvReader(connector, subject, snapshot_id, jobs)
            stack.callback(reader.join)
        for index, (source, plan) in enumerate(zip(group, plans, strict=True)):
            if plan is None:
                yield source, _python_rows(archive, source)
                continue
            if plan.derive is not None:
                yield source, _derived_rows(archive, source, connector, subject, plan)
                continue
            with _open_member(archive, f"{source.stem}.json") as member:
                member.write(_json_head(source).encode())
                chunks = connector.copy_json(subject, source.category, plan=plan)
                count = _write_json_lines(chunks, member)
                member.write(b"\n]}\n")
            with _open_member(archive, f"{source.stem}.csv") as member:
                if reader is not None:
                    csv_file = reader.wait(index)
                    csv_file.seek(0)
                    shutil.copyfileobj(csv_file, member, COPY_CHUNK)
                else:
                    for chunk in connector.copy_csv(subject, source.category, plan=plan):
                        member.write(chunk)
            yield source, count


def _derived_rows(archive: zipfile.ZipFile, source: ExportSource, connector, subject, plan) -> int:
    """Write the CSV member from one COPY and the JSON member from the lines made of it."""
    with tempfile.TemporaryFile() as json_tmp:
        with _open_member(archive, f"{source.stem}.csv") as member:
            for chunk in connector.copy_csv_json(subject, source.category, json_tmp, plan=plan):
                member.write(chunk)
        json_tmp.seek(0)
        with _open_member(archive, f"{source.stem}.json") as member:
            member.write(_json_head(source).encode())
            count = _write_json_lines(iter(lambda: json_tmp.read(COPY_CHUNK), b""), member)
            member.write(b"\n]}\n")
    return count


class _CsvReader:
    """copy_csv of several categories into files, on a thread and connection of its own.

    `jobs`: index -> (category, plan, file). The thread joins the snapshot of the
    JSON's COPY, so both see the same rows.
    """

    def __init__(self, connector, subject, snapshot_id: str, jobs: dict):
        self.connector, self.subject, self.snapshot_id, self.jobs = (
            connector,
            subject,
            snapshot_id,
            jobs,
        )
        self.done = {index: threading.Event() for index in jobs}
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with self.connector.joined_snapshot(self.snapshot_id):
                for index, (category, plan, target) in self.jobs.items():
                    for chunk in self.connector.copy_csv(self.subject, category, plan=plan):
                        target.write(chunk)
                    self.done[index].set()
        except BaseException as exc:  # handed to the caller's thread by wait()
            self.error = exc
        finally:
            for event in self.done.values():
                event.set()

    def wait(self, index: int):
        """Return the file of job `index` once it is complete."""
        self.done[index].wait()
        if self.error is not None:
            raise self.error
        return self.jobs[index][2]

    def join(self) -> None:
        self.thread.join()


def _write_json_lines(chunks: Iterable[bytes], member) -> int:
    """Write JSON objects, one per line, as the rows array's items; return their number.

    The Python path writes `[` + `\\n  row` + `,\\n  row`... + `\\n]`: each line break
    but the last becomes `,\\n  `; the last is left to the caller's closing bracket.
    """
    count, started, owed = 0, False, False
    for chunk in chunks:
        if not chunk:
            continue
        count += chunk.count(b"\n")
        if not started:
            member.write(b"\n  ")
            started = True
        elif owed:
            member.write(b",\n  ")
        owed = chunk.endswith(b"\n")
        member.write((chunk[:-1] if owed else chunk).replace(b"\n", b",\n  "))
    return count


def _write_rows(source: ExportSource, names: list[str], csv_member, json_tmp) -> int:
    """Stream the source's rows to the CSV member and the JSON file; return the row count."""
    csv_text = io.TextIOWrapper(csv_member, encoding="utf-8", newline="")
    json_text = io.TextIOWrapper(json_tmp, encoding="utf-8")
    writer = csv.writer(csv_text)
    json_text.write(_json_head(source))
    count, header = 0, False
    for row in source.rows():
        if not header:
            names = names or list(row)
            names += [k for k in row if k not in names]
            writer.writerow(names)
            header = True
        values = [jsonable(row.get(n)) for n in names]
        writer.writerow(values)
        json_text.write(("," if count else "") + "\n  ")
        json_text.write(JSON_ROW.encode(dict(zip(names, values, strict=True))))
        count += 1
    if not header:
        writer.writerow(names)
    json_text.write("\n]}\n")
    csv_text.flush()
    csv_text.detach()  # the ZIP member is closed by its owner
    json_text.flush()
    json_text.detach()
    return count


def _readme_text(intro: str, descriptions: dict[str, dict]) -> str:
    lines = [intro, ""]
    for stem, info in descriptions.items():
        rows = ngettext("%(n)s row", "%(n)s rows", info["rows"]) % {"n": info["rows"]}
        lines.append(f"{stem}.csv / {stem}.json: {info['category_name']} ({rows})")
        for field in info["fields"]:
            lines.append(f"  {field['name']}: {field['description']}")
        if "held_back_for_review" in info:
            lines.append("  " + info["held_back_for_review"]["why"])
        lines.append("")
    return "\n".join(lines)


def build_export(request_id: int, *, connectors=None) -> Artifact:
    """Build (once) the data export of a portability request; return its Artifact.

    The export is downloaded in the portal, which needs `substantial` or `high` identity
    (DESIGN.md §6); there is no paper form of a machine-readable export (EDPB-GL §156).
    """
    from rights_requests import workflow

    kinds = (Artifact.Kind.PORTABILITY_EXPORT,)
    found = existing_artifact(request_id, kinds)
    if found is not None:
        return found
    request = RightsRequest.objects.select_related(
        "subject", "legal_entity__organisation", "submission"
    ).get(pk=request_id)
    if request.right != Right.PORTABILITY:
        raise ValueError(f"request {request.reference} is not a portability request")
    if not satisfies(request.identity_level or IdentityLevel.NONE, IdentityLevel.SUBSTANTIAL):
        raise DeliveryNotPossible(
            f"request {request.reference}: a data export needs substantial or high identity"
        )
    lang = language_of(request.subject)
    with translation.override(lang), tempfile.TemporaryDirectory(prefix="export-") as tmp:
        readme = str(texts.EXPORT_README) % {
            "company": request.legal_entity.name,
            "date": timezone.localdate().isoformat(),
            "reference": request.reference,
        }
        path = Path(tmp) / "export.zip"
        sources = sources_for(request, connectors=connectors)
        with path.open("wb") as target:
            counts = write_export_zip(target, sources, readme=readme)
        for source in sources:
            if source.withheld is not None and source.withheld.rows:
                system, connector = source.origin
                review.file_task(
                    request,
                    system,
                    source.category,
                    source.withheld,
                    connector=connector,
                    category_name=source.category_name,
                )
        filename = f"{safe_name(gettext('data-export'))}-{request.reference}.zip"
        artifact, created = store_artifact(
            request,
            kind=Artifact.Kind.PORTABILITY_EXPORT,
            filename=filename,
            content_type="application/zip",
            path=path,
            kinds=kinds,
        )
    if created:
        workflow.record_event(
            request,
            "export.ready",
            data={"artifact": artifact.pk, "rows": sum(counts.values()), "files": len(counts)},
            customer_visible=True,
        )
    return artifact
