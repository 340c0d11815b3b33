"""Work that needs no staff judgement starts when identity suffices, once, through the outbox."""

import pytest

from identity.levels import IdentityLevel, VerificationMethod
from rights_requests import workflow
from rights_requests.models import Outbox, Right, Status

from .factories import file_request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fulfil_on_start(settings):
    settings.DSR_FULFIL_ON_START = True


def effects(request):
    return sorted(
        (row.kind, row.payload.get("action", ""))
        for row in Outbox.objects.filter(request=request).exclude(kind=Outbox.Kind.NOTICE)
    )


@pytest.mark.parametrize(
    ("right", "expected"),
    [
        (Right.ACCESS, [("extract", "")]),
        (Right.PORTABILITY, [("export", "")]),
        (Right.OBJECTION, [("fulfilment", "objection.carry_out")]),
        (Right.ERASURE, []),
        (Right.RECTIFICATION, []),
        (Right.RESTRICTION, []),
    ],
)
def test_started_request_queues_its_automatic_work(make_subject, elnat, right, expected):
    request = file_request(make_subject(), elnat, right=right, level=IdentityLevel.HIGH)
    assert request.status == Status.IN_PROGRESS
    assert effects(request) == expected


def test_waiting_for_identity_queues_nothing_until_verified(make_subject, elnat):
    request = file_request(make_subject(), elnat, right=Right.ACCESS, level=IdentityLevel.NONE)
    assert request.status == Status.AWAITING_IDENTITY
    assert effects(request) == []

    workflow.request_verify_identity(
        request, level=IdentityLevel.HIGH, method=VerificationMethod.IN_PERSON, checked_by="A. B."
    )
    assert effects(request) == [("extract", "")]
    # A clarification round and a second verification do not build it again.
    workflow.request_ask_customer(request, question="Vilka år gäller det?")
    workflow.request_customer_replied(request)
    workflow.request_verify_identity(
        request, level=IdentityLevel.HIGH, method=VerificationMethod.EID
    )
    assert effects(request) == [("extract", "")]


def test_off_switch(make_subject, elnat, settings):
    settings.DSR_FULFIL_ON_START = False
    request = file_request(make_subject(), elnat, right=Right.ACCESS, level=IdentityLevel.HIGH)
    assert effects(request) == []
