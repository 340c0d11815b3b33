"""The data export (Art. 20): portable categories only, CSV + JSON + field descriptions, streamed."""

import csv
import datetime
import io
import json
import tempfile
import tracemalloc
import zipfile
from decimal import Decimal

import pytest

from datamap.models import LegalEntity
from identity.levels import IdentityLevel
from rights_requests.fulfilment import extract, portability
from rights_requests.models import Artifact, RequestEvent, Right
from tests.rights_requests.factories import file_request

from .conftest import READING_FIELDS, FakeConnector, fake_system, hourly_readings

UTC = datetime.UTC


@pytest.fixture
def varme(db):
    return LegalEntity.objects.get(slug="kalmar-energi-varme")


@pytest.fixture
def export_request(subject, varme):
    return file_request(subject, varme, right=Right.PORTABILITY, level=IdentityLevel.HIGH)


def open_zip(artifact):
    with artifact.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


@pytest.mark.django_db
def test_export_holds_provided_and_observed_data_under_contract(
    export_request, fake_connectors, private_storage
):
    artifact = portability.build_export(export_request.pk, connectors=fake_connectors)

    assert artifact.kind == Artifact.Kind.PORTABILITY_EXPORT
    assert artifact.content_type == "application/zip"
    archive = open_zip(artifact)
    names = set(archive.namelist())
    # Invoices are not provided by the customer (nor observed): Art. 15, not Art. 20.
    assert names == {
        "identity-cis.csv",
        "identity-cis.json",
        "meter-readings-cis.csv",
        "meter-readings-cis.json",
        "fields.json",
        "README.txt",
    }
    readings = list(
        csv.DictReader(io.TextIOWrapper(archive.open("meter-readings-cis.csv"), "utf-8"))
    )
    assert len(readings) == 59 * 24
    assert readings[1] == {
        "metering_point_id": "735999000000000123",
        "hour": "2026-01-01T00:00:00+00:00",
        "kwh": "0.501",
    }
    data = json.loads(archive.read("meter-readings-cis.json"))
    assert data["category"] == "meter-readings" and len(data["rows"]) == 59 * 24
    assert data["rows"][1]["kwh"] == "0.501"
    assert json.loads(archive.read("identity-cis.json"))["rows"] == [
        {"customer_no": "K0000042", "first_name": "Alice", "last_name": "Andersson"}
    ]


@pytest.mark.django_db
def test_every_field_is_described(export_request, fake_connectors, private_storage):
    archive = open_zip(portability.build_export(export_request.pk, connectors=fake_connectors))

    fields = json.loads(archive.read("fields.json"))
    assert fields["meter-readings-cis"]["fields"] == [
        {"name": name, "description": text} for name, text in READING_FIELDS
    ]
    assert fields["meter-readings-cis"]["rows"] == 59 * 24
    readme = archive.read("README.txt").decode()
    assert "artikel 20" in readme and export_request.reference in readme
    assert f"({59 * 24} rader)" in readme
    for name, text in READING_FIELDS:
        assert f"{name}: {text}" in readme


@pytest.mark.django_db
def test_metering_under_a_legal_obligation_is_not_portable(
    subject, elnat, fake_connectors, private_storage
):
    """The grid company meters under ellagen (Art. 6(1)(c)): Art. 20 does not apply (R32)."""
    request = file_request(subject, elnat, right=Right.PORTABILITY, level=IdentityLevel.HIGH)

    archive = open_zip(portability.build_export(request.pk, connectors=fake_connectors))

    assert "meter-readings-cis.csv" not in archive.namelist()
    assert "identity-cis.csv" in archive.namelist()


@pytest.mark.django_db
def test_export_is_built_once(export_request, fake_connectors, private_storage):
    first = portability.build_export(export_request.pk, connectors=fake_connectors)
    second = portability.build_export(export_request.pk, connectors=fake_connectors)

    assert first.pk == second.pk
    assert RequestEvent.objects.filter(request=export_request, kind="export.ready").count() == 1


@pytest.mark.django_db
def test_export_needs_substantial_identity(subject, varme, fake_connectors, private_storage):
    request = file_request(subject, varme, right=Right.PORTABILITY, level=IdentityLevel.LOW)

    with pytest.raises(extract.DeliveryNotPossible):
        portability.build_export(request.pk, connectors=fake_connectors)
    assert not Artifact.objects.filter(request=request).exists()


def _peak_bytes(rows: int) -> int:
    start = datetime.datetime(2016, 1, 1, tzinfo=UTC)
    source = portability.ExportSource(
        system="cis",
        category="meter-readings",
        category_name="Meter readings",
        fields=READING_FIELDS,
        rows=hourly_readings("735999000000000123", start, rows),
    )
    with tempfile.TemporaryFile() as target:
        tracemalloc.start()
        try:
            counts = portability.write_export_zip(target, [source], readme="test")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert counts == {"meter-readings-cis": rows}
        target.seek(0)
        with zipfile.ZipFile(target) as archive:
            with archive.open("meter-readings-cis.csv") as member:
                assert sum(1 for _ in member) == rows + 1
    return peak


def test_memory_stays_flat_as_rows_grow():
    """Ten times the rows may not take much more memory: rows are streamed, never listed."""
    small = _peak_bytes(10_000)
    large = _peak_bytes(100_000)

    assert large < small * 1.5 + 256 * 1024, (small, large)


def test_rows_come_from_the_iterator_only_once():
    calls = []

    def rows():
        calls.append(1)
        yield {"a": 1, "b": Decimal("2.50")}

    source = portability.ExportSource(
        "cis", "contracts", "Contracts", [("a", "A"), ("b", "B")], rows
    )
    with tempfile.TemporaryFile() as target:
        portability.write_export_zip(target, [source], readme="x")
        target.seek(0)
        archive = zipfile.ZipFile(target)
        assert archive.read("contracts-cis.csv").decode() == "a,b\r\n1,2.50\r\n"
        assert json.loads(archive.read("contracts-cis.json"))["rows"] == [{"a": 1, "b": "2.50"}]
    assert calls == [1]


@pytest.mark.django_db
def test_manual_systems_are_left_out(export_request, private_storage):
    manual = FakeConnector({"identity": []})
    manual.kind = "manual"
    archive = open_zip(
        portability.build_export(
            export_request.pk, connectors=[(fake_system("marketing-tool"), manual)]
        )
    )
    assert archive.namelist() == ["fields.json", "README.txt"]


@pytest.mark.django_db
def test_each_builder_takes_only_its_own_right(access_request, export_request, private_storage):
    with pytest.raises(ValueError):
        portability.build_export(access_request.pk, connectors=[])
    with pytest.raises(ValueError):
        extract.build_register_extract(export_request.pk, connectors=[])
    assert not Artifact.objects.exists()


def test_json_lines_split_anywhere_make_the_rows_array():
    """The COPY fast path's JSON lines become the Python path's `rows` items, however chunked."""
    rows = [b'{"a":"x\\\\n"}', b'{"a":2}', b'{"a":"\xc3\xa5"}']
    stream = b"".join(r + b"\n" for r in rows)
    for size in (1, 2, 3, 7, len(stream)):
        out = io.BytesIO()
        chunks = [stream[i : i + size] for i in range(0, len(stream), size)]
        assert portability._write_json_lines(chunks, out) == 3
        assert out.getvalue() == b"\n  " + b",\n  ".join(rows)
    empty = io.BytesIO()
    assert portability._write_json_lines([], empty) == 0
    assert empty.getvalue() == b""


@pytest.mark.parametrize("fast", [True, False], ids=["isal", "zlib"])
def test_members_are_standard_deflate_either_way(monkeypatch, fast):
    """ISA-L writes the members where it is installed, zlib where not: any reader opens both."""
    if not fast:
        monkeypatch.setattr(portability, "isal_zlib", None)
    elif portability.isal_zlib is None:
        pytest.fail("isal is a dependency (pyproject.toml); make install puts it in .venv")
    text = "".join(
        f"735999100000{n:06d},2020-01-01T00:00:00+00:00,{n % 997}.125\r\n" for n in range(20_000)
    )
    with tempfile.TemporaryFile() as target:
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            with portability._open_member(archive, "readings.csv") as member:
                kind = type(member._compressor).__module__
                member.write(text.encode())
        target.seek(0)
        with zipfile.ZipFile(target) as archive:
            assert archive.testzip() is None  # every member's CRC checks
            info = archive.getinfo("readings.csv")
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.compress_size < info.file_size / 4
            assert archive.read("readings.csv").decode() == text
    assert kind.startswith("isal") is fast, kind
