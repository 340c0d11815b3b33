"""Objection: direct marketing is suppressed at once; other objections wait, restricted."""

import pytest

from consent import services
from consent.models import ConsentRecord
from rights_requests import roles
from rights_requests.fulfilment import objection, restriction
from rights_requests.models import Outcome, Right, Status
from tests.staff.conftest import make_staff

from .conftest import CIS_DB, events

pytestmark = CIS_DB
FORSALJNING = "kalmar-energi-forsaljning"


def test_an_objection_to_direct_marketing_suppresses_at_once_and_completes(customer, file):
    alice = customer([FORSALJNING])
    services.grant(alice, "ke-newsletter", channel=ConsentRecord.Channel.PORTAL)
    request = file(alice, FORSALJNING, Right.OBJECTION, direct_marketing=True)

    assert objection.carry_out(request.pk) == "suppressed"

    assert services.is_suppressed(alice.personal_number_hash)
    assert not services.current_consents(alice)["ke-newsletter"].effective
    request.refresh_from_db()
    assert request.status == Status.COMPLETED and request.outcome == Outcome.GRANTED
    [event] = events(request, "objection.suppressed")
    assert event.customer_visible and event.data["article"] == "GDPR Art. 21(3)"
    # The mailing tool outside the portal gets a checklist task to drop the person too.
    assert [e.data["system"] for e in events(request, "connector.task_created")] == [
        "marketing-tool"
    ]


def test_a_suppression_outlives_the_request_and_is_not_duplicated(customer, file):
    alice = customer([FORSALJNING])
    first = file(alice, FORSALJNING, Right.OBJECTION, direct_marketing=True)
    second = file(alice, FORSALJNING, Right.OBJECTION, direct_marketing=True)
    objection.carry_out(first.pk)
    objection.carry_out(second.pk)
    assert services.suppression_list().filter(lookup_hash=alice.personal_number_hash).count() == 1


def test_another_objection_restricts_meanwhile_and_waits_for_staff(customer, file, cis):
    alice = customer([FORSALJNING])
    request = file(
        alice,
        FORSALJNING,
        Right.OBJECTION,
        direct_marketing=False,
        processing="customer surveys",
        reasons="I am a protected person",
    )

    assert objection.carry_out(request.pk) == "restricted"

    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert restriction.is_restricted(request)
    assert events(request, "objection.assessment_needed")
    assert not services.is_suppressed(alice.personal_number_hash)


def test_staff_decide_an_objection_with_reasons(customer, file, elnat):
    alice = customer([FORSALJNING])
    request = file(
        alice,
        FORSALJNING,
        Right.OBJECTION,
        direct_marketing=False,
        processing="surveys",
        reasons="personal",
    )
    objection.carry_out(request.pk)
    dpo = make_staff("dora", roles.DPO, organisations=[elnat.organisation])

    with pytest.raises(ValueError):
        objection.decide(request.pk, compelling_grounds=False, reasons=" ", by=dpo)
    objection.decide(
        request.pk, compelling_grounds=False, reasons="We stop the surveys for you.", by=dpo
    )

    request.refresh_from_db()
    assert request.status == Status.COMPLETED and request.outcome == Outcome.GRANTED
    [assessed] = events(request, "objection.assessed")
    assert assessed.actor == dpo and assessed.data["compelling_grounds"] is False


def test_compelling_grounds_refuse_the_objection_with_reasons(customer, file, elnat):
    alice = customer([FORSALJNING])
    request = file(
        alice,
        FORSALJNING,
        Right.OBJECTION,
        direct_marketing=False,
        processing="debt collection",
        reasons="dislike",
    )
    objection.carry_out(request.pk)
    dpo = make_staff("dora", roles.DPO, organisations=[elnat.organisation])

    objection.decide(
        request.pk,
        compelling_grounds=True,
        reasons="Needed to establish a legal claim (Art. 21(1)).",
        by=dpo,
    )

    request.refresh_from_db()
    assert request.status == Status.REFUSED
    assert restriction.is_restricted(request)  # lifted only after notice (Art. 18(3))
