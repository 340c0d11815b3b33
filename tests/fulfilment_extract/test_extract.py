"""The register extract, built from fixed connector rows (no customer database needed)."""

import csv
import io
import json
from decimal import Decimal

import pypdf
import pytest

from rights_requests.fulfilment import extract
from rights_requests.models import Artifact, RequestEvent

pytestmark = pytest.mark.django_db


def read_pdf(artifact):
    with artifact.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.split())


def test_extract_holds_categories_data_rights_and_imy(
    access_request, fake_connectors, private_storage
):
    artifact = extract.build_register_extract(access_request.pk, connectors=fake_connectors)

    assert artifact.kind == Artifact.Kind.REGISTER_EXTRACT
    assert artifact.content_type == "application/pdf"
    reader, text = read_pdf(artifact)
    assert access_request.reference in text
    assert "Alice Andersson" in text
    assert "Kalmar Energi Elnät AB" in text and "556182-7543" in text
    for category in ("Namn och personnummer", "Fakturor och betalningar", "Mätvärden (timvärden)"):
        assert category in text
    assert "F0000007" in text and "1234,50" in text
    assert "Integritetsskyddsmyndigheten" in text and "Box 8114, 104 20 Stockholm" in text
    assert "imy@imy.se" in text and "www.imy.se" in text
    assert "Rättelse (artikel 16)" in text and "Radering (artikel 17)" in text
    assert "direktmarknadsföring" in text
    # The retention of invoices, from the record of processing (Art. 15(1)(d)).
    assert "bokföringslagen 7 kap. 2 §" in text
    assert "Förklaringar" in text
    assert len(reader.pages) >= 3
    # Counted in Swedish: one identity row, two invoices.
    assert "Namn och personnummer (1 rad)" in text and "(2 rader)" in text
    assert "1 rader" not in text


def test_extract_is_tagged_pdf_ua_with_embedded_fonts(
    access_request, fake_connectors, private_storage
):
    artifact = extract.build_register_extract(access_request.pk, connectors=fake_connectors)

    reader, _ = read_pdf(artifact)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "sv"
    metadata = root["/Metadata"].get_object().get_data().decode()
    assert "pdfuaid:part" in metadata
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        descriptor = ref.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_attachments_hold_the_complete_data_as_csv_and_json(
    access_request, fake_connectors, private_storage
):
    artifact = extract.build_register_extract(access_request.pk, connectors=fake_connectors)

    reader, _ = read_pdf(artifact)
    files = {name: contents[0] for name, contents in reader.attachments.items()}
    assert set(files) == {
        "cis-identity.csv",
        "cis-invoices.csv",
        "cis-meter-readings.csv",
        "data.json",
    }
    readings = list(
        csv.DictReader(io.StringIO(files["cis-meter-readings.csv"].decode("utf-8-sig")))
    )
    assert len(readings) == 59 * 24
    assert readings[0] == {
        "metering_point_id": "735999000000000123",
        "hour": "2025-12-31T23:00:00+00:00",
        "kwh": "0.500",
    }
    data = json.loads(files["data.json"])
    assert data["reference"] == access_request.reference
    by_category = {block["category"]: block for block in data["data"]}
    assert len(by_category["meter-readings"]["rows"]) == 59 * 24
    invoices = by_category["invoices"]
    assert invoices["columns"] == ["invoice_no", "issued_on", "amount"]
    assert invoices["rows"][0] == ["F0000007", "2026-01-01", "1234.50"]
    assert by_category["meter-readings"]["fields"]["kwh"] == "Consumption (kWh)"


def test_hourly_series_is_summarised_per_month_in_the_pages(
    access_request, fake_connectors, private_storage
):
    artifact = extract.build_register_extract(access_request.pk, connectors=fake_connectors)

    _, text = read_pdf(artifact)
    assert "Sammanfattning per månad (1416 rader)" in text
    # One row per year (Swedish time), a column per month: January 744 hours, February 672.
    january = sum(Decimal("0.500") + Decimal(i % 3) / 1000 for i in range(744))
    february = sum(Decimal("0.500") + Decimal((744 + i) % 3) / 1000 for i in range(672))
    row = f"2026 {january:.1f} {february:.1f}".replace(".", ",")
    assert row in text
    assert f"{january + february:.1f} 1416".replace(".", ",") in text
    assert "jan feb mar apr maj jun jul aug sep okt nov dec" in text
    # Not the hourly rows themselves.
    assert "2026-01-15 12:00" not in text


def test_english_when_the_customer_chose_english(access_request, fake_connectors, private_storage):
    subject = access_request.subject
    subject.preferred_language = "en"
    subject.save()

    artifact = extract.build_register_extract(access_request.pk, connectors=fake_connectors)

    reader, text = read_pdf(artifact)
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "Register extract" in text and "Registerutdrag" not in text
    assert "Meter readings (hourly values)" in text
    assert "Summary per month" in text
    assert "Rectification (Article 16)" in text
    assert "Integritetsskyddsmyndigheten" in text
    assert "1234.50" in text
    assert artifact.filename == f"register-extract-{access_request.reference}.pdf"


def test_building_twice_gives_one_artifact(access_request, fake_connectors, private_storage):
    first = extract.build_register_extract(access_request.pk, connectors=fake_connectors)
    second = extract.build_register_extract(access_request.pk, connectors=fake_connectors)

    assert first.pk == second.pk
    assert Artifact.objects.filter(request=access_request).count() == 1
    assert RequestEvent.objects.filter(request=access_request, kind="extract.ready").count() == 1


def test_artifact_is_private_and_expires(
    access_request, fake_connectors, private_storage, settings
):
    artifact = extract.build_register_extract(access_request.pk, connectors=fake_connectors)

    path = private_storage / artifact.file.name
    assert path.is_file() and path.stat().st_size == artifact.size
    assert not str(path).startswith(str(settings.STATIC_ROOT))
    assert artifact.is_available
    assert (artifact.expires_at - artifact.created_at).days == extract.ARTIFACT_DAYS


def test_low_identity_gives_a_letter_without_attachments(
    postal_request, fake_connectors, private_storage
):
    artifact = extract.build_register_extract(postal_request.pk, connectors=fake_connectors)

    assert artifact.kind == Artifact.Kind.LETTER
    reader, text = read_pdf(artifact)
    assert reader.attachments == {}
    assert "Storgatan 1" in text and "392 31 Kalmar" in text
    assert "e-legitimation" in text
    assert RequestEvent.objects.filter(
        request=postal_request, kind="extract.letter_created"
    ).exists()


def test_no_address_and_no_download_is_refused(postal_request, fake_connectors, private_storage):
    subject = postal_request.subject
    subject.street_address = ""
    subject.save()

    with pytest.raises(extract.DeliveryNotPossible):
        extract.build_register_extract(postal_request.pk, connectors=fake_connectors)


def test_customer_without_data_gets_an_extract_saying_so(access_request, private_storage):
    artifact = extract.build_register_extract(access_request.pk, connectors=[])

    reader, text = read_pdf(artifact)
    assert "inte hittat några personuppgifter om dig" in text
    assert "Integritetsskyddsmyndigheten" in text
    assert reader.attachments == {}


def test_a_redelivered_task_builds_nothing_twice(access_request, private_storage, monkeypatch):
    from rights_requests.fulfilment import tasks

    monkeypatch.setattr("datamap.connectors.connectors_for", lambda entity, request=None: [])
    first = tasks.build_extract.delay(access_request.pk).get()
    second = tasks.build_extract.delay(access_request.pk).get()

    assert first == second
    assert Artifact.objects.filter(request=access_request).count() == 1
    assert RequestEvent.objects.filter(request=access_request, kind="extract.ready").count() == 1


def test_row_encoder_writes_what_json_row_writes():
    """The extract's quick row encoder gives exactly JSON_ROW.encode's text."""
    encode = extract._row_encoder()
    for row in (
        ["a", 1, 2.5, None, True, False, 'Å"\\\n\x01\t', "😀", -0.0, 10**20],
        [],
        ["2026-01-01T00:00:00+00:00", "0.500"],
    ):
        assert encode(row) == extract.JSON_ROW.encode(row)
