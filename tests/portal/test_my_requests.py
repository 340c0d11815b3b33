"""My requests: the list, one request, messages, withdrawal and downloads; nothing of others."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from identity.levels import IdentityLevel
from rights_requests import workflow
from rights_requests.models import Artifact, Message, RequestEvent, Right, Status
from tests.rights_requests.factories import file_request, request_in

from .conftest import make_artifact, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices(alice, elnat):
    return request_in(Status.IN_PROGRESS, alice, elnat)


@pytest.fixture
def bobs(bob, elnat):
    return request_in(Status.IN_PROGRESS, bob, elnat)


def test_my_requests_needs_sign_in(client):
    response = client.get("/requests/")
    assert response.status_code == 302
    assert response["Location"].startswith("/identity/?next=")


def test_my_requests_lists_only_my_own(alice_client, alices, bobs):
    page = alice_client.get("/en/requests/").content.decode()
    assert alices.reference in page
    assert bobs.reference not in page
    assert "Kalmar Energi Elnät AB" in page
    assert "In progress" in page


def test_the_list_shows_received_and_deadline_dates_in_swedish(alice_client, alice, elnat):
    from tests.rights_requests.factories import stockholm

    request = file_request(
        alice, elnat, received_at=stockholm(2026, 1, 15, 10), level=IdentityLevel.HIGH
    )
    page = alice_client.get("/requests/").content.decode()
    assert request.reference in page
    # R3: one month from 15 January is 15 February 2026, a Sunday, so Monday 16 February (R4).
    assert "15 januari 2026" in page or "15 January 2026" in page
    assert request.deadline_on == datetime.date(2026, 2, 16)


def test_the_list_costs_the_same_queries_for_one_request_or_many(
    alice_client, alice, elnat, landskrona_entity, django_assert_num_queries
):
    request_in(Status.IN_PROGRESS, alice, elnat)
    alice_client.get("/requests/")  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert alice_client.get("/requests/").status_code == 200
    for entity in (elnat, landskrona_entity, elnat, landskrona_entity, elnat):
        request_in(Status.AWAITING_CUSTOMER, alice, entity)
    with django_assert_num_queries(len(one)):
        page = alice_client.get("/requests/").content.decode()
    assert page.count('scope="row"') == 6


def test_the_request_page_costs_the_same_queries_for_a_short_or_long_history(
    alice_client, alices, private_media, django_assert_num_queries
):
    url = f"/requests/{alices.reference}/"
    alice_client.get(url)
    with CaptureQueriesContext(connection) as short:
        alice_client.get(url)
    for n in range(5):
        Message.objects.create(request=alices, sender=Message.Sender.STAFF, body=f"Note {n}")
        workflow.record_event(alices, "message.sent", customer_visible=True)
        make_artifact(alices, filename=f"extract-{n}.pdf")
    with django_assert_num_queries(len(short)):
        page = alice_client.get(url).content.decode()
    assert page.count("Note ") == 5
    assert page.count("extract-") == 5


@pytest.mark.parametrize("path", ["", "withdraw/", "files/1/"])
def test_another_persons_request_is_404_by_any_address(alice_client, bobs, path, private_media):
    artifact = make_artifact(bobs)
    path = path.replace("1", str(artifact.pk))
    assert alice_client.get(f"/requests/{bobs.reference}/{path}").status_code == 404
    assert alice_client.post(f"/requests/{bobs.reference}/{path}", {"body": "hi"}).status_code in (
        404,
        405,
    )
    bobs.refresh_from_db()
    assert bobs.status == Status.IN_PROGRESS
    assert not Message.objects.filter(request=bobs).exists()


def test_another_persons_submission_confirmation_is_404(alice_client, bobs):
    assert alice_client.get(f"/submissions/{bobs.submission_id}/").status_code == 404


def test_a_file_of_another_request_is_404_under_my_reference(
    alice_client, alices, bobs, private_media
):
    artifact = make_artifact(bobs)
    assert alice_client.get(f"/requests/{alices.reference}/files/{artifact.pk}/").status_code == 404


def test_the_request_page_shows_status_deadline_timeline_and_messages(alice_client, alices):
    workflow.request_ask_customer(alices, question="Which meter do you mean?")
    page = alice_client.get(f"/en/requests/{alices.reference}/").content.decode()
    assert "Awaiting your answer" in page
    assert "Which meter do you mean?" in page
    assert "We received your request." in page
    assert "We asked you a question." in page
    assert "We are waiting for your answer" in page
    # Staff-only events (assignment, notices) stay out of the customer's timeline.
    assert "notice" not in page.lower().split("what has happened")[1]


def test_opening_the_page_marks_staff_messages_read(alice_client, alices):
    message = Message.objects.create(request=alices, sender=Message.Sender.STAFF, body="Hello")
    alice_client.get(f"/requests/{alices.reference}/")
    message.refresh_from_db()
    assert message.read_at is not None


def test_sending_a_message(alice_client, alices):
    response = alice_client.post(f"/requests/{alices.reference}/", {"body": "  My meter is 123.  "})
    assert response.status_code == 302
    message = Message.objects.get(request=alices)
    assert (message.sender, message.body) == ("customer", "My meter is 123.")
    assert RequestEvent.objects.filter(
        request=alices, kind="message.received", customer_visible=True
    ).exists()


def test_answering_a_question_resumes_the_request(alice_client, alices):
    workflow.request_ask_customer(alices, question="Which meter?")
    alice_client.post(f"/requests/{alices.reference}/", {"body": "Meter 123"})
    alices.refresh_from_db()
    assert alices.status == Status.IN_PROGRESS
    assert alices.paused_since is None


def test_an_empty_message_gives_an_error(alice_client, alices):
    response = alice_client.post(f"/en/requests/{alices.reference}/", {"body": "   "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Write your message." in page
    assert 'href="#id_body"' in page
    assert not Message.objects.exists()


def test_no_message_on_a_closed_request(alice_client, alice, elnat):
    closed = request_in(Status.COMPLETED, alice, elnat)
    response = alice_client.post(f"/en/requests/{closed.reference}/", {"body": "Thanks"})
    assert response.status_code == 400
    assert not Message.objects.filter(sender="customer").exists()


def test_withdrawal_asks_to_confirm_then_withdraws(alice_client, alices):
    page = alice_client.get(f"/en/requests/{alices.reference}/withdraw/").content.decode()
    assert "Yes, withdraw the request" in page
    alices.refresh_from_db()
    assert alices.status == Status.IN_PROGRESS  # a GET changes nothing
    response = alice_client.post(f"/requests/{alices.reference}/withdraw/")
    assert response.status_code == 302
    alices.refresh_from_db()
    assert alices.status == Status.WITHDRAWN
    event = RequestEvent.objects.get(request=alices, kind="request.withdrawn")
    assert event.actor_label == "customer"


def test_a_closed_request_cannot_be_withdrawn(alice_client, alice, elnat):
    closed = request_in(Status.REFUSED, alice, elnat)
    response = alice_client.post(f"/requests/{closed.reference}/withdraw/")
    assert response.status_code == 302
    closed.refresh_from_db()
    assert closed.status == Status.REFUSED


def test_withdrawal_needs_a_csrf_token(client, alice, alices):
    csrf_client = sign_in(type(client)(enforce_csrf_checks=True), alice.personal_number)
    assert csrf_client.post(f"/requests/{alices.reference}/withdraw/").status_code == 403
    assert csrf_client.post(f"/requests/{alices.reference}/", {"body": "x"}).status_code == 403
    alices.refresh_from_db()
    assert alices.status == Status.IN_PROGRESS


def test_download_streams_the_file_as_an_attachment_and_records_it(
    alice_client, alices, private_media
):
    artifact = make_artifact(alices, content=b"%PDF-1.7 my extract")
    response = alice_client.get(f"/requests/{alices.reference}/files/{artifact.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 my extract"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "registerutdrag.pdf" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert RequestEvent.objects.filter(request=alices, kind="file.downloaded").count() == 1


def test_an_expired_or_deleted_file_is_gone(alice_client, alices, private_media):
    expired = make_artifact(alices, expires_in_days=-1)
    deleted = make_artifact(alices)
    Artifact.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    for artifact in (expired, deleted):
        assert (
            alice_client.get(f"/requests/{alices.reference}/files/{artifact.pk}/").status_code
            == 404
        )
    page = alice_client.get(f"/en/requests/{alices.reference}/").content.decode()
    assert "no longer kept" in page


def test_a_proof_of_authority_is_not_offered_to_the_customer(alice_client, alices, private_media):
    proof = make_artifact(alices, kind=Artifact.Kind.PROOF, filename="fullmakt.pdf")
    assert alice_client.get(f"/requests/{alices.reference}/files/{proof.pk}/").status_code == 404
    assert "fullmakt.pdf" not in alice_client.get(f"/requests/{alices.reference}/").content.decode()


def test_a_low_level_sign_in_sees_only_what_that_address_filed(client, alice, elnat, private_media):
    """Someone who typed Alice's number with their own address sees nothing of hers."""
    hers = request_in(Status.IN_PROGRESS, alice, elnat)
    sign_in(client, alice.personal_number, level=IdentityLevel.LOW, email="mallory@example.org")
    assert hers.reference not in client.get("/requests/").content.decode()
    assert client.get(f"/requests/{hers.reference}/").status_code == 404
    filed = workflow.file_submission(
        subject=alice,
        organisation=elnat.organisation,
        items=[workflow.RequestItem(elnat, Right.ERASURE, {})],
        contact_email="Mallory@example.org",
        identity_level=IdentityLevel.LOW,
    ).requests.get()
    assert filed.reference in client.get("/requests/").content.decode()
    assert client.get(f"/requests/{filed.reference}/").status_code == 200


def test_downloading_needs_at_least_substantial(client, alice, elnat, private_media):
    filed = workflow.file_submission(
        subject=alice,
        organisation=elnat.organisation,
        items=[workflow.RequestItem(elnat, Right.ACCESS, {"delivery": "post"})],
        contact_email="alice@example.org",
        identity_level=IdentityLevel.LOW,
    ).requests.get()
    artifact = make_artifact(filed)
    sign_in(client, alice.personal_number, level=IdentityLevel.LOW, email="alice@example.org")
    response = client.get(f"/en/requests/{filed.reference}/files/{artifact.pk}/")
    assert response.status_code == 403
    assert "Confirm who you are to download" in response.content.decode()
    assert not RequestEvent.objects.filter(kind="file.downloaded").exists()


def test_the_confirmation_lists_every_request_with_its_dates(alice_client):
    from datamap.models import LegalEntity

    ids = [e.pk for e in LegalEntity.objects.filter(organisation__code="KE")]
    response = alice_client.post(
        "/en/org/kalmar-energi/file/",
        {
            "rights": ["access", "erasure"],
            "entities": ids[:2],
            "access_scope": "all",
            "access_delivery": "download",
            "erasure_scope": "all",
            "portability_scope": "all",
            "capacity": "self",
            "first_name": "Alice",
            "last_name": "Andersson",
            "contact_email": "alice@example.org",
        },
    )
    page = alice_client.get(response["Location"]).content.decode()
    assert page.count('scope="row"') == 4
    assert page.count("answered by") == 4
    assert "A confirmation has been sent to alice@example.org." in page


def test_the_request_page_says_what_was_asked_for(alice_client, alice, elnat):
    erasure = file_request(
        alice,
        elnat,
        right=Right.ERASURE,
        level=IdentityLevel.HIGH,
        details={"scope": "some", "categories": ["invoices", "meter-readings"], "reason": "Moved"},
    )
    page = alice_client.get(f"/en/requests/{erasure.reference}/").content.decode()
    assert "These kinds of data: Invoices and payments, Meter readings (hourly values)" in page
    assert "Why: Moved" in page
    rectification = file_request(
        alice,
        elnat,
        right=Right.RECTIFICATION,
        level=IdentityLevel.HIGH,
        details={"changes": [{"data": "Address", "correct": "Storgatan 1"}]},
    )
    page = alice_client.get(f"/en/requests/{rectification.reference}/").content.decode()
    assert "Address should be: Storgatan 1" in page


def test_no_page_shows_the_full_personal_number(alice_client, alice, alices):
    number = alice.personal_number
    paths = [
        "/org/kalmar-energi/file/",
        "/requests/",
        f"/requests/{alices.reference}/",
        f"/requests/{alices.reference}/withdraw/",
        f"/submissions/{alices.submission_id}/",
    ]
    for path in paths:
        page = alice_client.get(path).content.decode()
        assert number.digits not in page, path
        assert number.formatted() not in page, path
    assert number.masked() in alice_client.get("/requests/").content.decode()


def test_a_closed_request_without_files_does_not_promise_any(alice_client, alice, elnat, alices):
    closed = request_in(Status.REFUSED, alice, elnat)
    page = alice_client.get(f"/en/requests/{closed.reference}/").content.decode()
    assert "This request has no files." in page
    assert "When the answer is ready" not in page
    page = alice_client.get(f"/en/requests/{alices.reference}/").content.decode()
    assert "When the answer is ready, the files are here." in page
