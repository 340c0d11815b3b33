"""The SQL connector against the real demo CIS (SQLite here; PostgreSQL in test_postgres)."""

import datetime
from decimal import Decimal

import pytest

from datamap import democis, pii
from datamap.connectors import ConnectorError, RowAction
from datamap.connectors.sql import to_pyformat

from .conftest import CIS_DB, TODAY, connector

pytestmark = CIS_DB


def rows_of(result, category=None, action=None):
    return [
        r
        for r in result.actions
        if (category is None or r.category == category) and (action is None or r.action == action)
    ]


def test_named_parameters_become_pyformat_and_percent_signs_are_escaped():
    sql, names = to_pyformat("SELECT '10%' WHERE a = :company AND b::text = :lookup_hash")
    assert sql == "SELECT '10%%' WHERE a = %(company)s AND b::text = %(lookup_hash)s"
    assert names == ["company", "lookup_hash"]


def test_find_reports_every_row_of_the_subject_per_category(customer, entity):
    alice = customer(democis.KALMAR, first_name="Alice")
    cis = connector(entity("kalmar-energi-elnat"), "cis")

    result = cis.find(alice)

    assert {r.action for r in result.actions} == {"found"}
    assert {r.system for r in result.actions} == {"cis"}
    assert len(rows_of(result, "identity")) == 1
    # One grid contract now and one ended long ago; monthly invoices for a year plus an old one.
    assert len(rows_of(result, "contracts")) == 2
    assert len(rows_of(result, "invoices")) == 13
    [readings] = rows_of(result, "meter-readings")
    assert readings.detail.startswith("hours=8760")  # one line per metering point, not per hour
    assert result.pending is False


def test_row_keys_never_hold_the_personal_number(customer, entity):
    alice = customer(democis.KALMAR)
    digits = alice.personal_number.digits
    result = connector(entity("kalmar-energi-elnat"), "cis").find(alice)
    for row in result.actions:
        assert digits not in row.key and digits[2:] not in row.key
        assert digits not in row.detail


def test_each_company_sees_only_its_own_customer_records(customer, entity):
    bob = customer(["kalmar-energi-forsaljning"], first_name="Bob")

    assert connector(entity("kalmar-energi-elnat"), "cis").find(bob).actions == []
    found = connector(entity("kalmar-energi-forsaljning"), "cis").find(bob)
    assert rows_of(found, "contracts")
    # The supplier reads no meter: no readings stored for it.
    assert rows_of(found, "meter-readings") == []


def test_a_person_with_no_data_is_found_nowhere(customer, entity):
    nobody = customer(())
    for slug in ("kalmar-energi-elnat", "landskrona-energi"):
        assert connector(entity(slug), "cis").find(nobody).actions == []


def test_another_customer_is_not_found_by_the_first_ones_hash(customer, entity):
    alice = customer(democis.KALMAR, first_name="Alice")
    bob = customer(democis.KALMAR, first_name="Bob")
    cis = connector(entity("kalmar-energi-elnat"), "cis")
    alice_keys = {r.key for r in cis.find(alice).actions}
    bob_keys = {r.key for r in cis.find(bob).actions}
    assert alice_keys.isdisjoint(bob_keys)
    assert [row["first_name"] for row in cis.export(bob, "identity")] == ["Bob"]


def test_export_streams_typed_flat_rows(customer, entity):
    alice = customer(democis.KALMAR)
    cis = connector(entity("kalmar-energi-elnat"), "cis")

    readings = cis.export(alice, "meter-readings")
    first = next(readings)
    assert set(first) == {"metering_point_id", "hour", "kwh"}
    assert first["hour"].tzinfo is not None and isinstance(first["kwh"], Decimal)
    assert sum(1 for _ in readings) == 8760 - 1

    invoices = list(cis.export(alice, "invoices"))
    assert [name for name, _d in cis.fields("invoices")] == list(invoices[0])
    assert isinstance(invoices[0]["issued_on"], datetime.date)
    assert invoices[0]["amount"] == invoices[0]["amount"].quantize(Decimal("0.01"))
    [identity] = cis.export(alice, "identity")
    assert identity["personal_number"] == alice.personal_number.digits


def test_fields_describe_every_exported_column(customer, entity):
    cis = connector(entity("kalmar-energi-elnat"), "cis")
    for category in cis.categories():
        names = [name for name, description in cis.fields(category)]
        assert names and all(description for _n, description in cis.fields(category))
        assert len(names) == len(set(names))


def test_rectify_changes_the_field_and_reports_the_row_and_field_only(customer, entity):
    alice = customer(democis.KALMAR)
    cis = connector(entity("kalmar-energi-elnat"), "cis")

    result = cis.rectify(alice, "contact", {"email": "alice.new@example.org"})

    [row] = result.actions
    assert row == RowAction("cis", "contact", "rectified", row.key, "email")
    assert [r["email"] for r in cis.export(alice, "contact")] == ["alice.new@example.org"]
    # The other companies' records of the same person are theirs to correct.
    other = connector(entity("kalmar-energi-varme"), "cis")
    assert [r["email"] for r in other.export(alice, "contact")] == [alice.email]


def test_rectify_refuses_a_field_without_a_statement(customer, entity):
    alice = customer(democis.KALMAR)
    with pytest.raises(ConnectorError):
        connector(entity("kalmar-energi-elnat"), "cis").rectify(alice, "invoices", {"amount": "0"})


def test_erase_deletes_the_rows_and_reports_each(customer, entity):
    alice = customer(democis.KALMAR)
    cis = connector(entity("kalmar-energi-elnat"), "cis")
    before = [r.key for r in rows_of(cis.find(alice), "customer-cases")]

    result = cis.erase(alice, "customer-cases")

    assert [r.key for r in result.actions] == before
    assert {r.action for r in result.actions} == {"erased"}
    assert list(cis.export(alice, "customer-cases")) == []
    assert cis.erase(alice, "customer-cases").actions == []  # nothing left: nothing reported


def test_anonymise_unlinks_the_rows_from_the_person(customer, entity, cis):
    alice = customer(democis.KALMAR)
    conn = connector(entity("kalmar-energi-elnat"), "cis")
    keys = [r.key for r in rows_of(conn.find(alice), "contracts")]

    result = conn.erase(alice, "contracts", mode="anonymise")

    assert {r.action for r in result.actions} == {"anonymised"} and len(result.actions) == len(keys)
    assert list(conn.export(alice, "contracts")) == []
    assert cis.counts()["contracts"] >= len(keys)  # the rows stay, without the person


def test_erasing_identity_removes_the_link_to_the_person(customer, entity):
    alice = customer(democis.KALMAR)
    conn = connector(entity("kalmar-energi-elnat"), "cis")
    conn.erase(alice, "identity")
    assert conn.find(alice).actions == []


def test_unknown_erase_mode_and_category_are_refused(customer, entity):
    alice = customer(democis.KALMAR)
    conn = connector(entity("kalmar-energi-elnat"), "cis")
    with pytest.raises(ConnectorError):
        conn.erase(alice, "invoices", mode="shred")
    with pytest.raises(ConnectorError):
        conn.erase(alice, "camera-footage")  # held by the camera-index system, not the CIS


def test_restrict_and_lift_mark_the_rows(customer, entity, cis):
    alice = customer(democis.KALMAR)
    conn = connector(entity("kalmar-energi-elnat"), "cis")

    restricted = conn.restrict(alice, "invoices")
    assert len(restricted.actions) == 13 and {r.action for r in restricted.actions} == {
        "restricted"
    }
    with cis.connection().cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM invoices WHERE restricted = TRUE")
        assert cursor.fetchone()[0] == 13
    lifted = conn.lift(alice, "invoices")
    assert {r.action for r in lifted.actions} == {"lifted"}
    with cis.connection().cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM invoices WHERE restricted = TRUE")
        assert cursor.fetchone()[0] == 0


def test_expire_dry_run_reports_without_changing(customer, entity):
    alice = customer(democis.KALMAR)
    conn = connector(entity("kalmar-energi-elnat"), "cis")
    # The old invoice (financial year nine years back) is past the cutoff; this year's are not.
    cutoff = datetime.date(TODAY.year - 7, 1, 1)

    result = conn.expire("invoices", cutoff, mode="erase", dry_run=True)

    [row] = result.actions
    assert row.action == "erased" and row.detail.startswith("dry run")
    assert len(list(conn.export(alice, "invoices"))) == 13


def test_expire_erases_rows_before_the_cutoff_but_not_excluded_keys(customer, entity):
    alice = customer(democis.KALMAR, first_name="Alice")
    bob = customer(democis.KALMAR, first_name="Bob")
    conn = connector(entity("kalmar-energi-elnat"), "cis")
    cutoff = datetime.date(TODAY.year - 7, 1, 1)
    [bob_old] = [
        r["invoice_no"] for r in conn.export(bob, "invoices") if r["financial_year_end"] < cutoff
    ]

    result = conn.expire("invoices", cutoff, mode="erase", exclude_keys=[bob_old], dry_run=False)

    assert [r.key for r in rows_of(result, action="kept")] == [bob_old]
    assert len(rows_of(result, action="erased")) == 1
    assert len(list(conn.export(alice, "invoices"))) == 12
    assert len(list(conn.export(bob, "invoices"))) == 13


def test_expire_of_readings_deletes_old_hours_per_metering_point(customer, entity):
    alice = customer(democis.KALMAR, years=2)
    conn = connector(entity("kalmar-energi-elnat"), "cis")
    cutoff = datetime.date(TODAY.year, 1, 1)

    result = conn.expire("meter-readings", cutoff, mode="erase", dry_run=False)

    assert len(result.actions) == 1 and result.actions[0].detail.startswith("hours=")
    assert all(r["hour"].date() >= cutoff for r in conn.export(alice, "meter-readings"))


def test_retention_facts_give_the_events_the_periods_run_from(customer, entity):
    current = customer(democis.KALMAR, first_name="Current")
    former = customer(democis.KALMAR, first_name="Former", ended_on=datetime.date(2025, 3, 31))
    conn = connector(entity("kalmar-energi-elnat"), "cis")

    facts = conn.retention_facts(current)
    assert facts["contracts"] is None  # a contract still runs
    assert facts["invoices"] == datetime.date(TODAY.year, 12, 31)
    old = conn.retention_facts(former)
    assert old["contracts"] == datetime.date(2025, 4, 30)  # settled 30 days after the end
    assert old["identity"] == datetime.date(2025, 4, 30)
    assert old["invoices"] == datetime.date(2025, 12, 31)
    assert old["meter-readings"] == datetime.date(2025, 3, 30)


def test_camera_index_holds_footage_of_the_two_filming_companies(customer, entity):
    alice = customer(democis.KALMAR)
    camera = connector(entity("kalmar-energi-varme"), "camera-index")
    [row] = camera.find(alice).actions
    assert row.category == "camera-footage"
    expired = camera.expire(
        "camera-footage",
        TODAY - datetime.timedelta(days=21) + datetime.timedelta(days=30),
        mode="erase",
        dry_run=False,
    )
    assert [r.key for r in expired.actions] == [row.key]
    with pytest.raises(LookupError):
        connector(entity("kalmar-energi-forsaljning"), "camera-index")


def test_a_connection_url_is_registered_as_its_own_alias(entity, settings, tmp_path):
    from datamap.connectors.sql import alias_for
    from datamap.models import System

    system = System(
        code="other-cis",
        connector="sql",
        connector_config={"url": f"sqlite:///{tmp_path / 'other.sqlite3'}"},
    )
    alias = alias_for(system)
    from django.db import connections

    assert alias == "connector_other-cis" and connections[alias].vendor == "sqlite"
    connections[alias].close()


def test_seed_is_idempotent_per_customer(customer, cis):
    alice = customer(democis.KALMAR)
    before = cis.counts()
    person = {"personal_number": alice.personal_number, "companies": democis.KALMAR}
    assert cis.seed([person], today=TODAY) == 0
    assert cis.counts() == before


def test_generate_loads_ten_years_of_hourly_readings_for_two_points(cis):
    added = cis.generate(1, years_of_readings=10, points_per_customer=2, today=TODAY)
    hours = (datetime.date(2026, 11, 27) - datetime.date(2016, 11, 27)).days * 24
    assert added["meter_readings"] == 2 * hours  # 175 296 (10 years with three leap days)
    assert cis.generate(1, years_of_readings=10, today=TODAY)["meter_readings"] == 0


def test_synthetic_numbers_are_valid_personal_numbers():
    for index in (0, 1, 18249, 18250, 99999):
        number = democis.synthetic_number(index)
        assert pii.parse_personal_number(number.digits) == number
