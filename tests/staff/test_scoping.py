"""Each persona sees and reaches only the requests, subjects, events, messages and files
of their own companies; the administrator sees all."""

import pytest
from django.urls import reverse

from rights_requests import workflow
from rights_requests.models import RequestEvent

from .conftest import verified_client

CHANGELIST = "admin:rights_requests_rightsrequest_changelist"


def change_url(request):
    return reverse("admin:rights_requests_rightsrequest_change", args=[request.pk])


def references_listed(client, url=None, **params):
    response = client.get(url or reverse(CHANGELIST), {"queue": "all", **params})
    assert response.status_code == 200
    return {r.reference for r in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("elnat_staff", {"elnat"}),
        ("varme_staff", {"varme"}),
        ("landskrona_staff", {"landskrona"}),
        ("dpo", {"elnat", "varme"}),
        ("administrator", {"elnat", "varme", "landskrona"}),
    ],
)
def test_each_persona_sees_only_the_requests_of_their_companies(
    request, requests_everywhere, persona, sees
):
    client = verified_client(request.getfixturevalue(persona))
    assert references_listed(client) == {requests_everywhere[key].reference for key in sees}


@pytest.mark.parametrize("persona", ["elnat_staff", "landskrona_staff"])
def test_another_companys_request_page_is_not_found_by_url(request, requests_everywhere, persona):
    client = verified_client(request.getfixturevalue(persona))
    other = requests_everywhere["varme"]
    assert client.get(change_url(other)).status_code == 404
    assert (
        client.get(
            reverse("admin:rights_requests_rightsrequest_history", args=[other.pk])
        ).status_code
        == 404
    )
    url = reverse("admin:rights_requests_rightsrequest_act", args=[other.pk, "assign_me"])
    assert client.post(url).status_code == 404
    other.refresh_from_db()
    assert other.assignee_id is None
    url = reverse("admin:rights_requests_rightsrequest_personal_number", args=[other.pk])
    assert client.post(url).status_code == 404


def test_own_request_page_opens(elnat_staff, requests_everywhere):
    response = verified_client(elnat_staff).get(change_url(requests_everywhere["elnat"]))
    assert response.status_code == 200
    assert requests_everywhere["elnat"].subject.masked_personal_number in response.content.decode()


def test_another_companys_subject_event_and_message_are_not_found(elnat_staff, requests_everywhere):
    client = verified_client(elnat_staff)
    other = requests_everywhere["varme"]
    workflow.request_ask_customer(other, question="Which meter?")
    subject_url = reverse("admin:rights_requests_datasubject_change", args=[other.subject_id])
    assert client.get(subject_url).status_code == 404
    event = RequestEvent.objects.filter(request=other).first()
    assert (
        client.get(
            reverse("admin:rights_requests_requestevent_change", args=[event.pk])
        ).status_code
        == 404
    )
    message = other.messages.get()
    assert (
        client.get(reverse("admin:rights_requests_message_change", args=[message.pk])).status_code
        == 404
    )
    events = client.get(reverse("admin:rights_requests_requestevent_changelist"))
    assert {e.request_id for e in events.context["cl"].result_list} == {
        requests_everywhere["elnat"].pk
    }
    subjects = client.get(reverse("admin:rights_requests_datasubject_changelist"))
    assert {s.pk for s in subjects.context["cl"].result_list} == {
        requests_everywhere["elnat"].subject_id
    }


def test_subject_page_records_a_view_on_each_of_their_requests_in_scope(
    elnat_staff, requests_everywhere
):
    own = requests_everywhere["elnat"]
    url = reverse("admin:rights_requests_datasubject_change", args=[own.subject_id])
    assert verified_client(elnat_staff).get(url).status_code == 200
    assert RequestEvent.objects.filter(
        request=own, kind="subject.viewed", actor=elnat_staff
    ).exists()


def test_queue_filters_offer_only_the_staff_members_companies(elnat_staff, requests_everywhere):
    response = verified_client(elnat_staff).get(reverse(CHANGELIST))
    page = response.content.decode()
    assert "Kalmar Energi Elnät AB" in page
    assert "Kalmar Energi Värme AB" not in page
    assert "Landskrona Energi AB" not in page


def test_dashboard_counts_only_the_dpos_companies(dpo, requests_everywhere):
    response = verified_client(dpo).get(reverse("admin:staff_dashboard"))
    assert response.status_code == 200
    assert response.context["open_total"] == 2
    assert {row["legal_entity__name"] for row in response.context["by_company"]} == {
        requests_everywhere["elnat"].legal_entity.name,
        requests_everywhere["varme"].legal_entity.name,
    }


def test_customer_service_cannot_open_the_dashboard(elnat_staff, requests_everywhere):
    client = verified_client(elnat_staff)
    assert client.get(reverse("admin:staff_dashboard")).status_code == 403
    assert client.get(reverse("admin:staff_dashboard_csv")).status_code == 403
    assert client.get(reverse("admin:staff_dashboard_pdf")).status_code == 403


def test_staff_without_any_company_see_nothing(requests_everywhere):
    from rights_requests import roles

    from .conftest import make_staff

    nobody = make_staff("nils.nowhere", roles.CUSTOMER_SERVICE)
    assert references_listed(verified_client(nobody)) == set()


def test_the_queue_defaults_to_open_requests_but_a_status_filter_replaces_that(
    elnat_staff, requests_everywhere
):
    own = requests_everywhere["elnat"]
    workflow.request_complete(own)
    client = verified_client(elnat_staff)
    assert references_listed(client) == {own.reference}  # with queue=all
    default = client.get(reverse(CHANGELIST))
    assert list(default.context["cl"].result_list) == []
    completed = client.get(reverse(CHANGELIST), {"status__exact": "completed"})
    assert [r.reference for r in completed.context["cl"].result_list] == [own.reference]


def test_the_admin_has_one_address_in_every_language():
    from django.utils import translation

    with translation.override("en"):
        assert reverse(CHANGELIST).startswith("/admin/")


def test_each_dpo_and_the_administrator_count_only_their_companies_on_the_dashboard(
    dpo, administrator, landskrona, requests_everywhere
):
    from rights_requests import roles

    from .conftest import make_staff

    landskrona_dpo = make_staff("lena.dpo", roles.DPO, organisations=[landskrona])
    totals = {}
    for user in (dpo, landskrona_dpo, administrator):
        response = verified_client(user).get(reverse("admin:staff_dashboard"))
        totals[user.username] = response.context["open_total"]
        csv = b"".join(
            verified_client(user).get(reverse("admin:staff_dashboard_csv")).streaming_content
        )
        listed = {
            ref
            for ref in (r.reference for r in requests_everywhere.values())
            if ref.encode() in csv
        }
        assert len(listed) == totals[user.username]
    assert totals == {"dora.dpo": 2, "lena.dpo": 1, "ada.admin": 3}


def test_the_sign_in_page_asks_for_the_code(db):
    from django.test import Client

    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("admin:login")).content.decode()
    assert 'name="otp_token"' in page and 'name="password"' in page


def test_opening_a_message_records_a_view_on_its_request(elnat_staff, requests_everywhere):
    own = requests_everywhere["elnat"]
    workflow.request_ask_customer(own, question="Which meter?")
    url = reverse("admin:rights_requests_message_change", args=[own.messages.get().pk])
    assert verified_client(elnat_staff).get(url).status_code == 200
    event = RequestEvent.objects.filter(request=own).order_by("-seq").first()
    assert (event.kind, event.data["what"]) == ("subject.viewed", "message")


def test_recently_completed_lists_the_latest_closed_first(elnat_staff, make_subject, elnat):
    from identity.levels import IdentityLevel
    from tests.rights_requests.factories import file_request

    first = workflow.request_complete(file_request(make_subject(), elnat, level=IdentityLevel.HIGH))
    second = workflow.request_complete(
        file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    )
    response = verified_client(elnat_staff).get(
        reverse(CHANGELIST), {"queue": "recently_completed"}
    )
    assert list(response.context["cl"].result_list) == [second, first]


def test_the_list_says_whom_a_question_waits_for_in_staffs_words(elnat_staff, make_subject, elnat):
    from rights_requests.models import Status
    from tests.rights_requests.factories import request_in

    asked = request_in(Status.AWAITING_CUSTOMER, make_subject(), elnat)
    page = verified_client(elnat_staff).get(reverse(CHANGELIST), {"queue": "all"})
    text = page.content.decode()
    assert asked.reference in text
    assert "Awaiting the customer&#x27;s answer" in text
    assert "Awaiting your answer" not in text  # the customer's words, on the customer's pages
