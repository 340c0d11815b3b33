"""Personas for the customer portal: Alice (signed in), Bob (another customer), files."""

import datetime
from importlib import import_module

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client, RequestFactory
from django.utils import timezone

from datamap import pii
from datamap.models import LegalEntity
from identity.levels import IdentityLevel, VerificationMethod
from identity.session import VerifiedIdentity, login_customer
from rights_requests.models import Artifact

METHOD_FOR = {
    IdentityLevel.HIGH: VerificationMethod.EID,
    IdentityLevel.SUBSTANTIAL: VerificationMethod.KNOWN_EMAIL_CODE,
    IdentityLevel.LOW: VerificationMethod.EMAIL_CODE,
}


def sign_in(
    client: Client,
    number: pii.PersonalNumber,
    *,
    level=IdentityLevel.HIGH,
    email="",
    given_name="",
    family_name="",
) -> Client:
    """Put a signed-in customer session (identity.session.login_customer) into `client`."""
    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    identity = VerifiedIdentity(
        personal_number_hash=pii.lookup_hash(number),
        masked_personal_number=number.masked(),
        level=level,
        method=METHOD_FOR[level],
        email=email,
        given_name=given_name,
        family_name=family_name,
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


@pytest.fixture
def alice_client(client, alice):
    return sign_in(
        client,
        alice.personal_number,
        email="alice@example.org",
        given_name="Alice",
        family_name="Andersson",
    )


@pytest.fixture
def landskrona_entity(db):
    return LegalEntity.objects.get(slug="landskrona-energi")


@pytest.fixture
def private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    return tmp_path


def make_artifact(
    request,
    *,
    kind=Artifact.Kind.REGISTER_EXTRACT,
    content=b"%PDF-1.7 extract",
    expires_in_days=30,
    filename="registerutdrag.pdf",
):
    artifact = Artifact(
        request=request,
        kind=kind,
        filename=filename,
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
        expires_at=timezone.now() + datetime.timedelta(days=expires_in_days),
    )
    artifact.file.save(filename, ContentFile(content), save=False)
    artifact.save()
    return artifact
