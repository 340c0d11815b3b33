"""The sign-in page: the ways in, the alternatives, and the signed-in state."""

import pytest
from django.test import RequestFactory

from datamap import pii
from identity.levels import IdentityLevel, VerificationMethod
from identity.session import VerifiedIdentity, login_customer
from tests.conftest import make_personal_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(settings):
    settings.OIDC_ISSUER = "https://broker.example"
    settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = "portal", "secret"


def sign_in(client, level, method):
    number = make_personal_number()
    request = RequestFactory().get("/")
    request.session = client.session
    login_customer(
        request,
        VerifiedIdentity(
            personal_number_hash=pii.lookup_hash(number),
            masked_personal_number=number.masked(),
            level=level,
            method=method,
        ),
        number,
    )
    request.session.save()
    client.cookies["sessionid"] = request.session.session_key


def test_it_explains_the_ways_for_people_without_eid_or_email(client):
    page = client.get("/en/identity/").content.decode()
    assert "No e-identification and no e-mail?" in page
    assert "folkbokföringsadress" in page
    assert "we do not keep a copy" in page


def test_it_keeps_a_safe_next_address_and_drops_an_unsafe_one(client, broker):
    safe = client.get("/en/identity/?next=/en/my/requests/").content.decode()
    assert 'name="next" value="/en/my/requests/"' in safe
    unsafe = client.get("/en/identity/?next=//evil.example/").content.decode()
    assert 'name="next" value="/en/"' in unsafe


def test_a_customer_signed_in_at_low_is_offered_eid(client, broker):
    sign_in(client, IdentityLevel.LOW, VerificationMethod.EMAIL_CODE)
    page = client.get("/en/identity/").content.decode()
    assert "You are signed in as 19811218-****" in page
    assert "does not have on record" in page
    assert "Confirm with e-identification" in page
    assert "Sign out" in page


def test_a_customer_signed_in_with_eid_is_not_offered_it_again(client, broker):
    sign_in(client, IdentityLevel.HIGH, VerificationMethod.EID)
    page = client.get("/en/identity/").content.decode()
    assert "You signed in with e-identification" in page
    assert "Confirm with e-identification" not in page


def test_signing_out_needs_a_post(client):
    sign_in(client, IdentityLevel.HIGH, VerificationMethod.EID)
    assert client.get("/identity/logout/").status_code == 405
    assert client.session.get("identity.customer")
    response = client.post("/identity/logout/", {"next": "/en/"})
    assert response["Location"] == "/en/"
    assert not client.session.get("identity.customer")
    assert "You are signed out." in client.get("/en/").content.decode()
    assert "You are signed out." not in client.get("/en/").content.decode()  # said once


def test_signing_out_is_confirmed_in_swedish(client):
    sign_in(client, IdentityLevel.HIGH, VerificationMethod.EID)
    client.post("/identity/logout/", {"next": "/"})
    assert "Du är utloggad." in client.get("/").content.decode()


def test_the_pages_carry_no_inline_script_or_style(client, broker):
    for path in ("/identity/", "/en/identity/", "/identity/code/", "/en/identity/code/"):
        page = client.get(path).content.decode()
        assert "<script" not in page and "style=" not in page and "<style" not in page, path


@pytest.mark.urls("tests.identity.urls_dev")
def test_in_development_the_demo_eid_is_clearly_labelled(client, settings):
    settings.DEBUG, settings.DEV_EID_ENABLED, settings.OIDC_ISSUER = True, True, ""
    page = client.get("/en/identity/").content.decode()
    assert "Test e-identification (demo only)" in page
    assert "Sign in with test e-identification" in page
    assert "Sign in with BankID" not in page


def test_the_ways_to_confirm_list_links_back_to_where_the_person_was():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("en"):
        html = render_to_string(
            "identity/_ways_to_confirm.html", {"next_url": "/en/my/requests/7/"}
        )
    assert 'href="/en/identity/?next=/en/my/requests/7/"' in html
    assert "folkbokföringsadress" in html
    assert "identity document" in html


def test_after_a_timeout_the_page_says_why(client, monkeypatch, settings):
    import datetime

    from django.utils import timezone

    settings.IDENTITY_SESSION_MAX_AGE = 20 * 60
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: start)
    sign_in(client, IdentityLevel.HIGH, VerificationMethod.EID)
    page = client.get("/en/identity/").content.decode()
    assert "signed out after 30 minutes without activity, and at 10:20 at the latest" in page
    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(minutes=20))
    page = client.get("/en/identity/").content.decode()
    assert "You have been signed out, for your security." in page
    assert "You are signed in" not in page
    assert "You have been signed out" not in client.get("/en/identity/").content.decode()
