"""Personas for the API: a Kalmar Elnät system, a Landskrona system, signed-in customers."""

from importlib import import_module

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, RequestFactory

from datamap import pii
from identity.levels import IdentityLevel, VerificationMethod
from identity.models import ApiClient
from identity.session import VerifiedIdentity, login_customer


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Files of this test in a directory of its own (other runs share var/test)."""
    private = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = private
    storages = {**settings.STORAGES}
    storages["default"] = {
        **storages["default"],
        "OPTIONS": {**storages["default"]["OPTIONS"], "location": private},
    }
    settings.STORAGES = storages


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def system_client(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def sign_in_customer(client: Client, subject, *, level=IdentityLevel.HIGH) -> Client:
    """Put a signed-in customer session (identity.session.login_customer) into `client`."""
    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    number = subject.personal_number
    identity = VerifiedIdentity(
        personal_number_hash=pii.lookup_hash(number),
        masked_personal_number=number.masked(),
        level=level,
        method=VerificationMethod.EID,
        given_name=subject.first_name,
        family_name=subject.last_name,
    )
    login_customer(request, identity, number)
    request.session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = request.session.session_key
    return client


@pytest.fixture
def elnat_system(elnat):
    """A system of Kalmar Energi Elnät (e.g. its customer information system)."""
    client, token = ApiClient.issue(name="elnat-cis", legal_entities=[elnat])
    client.token = token
    return client


@pytest.fixture
def landskrona_system(db):
    from datamap.models import LegalEntity

    client, token = ApiClient.issue(
        name="landskrona-crm", legal_entities=[LegalEntity.objects.get(slug="landskrona-energi")]
    )
    client.token = token
    return client


@pytest.fixture
def elnat_api(elnat_system) -> Client:
    return system_client(elnat_system.token)


@pytest.fixture
def landskrona_api(landskrona_system) -> Client:
    return system_client(landskrona_system.token)
