"""Personas for the consent tests: Alice and Bob (customers), and a signed-in browser."""

from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from datamap import pii
from identity.levels import IdentityLevel, VerificationMethod
from identity.session import VerifiedIdentity, login_customer

METHOD_FOR = {
    IdentityLevel.HIGH: VerificationMethod.EID,
    IdentityLevel.SUBSTANTIAL: VerificationMethod.KNOWN_EMAIL_CODE,
    IdentityLevel.LOW: VerificationMethod.EMAIL_CODE,
}


def sign_in(client: Client, number: pii.PersonalNumber, *, level=IdentityLevel.HIGH) -> Client:
    """Put a signed-in customer session (identity.session.login_customer) into `client`."""
    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    identity = VerifiedIdentity(
        personal_number_hash=pii.lookup_hash(number),
        masked_personal_number=number.masked(),
        level=level,
        method=METHOD_FOR[level],
    )
    login_customer(request, identity, number)
    request.session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = request.session.session_key
    return client


@pytest.fixture
def alice(make_subject):
    return make_subject("Alice", "Andersson")


@pytest.fixture
def bob(make_subject):
    return make_subject("Bob", "Berg", birth="19700101")
