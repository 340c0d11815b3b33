"""identity.checks: the test e-identification cannot be switched on in production."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from identity.checks import check_dev_eid


def ids(settings):
    return [message.id for message in check_dev_eid()]


def test_dev_eid_without_debug_is_an_error(settings):
    settings.DEBUG, settings.DEV_EID_ENABLED = False, True
    assert ids(settings) == ["identity.E001"]


def test_dev_eid_with_debug_is_fine(settings):
    settings.DEBUG, settings.DEV_EID_ENABLED, settings.OIDC_ISSUER = True, True, ""
    assert ids(settings) == []


def test_manage_check_stops_on_dev_eid_without_debug(settings):
    settings.DEBUG, settings.DEV_EID_ENABLED = False, True
    with pytest.raises(SystemCheckError, match="identity.E001"):
        call_command("check")


def test_an_issuer_without_client_credentials_is_an_error(settings):
    settings.DEV_EID_ENABLED, settings.DEBUG = False, False
    settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = (
        "https://idp.example",
        "",
        "",
    )
    assert ids(settings) == ["identity.E002"]


def test_a_plain_http_issuer_is_an_error_in_production(settings):
    settings.DEV_EID_ENABLED, settings.DEBUG = False, False
    settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = (
        "http://idp.example",
        "a",
        "b",
    )
    assert ids(settings) == ["identity.E003"]


def test_the_demo_provider_is_not_served_without_debug(client, settings):
    settings.DEBUG, settings.DEV_EID_ENABLED = False, True
    assert client.get("/identity/dev-eid/.well-known/openid-configuration").status_code == 404
