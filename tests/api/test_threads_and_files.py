"""Messages, files and consent through the API."""

import datetime
import hashlib
import json

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from datamap import pii
from rights_requests.models import Artifact, Message, RequestEvent, Status
from tests.conftest import make_personal_number
from tests.rights_requests.factories import file_request, request_in


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def make_artifact(request, *, content=b"%PDF-1.7 extract", expired=False) -> Artifact:
    artifact = Artifact(
        request=request,
        kind=Artifact.Kind.REGISTER_EXTRACT,
        filename="registerutdrag.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        expires_at=timezone.now() + datetime.timedelta(days=-1 if expired else 30),
    )
    artifact.file.save("registerutdrag.pdf", ContentFile(content), save=False)
    artifact.save()
    return artifact


def test_a_staff_message_posted_by_a_system_joins_the_thread(elnat_api, make_subject, elnat):
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat)

    response = post_json(
        elnat_api, f"/api/v1/requests/{request.reference}/messages/", {"body": "  Vi återkommer.  "}
    )

    assert response.status_code == 201, response.content
    assert response.json()["sender"] == "staff"
    message = Message.objects.get(request=request)
    assert message.body == "Vi återkommer."
    assert RequestEvent.objects.filter(
        request=request, kind="message.sent", actor_label="api:elnat-cis"
    ).exists()
    listed = elnat_api.get(f"/api/v1/requests/{request.reference}/messages/").json()
    assert [m["body"] for m in listed] == ["Vi återkommer."]


def test_a_customer_answer_by_letter_resumes_a_paused_request(elnat_api, make_subject, elnat):
    request = request_in(Status.AWAITING_CUSTOMER, make_subject(), elnat)

    response = post_json(
        elnat_api,
        f"/api/v1/requests/{request.reference}/messages/",
        {"sender": "customer", "body": "Adressen är Storgatan 1."},
    )

    assert response.status_code == 201, response.content
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


def test_an_empty_message_is_refused(elnat_api, make_subject, elnat):
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat)

    response = post_json(
        elnat_api, f"/api/v1/requests/{request.reference}/messages/", {"body": "   "}
    )

    assert response.status_code == 400
    assert "body" in response.json()["error"]["fields"]


def test_file_metadata_and_download_for_the_clients_request(elnat_api, make_subject, elnat):
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat)
    artifact = make_artifact(request)

    listed = elnat_api.get(f"/api/v1/requests/{request.reference}/files/").json()
    assert [f["sha256"] for f in listed] == [artifact.sha256]
    download = elnat_api.get(listed[0]["download_url"])

    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert download["Cache-Control"] == "no-store"
    assert b"".join(download.streaming_content) == b"%PDF-1.7 extract"
    assert RequestEvent.objects.filter(request=request, kind="file.downloaded").count() == 1


def test_an_expired_file_is_gone(elnat_api, make_subject, elnat):
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat)
    artifact = make_artifact(request, expired=True)

    detail = elnat_api.get(f"/api/v1/requests/{request.reference}/files/{artifact.pk}/").json()
    download = elnat_api.get(f"/api/v1/requests/{request.reference}/files/{artifact.pk}/download/")

    assert detail["available"] is False and detail["download_url"] is None
    assert download.status_code == 410
    assert download.json()["error"]["code"] == "gone"


def test_another_companys_file_is_not_found_even_with_its_id(
    elnat_api, landskrona_api, make_subject, elnat
):
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat)
    artifact = make_artifact(request)
    other = file_request(make_subject(), elnat)

    # Right reference of someone else, or the right file under another request.
    url = f"/api/v1/requests/{request.reference}/files/{artifact.pk}/download/"
    assert landskrona_api.get(url).status_code == 404
    assert (
        elnat_api.get(
            f"/api/v1/requests/{other.reference}/files/{artifact.pk}/download/"
        ).status_code
        == 404
    )


# --- Consent -------------------------------------------------------------------------------------


def test_consent_state_for_a_personal_number_in_the_body(elnat_api):
    from consent import services

    number = make_personal_number("19700101", "222")
    services.grant(pii.lookup_hash(number), "ke-newsletter", channel="phone")

    response = post_json(
        elnat_api, "/api/v1/consents/lookup/", {"personal_number": number.formatted()}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    states = {row["purpose"]: row for row in body["consents"]}
    assert states["ke-newsletter"]["granted"] is True
    assert states["ke-newsletter"]["effective"] is True
    assert body["suppressed"] is False
    assert all(row["organisation"] == "KE" for row in body["consents"])
    assert number.digits not in response.content.decode()


def test_a_suppressed_person_shows_as_suppressed_and_on_the_list(elnat_api, landskrona_api):
    from consent import services
    from datamap.models import Organisation

    number = make_personal_number("19700101", "333")
    hash_ = pii.lookup_hash(number)
    services.suppress(hash_, reason="objection", source="objection:KE-2026-000001")
    landskrona_only = make_personal_number("19700101", "444")
    services.suppress(
        pii.lookup_hash(landskrona_only),
        reason="objection",
        source="objection:LE-2026-000001",
        organisation=Organisation.objects.get(code="LE"),
    )

    lookup = post_json(
        elnat_api, "/api/v1/consents/lookup/", {"personal_number": number.formatted()}
    )
    listed = elnat_api.get("/api/v1/suppressions/").json()
    landskrona_listed = landskrona_api.get("/api/v1/suppressions/").json()

    assert lookup.json()["suppressed"] is True
    assert [row["lookup_hash"] for row in listed["results"]] == [hash_]
    assert {row["lookup_hash"] for row in landskrona_listed["results"]} == {
        hash_,
        pii.lookup_hash(landskrona_only),
    }


def test_a_consent_lookup_needs_a_valid_number_and_a_system(elnat_api, client):
    bad = post_json(elnat_api, "/api/v1/consents/lookup/", {"personal_number": "121212-1213"})
    anonymous = post_json(client, "/api/v1/consents/lookup/", {"personal_number": "121212-1212"})

    assert bad.status_code == 400
    assert "personal_number" in bad.json()["error"]["fields"]
    assert anonymous.status_code == 401


@pytest.mark.parametrize("url", ["/api/v1/consents/lookup/?personal_number=191212121212"])
def test_the_lookup_takes_no_personal_number_in_the_address(elnat_api, url):
    response = elnat_api.get(url)

    assert response.status_code == 405
