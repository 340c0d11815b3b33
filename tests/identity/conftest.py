"""Fixtures for the identity tests: the demonstration OpenID Connect provider on loopback."""

import re
from urllib.parse import urlsplit

import pytest
import requests

from identity import oidc
from identity.devprovider.app import Client, DevOpenIDProvider, generate_signing_key
from identity.devprovider.server import serve

CLIENT_ID = "portal-test"
CLIENT_SECRET = "test-client-secret-that-is-long-enough"
CALLBACK = "http://testserver/identity/eid/callback/"


@pytest.fixture(scope="session")
def signing_key():
    return generate_signing_key()


@pytest.fixture
def eid_provider(settings, signing_key):
    """A real OpenID Connect provider on a loopback port, configured as the portal's broker."""
    provider = DevOpenIDProvider(
        clients=[Client(CLIENT_ID, CLIENT_SECRET, redirect_uris=(CALLBACK,))],
        signing_key=signing_key,
    )
    with serve(provider) as issuer:
        settings.OIDC_ISSUER = issuer
        settings.OIDC_CLIENT_ID = CLIENT_ID
        settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
        settings.DEV_EID_ENABLED = False
        oidc.clear_caches()
        yield provider
    oidc.clear_caches()


def transaction_id(html: str) -> str:
    match = re.search(r'name="txn" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def local(url: str) -> str:
    """Turn http://testserver/path?query into /path?query for Django's test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


class EidBrowser:
    """Drives the redirect flow: portal (test client) <-> provider (real HTTP)."""

    def __init__(self, client, provider):
        self.client = client
        self.provider = provider
        self.http = requests.Session()

    def start(self, next_url="/en/", language_prefix="/en"):  # the assertions read English
        response = self.client.post(f"{language_prefix}/identity/eid/start/", {"next": next_url})
        assert response.status_code == 302, response.content
        return response["Location"]

    def login_page(self, authorize_url):
        return self.http.get(authorize_url, timeout=10)

    def approve(self, authorize_url, **form):
        page = self.login_page(authorize_url)
        assert page.status_code == 200, page.text
        data = {"txn": transaction_id(page.text), "action": "approve", "person": "1", **form}
        answer = self.http.post(
            f"{self.provider.issuer}/authorize", data=data, allow_redirects=False, timeout=10
        )
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]

    def sign_in(self, next_url="/en/", language_prefix="/en", **form):
        """Run the whole flow; return the portal's response to the callback."""
        callback = self.approve(self.start(next_url, language_prefix), **form)
        assert callback.startswith(CALLBACK)
        return self.client.get(local(callback))


@pytest.fixture
def eid_browser(client, eid_provider):
    return EidBrowser(client, eid_provider)
