"""The SQL connector and the demo CIS on PostgreSQL: COPY loading and server-side cursors.

The CIS tables are created in the test database of the default alias, and a System is
configured to reach them there.
"""

import datetime
from decimal import Decimal

import pytest

from datamap import democis
from datamap.connectors.sql import SqlConnector
from datamap.models import System

from .conftest import TODAY

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(databases=["default", "cis"])]


@pytest.fixture
def pg_cis(db, elnat):
    democis.create_schema("default")
    config = {"database": "default", "categories": democis.CIS_CATEGORIES}
    system = System.objects.create(
        code="pg-cis", name="CIS on PostgreSQL", connector="sql", connector_config=config
    )
    system.legal_entities.add(elnat)
    return SqlConnector(system, elnat)


def test_copy_loads_ten_years_of_readings_for_two_points(pg_cis):
    added = democis.generate(1, years_of_readings=10, today=TODAY, alias="default")
    assert added["meter_readings"] == 2 * (TODAY - datetime.date(2016, 11, 27)).days * 24
    assert democis.counts("default")["meter_readings"] == added["meter_readings"]


def test_connector_on_postgresql_finds_exports_and_erases(pg_cis, make_subject):
    alice = make_subject()
    democis.seed(
        [
            {
                "personal_number": alice.personal_number,
                "first_name": "Alice",
                "companies": ["kalmar-energi-elnat"],
            }
        ],
        today=TODAY,
        alias="default",
    )

    found = pg_cis.find(alice)
    assert len([r for r in found.actions if r.category == "invoices"]) == 13

    readings = pg_cis.export(alice, "meter-readings")
    first = next(readings)
    assert first["hour"].tzinfo is not None and isinstance(first["kwh"], Decimal)
    assert 1 + sum(1 for _ in readings) == 8760

    rectified = pg_cis.rectify(alice, "contact", {"phone": "070-000 00 00"})
    assert [r.action for r in rectified.actions] == ["rectified"]
    erased = pg_cis.erase(alice, "customer-cases")
    assert [r.action for r in erased.actions] == ["erased"]
    assert pg_cis.retention_facts(alice)["contracts"] is None
    expired = pg_cis.expire(
        "invoices", datetime.date(TODAY.year - 7, 1, 1), mode="erase", dry_run=False
    )
    assert len(expired.actions) == 1
