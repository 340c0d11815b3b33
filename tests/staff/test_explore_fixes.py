"""Small fixes found by walking through the staff pages as case handlers and the DPO."""

import pytest
from django.urls import reverse

from identity.levels import IdentityLevel
from tests.rights_requests.factories import file_request

from .conftest import verified_client


def customer_panel(client, request) -> str:
    url = reverse("admin:rights_requests_rightsrequest_change", args=[request.pk])
    page = client.get(url).content.decode()
    return page.split('id="customer-h"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize(
    "address, shown",
    [
        ({}, "<dd>—</dd>"),
        ({"street_address": "Storgatan 1"}, "<dd>Storgatan 1</dd>"),
        ({"postal_code": "392 31", "city": "Kalmar"}, "<dd>392 31 Kalmar</dd>"),
        (
            {"street_address": "Storgatan 1", "postal_code": "392 31", "city": "Kalmar"},
            "<dd>Storgatan 1, 392 31 Kalmar</dd>",
        ),
    ],
)
def test_the_address_shows_only_the_parts_on_record(
    make_subject, elnat, elnat_staff, address, shown
):
    work = file_request(make_subject(**address), elnat, level=IdentityLevel.HIGH)

    panel = customer_panel(verified_client(elnat_staff), work)

    assert shown in panel
    assert "—," not in panel


def test_a_connector_row_of_the_portal_names_the_customers_record(db):
    from django.utils import translation

    from datamap.models import System
    from rights_requests.staff.events import event_details

    portal = System.objects.create(code="own-records", name="Portal", connector="portal")
    other = System.objects.create(code="billing", name="Billing", connector="sql")
    ours = {"system": portal.code, "category": "contact", "action": "found", "key": "subject-7"}
    theirs = {**ours, "system": other.code, "key": "subject-7"}

    with translation.override("sv"):
        assert dict(event_details(ours))["rad"] == "kundens uppgifter"
        assert dict(event_details(theirs))["rad"] == "subject-7"  # another system's own key
    with translation.override("en"):
        assert dict(event_details(ours))["row"] == "the customer's record"
        assert dict(event_details({**ours, "key": "KE-2026-000001"}))["row"] == "KE-2026-000001"


def test_the_dpo_must_choose_a_decision_on_a_refusal(
    make_subject, elnat, elnat_staff, dpo, settings
):
    from django.contrib.messages import get_messages

    from rights_requests.models import Status
    from rights_requests.staff.services import pending_refusal

    from .test_refusal_four_eyes import REASONS, act

    work = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    act(verified_client(elnat_staff), work, "propose_refusal", reasons=REASONS)
    client = verified_client(dpo)
    url = reverse("admin:rights_requests_rightsrequest_change", args=[work.pk])
    settings.LANGUAGE_CODE = "sv"  # the admin's language
    form = client.get(url).content.decode().split('id="refusal-h"', 1)[1]
    settings.LANGUAGE_CODE = "en"
    assert 'for="id_decision">Beslut:</label>' in form  # not the field's name in English
    assert '<option value="" selected>' in form  # nothing chosen for the DPO

    response = act(client, work, "decide_refusal", decision="", note="")

    work.refresh_from_db()
    assert work.status == Status.IN_PROGRESS and pending_refusal(work)
    [shown] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Decision: This field is required." in shown  # which field, in words


def test_every_detail_of_a_notice_message_or_decision_is_named(db):
    from django.utils import translation

    from rights_requests.staff.events import event_details

    data = {
        "message": 3,
        "artifact": 4,
        "proposal": 5,
        "notice": "extended",
        "outbox": "notice:extended:9",
        "language": "en",
        "checked_by": "Eva",
    }
    with translation.override("sv"):
        shown = dict(event_details(data))
    assert shown == {
        "meddelande nr": "3",
        "fil nr": "4",
        "förslaget, händelse nr": "5",
        "avisering": "tidsfristen förlängd",
        "nyckel i utkorgen": "notice:extended:9",
        "språk": "engelska",
        "kontrollerad av": "Eva",
    }


def test_the_customer_panel_names_the_language_in_a_swedish_sentence(
    make_subject, elnat, elnat_staff, settings
):
    work = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    work.submission.language = "en"
    work.submission.save(update_fields=["language"])
    settings.LANGUAGE_CODE = "sv"

    panel = customer_panel(verified_client(elnat_staff), work)

    assert "på engelska</dd>" in panel and "English" not in panel
