"""The consent page: signed-in customers see, grant and withdraw; nobody else's state shows."""

import pytest
from django.test import Client
from django.urls import reverse

from consent import services
from consent.models import ConsentRecord
from identity.levels import IdentityLevel

from .conftest import sign_in

pytestmark = pytest.mark.django_db

URL = "/consent/"


def test_the_page_has_the_agreed_url_name():
    assert reverse("consent:mine") == URL


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/identity/?next=")


def test_a_signed_in_customer_sees_each_purpose_with_its_swedish_text(client, alice):
    sign_in(client, alice.personal_number)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Jag vill få Kalmar Energis nyhetsbrev" in page
    assert "Nyhetsbrev från Landskrona Energi" in page
    assert 'value="grant"' in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_english_page_shows_the_english_text(client, alice):
    sign_in(client, alice.personal_number)
    page = client.get("/en" + URL).content.decode()
    assert "I want to receive Kalmar Energi&#x27;s newsletter" in page


def test_granting_records_the_portal_the_text_version_and_the_sign_in(client, alice):
    sign_in(client, alice.personal_number)
    response = client.post(URL, {"purpose": "ke-outage-sms", "action": "grant"})
    assert response.status_code == 302
    record = ConsentRecord.objects.get()
    assert record.subject_hash == alice.personal_number_hash
    assert record.subject_id == alice.pk
    assert record.channel == ConsentRecord.Channel.PORTAL
    assert record.text.version == 1
    assert record.evidence["identity_level"] == "high"
    assert record.evidence["identity_method"] == "eid"
    assert "ip" not in record.evidence
    page = client.get(URL).content.decode()
    assert 'name="action" value="withdraw"' in page


def test_withdrawing_is_one_button_like_granting(client, alice):
    services.grant(alice, "ke-newsletter", channel=ConsentRecord.Channel.PAPER)
    sign_in(client, alice.personal_number)
    client.post(URL, {"purpose": "ke-newsletter", "action": "withdraw"})
    assert not services.current_consents(alice)["ke-newsletter"].granted


def test_a_customer_never_sees_another_customers_choices(client, alice, bob):
    services.grant(bob, "ke-outage-email", channel=ConsentRecord.Channel.PORTAL)
    sign_in(client, alice.personal_number)
    page = client.get(URL).content.decode()
    assert 'id="purpose-ke-outage-email"' in page
    # Alice has consented to nothing, so no purpose offers her a withdrawal.
    assert 'value="withdraw"' not in page


def test_a_low_level_sign_in_may_withdraw_but_neither_see_nor_grant(client, alice):
    services.grant(alice, "ke-newsletter", channel=ConsentRecord.Channel.PORTAL)
    sign_in(client, alice.personal_number, level=IdentityLevel.LOW)
    page = client.get(URL).content.decode()
    assert 'value="grant"' not in page
    assert "Du gav ditt samtycke" not in page and "You consented" not in page
    assert client.post(URL, {"purpose": "ke-outage-sms", "action": "grant"}).status_code == 403
    assert not services.current_consents(alice)["ke-outage-sms"].granted
    client.post(URL, {"purpose": "ke-newsletter", "action": "withdraw"})
    assert not services.current_consents(alice)["ke-newsletter"].granted


def test_an_unknown_purpose_is_not_found(client, alice):
    sign_in(client, alice.personal_number)
    assert client.post(URL, {"purpose": "nope", "action": "grant"}).status_code == 404
    assert not ConsentRecord.objects.exists()


def test_an_unknown_action_changes_nothing(client, alice):
    sign_in(client, alice.personal_number)
    assert client.post(URL, {"purpose": "ke-newsletter", "action": "delete"}).status_code == 403
    assert not ConsentRecord.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(alice):
    client = sign_in(Client(enforce_csrf_checks=True), alice.personal_number)
    response = client.post(URL, {"purpose": "ke-newsletter", "action": "grant"})
    assert response.status_code == 403
    assert not ConsentRecord.objects.exists()


def test_a_general_objection_is_shown_beside_a_granted_marketing_consent(client, alice):
    services.grant(alice, "ke-newsletter", channel=ConsentRecord.Channel.PORTAL)
    services.suppress(alice.personal_number_hash, reason="r", source="objection:KE-1")
    sign_in(client, alice.personal_number)
    page = client.get("/en" + URL).content.decode()
    assert "You have objected to direct marketing" in page


def test_the_page_takes_the_same_queries_however_many_choices(
    client, alice, django_assert_max_num_queries
):
    sign_in(client, alice.personal_number)
    client.get(URL)
    for code in ("ke-newsletter", "ke-outage-sms", "ke-outage-email", "le-newsletter"):
        services.grant(alice, code, channel=ConsentRecord.Channel.PORTAL)
    with django_assert_max_num_queries(10):
        assert client.get(URL).status_code == 200


def test_the_page_speaks_swedish_by_default(client, alice):
    sign_in(client, alice.personal_number)
    client.post(URL, {"purpose": "ke-outage-sms", "action": "grant"})
    page = client.get(URL).content.decode()
    assert "<h1>Dina samtycken</h1>" in page
    assert "Återkalla samtycke" in page and "Ge samtycke" in page
    assert "Du gav ditt samtycke den" in page


def test_a_new_text_version_is_pointed_out_to_someone_who_consented_to_the_old(client, alice):
    from consent.models import ConsentPurpose, ConsentText

    services.grant(alice, "ke-newsletter", channel=ConsentRecord.Channel.PORTAL)
    ConsentText.objects.create(
        purpose=ConsentPurpose.objects.get(code="ke-newsletter"),
        version=2,
        text_sv="Ny text om nyhetsbrevet.",
        text_en="New text about the newsletter.",
    )
    sign_in(client, alice.personal_number)
    page = client.get("/en" + URL).content.decode()
    assert "New text about the newsletter." in page
    assert "You consented to version 1 of this text. The text above is version 2." in page
    client.post(URL, {"purpose": "ke-newsletter", "action": "withdraw"})
    client.post(URL, {"purpose": "ke-newsletter", "action": "grant"})
    assert services.current_consents(alice)["ke-newsletter"].text_version == 2
