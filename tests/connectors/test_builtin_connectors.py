"""The built-in connectors: the consent ledger and the portal's own records."""

import pytest

from consent import services
from consent.models import ConsentRecord
from identity.levels import IdentityLevel
from rights_requests.models import Right
from tests.rights_requests.factories import file_request

from .conftest import connector

pytestmark = pytest.mark.django_db


def test_consent_ledger_reports_and_exports_the_persons_consents(make_subject, elnat):
    alice = make_subject()
    services.grant(alice, "ke-newsletter", channel=ConsentRecord.Channel.PORTAL)
    ledger = connector(elnat, "consent-ledger")

    found = ledger.find(alice)

    assert [(r.category, r.action) for r in found.actions] == [("subscriptions", "found")]
    [row] = ledger.export(alice, "subscriptions")
    assert row["purpose"] == "ke-newsletter" and row["granted"] is True
    assert [name for name, _d in ledger.fields("subscriptions")] == list(row)


def test_consent_ledger_is_kept_on_erasure_as_proof(make_subject, elnat):
    alice = make_subject()
    services.grant(alice, "ke-newsletter", channel=ConsentRecord.Channel.PORTAL)
    ledger = connector(elnat, "consent-ledger")

    result = ledger.erase(alice, "subscriptions")

    [row] = result.actions
    assert row.action == "kept" and "7(1)" in row.detail
    assert ConsentRecord.objects.filter(subject_hash=alice.personal_number_hash).count() == 1


def test_suppressions_show_in_the_marketing_category(make_subject, elnat):
    alice = make_subject()
    services.suppress(alice.personal_number_hash, reason="objection", source="objection:KE-1")
    [row] = connector(elnat, "consent-ledger").export(alice, "marketing")
    assert row["scope"] == "all direct marketing" and row["source"] == "objection:KE-1"


def test_consent_connector_gives_no_data_without_the_consent_part(make_subject, elnat, monkeypatch):
    from datamap.connectors import builtin

    monkeypatch.setattr(builtin, "_consent_services", lambda: None)
    ledger = connector(elnat, "consent-ledger")
    assert ledger.categories() == [] and ledger.find(make_subject()).actions == []


def test_portal_records_are_found_only_with_a_request_at_the_entity(
    make_subject, elnat, landskrona
):
    alice = make_subject()
    portal = connector(elnat, "portal")
    assert portal.find(alice).actions == []

    request = file_request(alice, elnat, right=Right.ACCESS, level=IdentityLevel.HIGH)

    found = portal.find(alice)
    assert ("customer-cases", request.reference) in [(r.category, r.key) for r in found.actions]
    [case] = portal.export(alice, "customer-cases")
    assert case["reference"] == request.reference and case["right"] == "access"
    other = connector(landskrona.legal_entities.get(), "portal")
    assert other.find(alice).actions == []


def test_portal_rectifies_the_subjects_own_fields_and_keeps_its_records(make_subject, elnat):
    alice = make_subject()
    file_request(alice, elnat, right=Right.ERASURE, level=IdentityLevel.HIGH)
    portal = connector(elnat, "portal")

    rows = portal.rectify(alice, "contact", {"email": "alice@new.example"})
    alice.refresh_from_db()
    assert alice.email == "alice@new.example" and rows.actions[0].detail == "email"

    kept = portal.erase(alice, "customer-cases")
    assert {r.action for r in kept.actions} == {"kept"} and kept.actions
