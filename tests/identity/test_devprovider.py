"""The demonstration provider speaks OpenID Connect and enforces PKCE (RFC 7636)."""

import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from identity.devprovider.app import s256
from tests.identity.conftest import CALLBACK, CLIENT_ID, CLIENT_SECRET, transaction_id


def authorize_url(issuer, **overrides):
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": "openid profile",
        "state": "s-123",
        "nonce": "n-456",
        **overrides,
    }
    return f"{issuer}/authorize?{urlencode({k: v for k, v in params.items() if v is not None})}"


def get_code(provider, verifier, **overrides):
    http = requests.Session()
    page = http.get(
        authorize_url(
            provider.issuer,
            code_challenge=s256(verifier),
            code_challenge_method="S256",
            **overrides,
        ),
        timeout=10,
    )
    assert page.status_code == 200, page.text
    answer = http.post(
        f"{provider.issuer}/authorize",
        data={"txn": transaction_id(page.text), "action": "approve", "person": "0"},
        allow_redirects=False,
        timeout=10,
    )
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["s-123"]
    return query["code"][0]


def exchange(provider, code, verifier, *, auth=(CLIENT_ID, CLIENT_SECRET), redirect_uri=CALLBACK):
    return requests.post(
        f"{provider.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
        },
        auth=auth,
        timeout=10,
    )


def refusal(response):
    return parse_qs(urlsplit(response.headers["Location"]).query)


def test_discovery_names_the_endpoints_and_s256(eid_provider):
    metadata = requests.get(
        f"{eid_provider.issuer}/.well-known/openid-configuration", timeout=10
    ).json()
    assert metadata["issuer"] == eid_provider.issuer
    assert metadata["token_endpoint"] == f"{eid_provider.issuer}/token"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]


def test_an_authorization_request_without_pkce_is_refused(eid_provider):
    response = requests.get(authorize_url(eid_provider.issuer), allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert refusal(response)["error"] == ["invalid_request"]
    assert refusal(response)["state"] == ["s-123"]


def test_the_plain_pkce_method_is_refused(eid_provider):
    url = authorize_url(eid_provider.issuer, code_challenge="a" * 43, code_challenge_method="plain")
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert refusal(response)["error"] == ["invalid_request"]


def test_an_unregistered_redirect_uri_gets_no_redirect(eid_provider):
    url = authorize_url(
        eid_provider.issuer,
        redirect_uri="https://evil.example/cb",
        code_challenge="a" * 43,
        code_challenge_method="S256",
    )
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_the_token_endpoint_checks_the_code_verifier(eid_provider):
    verifier = secrets.token_urlsafe(48)
    code = get_code(eid_provider, verifier)
    response = exchange(eid_provider, code, secrets.token_urlsafe(48))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_the_token_endpoint_requires_a_code_verifier(eid_provider):
    code = get_code(eid_provider, secrets.token_urlsafe(48))
    response = exchange(eid_provider, code, "")
    assert response.json()["error"] == "invalid_grant"


def test_a_code_is_exchanged_once_only(eid_provider):
    verifier = secrets.token_urlsafe(48)
    code = get_code(eid_provider, verifier)
    assert exchange(eid_provider, code, verifier).status_code == 200
    assert exchange(eid_provider, code, verifier).json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_refused(eid_provider):
    verifier = secrets.token_urlsafe(48)
    code = get_code(eid_provider, verifier)
    response = exchange(eid_provider, code, verifier, auth=(CLIENT_ID, "wrong"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_the_redirect_uri_must_match_the_authorization_request(eid_provider):
    verifier = secrets.token_urlsafe(48)
    code = get_code(eid_provider, verifier)
    response = exchange(eid_provider, code, verifier, redirect_uri="http://testserver/other/")
    assert response.json()["error"] == "invalid_grant"


def test_the_id_token_is_rs256_signed_by_the_published_key(eid_provider):
    verifier = secrets.token_urlsafe(48)
    tokens = exchange(eid_provider, get_code(eid_provider, verifier), verifier).json()
    jwks = requests.get(f"{eid_provider.issuer}/jwks", timeout=10).json()
    assert all("d" not in key for key in jwks["keys"]), "no private key material"
    decoded = jwt.decode(tokens["id_token"], KeySet.import_key_set(jwks), algorithms=["RS256"])
    assert decoded.header["alg"] == "RS256"
    assert decoded.claims["iss"] == eid_provider.issuer
    assert decoded.claims["aud"] == CLIENT_ID
    assert decoded.claims["nonce"] == "n-456"
    assert decoded.claims["personal_number"] == "191212121212"
    userinfo = requests.get(
        f"{eid_provider.issuer}/userinfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert userinfo.json()["sub"] == decoded.claims["sub"]


def test_userinfo_needs_a_valid_access_token(eid_provider):
    response = requests.get(
        f"{eid_provider.issuer}/userinfo", headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert response.status_code == 401


@pytest.mark.parametrize("entered", ["", "19121212-1213"])
def test_the_login_form_explains_a_missing_or_invalid_number(eid_provider, entered):
    http = requests.Session()
    page = http.get(
        authorize_url(eid_provider.issuer, code_challenge="a" * 43, code_challenge_method="S256"),
        timeout=10,
    )
    answer = http.post(
        f"{eid_provider.issuer}/authorize",
        data={
            "txn": transaction_id(page.text),
            "action": "approve",
            "person": "other",
            "personal_number": entered,
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 400
    assert 'aria-describedby="pn-error pn-help"' in answer.text
    assert 'id="pn-error"' in answer.text
    assert "demo only" in answer.text


def test_the_login_form_lists_the_demo_people(eid_provider):
    """Each demo person is a choice, by name and masked number, before "another number"."""
    page = requests.get(
        authorize_url(eid_provider.issuer, code_challenge="a" * 43, code_challenge_method="S256"),
        timeout=10,
    )
    assert page.status_code == 200
    assert eid_provider.people
    for index, person in enumerate(eid_provider.people):
        assert f'id="person-{index}"' in page.text
        assert f"{person.given_name} {person.family_name}" in page.text
    assert page.text.index('id="person-0"') < page.text.index('id="person-other"')
