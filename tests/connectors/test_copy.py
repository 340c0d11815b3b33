"""The SQL connector's COPY fast path (PostgreSQL) gives the same rows as the Python path.

The data export (rights_requests.fulfilment.portability) writes its CSV and JSON members
either from SqlConnector.export() row by row, or from copy_csv()/copy_json(), which have
PostgreSQL's COPY write the bytes. Parsed with csv.reader and json.loads, both ZIPs must
hold the same rows, for awkward values too: Unicode, quotes, commas, line breaks,
backslashes, control characters, NULLs and empty strings, times with and without
microseconds, dates, decimals, integers and booleans.
"""

import csv
import datetime
import io
import json
import zipfile

import pytest
from django.db import connections

from datamap import democis
from datamap.connectors.sql import SqlConnector
from datamap.models import System
from rights_requests.fulfilment import portability

from .conftest import TODAY

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(databases=["default", "cis"])]

AWKWARD_TEXTS = [
    "plain",
    "Åsa Öberg – ärende ü € 😀",
    'He said "hi", then left',
    "line one\nline two\r\nline three",
    "back\\slash \\n not a newline \\\\ two",
    "tab\there",
    "bell\x07 and unit separator\x1f and \x01\x02",
    "",
    None,
    ",",
    '"',
    "\\.",
    "%(lookup_hash)s and 100 %",
    "it's",
]

TABLE = """
CREATE TABLE copy_check (
    id VARCHAR(20) PRIMARY KEY,
    lookup_hash VARCHAR(64),
    note TEXT,
    happened TIMESTAMP WITH TIME ZONE,
    naive TIMESTAMP,
    day DATE,
    amount NUMERIC(12, 2),
    short_amount NUMERIC(10, 1),
    visits INTEGER,
    big BIGINT,
    active BOOLEAN,
    "Odd ""name"", with comma" TEXT
)
"""

FIELDS = [
    ["id", "Row", "str"],
    ["note", "Note", "str"],
    ["happened", "When (UTC)", "datetime"],
    ["naive", "When, stored without zone", "datetime"],
    ["day", "Day", "date"],
    ["amount", "Amount", "decimal2"],
    ["short_amount", "Amount with one place", "decimal2"],
    ["visits", "Visits", "int"],
    ["big", "Big number as text", "str"],
    ["active", "Active", "bool"],
    ["missing", "Configured but not read", "str"],
]


def category(read: str, fields=FIELDS) -> dict:
    return {
        "key": "id",
        "keys": "SELECT id FROM copy_check WHERE lookup_hash = :lookup_hash ORDER BY id",
        "read": read,
        "fields": fields,
    }


READ_ALL = (
    'SELECT id, note, happened, naive, day, amount, short_amount, visits, big, active, "Odd ""name"", '
    'with comma" FROM copy_check WHERE lookup_hash = :lookup_hash ORDER BY id'
)


DERIVED_FIELDS = [f for f in FIELDS if f[2] != "bool" and f[0] != "missing"]
READ_DERIVED = (
    "SELECT id, note, happened, naive, day, amount, short_amount, visits, big FROM copy_check "
    "WHERE lookup_hash = :lookup_hash ORDER BY id"
)
# The texts COPY's CSV writes unquoted: no comma, quote or line break, not empty, not \.
UNQUOTED = "(note IS NULL OR (note !~ '[\",\r\n]' AND note <> '' AND note <> '\\.'))"


@pytest.fixture
def copy_connector(db, elnat, make_subject):
    subject = make_subject()
    config = {
        "database": "default",
        "categories": {
            "copy-check": category(READ_ALL),
            "copy-empty": category(READ_ALL.replace(":lookup_hash", "'nobody'")),
            # REAL has no exact SQL form of Python's float text: the Python path is used.
            "copy-float": category(
                "SELECT id, amount::real AS amount FROM copy_check "
                "WHERE lookup_hash = :lookup_hash ORDER BY id",
                [["id", "Row", "str"], ["amount", "Amount", "decimal2"]],
            ),
            "meter-readings": democis.CIS_CATEGORIES["meter-readings"],
            # Every column's JSON follows from its CSV text: one COPY writes both files.
            "copy-derived": category(READ_DERIVED, DERIVED_FIELDS),
            # ... and none of the texts is quoted in the CSV: nothing falls back.
            "copy-derived-unquoted": category(
                READ_DERIVED.replace(" ORDER BY", f" AND {UNQUOTED} ORDER BY"), DERIVED_FIELDS
            ),
        },
    }
    system = System.objects.create(
        code="copy-cis", name="CIS on PostgreSQL", connector="sql", connector_config=config
    )
    system.legal_entities.add(elnat)
    with connections["default"].cursor() as cursor:
        cursor.execute(TABLE)
        base = datetime.datetime(2024, 3, 31, 0, 30, tzinfo=datetime.UTC)
        for index, text in enumerate(AWKWARD_TEXTS):
            cursor.execute(
                "INSERT INTO copy_check VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    f"r{index:02}",
                    subject.personal_number_hash,
                    text,
                    None
                    if index == 3
                    else base + datetime.timedelta(hours=index, microseconds=index * 7 % 3),
                    None
                    if index == 4
                    else datetime.datetime(
                        2020, 1, 1, 12, 0, 0, index * 1000, tzinfo=datetime.UTC
                    ).replace(tzinfo=None),
                    None
                    if index == 5
                    else datetime.date(1999, 12, 31) + datetime.timedelta(days=index),
                    None if index == 6 else f"{index * 1234.5:.2f}",
                    None if index == 7 else f"{-index / 10:.1f}",
                    None if index == 8 else index * 3,
                    None if index == 9 else 9_000_000_000_000 + index,
                    None if index == 10 else index % 2 == 0,
                    text,
                ],
            )
    return SqlConnector(system, elnat), subject


@pytest.fixture
def demo_cis(db, elnat, make_subject):
    """The demo CIS's tables in the test database, with a customer's year of readings."""
    democis.create_schema("default")
    config = {"database": "default", "categories": democis.CIS_CATEGORIES}
    system = System.objects.create(
        code="copy-cis", name="CIS", connector="sql", connector_config=config
    )
    alice = make_subject()
    democis.seed(
        [{"personal_number": alice.personal_number, "companies": ["kalmar-energi-elnat"]}],
        today=TODAY,
        alias="default",
    )
    connector = SqlConnector(system, elnat)
    return connector, alice


def build_zip(connector, subject, code: str, *, fast: bool) -> zipfile.ZipFile:
    source = portability.ExportSource(
        system="copy-cis",
        category=code,
        category_name=code,
        fields=[(n, str(d)) for n, d in connector.fields(code)],
        rows=lambda: connector.export(subject, code),
        copier=(connector, subject) if fast else None,
    )
    target = io.BytesIO()
    counts = portability.write_export_zip(target, [source], readme="test")
    archive = zipfile.ZipFile(io.BytesIO(target.getvalue()))
    archive.counts = counts
    return archive


def parsed(archive: zipfile.ZipFile, stem: str) -> tuple[list[list[str]], dict]:
    text = archive.read(f"{stem}.csv").decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""))), json.loads(archive.read(f"{stem}.json"))


def test_copy_and_python_paths_give_the_same_rows(copy_connector):
    connector, subject = copy_connector
    assert connector.copy_plan(subject, "copy-check") is not None  # the fast path is taken

    python = build_zip(connector, subject, "copy-check", fast=False)
    fast = build_zip(connector, subject, "copy-check", fast=True)

    python_csv, python_json = parsed(python, "copy-check-copy-cis")
    fast_csv, fast_json = parsed(fast, "copy-check-copy-cis")
    assert fast_csv == python_csv
    assert fast_json == python_json
    assert fast.counts == python.counts == {"copy-check-copy-cis": len(AWKWARD_TEXTS)}
    assert fast.read("fields.json") == python.read("fields.json")
    # The values read as the Python path writes them.
    header = fast_csv[0]
    assert header == [f[0] for f in FIELDS] + ['Odd "name", with comma']
    notes = [row[header.index("note")] for row in fast_csv[1:]]
    assert notes == [t or "" for t in AWKWARD_TEXTS]
    assert [row["note"] for row in fast_json["rows"]] == AWKWARD_TEXTS
    first = fast_json["rows"][0]
    assert first["happened"] == "2024-03-31T00:30:00+00:00"
    assert fast_json["rows"][1]["happened"] == "2024-03-31T01:30:00.000001+00:00"
    assert first["naive"] == "2020-01-01T12:00:00+00:00"
    assert first["day"] == "1999-12-31"
    assert fast_json["rows"][1]["short_amount"] == "-0.10"
    assert fast_json["rows"][2]["visits"] == 6
    assert fast_json["rows"][2]["big"] == "9000000000002"
    assert fast_json["rows"][2]["active"] is True
    assert fast_json["rows"][2]["missing"] is None
    assert fast_csv[2][header.index("active")] == "False"  # r01


@pytest.mark.parametrize(
    ("code", "json_copies"), [("copy-derived-unquoted", 0), ("copy-derived", 1)]
)
def test_the_json_made_from_the_csv_gives_the_same_rows(
    copy_connector, monkeypatch, code, json_copies
):
    """One COPY writes the CSV; the JSON is made from it, or read after all when a field is quoted."""
    connector, subject = copy_connector
    plan = connector.copy_plan(subject, code)
    assert plan.derive == ("string",) * 7 + ("raw", "string")  # visits: int
    calls = []
    copy_json = connector.copy_json
    monkeypatch.setattr(
        connector, "copy_json", lambda *a, **kw: calls.append(a) or copy_json(*a, **kw)
    )
    python = build_zip(connector, subject, code, fast=False)
    fast = build_zip(connector, subject, code, fast=True)
    assert len(calls) == json_copies
    stem = f"{code}-copy-cis"
    assert parsed(fast, stem) == parsed(python, stem)
    assert fast.counts == python.counts
    notes = [row["note"] for row in parsed(fast, stem)[1]["rows"]]
    if json_copies:
        assert notes == AWKWARD_TEXTS
    else:  # NULLs, backslashes, control characters and Unicode, made from the CSV
        assert None in notes and "tab\there" in notes and "Åsa Öberg – ärende ü € 😀" in notes
        assert "bell\x07 and unit separator\x1f and \x01\x02" in notes
        assert "back\\slash \\n not a newline \\\\ two" in notes
        assert len(notes) == 8


def test_meter_readings_need_one_copy_for_both_files(demo_cis, monkeypatch):
    connector, alice = demo_cis
    copies = []
    run = connector._copy
    monkeypatch.setattr(
        connector, "_copy", lambda sql, params: copies.append(sql) or run(sql, params)
    )
    fast = build_zip(connector, alice, "meter-readings", fast=True)
    assert len(copies) == 1 and "FORMAT csv)" in copies[0]
    rows = parsed(fast, "meter-readings-copy-cis")[1]["rows"]
    assert len(rows) == 8760
    assert set(rows[0]) == {"metering_point_id", "hour", "kwh"}


@pytest.mark.parametrize("datestyle", ["SQL, DMY", "Postgres, MDY", "German"])
def test_the_times_do_not_depend_on_the_databases_datestyle(copy_connector, datestyle):
    """The fast path prints whole-second times from their text output in DateStyle ISO."""
    connector, subject = copy_connector
    python = build_zip(connector, subject, "copy-check", fast=False)
    with connections["default"].cursor() as cursor:
        cursor.execute(f"SET DateStyle TO '{datestyle}'")
    fast = build_zip(connector, subject, "copy-check", fast=True)
    stem = "copy-check-copy-cis"
    assert parsed(fast, stem) == parsed(python, stem)
    assert parsed(fast, stem)[1]["rows"][0]["happened"] == "2024-03-31T00:30:00+00:00"


def test_export_reads_times_as_utc_instants_whatever_the_session_zone(copy_connector):
    """export() reads timestamptz with psycopg's own loader: the instants, in UTC."""
    connector, subject = copy_connector
    before = [row["happened"] for row in connector.export(subject, "copy-check")]
    with connections["default"].cursor() as cursor:
        cursor.execute("SET TimeZone TO 'Europe/Stockholm'")
    try:
        after = [row["happened"] for row in connector.export(subject, "copy-check")]
    finally:
        with connections["default"].cursor() as cursor:
            cursor.execute("SET TimeZone TO 'UTC'")
    assert after == before
    moments = [m for m in after if m is not None]
    assert moments and all(m.tzinfo is datetime.UTC for m in moments)
    assert moments[0] == datetime.datetime(2024, 3, 31, 0, 30, tzinfo=datetime.UTC)


def test_meter_readings_of_the_demo_cis_are_the_same_both_ways(demo_cis):
    connector, alice = demo_cis
    for code in ("meter-readings", "invoices", "contracts", "identity"):
        python = build_zip(connector, alice, code, fast=False)
        fast = build_zip(connector, alice, code, fast=True)
        stem = f"{code}-copy-cis"
        assert parsed(fast, stem) == parsed(python, stem), code
        assert fast.counts == python.counts
    assert fast.counts  # identity: one row
    assert python.counts  # and the readings above: a year of hours
    assert build_zip(connector, alice, "meter-readings", fast=True).counts == {
        "meter-readings-copy-cis": 8760
    }


def test_no_rows_give_the_same_empty_files(copy_connector):
    connector, subject = copy_connector
    python = build_zip(connector, subject, "copy-empty", fast=False)
    fast = build_zip(connector, subject, "copy-empty", fast=True)
    stem = "copy-empty-copy-cis"
    assert parsed(fast, stem) == parsed(python, stem)
    assert parsed(fast, stem)[0] == [[f[0] for f in FIELDS]]
    assert json.loads(fast.read(f"{stem}.json"))["rows"] == []
    assert fast.counts == {stem: 0}


def test_a_type_without_an_exact_form_falls_back_to_python(copy_connector):
    connector, subject = copy_connector
    assert connector.copy_plan(subject, "copy-float") is None
    python = build_zip(connector, subject, "copy-float", fast=False)
    fast = build_zip(connector, subject, "copy-float", fast=True)
    stem = "copy-float-copy-cis"
    assert parsed(fast, stem) == parsed(python, stem)
    assert fast.counts[stem] == len(AWKWARD_TEXTS)


@pytest.mark.django_db(transaction=True, databases=["default", "cis"])
def test_outside_a_transaction_the_json_is_read_alongside_on_a_joined_snapshot(elnat, make_subject):
    """No caller's transaction: a second connection reads the JSON in the CSV's snapshot."""
    subject = make_subject()
    config = {"database": "default", "categories": {"copy-check": category(READ_ALL)}}
    system = System.objects.create(
        code="copy-cis", name="CIS", connector="sql", connector_config=config
    )
    connector = SqlConnector(system, elnat)
    with connections["default"].cursor() as cursor:
        cursor.execute(TABLE)
    try:
        with connections["default"].cursor() as cursor:
            for index, text in enumerate(AWKWARD_TEXTS):
                cursor.execute(
                    "INSERT INTO copy_check (id, lookup_hash, note) VALUES (%s, %s, %s)",
                    [f"r{index:02}", subject.personal_number_hash, text],
                )
        with connector.snapshot(shared=True) as snapshot_id:
            assert snapshot_id  # the parallel way is taken
        python = build_zip(connector, subject, "copy-check", fast=False)
        fast = build_zip(connector, subject, "copy-check", fast=True)
        stem = "copy-check-copy-cis"
        assert parsed(fast, stem) == parsed(python, stem)
        assert fast.counts == {stem: len(AWKWARD_TEXTS)}
    finally:
        with connections["default"].cursor() as cursor:
            cursor.execute("DROP TABLE copy_check")


def test_a_copy_left_early_leaves_the_connection_usable(copy_connector):
    connector, _subject = copy_connector
    stream = connector._copy("COPY (SELECT g FROM generate_series(1, 200000) AS g) TO STDOUT", {})
    first = next(stream)
    assert first.startswith(b"1\n2\n") and len(first) >= 1 << 16
    stream.close()
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)
    total = sum(c.count(b"\n") for c in connector._copy("COPY (SELECT 1) TO STDOUT", {}))
    assert total == 1


def test_a_failing_copy_raises_the_database_error(copy_connector):
    import psycopg

    connector, _subject = copy_connector
    with pytest.raises(psycopg.errors.DivisionByZero):
        list(
            connector._copy("COPY (SELECT 1 / (g - 3) FROM generate_series(1, 5) g) TO STDOUT", {})
        )
