"""A refusal is proposed by staff and decided by a DPO who is not the proposer (four eyes)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from identity.levels import IdentityLevel
from rights_requests.models import Outcome, RequestEvent, Status
from rights_requests.staff.services import pending_refusal
from tests.rights_requests.factories import file_request

from .conftest import verified_client

REASONS = "The same request was answered last week (Art. 12(5): repetitive)."


def act(client, obj, action, **data):
    return client.post(
        reverse("admin:rights_requests_rightsrequest_act", args=[obj.pk, action]), data
    )


def flash(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def proposed(make_subject, elnat, elnat_staff):
    work = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    act(verified_client(elnat_staff), work, "propose_refusal", reasons=REASONS)
    return work


def test_a_proposed_refusal_waits_and_the_request_stays_open(proposed):
    proposed.refresh_from_db()
    assert proposed.status == Status.IN_PROGRESS
    assert pending_refusal(proposed).data["reasons"] == REASONS


def test_the_dpo_approves_and_the_request_is_refused_with_the_proposed_reasons(proposed, dpo):
    act(verified_client(dpo), proposed, "decide_refusal", decision="approve", note="Agreed.")
    proposed.refresh_from_db()
    assert (proposed.status, proposed.outcome) == (Status.REFUSED, Outcome.REFUSED)
    assert proposed.decision_reasons == REASONS
    kinds = list(RequestEvent.objects.filter(request=proposed).values_list("kind", flat=True))
    assert kinds[-3:] == ["refusal.approved", "request.refused", "notice.sent"] or kinds[-2:] == [
        "refusal.approved",
        "request.refused",
    ]


def test_the_dpo_rejects_and_the_request_stays_in_work(proposed, dpo):
    act(verified_client(dpo), proposed, "decide_refusal", decision="reject", note="Answer it.")
    proposed.refresh_from_db()
    assert proposed.status == Status.IN_PROGRESS
    assert pending_refusal(proposed) is None


def test_customer_service_cannot_approve_a_refusal(proposed, elnat):
    from rights_requests import roles

    from .conftest import make_staff

    colleague = make_staff("kim.elnat", roles.CUSTOMER_SERVICE, entities=[elnat])
    response = act(verified_client(colleague), proposed, "decide_refusal", decision="approve")
    proposed.refresh_from_db()
    assert proposed.status == Status.IN_PROGRESS
    assert any("data protection officer" in m for m in flash(response))


def test_a_dpo_cannot_approve_their_own_proposal(make_subject, elnat, dpo, second_dpo):
    work = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    client = verified_client(dpo)
    act(client, work, "propose_refusal", reasons=REASONS)
    response = act(client, work, "decide_refusal", decision="approve")
    work.refresh_from_db()
    assert work.status == Status.IN_PROGRESS
    assert any("Four eyes" in m for m in flash(response))
    act(verified_client(second_dpo), work, "decide_refusal", decision="approve")
    work.refresh_from_db()
    assert work.status == Status.REFUSED


def test_a_second_proposal_is_refused_while_one_waits(proposed, elnat_staff):
    response = act(verified_client(elnat_staff), proposed, "propose_refusal", reasons="Again.")
    assert any("already waiting" in m for m in flash(response))


def test_the_dpo_of_another_organisation_cannot_decide(proposed, landskrona):
    from rights_requests import roles

    from .conftest import make_staff

    other = make_staff("lena.dpo", roles.DPO, organisations=[landskrona])
    assert (
        act(verified_client(other), proposed, "decide_refusal", decision="approve").status_code
        == 404
    )


def test_the_pending_refusal_shows_in_the_queue_and_on_the_dashboard(proposed, dpo):
    client = verified_client(dpo)
    queue = client.get(
        reverse("admin:rights_requests_rightsrequest_changelist"), {"queue": "pending_refusal"}
    )
    assert [r.pk for r in queue.context["cl"].result_list] == [proposed.pk]
    dashboard = client.get(reverse("admin:staff_dashboard"))
    assert [r.pk for r in dashboard.context["pending_refusals"]] == [proposed.pk]
    page = client.get(reverse("admin:rights_requests_rightsrequest_change", args=[proposed.pk]))
    assert page.context["can_decide_refusal"] is True
