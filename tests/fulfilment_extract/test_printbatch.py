"""The daily print batch joins the day's letters into one PDF and records each letter once."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pypdf
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from identity.levels import IdentityLevel
from rights_requests.fulfilment import extract, printbatch, tasks
from rights_requests.models import Artifact, RequestEvent
from tests.rights_requests.factories import file_request

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def letters(make_subject, elnat, fake_connectors, private_storage):
    """Two letters today, from two customers who may not download."""
    made = []
    for first_name in ("Alice", "Bertil"):
        subject = make_subject(
            first_name=first_name, street_address="Storgatan 1", postal_code="392 31", city="Kalmar"
        )
        request = file_request(
            subject, elnat, level=IdentityLevel.LOW, details={"delivery": "post"}
        )
        made.append(extract.build_register_extract(request.pk, connectors=fake_connectors))
    return made


def pages_of(artifact) -> int:
    with artifact.file.open("rb") as handle:
        return len(pypdf.PdfReader(io.BytesIO(handle.read())).pages)


def today():
    return timezone.localdate()


def test_batch_joins_the_days_letters_in_order(letters):
    batch = printbatch.build_print_batch(today())

    assert [letter.artifact_id for letter in batch.letters] == [a.pk for a in letters]
    with default_storage.open(batch.pdf_name, "rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    expected = sum(pages_of(a) + pages_of(a) % 2 for a in letters)
    assert len(reader.pages) == batch.pages == expected
    second = batch.letters[1]
    text = reader.pages[second.first_page - 1].extract_text()
    assert "Bertil Andersson" in text and letters[1].request.reference in text
    with default_storage.open(batch.manifest_name, "rb") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read().decode())))
    assert [row["reference"] for row in rows] == [a.request.reference for a in letters]
    assert all("Andersson" not in value for row in rows for value in row.values())


def test_each_letter_is_recorded_once(letters):
    printbatch.build_print_batch(today())
    again = printbatch.build_print_batch(today())

    assert again.newly_recorded == 0
    for artifact in letters:
        events = RequestEvent.objects.filter(request=artifact.request, kind="letter.batched")
        assert events.count() == 1
        assert events.get().data["batch"] == today().isoformat()


def test_letters_of_another_day_and_downloads_stay_out(letters, access_request, fake_connectors):
    download = extract.build_register_extract(access_request.pk, connectors=fake_connectors)
    old = letters[0]
    Artifact.objects.filter(pk=old.pk).update(
        created_at=datetime.datetime.combine(
            today() - datetime.timedelta(days=1), datetime.time(23, 59), tzinfo=STOCKHOLM
        )
    )

    batch = printbatch.build_print_batch(today())

    assert [letter.artifact_id for letter in batch.letters] == [letters[1].pk]
    assert download.kind == Artifact.Kind.REGISTER_EXTRACT


def test_a_day_without_letters_makes_no_file(private_storage):
    batch = printbatch.build_print_batch(datetime.date(2020, 1, 1))

    assert batch.letters == [] and batch.pdf_name is None
    assert not default_storage.exists("print-batches/2020-01-01.pdf")


def test_command_and_task_build_the_batch(letters):
    out = io.StringIO()
    call_command("print_batch", "--date", today().isoformat(), stdout=out)
    assert "2 letter(s)" in out.getvalue()

    result = tasks.print_batch.delay(today().isoformat()).get()
    assert result["letters"] == 2
    assert RequestEvent.objects.filter(kind="letter.batched").count() == 2
