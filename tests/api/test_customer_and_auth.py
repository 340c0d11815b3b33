"""The signed-in customer's own requests; tokens; errors; throttles; the client command."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from identity.models import ApiClient
from rights_requests.models import Status
from tests.api.conftest import sign_in_customer, system_client
from tests.rights_requests.factories import file_request, request_in


def test_a_customer_sees_only_their_own_requests(make_subject, elnat):
    alice, bob = make_subject(first_name="Alice"), make_subject(first_name="Bob")
    mine = file_request(alice, elnat)
    theirs = file_request(bob, elnat)
    client = sign_in_customer(Client(), alice)

    listed = client.get("/api/v1/me/requests/")
    assert listed.status_code == 200
    assert [r["reference"] for r in listed.json()["results"]] == [mine.reference]
    assert client.get(f"/api/v1/me/requests/{mine.reference}/").status_code == 200
    assert client.get(f"/api/v1/me/requests/{theirs.reference}/").status_code == 404
    assert "Cache-Control" in listed


def test_a_customer_cannot_use_the_system_endpoints(make_subject, elnat):
    alice = make_subject()
    mine = file_request(alice, elnat)
    client = sign_in_customer(Client(), alice)

    # The system endpoints know no customer session: as if nobody were signed in.
    assert client.get("/api/v1/requests/").status_code == 401
    assert client.get(f"/api/v1/requests/{mine.reference}/").status_code == 401


def test_a_system_cannot_use_the_customer_endpoints(elnat_api):
    assert elnat_api.get("/api/v1/me/requests/").status_code == 401


def test_nobody_signed_in_gets_401_in_the_error_shape(client):
    response = client.get("/api/v1/me/requests/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "header",
    ["Bearer wrong", "Bearer", "Bearer a b", "Bearer ümlaut", "Token x"],
)
def test_bad_tokens_are_refused(db, header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/requests/")

    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_an_inactive_client_is_refused_and_use_is_recorded(elnat_system):
    api = system_client(elnat_system.token)
    assert api.get("/api/v1/requests/").status_code == 200
    elnat_system.refresh_from_db()
    assert elnat_system.last_used_at is not None

    elnat_system.is_active = False
    elnat_system.save()

    assert api.get("/api/v1/requests/").status_code == 401


def test_only_a_hash_of_the_token_is_stored(elnat_system):
    stored = ApiClient.objects.filter(pk=elnat_system.pk).values().get()

    assert elnat_system.token not in json.dumps(stored, default=str)
    assert stored["token_hash"] == ApiClient.hash_token(elnat_system.token)


def test_create_api_client_prints_the_token_once_and_scopes_it(db, elnat):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_client",
        "--name",
        "meter-system",
        "--entity",
        elnat.org_number,
        "--entity",
        "kalmar-energi-varme",
        stdout=out,
        stderr=err,
    )
    token = out.getvalue().strip()
    client = ApiClient.objects.get(name="meter-system")

    assert client.token_hash == ApiClient.hash_token(token)
    assert set(client.legal_entities.values_list("slug", flat=True)) == {
        "kalmar-energi-elnat",
        "kalmar-energi-varme",
    }
    assert system_client(token).get("/api/v1/requests/").status_code == 200
    with pytest.raises(CommandError):
        call_command("create_api_client", "--name", "meter-system", "--entity", elnat.slug)
    with pytest.raises(CommandError):
        call_command("create_api_client", "--name", "x", "--entity", "nowhere")

    call_command("create_api_client", "--name", "meter-system", "--rotate", stdout=out, stderr=err)
    assert system_client(token).get("/api/v1/requests/").status_code == 401


def test_a_system_is_throttled_past_its_rate(settings, elnat_api, monkeypatch):
    from rights_requests.api.throttling import SystemRateThrottle

    monkeypatch.setattr(SystemRateThrottle, "THROTTLE_RATES", {"system": "3/min"})

    codes = [elnat_api.get("/api/v1/requests/").status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]
    answer = elnat_api.get("/api/v1/requests/")
    assert answer.json()["error"]["code"] == "throttled"
    assert "Retry-After" in answer


def test_anonymous_callers_are_throttled(db, monkeypatch):
    from rights_requests.api.throttling import AnonymousRateThrottle

    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", {"anon": "2/min"})
    client = Client()

    codes = [client.get("/api/v1/requests/").status_code for _ in range(3)]

    assert codes == [401, 401, 429]


def test_error_messages_follow_the_language_asked_for(elnat_api, make_subject, elnat):
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat)
    url = f"/api/v1/requests/{request.reference}/messages/"

    english = elnat_api.post(url, "{}", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert english.status_code == 400
    assert english.json()["error"]["fields"]["body"] == ["This field is required."]
