"""Sign-in with e-identification over OpenID Connect (DESIGN.md §6; legal-rules.md R23).

BankID and Freja eID+ reach the portal through a broker that speaks OpenID Connect.
The portal is a confidential client using the authorization code flow with PKCE
(RFC 7636, S256), `state` against login CSRF and `nonce` against ID-token replay.

1. `begin()` discovers the provider (/.well-known/openid-configuration), makes a
   fresh state, nonce and code verifier, keeps them in the session under the state,
   and returns the provider's authorization URL.
2. `complete()` takes the callback: it looks the state up in the session (once),
   exchanges the code with the verifier at the token endpoint, verifies the ID
   token's signature against the provider's JWKS and its iss, aud, azp, exp, iat and
   nonce, reads the personal number from the configured claim (or from userinfo,
   for the same `sub`), and returns a VerifiedIdentity at level high (LoA3).

authlib's OAuth2Session does the OAuth side; joserfc (authlib's JOSE successor; the
authlib.jose module is deprecated) does the JWS verification.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass

import requests
from authlib.common.security import is_secure_transport
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import OAuth2Error
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError, MissingKeyError
from joserfc.jwk import KeySet

from datamap import pii
from identity.levels import IdentityLevel, VerificationMethod
from identity.session import VerifiedIdentity

logger = logging.getLogger(__name__)

PENDING_KEY = "identity.oidc.pending"
MAX_PENDING = 5
PENDING_MAX_AGE_SECONDS = 10 * 60
HTTP_TIMEOUT_SECONDS = 10
METADATA_TTL_SECONDS = 60 * 60
CLOCK_LEEWAY_SECONDS = 60
ALLOWED_ALGORITHMS = ["RS256", "PS256", "ES256"]
# The claim name of the Swedish OIDC profile (id.oidc.se), accepted beside the
# configured one.
SWEDISH_PROFILE_CLAIM = "https://id.oidc.se/claim/personalNumber"
DEV_CLIENT_ID = "portal-dev"


class EidError(Exception):
    """The sign-in did not succeed. `reason` names what to tell the person."""

    CANCELLED = "cancelled"
    EXPIRED = "expired"  # unknown or stale state: started in another tab, or too long ago
    FAILED = "failed"  # the provider's answer did not verify
    NO_PERSONAL_NUMBER = "no_personal_number"
    UNAVAILABLE = "unavailable"

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    personal_number_claims: tuple[str, ...]
    acr_values: str = ""
    token_endpoint_auth_method: str = "client_secret_basic"
    demo: bool = False


def dev_provider_enabled() -> bool:
    """True only in development: DEBUG on and DEV_EID_ENABLED set (see identity/checks.py)."""
    return bool(settings.DEBUG and getattr(settings, "DEV_EID_ENABLED", False))


def dev_client_secret() -> str:
    """The demo provider's client secret, derived from SECRET_KEY (same in every process)."""
    return salted_hmac("identity.devprovider.client", DEV_CLIENT_ID, algorithm="sha256").hexdigest()


def dev_issuer(request) -> str:
    """The issuer of the demo provider mounted in this portal, in the default language."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("identity:dev_eid_root")
    return request.build_absolute_uri(path).rstrip("/")


def provider_config(request) -> ProviderConfig | None:
    """Return the configured provider, the demo provider in development, or None."""
    claims = tuple(
        dict.fromkeys(
            [
                getattr(settings, "OIDC_PERSONAL_NUMBER_CLAIM", "personal_number"),
                SWEDISH_PROFILE_CLAIM,
            ]
        )
    )
    issuer = getattr(settings, "OIDC_ISSUER", "")
    if issuer:
        return ProviderConfig(
            issuer=issuer,
            client_id=settings.OIDC_CLIENT_ID,
            client_secret=settings.OIDC_CLIENT_SECRET,
            scopes=settings.OIDC_SCOPES,
            personal_number_claims=claims,
            acr_values=getattr(settings, "OIDC_ACR_VALUES", ""),
            token_endpoint_auth_method=getattr(
                settings, "OIDC_TOKEN_ENDPOINT_AUTH_METHOD", "client_secret_basic"
            ),
        )
    if dev_provider_enabled():
        try:
            issuer = dev_issuer(request)
        except NoReverseMatch:  # settings changed after the URLs were loaded
            return None
        return ProviderConfig(
            issuer=issuer,
            client_id=DEV_CLIENT_ID,
            client_secret=dev_client_secret(),
            scopes=settings.OIDC_SCOPES,
            personal_number_claims=claims,
            acr_values=getattr(settings, "OIDC_ACR_VALUES", ""),
            demo=True,
        )
    return None


# --- Discovery and keys ------------------------------------------------------------------

_cache_lock = threading.Lock()
_metadata_cache: dict[str, tuple[float, dict]] = {}
_jwks_cache: dict[str, tuple[float, KeySet]] = {}


def clear_caches() -> None:
    with _cache_lock:
        _metadata_cache.clear()
        _jwks_cache.clear()


def _mount_demo(session: requests.Session, config: ProviderConfig) -> requests.Session:
    """Route calls to the mounted demo provider inside the process (devprovider/transport.py)."""
    if config.demo:
        from identity.devprovider.transport import WSGIAdapter
        from identity.devprovider.views import mounted_provider

        session.mount(f"{config.issuer}/", WSGIAdapter(mounted_provider(), config.issuer))
    return session


def _get_json(session: requests.Session, url: str) -> dict:
    if not settings.DEBUG and not is_secure_transport(url):
        raise EidError(EidError.UNAVAILABLE, f"refusing plain http outside loopback: {url}")
    try:
        response = session.get(
            url, timeout=HTTP_TIMEOUT_SECONDS, headers={"Accept": "application/json"}
        )
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise EidError(EidError.UNAVAILABLE, f"{url}: {exc.__class__.__name__}") from None
    if not isinstance(data, dict):
        raise EidError(EidError.UNAVAILABLE, f"{url}: not a JSON object")
    return data


def discover(config: ProviderConfig) -> dict:
    """Return the provider's metadata (OpenID Connect Discovery 1.0, §4), cached for an hour."""
    issuer = config.issuer
    now = time.monotonic()
    with _cache_lock:
        cached = _metadata_cache.get(issuer)
    if cached and now - cached[0] < METADATA_TTL_SECONDS:
        return cached[1]
    with _mount_demo(requests.Session(), config) as session:
        metadata = _get_json(session, f"{issuer.rstrip('/')}/.well-known/openid-configuration")
    # §4.3: the issuer in the document must be exactly the one we asked.
    if metadata.get("issuer") != issuer:
        raise EidError(EidError.UNAVAILABLE, "discovery issuer does not match")
    for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(field), str):
            raise EidError(EidError.UNAVAILABLE, f"discovery lacks {field}")
    for field in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"):
        url = metadata.get(field)
        if url is not None and not settings.DEBUG and not is_secure_transport(str(url)):
            raise EidError(EidError.UNAVAILABLE, f"discovery names a plain http {field}")
    methods = metadata.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise EidError(EidError.UNAVAILABLE, "provider does not support PKCE S256")
    with _cache_lock:
        _metadata_cache[issuer] = (now, metadata)
    return metadata


def _keys(config: ProviderConfig, jwks_uri: str, *, refresh: bool = False) -> KeySet:
    """Return the provider's signing keys, cached; `refresh` fetches them again.

    A refresh follows an ID token signed with a key id we do not know (the provider
    rotated its keys). ID tokens come only from the token endpoint, never from the
    browser, so a stranger cannot make us refetch at will.
    """
    now = time.monotonic()
    with _cache_lock:
        cached = _jwks_cache.get(jwks_uri)
    if cached and not refresh and now - cached[0] < METADATA_TTL_SECONDS:
        return cached[1]
    try:
        with _mount_demo(requests.Session(), config) as session:
            keyset = KeySet.import_key_set(_get_json(session, jwks_uri))
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise EidError(EidError.UNAVAILABLE, f"bad JWKS: {exc.__class__.__name__}") from None
    with _cache_lock:
        _jwks_cache[jwks_uri] = (now, keyset)
    return keyset


# --- The flow ----------------------------------------------------------------------------


def _client(config: ProviderConfig, redirect_uri: str) -> OAuth2Session:
    client = OAuth2Session(
        client_id=config.client_id,
        client_secret=config.client_secret,
        token_endpoint_auth_method=config.token_endpoint_auth_method,
        scope=config.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )
    return _mount_demo(client, config)


def callback_uri(request) -> str:
    """The redirect URI registered with the provider, in the default language."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("identity:eid_callback")
    return request.build_absolute_uri(path)


def begin(request, *, next_url: str) -> str:
    """Start a sign-in; return the provider's authorization URL to redirect the browser to."""
    config = provider_config(request)
    if config is None:
        raise EidError(EidError.UNAVAILABLE, "no provider configured")
    metadata = discover(config)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters: within RFC 7636's 43-128
    redirect_uri = callback_uri(request)
    extra = {"nonce": nonce, "ui_locales": translation.get_language() or settings.LANGUAGE_CODE}
    if config.acr_values:
        extra["acr_values"] = config.acr_values
    url, _ = _client(config, redirect_uri).create_authorization_url(
        metadata["authorization_endpoint"], state=state, code_verifier=verifier, **extra
    )
    pending = dict(request.session.get(PENDING_KEY) or {})
    # Keep a few parallel attempts (several tabs), dropping the oldest.
    for old in sorted(pending, key=lambda key: pending[key]["created"])[
        : max(0, len(pending) - MAX_PENDING + 1)
    ]:
        del pending[old]
    pending[state] = {
        "issuer": config.issuer,
        "nonce": nonce,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "next": next_url,
        "language": translation.get_language(),
        "created": time.time(),
    }
    request.session[PENDING_KEY] = pending
    return url


def pending_entry(request, state: str) -> dict:
    """Return a pending sign-in's next URL and language (for its error page), or {}."""
    entry = (request.session.get(PENDING_KEY) or {}).get(state) if state else None
    return {"next": entry["next"], "language": entry.get("language")} if entry else {}


def _take_pending(request, state: str) -> dict:
    pending = dict(request.session.get(PENDING_KEY) or {})
    entry = pending.pop(state, None) if state else None
    request.session[PENDING_KEY] = pending
    if entry is None:
        raise EidError(EidError.EXPIRED, "unknown state")
    if time.time() - entry["created"] > PENDING_MAX_AGE_SECONDS:
        raise EidError(EidError.EXPIRED, "state too old")
    return entry


def complete(request) -> tuple[VerifiedIdentity, pii.PersonalNumber, str]:
    """Finish a sign-in from the callback; return (identity, number, next URL).

    Raises EidError. The state is used once, whatever the outcome.
    """
    params = request.GET
    entry = _take_pending(request, params.get("state", ""))
    if params.get("error"):
        error = re.sub(r"[^a-z_]", "", params["error"].lower())[:40]  # keep the log clean
        reason = EidError.CANCELLED if error == "access_denied" else EidError.FAILED
        raise EidError(reason, f"provider error {error}")
    code = params.get("code")
    if not code:
        raise EidError(EidError.FAILED, "no code in callback")
    config = provider_config(request)
    if config is None or config.issuer != entry["issuer"]:
        raise EidError(EidError.EXPIRED, "provider changed during sign-in")
    # RFC 9207: a provider that names itself in the response must be the one we asked
    # (against mix-up attacks when more than one provider is configured over time).
    if "iss" in params and params["iss"] != config.issuer:
        raise EidError(EidError.FAILED, "authorization response from another issuer")
    metadata = discover(config)
    client = _client(config, entry["redirect_uri"])
    try:
        token = client.fetch_token(
            metadata["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            code_verifier=entry["verifier"],
            redirect_uri=entry["redirect_uri"],
            timeout=HTTP_TIMEOUT_SECONDS,
        )
    except OAuth2Error as exc:
        error = re.sub(r"[^a-z_]", "", str(exc.error).lower())[:40]
        raise EidError(EidError.FAILED, f"token endpoint: {error}") from None
    except (requests.RequestException, ValueError) as exc:
        raise EidError(EidError.UNAVAILABLE, f"token endpoint: {exc.__class__.__name__}") from None
    id_token = token.get("id_token")
    if not id_token:
        raise EidError(EidError.FAILED, "no id_token in token response")
    claims = verify_id_token(id_token, config=config, metadata=metadata, nonce=entry["nonce"])
    number = _personal_number(claims, config)
    if number is None and metadata.get("userinfo_endpoint") and token.get("access_token"):
        userinfo = _userinfo(client, metadata["userinfo_endpoint"], token)
        # OpenID Connect Core §5.3.2: the userinfo sub must equal the ID token's.
        if not hmac.compare_digest(str(userinfo.get("sub", "")), str(claims["sub"])):
            raise EidError(EidError.FAILED, "userinfo sub differs from ID token sub")
        claims = {**userinfo, **claims}
        number = _personal_number(claims, config)
    if number is None:
        raise EidError(EidError.NO_PERSONAL_NUMBER, "no personal number claim")
    identity = VerifiedIdentity(
        personal_number_hash=pii.lookup_hash(number),
        masked_personal_number=number.masked(),
        level=IdentityLevel.HIGH,
        method=VerificationMethod.EID,
        email="",  # an e-mail from the broker is not a contact point on record
        given_name=str(claims.get("given_name", ""))[:100],
        family_name=str(claims.get("family_name", ""))[:100],
        verified_at=timezone.now(),
    )
    return identity, number, entry["next"]


def verify_id_token(id_token: str, *, config: ProviderConfig, metadata: dict, nonce: str) -> dict:
    """Verify the signature and the claims of an ID token (OpenID Connect Core §3.1.3.7)."""
    try:
        keyset = _keys(config, metadata["jwks_uri"])
        try:
            decoded = jwt.decode(id_token, keyset, algorithms=ALLOWED_ALGORITHMS)
        except (InvalidKeyIdError, MissingKeyError):
            # The provider may have rotated its keys since we cached them.
            keyset = _keys(config, metadata["jwks_uri"], refresh=True)
            decoded = jwt.decode(id_token, keyset, algorithms=ALLOWED_ALGORITHMS)
    except (JoseError, ValueError, TypeError) as exc:
        raise EidError(EidError.FAILED, f"ID token signature: {exc.__class__.__name__}") from None
    claims = decoded.claims
    if claims.get("iss") != config.issuer:
        raise EidError(EidError.FAILED, "ID token iss mismatch")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or config.client_id not in audiences:
        raise EidError(EidError.FAILED, "ID token aud mismatch")
    if len(audiences) > 1 and claims.get("azp") != config.client_id:
        raise EidError(EidError.FAILED, "ID token azp mismatch")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise EidError(EidError.FAILED, "ID token without sub")
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce, nonce):
        raise EidError(EidError.FAILED, "ID token nonce mismatch")
    registry = jwt.JWTClaimsRegistry(
        leeway=CLOCK_LEEWAY_SECONDS,
        now=lambda: int(timezone.now().timestamp()),
        exp={"essential": True},
        iat={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise EidError(EidError.FAILED, f"ID token claims: {exc.__class__.__name__}") from None
    if config.acr_values and claims.get("acr") not in config.acr_values.split():
        raise EidError(EidError.FAILED, "ID token acr below the requested level")
    return claims


def _userinfo(client: OAuth2Session, url: str, token: dict) -> dict:
    try:
        client.token = token
        response = client.get(url, timeout=HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError, OAuth2Error) as exc:
        raise EidError(EidError.UNAVAILABLE, f"userinfo: {exc.__class__.__name__}") from None
    if not isinstance(data, dict):
        raise EidError(EidError.FAILED, "userinfo is not a JSON object")
    return data


def _personal_number(claims: dict, config: ProviderConfig) -> pii.PersonalNumber | None:
    for name in config.personal_number_claims:
        value = claims.get(name)
        if isinstance(value, str) and value:
            try:
                return pii.parse_personal_number(value)
            except pii.InvalidPersonalNumber:
                raise EidError(EidError.NO_PERSONAL_NUMBER, f"claim {name} is not valid") from None
    return None
