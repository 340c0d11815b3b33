"""The request page's "carry out the right" panel: erasure, rectification, restriction, objection."""

import pytest
from django.urls import reverse

from identity.levels import IdentityLevel
from rights_requests.models import Outbox, RequestEvent, Right, Status
from tests.rights_requests.factories import file_request

from .conftest import verified_client
from .test_actions import act, flash

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(elnat_staff):
    return verified_client(elnat_staff)


def page(client, obj) -> str:
    response = client.get(reverse("admin:rights_requests_rightsrequest_change", args=[obj.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_erasure_is_queued_once_through_the_outbox(client, make_subject, elnat):
    erasure = file_request(make_subject(), elnat, right=Right.ERASURE, level=IdentityLevel.HIGH)
    assert "Carry out the erasure" in page(client, erasure)

    act(client, erasure, "carry_out_erasure")
    response = act(client, erasure, "carry_out_erasure")

    rows = Outbox.objects.filter(request=erasure, kind=Outbox.Kind.FULFILMENT)
    assert [row.payload["action"] for row in rows] == ["erasure.carry_out"]
    assert RequestEvent.objects.filter(request=erasure, kind="erasure.queued").count() == 2
    assert any("erasure queued" in message for message in flash(response))


def test_only_an_erasure_in_progress_is_erased(client, make_subject, elnat):
    access = file_request(make_subject(), elnat, right=Right.ACCESS, level=IdentityLevel.HIGH)
    assert "Carry out the erasure" not in page(client, access)
    response = act(client, access, "carry_out_erasure")
    assert not Outbox.objects.filter(request=access, kind=Outbox.Kind.FULFILMENT).exists()
    assert any("Only an erasure request" in message for message in flash(response))


@pytest.mark.parametrize(
    ("right", "url_name"),
    [
        (Right.RECTIFICATION, "admin:fulfilment_rectify"),
        (Right.RESTRICTION, "admin:fulfilment_restriction"),
    ],
)
def test_the_page_links_to_the_right_s_own_page(client, make_subject, elnat, right, url_name):
    request = file_request(make_subject(), elnat, right=right, level=IdentityLevel.HIGH)
    assert reverse(url_name, args=[request.pk]) in page(client, request)


def test_an_objection_without_compelling_grounds_is_granted(client, make_subject, elnat):
    objection = file_request(
        make_subject(),
        elnat,
        right=Right.OBJECTION,
        level=IdentityLevel.HIGH,
        details={
            "direct_marketing": False,
            "processing": "Kreditupplysning",
            "reasons": "Inte relevant.",
        },
    )
    assert "Assess the objection" in page(client, objection)
    act(client, objection, "assess_objection", compelling_grounds="no", reasons="Ingen grund.")
    objection.refresh_from_db()
    assert objection.status == Status.COMPLETED
    assert RequestEvent.objects.filter(request=objection, kind="objection.assessed").exists()


def test_compelling_grounds_make_a_refusal_proposal_for_the_dpo(client, make_subject, elnat):
    objection = file_request(
        make_subject(),
        elnat,
        right=Right.OBJECTION,
        level=IdentityLevel.HIGH,
        details={"direct_marketing": False, "processing": "Nätdrift", "reasons": "Vill inte."},
    )
    act(client, objection, "assess_objection", compelling_grounds="yes", reasons="Lagkrav.")
    objection.refresh_from_db()
    assert objection.status == Status.IN_PROGRESS  # waits for the DPO's approval
    assert RequestEvent.objects.filter(request=objection, kind="refusal.proposed").exists()


def test_the_reasons_are_required(client, make_subject, elnat):
    objection = file_request(
        make_subject(),
        elnat,
        right=Right.OBJECTION,
        level=IdentityLevel.HIGH,
        details={"direct_marketing": False},
    )
    act(client, objection, "assess_objection", compelling_grounds="no", reasons="")
    objection.refresh_from_db()
    assert objection.status == Status.IN_PROGRESS


def test_an_objection_to_direct_marketing_needs_no_assessment(client, make_subject, elnat):
    """Absolute and immediate (Art. 21(3)): the portal's and the API's shape of it."""
    objection = file_request(
        make_subject(),
        elnat,
        right=Right.OBJECTION,
        level=IdentityLevel.HIGH,
        details={"direct_marketing": True},
    )
    assert "Assess the objection" not in page(client, objection)
