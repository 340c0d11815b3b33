"""consent.services: state from the ledger, grant and withdraw, suppression (Art. 7, 21)."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent import services
from consent.models import AppendOnlyError, ConsentPurpose, ConsentRecord, Suppression
from datamap import pii
from tests.conftest import make_personal_number

pytestmark = pytest.mark.django_db

PORTAL = ConsentRecord.Channel.PORTAL
API = ConsentRecord.Channel.API


def test_every_offered_purpose_starts_not_granted(alice):
    states = services.current_consents(alice)
    assert set(states) == set(ConsentPurpose.objects.values_list("code", flat=True))
    assert not any(state.granted for state in states.values())


def test_a_grant_then_a_withdrawal_is_reflected_in_the_state(alice):
    services.grant(alice, "ke-outage-sms", channel=PORTAL)
    assert services.current_consents(alice)["ke-outage-sms"].granted
    services.withdraw(alice, "ke-outage-sms", channel=PORTAL)
    state = services.current_consents(alice)["ke-outage-sms"]
    assert not state.granted
    assert state.at is not None


def test_the_latest_record_by_time_wins_even_when_imported_later(alice):
    now = timezone.now()
    services.grant(alice, "ke-outage-email", channel=PORTAL, at=now)
    # A paper form from last year, imported afterwards, does not override today's grant.
    services.withdraw(
        alice,
        "ke-outage-email",
        channel=ConsentRecord.Channel.IMPORT,
        at=now - datetime.timedelta(days=365),
    )
    assert services.current_consents(alice)["ke-outage-email"].granted


def test_state_of_one_person_is_not_affected_by_another(alice, bob):
    services.grant(bob, "ke-outage-sms", channel=PORTAL)
    assert not services.current_consents(alice)["ke-outage-sms"].granted
    assert services.current_consents(bob)["ke-outage-sms"].granted


def test_the_record_names_the_text_version_and_its_digest(alice):
    record = services.grant(alice, "ke-newsletter", channel=PORTAL, evidence={"form": "x"})
    assert record.text.version == 1
    assert record.evidence["text_sha256"] == record.text.digest()
    assert record.evidence["form"] == "x"
    assert services.current_consents(alice)["ke-newsletter"].text_version == 1


def test_an_unknown_text_version_is_refused(alice):
    with pytest.raises(services.ConsentError):
        services.grant(alice, "ke-newsletter", channel=PORTAL, text_version=99)


def test_an_unknown_channel_is_refused(alice):
    with pytest.raises(ValueError):
        services.grant(alice, "ke-newsletter", channel="carrier-pigeon")


def test_the_ledger_is_append_only(alice):
    record = services.grant(alice, "ke-newsletter", channel=PORTAL)
    record.action = ConsentRecord.Action.WITHDRAW
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.filter(pk=record.pk).update(action="withdraw")
    with pytest.raises(AppendOnlyError):
        ConsentRecord.objects.filter(pk=record.pk).delete()
    assert ConsentRecord.objects.get(pk=record.pk).action == ConsentRecord.Action.GRANT


def test_the_ledger_survives_the_erasure_of_the_person(alice):
    services.grant(alice, "ke-outage-sms", channel=PORTAL)
    hash_ = alice.personal_number_hash
    alice.delete()  # no requests: the row can go
    record = ConsentRecord.objects.get(subject_hash=hash_)
    assert record.subject_id is None
    assert services.current_consents(hash_)["ke-outage-sms"].granted


def test_a_person_without_a_portal_record_is_keyed_by_personal_number():
    number = make_personal_number("19900101", "123")
    record = services.grant(number, "ke-outage-sms", channel=API)
    assert record.subject_id is None
    assert record.subject_hash == pii.lookup_hash(number)
    assert services.current_consents(pii.lookup_hash(number))["ke-outage-sms"].granted


def test_current_state_takes_the_same_queries_however_long_the_ledger(
    alice, django_assert_num_queries
):
    services.grant(alice, "ke-newsletter", channel=PORTAL)
    with django_assert_num_queries(3):
        services.current_consents(alice)
    for _ in range(5):
        for code in ("ke-newsletter", "ke-outage-sms", "ke-marketing-offers", "le-newsletter"):
            services.grant(alice, code, channel=PORTAL)
            services.withdraw(alice, code, channel=PORTAL)
    with django_assert_num_queries(3):
        states = services.current_consents(alice)
    assert not any(state.granted for state in states.values())


def test_current_consents_can_be_limited_to_one_organisation(alice, landskrona):
    states = services.current_consents(alice, organisation=landskrona)
    assert set(states) == {"le-newsletter"}


# --- Suppression (Art. 21(2)-(3)) -----------------------------------------------------------


def test_withdrawing_a_marketing_consent_suppresses_that_purpose(alice):
    services.grant(alice, "ke-marketing-offers", channel=PORTAL)
    record = services.withdraw(alice, "ke-marketing-offers", channel=PORTAL)
    suppression = Suppression.objects.get(lookup_hash=alice.personal_number_hash)
    assert suppression.source == f"withdrawal:{record.pk}"
    assert services.is_suppressed(alice, purpose="ke-marketing-offers")
    assert not services.is_suppressed(alice, purpose="ke-newsletter")


def test_withdrawing_outage_information_is_not_a_marketing_objection(alice):
    services.grant(alice, "ke-outage-sms", channel=PORTAL)
    services.withdraw(alice, "ke-outage-sms", channel=PORTAL)
    assert not services.is_suppressed(alice)


def test_no_other_system_can_consent_a_suppressed_person_back_in(alice):
    services.withdraw(alice, "ke-marketing-offers", channel=PORTAL)
    for channel in (API, ConsentRecord.Channel.IMPORT, ConsentRecord.Channel.PHONE):
        with pytest.raises(services.SuppressedError):
            services.grant(alice, "ke-marketing-offers", channel=channel)
    assert not services.current_consents(alice)["ke-marketing-offers"].granted


def test_the_person_themself_can_consent_again_in_the_portal(alice):
    services.withdraw(alice, "ke-marketing-offers", channel=PORTAL)
    services.grant(alice, "ke-marketing-offers", channel=PORTAL)
    state = services.current_consents(alice)["ke-marketing-offers"]
    assert state.effective
    assert not services.is_suppressed(alice, purpose="ke-marketing-offers")
    lifted = Suppression.objects.get(lookup_hash=alice.personal_number_hash)
    assert lifted.lifted_at is not None and lifted.lifted_reason.startswith("grant:")


def test_an_objection_to_direct_marketing_blocks_every_marketing_purpose(alice):
    services.grant(alice, "ke-newsletter", channel=PORTAL)
    services.grant(alice, "ke-outage-sms", channel=PORTAL)
    services.suppress(
        alice.personal_number_hash, reason="Art. 21(2) objection", source="objection:KE-2026-000001"
    )
    states = services.current_consents(alice)
    assert states["ke-newsletter"].granted and states["ke-newsletter"].suppressed
    assert not states["ke-newsletter"].effective
    assert states["ke-outage-sms"].effective  # service information, not marketing
    # Even the person's own grant in the portal does not undo a general objection.
    services.grant(alice, "ke-competitions-events", channel=PORTAL)
    assert not services.current_consents(alice)["ke-competitions-events"].effective


def test_suppress_is_idempotent(alice):
    first = services.suppress(alice.personal_number_hash, reason="r", source="objection:1")
    second = services.suppress(alice.personal_number_hash, reason="r", source="objection:1")
    assert first.pk == second.pk
    assert Suppression.objects.count() == 1


def test_a_suppression_for_one_organisation_does_not_reach_the_other(alice, kalmar):
    services.suppress(
        alice.personal_number_hash, reason="r", source="objection:KE-1", organisation=kalmar
    )
    assert services.is_suppressed(alice, purpose="ke-newsletter")
    assert not services.is_suppressed(alice, purpose="le-newsletter")


def test_the_suppression_list_survives_erasure_and_filters_by_time(alice, bob):
    hash_ = alice.personal_number_hash
    services.suppress(hash_, reason="r", source="objection:1")
    alice.delete()
    assert services.is_suppressed(hash_)
    later = timezone.now()
    services.suppress(bob.personal_number_hash, reason="r", source="objection:2")
    assert list(services.suppression_list().values_list("lookup_hash", flat=True)) == [
        hash_,
        bob.personal_number_hash,
    ]
    assert list(services.suppression_list(since=later).values_list("lookup_hash", flat=True)) == [
        bob.personal_number_hash
    ]


def test_consented_hashes_leave_out_the_withdrawn_and_the_suppressed(alice, bob, make_subject):
    carol = make_subject("Carol", "Carlsson", birth="19850505")
    for person in (alice, bob, carol):
        services.grant(person, "ke-newsletter", channel=PORTAL)
    services.withdraw(bob, "ke-newsletter", channel=PORTAL)
    services.suppress(carol.personal_number_hash, reason="r", source="objection:3")
    assert list(services.consented_hashes("ke-newsletter")) == [alice.personal_number_hash]


# --- Property: the state is the latest record -----------------------------------------------

_actions = st.lists(
    st.tuples(st.sampled_from(["grant", "withdraw"]), st.integers(min_value=0, max_value=5)),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=_actions)
def test_the_state_is_always_the_latest_record_by_time_then_id(alice, actions):
    # Examples share the database: start after every record of earlier examples.
    previous = ConsentRecord.objects.order_by("-at").values_list("at", flat=True).first()
    base = (previous or timezone.now()) + datetime.timedelta(days=1)
    code = "ke-outage-sms"
    written = []
    for action, day in actions:
        at = base + datetime.timedelta(days=day)
        call = services.grant if action == "grant" else services.withdraw
        written.append((at, call(alice, code, channel=PORTAL, at=at).pk, action))
    latest = max(written)
    assert services.current_consents(alice)[code].granted == (latest[2] == "grant")


def test_the_ledger_of_a_person_lists_their_records_oldest_first(alice, bob, landskrona):
    first = services.grant(alice, "ke-newsletter", channel=PORTAL)
    second = services.withdraw(alice, "ke-newsletter", channel=PORTAL)
    services.grant(bob, "ke-newsletter", channel=PORTAL)
    other = services.grant(alice, "le-newsletter", channel=PORTAL)
    assert list(services.ledger(alice)) == [first, second, other]
    assert list(services.ledger(alice, organisation=landskrona)) == [other]
