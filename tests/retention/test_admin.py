"""The admin: holds entered by personal number, rules scoped by company, ledger read-only."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from consent import services
from consent.models import ConsentRecord
from datamap import pii
from datamap.models import DataCategory
from retention.models import LegalHold, RetentionRule
from rights_requests import roles

pytestmark = pytest.mark.django_db


def verified(user) -> Client:
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


@pytest.fixture
def superuser_client(db):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 16)
    return verified(user), user


def test_a_hold_on_a_person_is_entered_by_personal_number_and_stored_as_hash(
    superuser_client, alice
):
    client, user = superuser_client
    number = alice.personal_number
    response = client.post(
        "/admin/retention/legalhold/add/",
        {"personal_number": number.formatted(), "reason": "Tvist om faktura 2026"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    hold = LegalHold.objects.get()
    assert hold.subject_hash == pii.lookup_hash(number)
    assert hold.set_by == user
    assert number.digits not in str(LegalHold.objects.values().get())


def test_a_hold_needs_a_person_or_a_company_and_category(superuser_client):
    client, _user = superuser_client
    response = client.post("/admin/retention/legalhold/add/", {"reason": "x"})
    assert response.status_code == 200
    assert not LegalHold.objects.exists()


def test_a_wrong_personal_number_is_refused(superuser_client):
    client, _user = superuser_client
    response = client.post(
        "/admin/retention/legalhold/add/", {"personal_number": "19811218-1234", "reason": "x"}
    )
    assert response.status_code == 200
    assert not LegalHold.objects.exists()


def test_a_category_hold_is_entered_without_a_person(superuser_client, elnat):
    client, _user = superuser_client
    category = DataCategory.objects.get(code="camera-footage")
    client.post(
        "/admin/retention/legalhold/add/",
        {"legal_entity": elnat.pk, "category": category.pk, "reason": "Polisens begäran"},
    )
    hold = LegalHold.objects.get()
    assert (hold.subject_hash, hold.legal_entity, hold.category) == ("", elnat, category)


def test_releasing_holds_keeps_their_history(superuser_client, alice):
    client, _user = superuser_client
    hold = LegalHold.objects.create(subject_hash=alice.personal_number_hash, reason="x")
    client.post(
        "/admin/retention/legalhold/",
        {"action": "release", "_selected_action": [hold.pk]},
    )
    hold.refresh_from_db()
    assert hold.released_at is not None


def test_staff_see_only_their_companies_retention_rules(elnat):
    user = get_user_model().objects.create_user("eva", "eva@example.org", "x" * 16)
    roles.grant_role(user, roles.CUSTOMER_SERVICE, legal_entities=[elnat])
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_retentionrule"))
    page = verified(user).get("/admin/retention/retentionrule/?all=")
    assert page.status_code == 200
    shown = set(page.context["cl"].queryset.values_list("legal_entity__slug", flat=True))
    assert shown == {"kalmar-energi-elnat"}
    assert RetentionRule.objects.values("legal_entity").distinct().count() == 4


def test_the_consent_ledger_cannot_be_edited_in_the_admin(superuser_client, alice):
    client, _user = superuser_client
    record = services.grant(alice, "ke-newsletter", channel=ConsentRecord.Channel.PHONE)
    listing = client.get("/admin/consent/consentrecord/")
    assert listing.status_code == 200
    assert alice.personal_number.digits not in listing.content.decode()
    assert client.get("/admin/consent/consentrecord/add/").status_code == 403
    client.post(f"/admin/consent/consentrecord/{record.pk}/change/", {"action": "withdraw"})
    client.post(f"/admin/consent/consentrecord/{record.pk}/delete/", {"post": "yes"})
    assert ConsentRecord.objects.get(pk=record.pk).action == ConsentRecord.Action.GRANT


def test_a_consent_text_in_use_cannot_be_reworded(superuser_client, alice):
    client, _user = superuser_client
    record = services.grant(alice, "ke-newsletter", channel=ConsentRecord.Channel.PORTAL)
    text = record.text
    client.post(
        f"/admin/consent/consenttext/{text.pk}/change/",
        {
            "purpose": text.purpose_id,
            "version": 1,
            "text_sv": "Ändrad",
            "text_en": "Changed",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "00:00:00",
        },
    )
    text.refresh_from_db()
    assert text.text_sv.startswith("Jag vill få Kalmar Energis nyhetsbrev")
