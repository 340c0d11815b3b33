"""A small, real OpenID Connect provider for tests and demonstration installations.

It speaks the protocol the portal's client speaks to a BankID/Freja broker:
discovery, an authorization endpoint with a login page where the tester chooses a
demo person, a token endpoint that checks the client secret and PKCE (S256 only,
RFC 7636 §4.6), a JWKS endpoint, userinfo, and RS256-signed ID tokens.

It is a plain WSGI application (no Django needed), so that the test suite can run it
on a loopback port in a thread, and `make run` can mount it inside the portal in
development (identity/devprovider/views.py). It never runs in production: see
identity/checks.py.

`faults` makes it misbehave on purpose, for tests of the client's checks:
wrong_nonce, bad_signature, foreign_key, wrong_issuer, wrong_audience, expired,
omit_personal_number, personal_number_in_userinfo_only, userinfo_other_sub.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit
from wsgiref.util import application_uri

from joserfc import jwt
from joserfc.jwk import RSAKey

from datamap import pii
from identity.devprovider import pages
from identity.devprovider.pages import DEMO_PEOPLE, TEXT, DemoPerson, status_line

LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
CODE_TTL_SECONDS = 60
TOKEN_TTL_SECONDS = 300
TRANSACTION_TTL_SECONDS = 600
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # RFC 7636 §4.1


@dataclass(frozen=True)
class Client:
    client_id: str
    secret: str
    redirect_uris: tuple[str, ...] = ()
    # For the provider mounted inside the portal: any redirect URI on the provider's own
    # origin is the portal's.
    same_origin_redirects: bool = False


@dataclass
class _Transaction:
    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    code_challenge: str
    scope: str
    language: str
    created: float = field(default_factory=time.time)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def s256(verifier: str) -> str:
    """Return the S256 code challenge for a verifier (RFC 7636 §4.2)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


class DevOpenIDProvider:
    """A WSGI application: the demonstration OpenID Connect provider."""

    def __init__(
        self,
        *,
        clients: list[Client],
        issuer: str | None = None,
        signing_key: RSAKey | None = None,
        people: tuple[DemoPerson, ...] = DEMO_PEOPLE,
        personal_number_claim: str = "personal_number",
        stylesheet: str | None = None,
    ):
        self.clients = {client.client_id: client for client in clients}
        self.issuer = issuer.rstrip("/") if issuer else None
        self.key = signing_key or generate_signing_key()
        self.people = people
        self.personal_number_claim = personal_number_claim
        self.stylesheet = stylesheet
        self.faults: set[str] = set()
        self._lock = threading.Lock()
        self._transactions: dict[str, _Transaction] = {}
        self._codes: dict[str, dict] = {}
        self._tokens: dict[str, dict] = {}
        self._foreign_key: RSAKey | None = None
        self._sub_key = hashlib.sha256(self.key.thumbprint().encode()).digest()

    # --- WSGI plumbing --------------------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET").upper()
        routes = {
            "/.well-known/openid-configuration": self.discovery,
            "/authorize": self.authorize,
            "/token": self.token,
            "/jwks": self.jwks,
            "/userinfo": self.userinfo,
        }
        handler = routes.get(path.rstrip("/") or "/")
        if handler is None:
            status, headers, body = self._page(404, "Not found", "<p>Not found.</p>", "en")
        else:
            status, headers, body = handler(environ, method)
        start_response(status, headers)
        return [body]

    def issuer_for(self, environ) -> str:
        return (
            environ.get("devprovider.issuer") or self.issuer or application_uri(environ).rstrip("/")
        )

    @staticmethod
    def _form(environ) -> dict[str, str]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(min(length, 64 * 1024)) if length else b""
        return {key: values[0] for key, values in parse_qs(raw.decode("utf-8", "replace")).items()}

    @staticmethod
    def _query(environ) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}

    @staticmethod
    def _json(status: int, data: dict, extra_headers=()):
        body = json.dumps(data).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("Cache-Control", "no-store"),
            ("Content-Length", str(len(body))),
            *extra_headers,
        ]
        return status_line(status), headers, body

    @staticmethod
    def _redirect(location: str):
        return "302 Found", [("Location", location), ("Cache-Control", "no-store")], b""

    def _page(self, status: int, title: str, content: str, language: str):
        return pages.page(status, title, content, language, stylesheet=self.stylesheet)

    def _login_page(self, environ, transaction_id: str, language: str, error: str = "", form=None):
        content = pages.login_form(
            action=f"{self.issuer_for(environ)}/authorize",
            transaction_id=transaction_id,
            language=language,
            people=self.people,
            error=error,
            form=form or {},
        )
        return self._page(400 if error else 200, TEXT[language]["title"], content, language)

    def _prune(self) -> None:
        now = time.time()
        with self._lock:
            for store, ttl in (
                (self._transactions, TRANSACTION_TTL_SECONDS),
                (self._codes, CODE_TTL_SECONDS),
                (self._tokens, TOKEN_TTL_SECONDS),
            ):
                for key in [k for k, v in store.items() if now - _created(v) > ttl]:
                    del store[key]

    # --- Endpoints ----------------------------------------------------------------------

    def discovery(self, environ, method):
        issuer = self.issuer_for(environ)
        return self._json(
            200,
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token",
                "userinfo_endpoint": f"{issuer}/userinfo",
                "jwks_uri": f"{issuer}/jwks",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": [
                    "openid",
                    "profile",
                    "https://id.oidc.se/scope/naturalPersonNumber",
                ],
                "claims_supported": [
                    "sub",
                    "given_name",
                    "family_name",
                    "name",
                    self.personal_number_claim,
                ],
                "acr_values_supported": [LOA3],
                "ui_locales_supported": ["sv", "en"],
                "authorization_response_iss_parameter_supported": True,
            },
        )

    def jwks(self, environ, method):
        return self._json(200, {"keys": [self.key.as_dict(private=False)]})

    def _redirect_allowed(self, client: Client, redirect_uri: str, issuer: str) -> bool:
        if redirect_uri in client.redirect_uris:
            return True
        if client.same_origin_redirects and redirect_uri:
            mine, theirs = urlsplit(issuer), urlsplit(redirect_uri)
            return (mine.scheme, mine.netloc) == (
                theirs.scheme,
                theirs.netloc,
            ) and not theirs.fragment
        return False

    def authorize(self, environ, method):
        self._prune()
        if method == "POST":
            return self._authorize_decision(environ)
        params = self._query(environ)
        language = "sv" if params.get("ui_locales", "").startswith("sv") else "en"
        text = TEXT[language]
        client = self.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        issuer = self.issuer_for(environ)
        # RFC 6749 §4.1.2.1: never redirect to an unverified redirect URI.
        if client is None or not self._redirect_allowed(client, redirect_uri, issuer):
            return self._page(
                400,
                text["bad_request"],
                f"<h1>{html.escape(text['bad_request'])}</h1><p>unknown client or redirect_uri</p>",
                language,
            )
        state = params.get("state", "")

        def refuse(error: str, description: str):
            query = {"error": error, "error_description": description}
            if state:
                query["state"] = state
            return self._redirect(_with_query(redirect_uri, query))

        if params.get("response_type") != "code":
            return refuse("unsupported_response_type", "only the code flow is supported")
        if "openid" not in params.get("scope", "").split():
            return refuse("invalid_scope", "the openid scope is required")
        # PKCE is mandatory here, and only with S256 (RFC 7636 §4.4.1, §7.2).
        if not params.get("code_challenge"):
            return refuse("invalid_request", "code_challenge is required")
        if params.get("code_challenge_method") != "S256":
            return refuse("invalid_request", "code_challenge_method must be S256")
        transaction_id = secrets.token_urlsafe(24)
        with self._lock:
            self._transactions[transaction_id] = _Transaction(
                client_id=client.client_id,
                redirect_uri=redirect_uri,
                state=state,
                nonce=params.get("nonce", ""),
                code_challenge=params["code_challenge"],
                scope=params["scope"],
                language=language,
            )
        return self._login_page(environ, transaction_id, language)

    def _authorize_decision(self, environ):
        form = self._form(environ)
        with self._lock:
            transaction = self._transactions.get(form.get("txn", ""))
        if transaction is None:
            return self._page(
                400, TEXT["en"]["bad_request"], "<p>Unknown or expired sign-in.</p>", "en"
            )
        text = TEXT[transaction.language]
        query_state = {"state": transaction.state} if transaction.state else {}
        if form.get("action") == "cancel":
            with self._lock:
                self._transactions.pop(form["txn"], None)
            return self._redirect(
                _with_query(transaction.redirect_uri, {"error": "access_denied", **query_state})
            )
        choice = form.get("person", "")
        if choice == "other":
            try:
                number = pii.parse_personal_number(form.get("personal_number", ""))
            except pii.InvalidPersonalNumber as exc:
                return self._login_page(environ, form["txn"], transaction.language, str(exc), form)
            person = DemoPerson(
                number.digits,
                form.get("given_name", "").strip()[:100],
                form.get("family_name", "").strip()[:100],
            )
        elif choice.isdigit() and int(choice) < len(self.people):
            person = self.people[int(choice)]
        else:
            return self._login_page(
                environ, form["txn"], transaction.language, text["pn_missing"], form
            )
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._transactions.pop(form["txn"], None)
            self._codes[code] = {
                "transaction": transaction,
                "person": person,
                "created": time.time(),
            }
        issuer = self.issuer_for(environ)
        # RFC 9207: name the issuer in the response.
        return self._redirect(
            _with_query(transaction.redirect_uri, {"code": code, **query_state, "iss": issuer})
        )

    def _authenticate_client(self, environ, form) -> Client | None:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:], validate=True).decode()
                client_id, _, secret = decoded.partition(":")
            except (ValueError, UnicodeDecodeError):
                return None
            client_id, secret = unquote_plus(client_id), unquote_plus(secret)  # RFC 6749 §2.3.1
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        client = self.clients.get(client_id)
        if client is None or not hmac.compare_digest(client.secret.encode(), secret.encode()):
            return None
        return client

    def token(self, environ, method):
        self._prune()
        if method != "POST":
            return self._json(405, {"error": "invalid_request"}, [("Allow", "POST")])
        form = self._form(environ)
        client = self._authenticate_client(environ, form)
        if client is None:
            return self._json(
                401, {"error": "invalid_client"}, [("WWW-Authenticate", 'Basic realm="token"')]
            )
        if form.get("grant_type") != "authorization_code":
            return self._json(400, {"error": "unsupported_grant_type"})
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # single use
        if grant is None:
            return self._json(
                400, {"error": "invalid_grant", "error_description": "unknown or used code"}
            )
        transaction: _Transaction = grant["transaction"]
        if transaction.client_id != client.client_id or transaction.redirect_uri != form.get(
            "redirect_uri"
        ):
            return self._json(
                400, {"error": "invalid_grant", "error_description": "client or redirect_uri"}
            )
        verifier = form.get("code_verifier", "")
        if not _VERIFIER.match(verifier) or not hmac.compare_digest(
            s256(verifier), transaction.code_challenge
        ):
            return self._json(
                400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
            )
        issuer = self.issuer_for(environ)
        person: DemoPerson = grant["person"]
        access_token = secrets.token_urlsafe(32)
        claims = self._person_claims(person)
        with self._lock:
            self._tokens[access_token] = {"claims": claims, "created": time.time()}
        return self._json(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": TOKEN_TTL_SECONDS,
                "scope": transaction.scope,
                "id_token": self._id_token(issuer, client, transaction, claims),
            },
        )

    def _person_claims(self, person: DemoPerson) -> dict:
        sub = hmac.new(self._sub_key, person.personal_number.encode(), hashlib.sha256).hexdigest()
        claims = {"sub": sub}
        if person.given_name or person.family_name:
            claims.update(
                given_name=person.given_name,
                family_name=person.family_name,
                name=f"{person.given_name} {person.family_name}".strip(),
            )
        if "omit_personal_number" not in self.faults:
            claims[self.personal_number_claim] = person.personal_number
        return claims

    def _id_token(
        self, issuer: str, client: Client, transaction: _Transaction, claims: dict
    ) -> str:
        now = int(time.time())
        payload = {
            **claims,
            "iss": issuer,
            "aud": client.client_id,
            "iat": now,
            "auth_time": now,
            "exp": now + TOKEN_TTL_SECONDS,
            "acr": LOA3,
        }
        if transaction.nonce:
            payload["nonce"] = transaction.nonce
        if "personal_number_in_userinfo_only" in self.faults:
            payload.pop(self.personal_number_claim, None)
        if "wrong_nonce" in self.faults:
            payload["nonce"] = "not-" + transaction.nonce
        if "wrong_issuer" in self.faults:
            payload["iss"] = issuer + "/elsewhere"
        if "wrong_audience" in self.faults:
            payload["aud"] = "some-other-client"
        if "expired" in self.faults:
            payload["iat"], payload["exp"] = now - 3600, now - 1800
        key = self.key
        if "foreign_key" in self.faults:
            if self._foreign_key is None:
                self._foreign_key = generate_signing_key()
            key = self._foreign_key
            key_id = self.key.kid  # pretend to be signed with the published key
        else:
            key_id = key.kid
        token = jwt.encode({"alg": "RS256", "typ": "JWT", "kid": key_id}, payload, key)
        if "bad_signature" in self.faults:
            head, body, signature = token.split(".")
            raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
            raw[len(raw) // 2] ^= 0x01
            token = f"{head}.{body}.{_b64url(bytes(raw))}"
        return token

    def userinfo(self, environ, method):
        self._prune()
        header = environ.get("HTTP_AUTHORIZATION", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        with self._lock:
            grant = self._tokens.get(token)
        if grant is None:
            return self._json(
                401,
                {"error": "invalid_token"},
                [("WWW-Authenticate", 'Bearer error="invalid_token"')],
            )
        claims = dict(grant["claims"])
        if "userinfo_other_sub" in self.faults:
            claims["sub"] = "someone-else"
        return self._json(200, claims)


def generate_signing_key() -> RSAKey:
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"})
    key.ensure_kid()
    return key


def _created(value) -> float:
    return value.created if isinstance(value, _Transaction) else value["created"]


def _with_query(uri: str, params: dict) -> str:
    return f"{uri}{'&' if urlsplit(uri).query else '?'}{urlencode(params)}"
