"""Personas for the staff admin: staff of Elnät, Värme and Landskrona, a DPO, an administrator.

Each signs in with a verified second factor (a confirmed TOTP device in the session).
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from datamap.models import LegalEntity, Organisation
from identity.levels import IdentityLevel
from rights_requests import roles
from tests.rights_requests.factories import file_request

PASSWORD = "correct horse battery staple"


def make_staff(username, role, *, organisations=(), entities=(), device=True):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    roles.grant_role(user, role, organisations=list(organisations), legal_entities=list(entities))
    if device:
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def verified_client(user) -> Client:
    """A client signed in as `user` with their TOTP device verified for the session."""
    client = Client(
        HTTP_ACCEPT_LANGUAGE="en"
    )  # the assertions read English; Swedish is tested apart
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def entities(db):
    return {e.slug: e for e in LegalEntity.objects.all()}


@pytest.fixture
def varme(entities):
    return entities["kalmar-energi-varme"]


@pytest.fixture
def landskrona_entity(entities):
    return entities["landskrona-energi"]


@pytest.fixture
def elnat_staff(elnat):
    return make_staff("eva.elnat", roles.CUSTOMER_SERVICE, entities=[elnat])


@pytest.fixture
def varme_staff(varme):
    return make_staff("vera.varme", roles.CUSTOMER_SERVICE, entities=[varme])


@pytest.fixture
def landskrona_staff(landskrona):
    return make_staff("lars.landskrona", roles.CUSTOMER_SERVICE, organisations=[landskrona])


@pytest.fixture
def dpo(kalmar):
    return make_staff("dora.dpo", roles.DPO, organisations=[kalmar])


@pytest.fixture
def second_dpo(kalmar):
    return make_staff("dan.dpo", roles.DPO, organisations=[kalmar])


@pytest.fixture
def administrator(db):
    return make_staff("ada.admin", roles.ADMINISTRATOR)


@pytest.fixture
def requests_everywhere(make_subject, elnat, varme, landskrona_entity):
    """One in-progress request at Elnät, Värme and Landskrona each."""
    return {
        "elnat": file_request(make_subject(first_name="Elin"), elnat, level=IdentityLevel.HIGH),
        "varme": file_request(make_subject(first_name="Vilma"), varme, level=IdentityLevel.HIGH),
        "landskrona": file_request(
            make_subject(first_name="Linn"), landskrona_entity, level=IdentityLevel.HIGH
        ),
    }


__all__ = ["Organisation", "PASSWORD", "make_staff", "verified_client"]


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the admin's English texts. The admin lives outside the language
    prefixes, so it speaks LANGUAGE_CODE (Swedish in production; tests/i18n checks it);
    its messages are also evaluated after the request, in the test's own language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
