"""The signed-in customer, kept in the Django session.

Other parts call only what this module offers:

* `login_customer(request, identity, personal_number)` after a successful sign-in,
* `current_identity(request)` and `current_personal_number(request)` to read it back,
* `logout_customer(request)`,
* `@customer_login_required` on views that need a signed-in customer.

A customer session ends after `SESSION_COOKIE_AGE` seconds without a request (idle
timeout) and in any case `IDENTITY_SESSION_MAX_AGE` seconds after sign-in (absolute
cap), so that a forgotten browser on a shared computer does not stay signed in.
Signing out empties the whole session; a timeout ends only the sign-in (see
`_time_out`), and the sign-in page then says why.
The personal number is kept in the session only encrypted (datamap.pii.encrypt);
the identity itself carries the keyed hash and the masked form.
"""

from __future__ import annotations

import datetime
import functools
import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.dispatch import Signal
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from datamap import pii
from identity.levels import IdentityLevel, VerificationMethod

logger = logging.getLogger(__name__)

SESSION_KEY = "identity.customer"
TIMED_OUT_KEY = "identity.timed_out"
_REQUEST_CACHE = "_identity_customer"
_UNSET = object()

DEFAULT_MAX_AGE_SECONDS = 2 * 60 * 60


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who signed in, how, and how strongly (DESIGN.md §6)."""

    personal_number_hash: str
    masked_personal_number: str
    level: str  # IdentityLevel
    method: str  # VerificationMethod
    email: str = ""
    given_name: str = ""
    family_name: str = ""
    verified_at: datetime.datetime = field(default_factory=lambda: timezone.now())

    def __post_init__(self):
        # Refuse values the rest of the portal could not interpret.
        IdentityLevel(self.level)
        VerificationMethod(self.method)
        if timezone.is_naive(self.verified_at):
            raise ValueError("verified_at must be timezone-aware")

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


def _max_age() -> int:
    return int(getattr(settings, "IDENTITY_SESSION_MAX_AGE", DEFAULT_MAX_AGE_SECONDS))


def _idle_age() -> int:
    return int(settings.SESSION_COOKIE_AGE)


# Sent after a customer has signed in, with `identity` (a VerifiedIdentity): the requests
# that waited for this person's identity go on (rights_requests.workflow).
customer_signed_in = Signal()


def login_customer(
    request, identity: VerifiedIdentity, personal_number: pii.PersonalNumber
) -> None:
    """Sign the customer in: new session key (against session fixation), then store who.

    What the visitor was doing before signing in (a draft) is kept; if another
    customer was signed in in this session, everything of theirs is dropped first.
    """
    if pii.lookup_hash(personal_number) != identity.personal_number_hash:
        raise ValueError("the identity and the personal number do not match")
    previous = request.session.get(SESSION_KEY)
    if isinstance(previous, dict) and previous.get("hash") != identity.personal_number_hash:
        request.session.flush()
    _forget(request)
    request.session.pop(TIMED_OUT_KEY, None)
    # A new key for the same data: an attacker who planted a session id before the
    # sign-in cannot ride on the signed-in session (OWASP session fixation).
    request.session.cycle_key()
    now = timezone.now()
    request.session[SESSION_KEY] = {
        "hash": identity.personal_number_hash,
        "masked": identity.masked_personal_number,
        "level": str(identity.level),
        "method": str(identity.method),
        "email": identity.email,
        "given_name": identity.given_name,
        "family_name": identity.family_name,
        "verified_at": identity.verified_at.isoformat(),
        "pn": pii.encrypt(personal_number.digits),
        "started": now.timestamp(),
        "seen": now.timestamp(),
    }
    setattr(request, _REQUEST_CACHE, identity)
    logger.info(
        "customer signed in (%s, level %s, method %s)",
        identity.masked_personal_number,
        identity.level,
        identity.method,
    )
    customer_signed_in.send(sender=VerifiedIdentity, identity=identity)


def logout_customer(request) -> None:
    """Sign the customer out: empty the session and give it a new key.

    Everything else the session held (drafts, pending sign-ins) goes too, so that
    the next person at a shared computer finds nothing of the last one.
    """
    if request.session.get(SESSION_KEY):
        logger.info("customer signed out")
    _end(request)


def _end(request) -> None:
    request.session.flush()
    setattr(request, _REQUEST_CACHE, None)


def _time_out(request) -> None:
    """End the sign-in but keep what the visitor was doing (e.g. a draft being typed).

    An idle session is gone altogether anyway (Django expires it after
    SESSION_COOKIE_AGE); this matters for the absolute cap, which can strike while the
    person is active, and they should not lose their work to it.
    """
    _forget(request)
    request.session.cycle_key()
    request.session[TIMED_OUT_KEY] = True


def _forget(request) -> None:
    request.session.pop(SESSION_KEY, None)
    setattr(request, _REQUEST_CACHE, None)


def _stored(request) -> dict | None:
    """Return the stored sign-in if it is still valid; end it if it timed out."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    now = timezone.now().timestamp()
    try:
        started, seen = float(data["started"]), float(data["seen"])
    except (KeyError, TypeError, ValueError):
        _forget(request)
        return None
    if now - started >= _max_age() or now - seen >= _idle_age():
        logger.info("customer session timed out")
        _time_out(request)
        return None
    if now - seen >= 1:  # save at most once a second
        data["seen"] = now
        request.session.modified = True
    return data


def current_identity(request) -> VerifiedIdentity | None:
    """Return the signed-in customer's identity, or None (never signed in, timed out)."""
    cached = getattr(request, _REQUEST_CACHE, _UNSET)
    if cached is not _UNSET:
        return cached
    data = _stored(request)
    identity = None
    if data is not None:
        try:
            identity = VerifiedIdentity(
                personal_number_hash=data["hash"],
                masked_personal_number=data["masked"],
                level=data["level"],
                method=data["method"],
                email=data.get("email", ""),
                given_name=data.get("given_name", ""),
                family_name=data.get("family_name", ""),
                verified_at=datetime.datetime.fromisoformat(data["verified_at"]),
            )
        except (KeyError, TypeError, ValueError):
            _forget(request)
            identity = None
    setattr(request, _REQUEST_CACHE, identity)
    return identity


def current_personal_number(request) -> pii.PersonalNumber | None:
    """Return the signed-in customer's personal number (decrypted), or None."""
    if current_identity(request) is None:
        return None
    token = request.session[SESSION_KEY].get("pn", "")
    try:
        number = pii.PersonalNumber(pii.decrypt(token))
    except ValueError:  # the key was rotated away: sign in again
        _forget(request)
        return None
    if pii.lookup_hash(number) != request.session[SESSION_KEY]["hash"]:
        _forget(request)
        return None
    return number


def signed_in_until(request) -> datetime.datetime | None:
    """Return when the current sign-in ends at the latest (the absolute cap), or None."""
    if current_identity(request) is None:
        return None
    started = float(request.session[SESSION_KEY]["started"])
    return datetime.datetime.fromtimestamp(started + _max_age(), tz=datetime.UTC)


def pop_timed_out(request) -> bool:
    """Return True once after a sign-in timed out (to tell the person why)."""
    return bool(request.session.pop(TIMED_OUT_KEY, False))


def safe_next_url(request, candidate: str | None, default: str | None = None) -> str:
    """Return `candidate` if it is a local URL on this host, else `default` (or home)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse("home")


def login_url_for(request) -> str:
    """Return the sign-in page address that comes back to the current page."""
    return f"{reverse('identity:login')}?{urlencode({'next': request.get_full_path()})}"


def customer_login_required(view):
    """Let signed-in customers through; send others to the sign-in page with ?next=.

    Pages behind it show personal data, so they are never cached (shared computers).
    The identity is available to the view as `request.customer`.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        identity = current_identity(request)
        if identity is None:
            response = redirect(login_url_for(request))
        else:
            request.customer = identity
            response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapper
