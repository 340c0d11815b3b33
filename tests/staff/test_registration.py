"""Staff register a request received by e-mail, letter, phone or visit; the deadline counts
from the real receipt instant (legal-rules.md R2, R3)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rights_requests import deadlines
from rights_requests.models import Channel, DataSubject, RightsRequest, Status
from tests.conftest import make_personal_number

from .conftest import verified_client

URL = "admin:rights_requests_rightsrequest_register"


def form_data(entities, **overrides):
    received = timezone.localtime() - datetime.timedelta(days=10)
    data = {
        "channel": Channel.LETTER,
        "received_at": received.strftime("%Y-%m-%dT%H:%M"),
        "personal_number": make_personal_number("19700101", "123").formatted(),
        "first_name": "Per",
        "last_name": "Persson",
        "email": "per@example.org",
        "phone": "",
        "street_address": "Storgatan 1",
        "postal_code": "39128",
        "city": "Kalmar",
        "language": "sv",
        "entities": [e.pk for e in entities],
        "rights": ["access"],
        "details": "Letter dated 1 May",
        "identity_method": "",
    }
    data.update(overrides)
    return data


def test_a_letter_received_ten_days_ago_gets_its_deadline_from_receipt(elnat_staff, elnat):
    client = verified_client(elnat_staff)
    data = form_data([elnat])
    response = client.post(reverse(URL), data)
    assert response.status_code == 302
    request = RightsRequest.objects.get()
    received_on = (timezone.localtime() - datetime.timedelta(days=10)).date()
    assert request.received_on == received_on
    assert request.due_on == deadlines.due_date(received_on, 1)
    assert request.channel == Channel.LETTER
    assert request.submission.registered_by == elnat_staff
    assert request.status == Status.AWAITING_IDENTITY
    assert response["Location"] == reverse(
        "admin:rights_requests_rightsrequest_change", args=[request.pk]
    )


def test_a_receipt_in_the_future_is_refused(elnat_staff, elnat):
    future = (timezone.localtime() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = verified_client(elnat_staff).post(
        reverse(URL), form_data([elnat], received_at=future)
    )
    assert response.status_code == 200
    assert "future" in str(response.context["form"].errors["received_at"])
    assert not RightsRequest.objects.exists()


def test_an_invalid_personal_number_is_refused(elnat_staff, elnat):
    response = verified_client(elnat_staff).post(
        reverse(URL), form_data([elnat], personal_number="19700101-1234")
    )
    assert response.status_code == 200
    assert "personal_number" in response.context["form"].errors


def test_an_existing_subject_is_found_not_duplicated(elnat_staff, elnat, make_subject):
    subject = make_subject(birth="19700101")
    client = verified_client(elnat_staff)
    client.post(
        reverse(URL), form_data([elnat], personal_number=subject.personal_number.formatted())
    )
    assert DataSubject.objects.count() == 1
    assert RightsRequest.objects.get().subject == subject


def test_a_visit_with_identity_checked_starts_work_and_fans_out_per_company_and_right(
    dpo, elnat, entities
):
    varme = entities["kalmar-energi-varme"]
    data = form_data(
        [elnat, varme],
        channel=Channel.VISIT,
        rights=["access", "erasure"],
        identity_method="in_person",
    )
    verified_client(dpo).post(reverse(URL), data)
    assert RightsRequest.objects.count() == 4
    assert set(RightsRequest.objects.values_list("status", flat=True)) == {Status.IN_PROGRESS}


def test_staff_cannot_register_for_a_company_they_do_not_work_for(elnat_staff, entities):
    response = verified_client(elnat_staff).post(
        reverse(URL), form_data([entities["kalmar-energi-varme"]])
    )
    assert response.status_code == 200
    assert "entities" in response.context["form"].errors
    assert not RightsRequest.objects.exists()


@pytest.mark.parametrize("channel", ["web", "api"])
def test_only_offline_channels_can_be_registered(elnat_staff, elnat, channel):
    response = verified_client(elnat_staff).post(reverse(URL), form_data([elnat], channel=channel))
    assert "channel" in response.context["form"].errors


def test_a_refused_form_does_not_write_the_personal_number_back_into_the_page(elnat_staff, elnat):
    data = form_data([elnat], received_at="")
    response = verified_client(elnat_staff).post(reverse(URL), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert data["personal_number"] not in page
    assert data["personal_number"].replace("-", "") not in page
