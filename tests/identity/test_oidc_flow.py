"""Sign-in with e-identification: the full OpenID Connect flow against a real provider."""

import logging
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from datamap import pii
from identity import oidc
from identity.levels import IdentityLevel, VerificationMethod
from identity.session import SESSION_KEY
from tests.identity.conftest import local

pytestmark = pytest.mark.django_db

ALICE = "198504122394"  # the provider's demo person number 1
ALICE_MASKED = "19850412-****"


def signed_in(client):
    return client.session.get(SESSION_KEY)


def test_a_person_signs_in_with_eid_at_level_high(eid_browser, client):
    response = eid_browser.sign_in(next_url="/en/identity/")
    assert response.status_code == 302
    assert response["Location"] == "/en/identity/"
    stored = signed_in(client)
    assert stored["level"] == IdentityLevel.HIGH
    assert stored["method"] == VerificationMethod.EID
    assert stored["masked"] == ALICE_MASKED
    assert stored["given_name"] == "Alice"
    page = client.get("/en/identity/")
    assert ALICE_MASKED in page.content.decode()
    assert ALICE not in page.content.decode()


def test_the_authorization_request_carries_pkce_state_and_nonce(eid_browser):
    query = parse_qs(urlsplit(eid_browser.start()).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 32
    assert len(query["nonce"][0]) >= 32
    assert query["response_type"] == ["code"]
    assert "openid" in query["scope"][0].split()
    assert query["redirect_uri"] == ["http://testserver/identity/eid/callback/"]


def test_signing_in_gives_a_new_session_key(eid_browser, client):
    authorize = eid_browser.start()
    before = client.cookies["sessionid"].value
    client.get(local(eid_browser.approve(authorize)))
    assert client.cookies["sessionid"].value != before
    assert signed_in(client)["level"] == IdentityLevel.HIGH


def test_a_callback_with_a_wrong_state_signs_nobody_in(eid_browser, client):
    callback = eid_browser.approve(eid_browser.start())
    forged = callback.replace("state=", "state=x")
    response = client.get(local(forged))
    assert response.status_code == 400
    # Nothing tells the forged callback's language: the page speaks the default, Swedish.
    assert "tog för lång tid eller startades i ett annat fönster" in response.content.decode()
    assert not signed_in(client)


def test_a_callback_cannot_be_replayed(eid_browser, client):
    callback = eid_browser.approve(eid_browser.start())
    assert client.get(local(callback)).status_code == 302
    client.post("/identity/logout/")
    assert client.get(local(callback)).status_code == 400
    assert not signed_in(client)


def test_a_callback_from_another_browser_is_refused(eid_browser, client, django_user_model):
    from django.test import Client

    callback = eid_browser.approve(eid_browser.start())
    stranger = Client()
    assert stranger.get(local(callback)).status_code == 400
    assert not stranger.session.get(SESSION_KEY)


@pytest.mark.parametrize(
    "fault",
    ["wrong_nonce", "bad_signature", "foreign_key", "wrong_issuer", "wrong_audience", "expired"],
)
def test_an_id_token_that_does_not_verify_signs_nobody_in(eid_browser, eid_provider, client, fault):
    eid_provider.faults.add(fault)
    response = eid_browser.sign_in()
    assert response.status_code == 400
    assert "could not confirm the answer" in response.content.decode()
    assert not signed_in(client)


def test_a_missing_personal_number_claim_is_explained(eid_browser, eid_provider, client):
    eid_provider.faults.add("omit_personal_number")
    response = eid_browser.sign_in()
    assert response.status_code == 400
    assert "did not give us a Swedish personal identity number" in response.content.decode()
    assert not signed_in(client)


def test_the_personal_number_may_come_from_userinfo(eid_browser, eid_provider, client):
    eid_provider.faults.add("personal_number_in_userinfo_only")
    assert eid_browser.sign_in().status_code == 302
    assert signed_in(client)["masked"] == ALICE_MASKED


def test_the_swedish_profile_claim_name_is_accepted(eid_browser, eid_provider, client):
    eid_provider.personal_number_claim = oidc.SWEDISH_PROFILE_CLAIM
    assert eid_browser.sign_in().status_code == 302
    assert signed_in(client)["masked"] == ALICE_MASKED


def test_a_configured_claim_name_is_used(eid_browser, eid_provider, client, settings):
    settings.OIDC_PERSONAL_NUMBER_CLAIM = "ssn"
    eid_provider.personal_number_claim = "ssn"
    assert eid_browser.sign_in().status_code == 302
    assert signed_in(client)["level"] == IdentityLevel.HIGH


def test_a_person_who_enters_another_number_signs_in_as_that_person(eid_browser, client):
    response = eid_browser.sign_in(person="other", personal_number="19121212-1212")
    assert response.status_code == 302
    assert signed_in(client)["masked"] == "19121212-****"


def test_cancelling_at_the_provider_says_so(eid_browser, eid_provider, client):
    authorize = eid_browser.start()
    page = eid_browser.login_page(authorize)
    from tests.identity.conftest import transaction_id

    answer = eid_browser.http.post(
        f"{eid_provider.issuer}/authorize",
        data={"txn": transaction_id(page.text), "action": "cancel"},
        allow_redirects=False,
        timeout=10,
    )
    response = client.get(local(answer.headers["Location"]))
    assert response.status_code == 400
    assert "You cancelled the sign-in" in response.content.decode()
    assert not signed_in(client)


def test_an_unsafe_next_address_is_replaced_by_the_start_page(eid_browser, client):
    response = eid_browser.sign_in(next_url="https://evil.example/steal", language_prefix="")
    assert response.status_code == 302
    assert response["Location"] == "/"
    response = eid_browser.sign_in(next_url="https://evil.example/steal", language_prefix="/en")
    assert response["Location"] == "/en/"


def test_an_unreachable_provider_is_explained(client, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = "x", "y"
    oidc.clear_caches()
    response = client.post("/en/identity/eid/start/", {"next": "/en/"})
    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()


def test_the_login_page_offers_eid_only_when_a_provider_is_configured(client, settings):
    settings.OIDC_ISSUER = ""
    settings.DEV_EID_ENABLED = False
    page = client.get("/en/identity/").content.decode()
    assert "BankID" not in page
    assert "A code by e-mail" in page
    settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = (
        "https://idp.example",
        "a",
        "b",
    )
    page = client.get("/en/identity/").content.decode()
    assert "Sign in with BankID or Freja eID+" in page
    assert "demo only" not in page


def test_no_personal_number_reaches_the_logs(eid_browser, eid_provider, client, caplog):
    caplog.set_level(logging.DEBUG)
    eid_browser.sign_in()
    eid_provider.faults.add("bad_signature")
    eid_browser.sign_in()
    assert caplog.records, "the flow logs what happened"
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert ALICE not in text
    assert "198504122394"[2:] not in text


def test_a_response_naming_another_issuer_is_refused(eid_browser, client):
    callback = eid_browser.approve(eid_browser.start())
    assert "iss=" in callback
    forged = re.sub(r"iss=[^&]+", "iss=https%3A%2F%2Fevil.example", callback)
    response = client.get(local(forged))
    assert response.status_code == 400
    assert not signed_in(client)


def test_a_sign_in_left_for_more_than_ten_minutes_has_expired(eid_browser, client, monkeypatch):
    authorize = eid_browser.start()
    callback = eid_browser.approve(authorize)
    later = time.time() + oidc.PENDING_MAX_AGE_SECONDS + 1
    monkeypatch.setattr(oidc.time, "time", lambda: later)
    response = client.get(local(callback))
    assert response.status_code == 400
    assert "took too long" in response.content.decode()
    assert not signed_in(client)


def test_the_error_page_speaks_the_language_the_sign_in_started_in(
    eid_browser, eid_provider, client
):
    eid_provider.faults.add("bad_signature")
    response = eid_browser.sign_in(next_url="/en/", language_prefix="/en")
    assert '<html lang="en">' in response.content.decode()
    assert 'href="/en/identity/?next=/en/"' in response.content.decode()


def test_only_a_few_parallel_sign_ins_are_kept_per_session(eid_browser, client):
    for _ in range(oidc.MAX_PENDING + 3):
        eid_browser.start()
    assert len(client.session[oidc.PENDING_KEY]) == oidc.MAX_PENDING


def test_userinfo_about_another_subject_is_refused(eid_browser, eid_provider, client):
    eid_provider.faults.update({"personal_number_in_userinfo_only", "userinfo_other_sub"})
    response = eid_browser.sign_in()
    assert response.status_code == 400
    assert not signed_in(client)


def test_a_provider_that_rotated_its_signing_key_is_followed(eid_browser, eid_provider, client):
    from identity.devprovider.app import generate_signing_key

    assert eid_browser.sign_in().status_code == 302  # the old key is now cached
    client.post("/identity/logout/")
    eid_provider.key = generate_signing_key()
    assert eid_browser.sign_in().status_code == 302
    assert signed_in(client)["level"] == IdentityLevel.HIGH


def test_a_required_assurance_level_is_asked_for_and_met(eid_browser, client, settings):
    settings.OIDC_ACR_VALUES = "http://id.elegnamnden.se/loa/1.0/loa3"
    query = parse_qs(urlsplit(eid_browser.start()).query)
    assert query["acr_values"] == ["http://id.elegnamnden.se/loa/1.0/loa3"]
    assert eid_browser.sign_in().status_code == 302
    assert signed_in(client)["level"] == IdentityLevel.HIGH


def test_an_assurance_level_below_the_required_one_is_refused(eid_browser, client, settings):
    settings.OIDC_ACR_VALUES = "http://id.elegnamnden.se/loa/1.0/loa4"
    response = eid_browser.sign_in()
    assert response.status_code == 400
    assert not signed_in(client)


def test_signing_in_with_eid_lets_the_persons_waiting_requests_go_on(eid_browser, client, elnat):
    """What the request page promises: sign in with e-identification and it goes on at once."""
    from datamap.models import LegalEntity
    from rights_requests.models import DataSubject, RequestEvent, Status, Submission
    from tests.rights_requests.factories import file_request

    alice = DataSubject(first_name="Alice", last_name="Andersson", email="alice@example.org")
    alice.set_personal_number(pii.PersonalNumber(ALICE))
    alice.save()
    waiting = file_request(alice, elnat, level=IdentityLevel.LOW)
    other_entity = LegalEntity.objects.exclude(pk=elnat.pk).first()
    for_someone = file_request(alice, other_entity, level=IdentityLevel.LOW)
    Submission.objects.filter(requests=for_someone).update(
        capacity=Submission.Capacity.GUARDIAN, representative_name="Vårdnadshavare"
    )
    assert {waiting.status, for_someone.refresh_from_db() or for_someone.status} == {
        Status.AWAITING_IDENTITY
    }

    eid_browser.sign_in()

    waiting.refresh_from_db()
    for_someone.refresh_from_db()
    assert waiting.status == Status.IN_PROGRESS
    assert waiting.identity_level == IdentityLevel.HIGH
    assert waiting.identity_method == VerificationMethod.EID
    assert RequestEvent.objects.filter(request=waiting, kind="request.identity_verified").exists()
    # Filed as a guardian: the authority is still for staff to check.
    assert for_someone.status == Status.AWAITING_IDENTITY
