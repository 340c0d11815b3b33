"""The sweep against the demo customer information system (the real SQL connector)."""

import datetime as dt

import pytest

from datamap import democis
from datamap.connectors import connectors_for
from identity.levels import IdentityLevel
from retention import sweeps
from retention.assessment import assess_erasure
from retention.models import LegalHold
from tests.rights_requests.factories import file_request

pytestmark = pytest.mark.django_db(databases=["default", "cis"])

SEEDED = dt.date(2026, 11, 20)  # the demo data's "today": a recording 3 days before, at 10:00 UTC


@pytest.fixture
def customer(make_subject):
    democis.create_schema()

    def make(first_name, birth, **extra):
        subject = make_subject(first_name, "Kund", birth=birth)
        democis.seed(
            [
                {
                    "personal_number": subject.personal_number,
                    "first_name": first_name,
                    "last_name": "Kund",
                    "email": subject.email,
                    "companies": ("kalmar-energi-elnat",),
                    **extra,
                }
            ],
            years_of_readings=0,
            today=SEEDED,
        )
        return subject

    return make


def rows(entity_slug, system_code, subject, category):
    from datamap.models import LegalEntity

    entity = LegalEntity.objects.get(slug=entity_slug)
    for system, connector in connectors_for(entity):
        if system.code == system_code:
            return list(connector.export(subject, category))
    raise LookupError(system_code)


def test_camera_footage_goes_on_day_22_and_not_on_day_21(customer):
    alice = customer("Alice", "19811218")
    recorded = SEEDED - dt.timedelta(days=3)  # 17 November
    day_21 = recorded + dt.timedelta(days=20)
    sweeps.run_sweep(dry_run=False, today=day_21)
    assert len(rows("kalmar-energi-elnat", "camera-index", alice, "camera-footage")) == 1
    sweeps.run_sweep(dry_run=False, today=day_21 + dt.timedelta(days=1))
    assert rows("kalmar-energi-elnat", "camera-index", alice, "camera-footage") == []


def test_the_old_financial_year_goes_and_the_current_ones_stay(customer):
    alice = customer("Alice", "19811218")
    before = rows("kalmar-energi-elnat", "cis", alice, "invoices")
    _run, report = sweeps.run_sweep(dry_run=False, today=SEEDED)
    after = rows("kalmar-energi-elnat", "cis", alice, "invoices")
    assert len(before) - len(after) == 1  # the invoice of nine years back
    assert min(r["financial_year_end"] for r in after).year >= SEEDED.year - 7
    assert any(
        line.system == "cis" and line.category == "invoices" and line.action == "erased"
        for line in report.lines
    )


def test_a_dry_run_on_the_demo_system_changes_nothing(customer):
    alice = customer("Alice", "19811218")
    before = rows("kalmar-energi-elnat", "cis", alice, "invoices")
    _run, report = sweeps.run_sweep(dry_run=True, today=SEEDED + dt.timedelta(days=30))
    assert rows("kalmar-energi-elnat", "cis", alice, "invoices") == before
    assert rows("kalmar-energi-elnat", "camera-index", alice, "camera-footage")
    assert not report.errors


def test_people_with_an_open_request_or_a_hold_keep_their_rows(customer, elnat):
    alice = customer("Alice", "19811218")
    bob = customer("Bob", "19700101")
    carol = customer("Carol", "19850505")
    file_request(alice, elnat, level=IdentityLevel.HIGH)
    LegalHold.objects.create(subject_hash=bob.personal_number_hash, reason="Skadeståndskrav")
    _run, report = sweeps.run_sweep(dry_run=False, today=SEEDED + dt.timedelta(days=30))
    assert not report.errors
    assert len(rows("kalmar-energi-elnat", "camera-index", alice, "camera-footage")) == 1
    assert len(rows("kalmar-energi-elnat", "camera-index", bob, "camera-footage")) == 1
    assert rows("kalmar-energi-elnat", "camera-index", carol, "camera-footage") == []


def test_a_spared_person_costs_one_keys_query_per_category_swept(customer, elnat):
    """Only the categories some rule expires are looked up for the people spared."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from datamap.models import LegalEntity

    spared = [customer(f"Spared{i}", f"1970010{i}") for i in range(1, 4)]
    for person in spared:
        LegalHold.objects.create(subject_hash=person.personal_number_hash, reason="Tvist")
    entities = LegalEntity.objects.filter(retention_rules__isnull=False).distinct()
    swept = sum(
        len(
            {
                rule.category.code
                for rule in entity.retention_rules.exclude(action="archive")
                if connector.holds(rule.category.code)
            }
        )
        for entity in entities
        for _system, connector in connectors_for(entity)
        if getattr(connector, "kind", "") == "sql"
    )
    with CaptureQueriesContext(connections["cis"]) as queries:
        _run, report = sweeps.run_sweep(dry_run=True, today=SEEDED)
    assert not report.errors
    # The same sweep without the holds: the difference is the spared people's lookups.
    with CaptureQueriesContext(connections["cis"]) as without:
        LegalHold.objects.all().delete()
        sweeps.run_sweep(dry_run=True, today=SEEDED)
    assert 0 < swept
    assert len(queries.captured_queries) - len(without.captured_queries) == swept * len(spared)


def test_the_assessment_reads_the_facts_from_the_demo_system(customer, elnat):
    former = customer("Former", "19811218", ended_on=dt.date(2025, 3, 31))
    decisions = {d.category: d for d in assess_erasure(former, elnat, today=SEEDED)}
    # Settled 30 days after the end: the contract data may go; the invoices of financial
    # year 2025 stay to 31 December 2032 (Bokföringslagen 7 kap. 2 §).
    assert decisions["contracts"].verdict == "erasable"
    assert decisions["invoices"].keep_until == dt.date(2032, 12, 31)
    current = customer("Current", "19700101")
    decisions = {d.category: d for d in assess_erasure(current, elnat, today=SEEDED)}
    assert decisions["contracts"].verdict == "kept_until"
    assert decisions["contracts"].keep_until is None
