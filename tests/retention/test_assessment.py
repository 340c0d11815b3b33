"""retention.assessment.assess_erasure: one decision per category, at exact boundaries."""

import datetime as dt

import pytest
from django.utils import timezone

from datamap.models import DataCategory
from retention import assessment
from retention.assessment import assess_erasure
from retention.models import LegalHold, RetentionRule

pytestmark = pytest.mark.django_db


def by_category(decisions):
    return {decision.category: decision for decision in decisions}


def test_there_is_one_decision_per_category_the_entity_processes(alice, elnat):
    decisions = assess_erasure(alice, elnat, facts={}, today=dt.date(2030, 1, 1))
    expected = set(
        DataCategory.objects.filter(activities__legal_entity=elnat).values_list("code", flat=True)
    )
    assert [d.category for d in decisions] == sorted(expected)
    assert "camera-footage" in expected and "marketing" not in expected


def test_invoices_are_kept_to_31_december_of_the_seventh_year_and_erasable_on_1_january(
    alice, elnat
):
    facts = {"invoices": dt.date(2026, 12, 31)}
    kept = by_category(assess_erasure(alice, elnat, facts=facts, today=dt.date(2033, 12, 31)))
    assert kept["invoices"].verdict == "kept_until"
    assert kept["invoices"].keep_until == dt.date(2033, 12, 31)
    assert "Bokföringslagen (1999:1078) 7 kap. 2 §" in kept["invoices"].rule
    gone = by_category(assess_erasure(alice, elnat, facts=facts, today=dt.date(2034, 1, 1)))
    assert gone["invoices"].verdict == "erasable"
    assert gone["invoices"].keep_until is None


def test_camera_footage_is_kept_on_day_21_and_erasable_on_day_22(alice, elnat):
    facts = {"camera-footage": dt.date(2026, 11, 1)}
    day_21 = by_category(assess_erasure(alice, elnat, facts=facts, today=dt.date(2026, 11, 21)))
    assert day_21["camera-footage"].verdict == "kept_until"
    assert day_21["camera-footage"].keep_until == dt.date(2026, 11, 21)
    day_22 = by_category(assess_erasure(alice, elnat, facts=facts, today=dt.date(2026, 11, 22)))
    assert day_22["camera-footage"].verdict == "erasable"


def test_data_of_a_contract_that_still_runs_are_kept_without_an_end_date(alice, elnat):
    decision = by_category(assess_erasure(alice, elnat, facts={"contracts": None}))["contracts"]
    assert decision.verdict == "kept_until"
    assert decision.keep_until is None
    assert decision.reason


def test_contract_data_are_erasable_once_the_contract_is_settled(alice, elnat):
    facts = {"contracts": dt.date(2026, 3, 1)}
    decision = by_category(assess_erasure(alice, elnat, facts=facts, today=dt.date(2026, 3, 1)))
    assert decision["contracts"].verdict == "erasable"


def test_landskronas_official_documents_are_archived_not_erased(alice, landskrona_energi):
    decisions = by_category(
        assess_erasure(alice, landskrona_energi, facts={}, today=dt.date(2040, 1, 1))
    )
    for code in ("identity", "contracts", "invoices", "customer-cases"):
        assert decisions[code].verdict == "kept_archive", code
        assert "Arkivlagen (1990:782)" in decisions[code].rule
    assert decisions["marketing"].verdict == "erasable"


def test_a_hold_on_the_person_keeps_every_category(alice, elnat):
    LegalHold.objects.create(subject_hash=alice.personal_number_hash, reason="Dispute 2026-17")
    decisions = assess_erasure(alice, elnat, facts={}, today=dt.date(2040, 1, 1))
    assert {d.verdict for d in decisions} == {"kept_hold"}
    assert "Dispute 2026-17" in decisions[0].rule


def test_a_hold_on_the_person_at_another_company_does_not_apply(alice, elnat, varme):
    LegalHold.objects.create(
        subject_hash=alice.personal_number_hash, legal_entity=varme, reason="Varme dispute"
    )
    decisions = assess_erasure(alice, elnat, facts={}, today=dt.date(2040, 1, 1))
    assert "kept_hold" not in {d.verdict for d in decisions}


def test_a_hold_on_a_category_keeps_only_that_category(alice, bob, elnat):
    LegalHold.objects.create(
        legal_entity=elnat,
        category=DataCategory.objects.get(code="customer-cases"),
        reason="IMY investigation",
    )
    decisions = by_category(assess_erasure(bob, elnat, facts={}, today=dt.date(2040, 1, 1)))
    assert decisions["customer-cases"].verdict == "kept_hold"
    assert decisions["contracts"].verdict == "erasable"


def test_a_released_hold_no_longer_keeps_anything(alice, elnat):
    LegalHold.objects.create(
        subject_hash=alice.personal_number_hash, reason="over", released_at=timezone.now()
    )
    decisions = assess_erasure(alice, elnat, facts={}, today=dt.date(2040, 1, 1))
    assert "kept_hold" not in {d.verdict for d in decisions}


def test_a_category_without_a_rule_is_erasable(alice, elnat):
    RetentionRule.objects.filter(legal_entity=elnat, category__code="customer-cases").delete()
    decision = by_category(assess_erasure(alice, elnat, facts={}))["customer-cases"]
    assert decision.verdict == "erasable"


def test_without_facts_the_period_runs_from_when_the_portal_first_knew_the_person(alice, elnat):
    alice.created_at = dt.datetime(2026, 11, 1, 11, 0, tzinfo=dt.UTC)
    alice.save()
    day_21 = by_category(assess_erasure(alice, elnat, facts={}, today=dt.date(2026, 11, 21)))
    assert day_21["camera-footage"].keep_until == dt.date(2026, 11, 21)


def test_the_reason_is_in_the_customers_language(alice, elnat):
    from django.utils import translation

    facts = {"invoices": dt.date(2026, 12, 31)}
    with translation.override("en"):
        decision = by_category(assess_erasure(alice, elnat, facts=facts, today=dt.date(2030, 1, 1)))
    assert "31 December 2033" in decision["invoices"].reason


def test_the_assessment_takes_three_queries_whatever_the_categories(
    alice, elnat, django_assert_num_queries
):
    with django_assert_num_queries(3):
        assess_erasure(alice, elnat, facts={}, today=dt.date(2030, 1, 1))


# --- facts_for: dates from the connectors ---------------------------------------------------


class FakeConnector:
    def __init__(self, facts):
        self.facts = facts

    def retention_facts(self, subject):
        return self.facts


def test_facts_take_the_latest_date_and_a_running_contract_wins(alice, elnat, monkeypatch):
    from datamap import connectors

    fakes = [
        (
            None,
            FakeConnector({"invoices": dt.date(2026, 12, 31), "contracts": dt.date(2026, 1, 1)}),
        ),
        (None, FakeConnector({"invoices": dt.date(2027, 12, 31), "contracts": None})),
        (None, object()),  # a connector without retention facts
    ]
    monkeypatch.setattr(connectors, "connectors_for", lambda entity: fakes, raising=False)
    facts = assessment.facts_for(alice, elnat)
    assert facts == {"invoices": dt.date(2027, 12, 31), "contracts": None}
    decisions = by_category(assess_erasure(alice, elnat, today=dt.date(2034, 6, 1)))
    assert decisions["invoices"].keep_until == dt.date(2034, 12, 31)
    assert decisions["contracts"].keep_until is None


def test_a_failing_system_does_not_stop_the_assessment(alice, elnat, monkeypatch):
    from datamap import connectors

    class Broken:
        def retention_facts(self, subject):
            raise ConnectionError("down")

    monkeypatch.setattr(
        connectors, "connectors_for", lambda entity: [(None, Broken())], raising=False
    )
    assert assessment.facts_for(alice, elnat) == {}
