"""A request filed on someone else's behalf: its status and timeline speak of the authority
that staff check, not of confirming who the representative is (R24)."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from identity.levels import IdentityLevel, VerificationMethod
from rights_requests import workflow
from rights_requests.models import RightsRequest, Status
from tests.conftest import make_personal_number
from tests.rights_requests.factories import request_in

from .test_filing import KALMAR_FILE, PNG, entity_ids, form

pytestmark = pytest.mark.django_db

WAITS_SV = "Vi kontrollerar din behörighet att företräda personen innan vi kan gå vidare."
WAITS_EN = "We check your authority to act for the person before we can go on."
CHECKED_SV = "Vi har kontrollerat din behörighet att företräda personen och handlägger nu begäran."
STATUS_SV = "Väntar på kontroll av din behörighet"
STATUS_EN = "Awaiting the check of your authority"
# What a person who files for themselves is told; of no help to a representative.
IDENTITY_SV = "Vi behöver bekräfta vem du är innan vi kan gå vidare."
IDENTITY_EN = "We need to confirm who you are before we can go on."
IDENTITY_STATUS_SV = "Väntar på identitetsbekräftelse"


def file_as_guardian(client) -> RightsRequest:
    response = client.post(
        KALMAR_FILE,
        form(
            capacity="guardian",
            entities=entity_ids("kalmar-energi-elnat"),
            represented_personal_number=make_personal_number("20150505", "222").formatted(),
            represented_first_name="Kim",
            represented_last_name="Andersson",
            proof=SimpleUploadedFile("beslut.png", PNG, content_type="image/png"),
        ),
    )
    assert response.status_code == 302
    request = RightsRequest.objects.get()
    assert request.status == Status.AWAITING_IDENTITY
    return request


@pytest.fixture
def guardians_request(alice_client, private_media) -> RightsRequest:
    return file_as_guardian(alice_client)


def test_the_timeline_and_status_say_staff_check_the_authority(alice_client, guardians_request):
    page = alice_client.get(f"/requests/{guardians_request.reference}/").content.decode()
    assert WAITS_SV in page
    assert f">{STATUS_SV}</span>" in page
    assert IDENTITY_SV not in page and IDENTITY_STATUS_SV not in page
    page = alice_client.get(f"/en/requests/{guardians_request.reference}/").content.decode()
    assert WAITS_EN in page and f">{STATUS_EN}</span>" in page
    assert IDENTITY_EN not in page and "Awaiting identity" not in page
    # The list and the confirmation show the same status.
    for url in ("/requests/", f"/submissions/{guardians_request.submission_id}/"):
        page = alice_client.get(url).content.decode()
        assert f">{STATUS_SV}</span>" in page and IDENTITY_STATUS_SV not in page


def test_when_staff_have_checked_the_authority_the_timeline_says_so(
    alice_client, guardians_request
):
    workflow.request_verify_identity(
        guardians_request,
        level=IdentityLevel.HIGH,
        method=VerificationMethod.IN_PERSON,
        checked_by="Customer service",
    )
    page = alice_client.get(f"/requests/{guardians_request.reference}/").content.decode()
    assert WAITS_SV in page and CHECKED_SV in page
    assert "Din identitet är bekräftad" not in page


def test_a_person_filing_for_themselves_is_still_asked_to_confirm_who_they_are(
    alice_client, alice, elnat
):
    request = request_in(Status.AWAITING_IDENTITY, alice, elnat)
    page = alice_client.get(f"/requests/{request.reference}/").content.decode()
    assert IDENTITY_SV in page and f">{IDENTITY_STATUS_SV}</span>" in page
    assert WAITS_SV not in page and STATUS_SV not in page
    workflow.request_verify_identity(request, level=IdentityLevel.HIGH, method="eid")
    page = alice_client.get(f"/requests/{request.reference}/").content.decode()
    assert "Din identitet är bekräftad och vi handlägger din begäran." in page
    assert CHECKED_SV not in page


def test_the_receipt_says_staff_check_the_authority(
    alice_client, private_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        file_as_guardian(alice_client)
    (receipt,) = [m for m in mail.outbox if m.subject.startswith("Kalmar Energi:")]
    body = " ".join(receipt.body.split())
    assert "Du har gjort begäran för någon annans räkning, så den väntar tills vår personal" in body
    assert "Du har begärt" not in body  # the clipped wording of before
    assert "BankID" not in body


def test_the_notice_that_the_request_waits_speaks_of_the_authority(
    alice_client, alice, elnat, private_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = file_as_guardian(alice_client)
    (notice,) = [m for m in mail.outbox if request.reference in m.subject]
    assert notice.to == ["alice@example.org"]
    assert notice.subject.endswith(
        f"Vi kontrollerar din behörighet för begäran {request.reference}"
    )
    body = " ".join(notice.body.split())
    assert "kontrollerar vår personal underlaget för din behörighet" in body
    assert "BankID" not in body
    # A person who files for themselves is still told how to confirm who they are.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        own = request_in(Status.AWAITING_IDENTITY, alice, elnat)
    (notice,) = [m for m in mail.outbox if "Bekräfta din identitet" in m.subject]
    assert own.reference in notice.subject
    assert "BankID" in notice.body and "behörighet" not in notice.body


def test_what_was_asked_for_speaks_of_the_represented_person_by_name(
    alice_client, guardians_request
):
    """The representative asked for the child's data: not "all data about you", and the page
    names the person they act for instead of "the person"."""
    page = alice_client.get(f"/requests/{guardians_request.reference}/").content.decode()
    assert "Alla uppgifter om personen." in page
    assert "Alla uppgifter om dig." not in page
    assert "Inlämnad av Alice Andersson som företrädare för Kim Andersson." in page
    page = alice_client.get(f"/en/requests/{guardians_request.reference}/").content.decode()
    assert "All data about the person." in page and "All data about you." not in page
    assert "Filed by Alice Andersson on behalf of Kim Andersson." in page


def test_a_person_filing_for_themselves_still_reads_about_you(alice_client, private_media):
    alice_client.post(KALMAR_FILE, form(entities=entity_ids("kalmar-energi-elnat")))
    request = RightsRequest.objects.get()
    page = alice_client.get(f"/en/requests/{request.reference}/").content.decode()
    assert "All data about you." in page and "on behalf of" not in page


def test_the_paused_deadline_says_staff_check_the_authority_not_that_we_wait_for_you(
    alice_client, guardians_request
):
    """Staff, not the representative, have the next step: "paused while we wait for you"
    would send them looking for something to do."""
    assert guardians_request.paused_since is not None
    page = alice_client.get(f"/requests/{guardians_request.reference}/").content.decode()
    assert "(vilande medan vi kontrollerar din behörighet)" in page
    assert "väntar på dig" not in page
    page = alice_client.get(f"/en/requests/{guardians_request.reference}/").content.decode()
    assert "(paused while we check your authority)" in page


def test_the_swedish_page_says_the_request_was_made_for_someone_else_in_plain_swedish(
    alice_client, guardians_request
):
    for url in (
        f"/requests/{guardians_request.reference}/",
        f"/submissions/{guardians_request.submission_id}/",
    ):
        page = " ".join(alice_client.get(url).content.decode().split())
        assert "Du har gjort begäran för någon annans räkning." in page
        assert "Du har begärt för någon annans räkning" not in page
