"""The daily print batch: a day's register-extract letters joined into one PDF for the printer.

Extracts that may not be downloaded (DESIGN.md §6) are letters to the registered
address (`Artifact.Kind.LETTER`). Once a day the letters created that day (Swedish
time) are joined, in the order they were made, into `print-batches/<date>.pdf` in the
private storage, with `print-batches/<date>.csv` listing reference, first page and page
count per letter (no names or addresses: those are on the letters). Each letter is padded
to an even number of pages so that, printed on both sides, every letter starts on its own
sheet. Every letter is recorded on its request as a `letter.batched` event, once.

Running the batch again for the same day rebuilds the same file (with any letters made
since) and records only letters not yet recorded.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from rights_requests.models import Artifact, RequestEvent, RightsRequest

STOCKHOLM = ZoneInfo("Europe/Stockholm")
BATCH_DIR = "print-batches"


@dataclasses.dataclass
class BatchedLetter:
    request_id: int
    reference: str
    artifact_id: int
    first_page: int
    pages: int


@dataclasses.dataclass
class PrintBatch:
    day: datetime.date
    letters: list[BatchedLetter]
    pages: int
    pdf_name: str | None  # storage name of the joined PDF; None when there were no letters
    manifest_name: str | None
    newly_recorded: int


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=STOCKHOLM)
    end = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(0), tzinfo=STOCKHOLM
    )
    return start, end


def letters_of(day: datetime.date):
    """The letters created on `day` (Swedish time), oldest first."""
    start, end = day_bounds(day)
    return (
        Artifact.objects.filter(
            kind=Artifact.Kind.LETTER,
            deleted_at__isnull=True,
            created_at__gte=start,
            created_at__lt=end,
        )
        .select_related("request")
        .order_by("created_at", "id")
    )


def yesterday() -> datetime.date:
    return datetime.datetime.now(STOCKHOLM).date() - datetime.timedelta(days=1)


def build_print_batch(day: datetime.date) -> PrintBatch:
    """Join the letters of `day` into one PDF; record each letter on its request once."""
    from pypdf import PdfReader, PdfWriter

    from rights_requests import workflow

    letters = list(letters_of(day))
    if not letters:
        return PrintBatch(day, [], 0, None, None, 0)
    writer = PdfWriter()
    batched: list[BatchedLetter] = []
    for artifact in letters:
        with artifact.file.open("rb") as handle:
            reader = PdfReader(io.BytesIO(handle.read()))
        first = len(writer.pages) + 1
        for page in reader.pages:
            writer.add_page(page)
        if len(reader.pages) % 2:
            writer.add_blank_page()  # both-sided printing: the next letter starts a new sheet
        batched.append(
            BatchedLetter(
                artifact.request_id,
                artifact.request.reference,
                artifact.pk,
                first,
                len(reader.pages),
            )
        )
    pdf_name = f"{BATCH_DIR}/{day.isoformat()}.pdf"
    manifest_name = f"{BATCH_DIR}/{day.isoformat()}.csv"
    with tempfile.TemporaryDirectory(prefix="printbatch-") as tmp:
        pdf_path = Path(tmp) / "batch.pdf"
        with pdf_path.open("wb") as handle:
            writer.write(handle)
        _replace(pdf_name, pdf_path)
        manifest_path = Path(tmp) / "batch.csv"
        with manifest_path.open("w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(["reference", "first_page", "pages"])
            for letter in batched:
                out.writerow([letter.reference, letter.first_page, letter.pages])
        _replace(manifest_name, manifest_path)
    recorded = 0
    for letter, artifact in zip(batched, letters, strict=True):
        with transaction.atomic():
            # The request row lock makes check-then-record safe against a parallel run.
            RightsRequest.objects.select_for_update().filter(pk=letter.request_id).first()
            already = RequestEvent.objects.filter(
                request_id=letter.request_id,
                kind="letter.batched",
                data__artifact=letter.artifact_id,
            ).exists()
            if already:
                continue
            workflow.record_event(
                artifact.request,
                "letter.batched",
                data={
                    "artifact": letter.artifact_id,
                    "batch": day.isoformat(),
                    "first_page": letter.first_page,
                    "pages": letter.pages,
                },
                customer_visible=True,
            )
            recorded += 1
    return PrintBatch(day, batched, len(writer.pages), pdf_name, manifest_name, recorded)


def _replace(name: str, path: Path) -> None:
    """Store `path` under exactly `name`, replacing an earlier run's file."""
    if default_storage.exists(name):
        default_storage.delete(name)
    with path.open("rb") as handle:
        saved = default_storage.save(name, File(handle))
    if saved != name:  # pragma: no cover - a parallel run stored it in between
        default_storage.delete(saved)
