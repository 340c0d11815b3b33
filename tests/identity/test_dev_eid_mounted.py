"""`make run`: the demo provider mounted in the portal, driven over real HTTP end to end."""

import re
from urllib.parse import urlencode

import pytest
import requests

from identity import oidc
from identity.devprovider import views as dev_views
from tests.identity.conftest import local, transaction_id

pytestmark = [pytest.mark.urls("tests.identity.urls_dev"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dev_mode(settings, tmp_path):
    settings.DEBUG = True
    settings.DEV_EID_ENABLED = True
    settings.OIDC_ISSUER = ""
    settings.VAR_DIR = tmp_path
    dev_views._provider = None  # a fresh provider, keeping its key under tmp_path
    oidc.clear_caches()
    yield
    dev_views._provider = None
    oidc.clear_caches()


def csrf_token(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_person_signs_in_with_the_test_eid_during_make_run(dev_mode, live_server):
    browser = requests.Session()
    page = browser.get(f"{live_server.url}/en/identity/?next=/en/", timeout=10)
    assert "Test e-identification (demo only)" in page.text
    start = browser.post(
        f"{live_server.url}/en/identity/eid/start/",
        data={"csrfmiddlewaretoken": csrf_token(page.text), "next": "/en/"},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )
    authorize = start.headers["Location"]
    assert authorize.startswith(f"{live_server.url}/identity/dev-eid/authorize?")
    login = browser.get(authorize, timeout=10)
    assert "Test e-identification (demo only)" in login.text
    assert "191212121212" not in login.text, "the demo page shows masked numbers"
    callback = browser.post(
        f"{live_server.url}/identity/dev-eid/authorize",
        data={"txn": transaction_id(login.text), "action": "approve", "person": "0"},
        allow_redirects=False,
        timeout=10,
    )
    assert callback.headers["Location"].startswith(
        f"{live_server.url}/identity/eid/callback/?code="
    )
    done = browser.get(callback.headers["Location"], allow_redirects=False, timeout=30)
    assert done.status_code == 302, done.text
    assert done.headers["Location"] == "/en/"
    signed_in = browser.get(f"{live_server.url}/en/identity/", timeout=10)
    assert "You are signed in as 19121212-****" in signed_in.text


def test_the_demo_signing_key_is_kept_private_on_disk(dev_mode, live_server, settings):
    requests.get(f"{live_server.url}/identity/dev-eid/jwks", timeout=10)
    key_file = settings.VAR_DIR / "dev-eid" / "signing-key.json"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_the_portal_reaches_the_mounted_provider_without_calling_itself(dev_mode, client):
    """Django's test client has no network server: the back-channel must stay in-process."""
    start = client.post("/identity/eid/start/", {"next": "/en/"})
    authorize = start["Location"]
    assert authorize.startswith("http://testserver/identity/dev-eid/authorize?")
    login = client.get(local(authorize))
    assert login.status_code == 200
    form = {"txn": transaction_id(login.content.decode()), "action": "approve", "person": "2"}
    callback = client.post(
        "/identity/dev-eid/authorize",
        urlencode(form),
        content_type="application/x-www-form-urlencoded",  # as a browser sends a form
    )
    done = client.get(local(callback["Location"]))
    assert done.status_code == 302
    assert done["Location"] == "/en/"
    assert client.session["identity.customer"]["masked"] == "19731105-****"
