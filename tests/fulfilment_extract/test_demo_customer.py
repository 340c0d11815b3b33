"""Register extract and data export for customers of the demo customer information system."""

import csv
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pypdf
import pytest
from django.conf import settings

from datamap import democis
from datamap.models import LegalEntity, ManualTask
from identity.levels import IdentityLevel
from rights_requests.fulfilment import extract, portability, tasks
from rights_requests.models import Right
from tests.rights_requests.factories import file_request

pytestmark = pytest.mark.django_db(databases=["default", "cis"])
ARTEFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "extract"


def entity(slug):
    return LegalEntity.objects.get(slug=slug)


def pdf_of(artifact):
    with artifact.file.open("rb") as handle:
        content = handle.read()
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return content, reader, text


def save_first_pages_as_png(content: bytes, name: str) -> None:
    """Put the first pages among the test artefacts, for a person to look at."""
    if not shutil.which("pdftoppm"):  # Debian poppler-utils; CI installs it
        return
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "3", "-", str(ARTEFACTS / name)],
        input=content,
        check=True,
        timeout=60,
    )
    assert list(ARTEFACTS.glob(f"{name}*.png"))


def test_extract_of_a_customer_of_the_grid_company(customer, private_storage):
    subject = customer()
    request = file_request(subject, entity("kalmar-energi-elnat"), level=IdentityLevel.HIGH)

    artifact = tasks.build_extract.delay(request.pk).get()
    artifact = request.artifacts.get(pk=artifact)

    content, reader, text = pdf_of(artifact)
    save_first_pages_as_png(content, "elnat-sv")
    for category in (
        "Namn och personnummer",
        "Avtal och tjänster",
        "Anläggningar och mätpunkter",
        "Mätvärden (timvärden)",
        "Fakturor och betalningar",
        "Kundcenterärenden",
    ):
        assert category in text
    assert "Sammanfattning per månad" in text
    assert "Elnät säkring 20 A" in text
    assert "Fråga om faktura" in text
    assert "Integritetsskyddsmyndigheten" in text
    # The retention assessment gives invoices a concrete date (Art. 15(1)(d); R38).
    assert "Sparas till och med" in text
    # The newsletter tool has no connection: a checklist task for staff, and the extract says so.
    assert "Samlas in manuellt" in text
    assert ManualTask.objects.filter(request=request, system__code="marketing-tool").exists()
    # Retention periods in Swedish words, and the portal's own codes explained in the legend.
    assert "(7 år, " in text and "7 y" not in text
    assert "access Tillgång (registerutdrag)" in " ".join(text.split())

    files = {name: data[0] for name, data in reader.attachments.items()}
    readings = list(
        csv.DictReader(io.StringIO(files["cis-meter-readings.csv"].decode("utf-8-sig")))
    )
    with democis.connection().cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM meter_readings WHERE metering_point_id IN "
            "(SELECT id FROM metering_points WHERE company = 'kalmar-energi-elnat')"
        )
        assert len(readings) == cursor.fetchone()[0] > 8000
    data = json.loads(files["data.json"])
    invoices = next(b for b in data["data"] if b["category"] == "invoices")
    assert len(invoices["rows"]) == 13
    assert all(row[0] in text for row in invoices["rows"])


def test_english_extract_of_a_customer_of_two_companies(customer, private_storage):
    subject = customer(("kalmar-energi-forsaljning", "landskrona-energi"), first_name="Eve")
    subject.preferred_language = "en"
    subject.save()
    request = file_request(subject, entity("landskrona-energi"), level=IdentityLevel.SUBSTANTIAL)

    content, reader, text = pdf_of(extract.build_register_extract(request.pk))

    save_first_pages_as_png(content, "landskrona-en")
    assert "Register extract" in text and "Landskrona Energi AB" in text
    assert "Meter readings (hourly values)" in text and "Summary per month" in text
    assert "Complaints to the supervisory authority" in text
    # Recipients and systems by their English names.
    assert "Debt collection agencies" in text and "Inkassobolag" not in text
    assert "System: Customer information system (CIS)" in text
    # Landskrona's customer data only: not the Kalmar company's contract.
    assert "Kalmar Energi Rörligt pris" not in text
    assert "Fast pris 12 mån" in text


def test_customer_with_no_data_at_the_company(customer, private_storage):
    subject = customer(())
    request = file_request(subject, entity("kalmar-energi-varme"), level=IdentityLevel.HIGH)

    _, reader, text = pdf_of(extract.build_register_extract(request.pk))

    assert "Mätvärden (timvärden)" not in text.split("Kategorier där vi inte hittade")[0]
    assert "Kategorier där vi inte hittade några uppgifter om dig" in text
    assert "cis-meter-readings.csv" not in reader.attachments


def test_export_of_a_district_heating_customer(customer, private_storage):
    subject = customer(("kalmar-energi-varme",))
    request = file_request(
        subject, entity("kalmar-energi-varme"), right=Right.PORTABILITY, level=IdentityLevel.HIGH
    )

    artifact = request.artifacts.get(pk=tasks.build_export.delay(request.pk).get())

    with artifact.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = set(archive.namelist())
    assert {"meter-readings-cis.csv", "meter-readings-cis.json", "contracts-cis.csv"} <= names
    assert not any(name.startswith("invoices") for name in names)
    fields = json.loads(archive.read("fields.json"))
    assert [f["name"] for f in fields["meter-readings-cis"]["fields"]] == [
        "metering_point_id",
        "hour",
        "kwh",
    ]
    assert all(f["description"] for info in fields.values() for f in info["fields"])
    rows = json.loads(archive.read("meter-readings-cis.json"))["rows"]
    assert len(rows) == fields["meter-readings-cis"]["rows"] > 8000
    assert portability.portable_categories(entity("kalmar-energi-varme")) >= {"meter-readings"}


def test_a_customer_of_all_three_kalmar_companies_gets_each_companys_own_data(
    customer, private_storage
):
    subject = customer()
    products = {
        "kalmar-energi-forsaljning": "Kalmar Energi Rörligt pris",
        "kalmar-energi-varme": "Fjärrvärme villa",
        "kalmar-energi-elnat": "Elnät säkring 20 A",
    }
    for slug, product in products.items():
        request = file_request(subject, entity(slug), level=IdentityLevel.HIGH)
        _, reader, text = pdf_of(extract.build_register_extract(request.pk))

        assert entity(slug).name in text
        assert product in text
        assert all(other not in text for other in products.values() if other != product)
        assert 4 <= len(reader.pages) <= 12
        has_readings = "cis-meter-readings.csv" in reader.attachments
        assert has_readings == (slug != "kalmar-energi-forsaljning")
