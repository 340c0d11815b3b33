"""Sign-in with a one-time code sent by e-mail (DESIGN.md §6; legal-rules.md R23).

The person gives a personal number and an e-mail address; a six-digit code goes to
that address. Entering it proves control of the address. The level depends on whether
the address is a contact point on record for that personal number (EDPB-GL §72):

* substantial: a DataSubject with that personal number has that e-mail address;
* low: otherwise (the address is only the person's own word).

The answer to the request is the same whether or not the person or the address is
known (no enumeration), and the level is decided only when the code is entered, so
the request step takes the same path for everyone.

A code is stored only as an HMAC, expires after `CODE_TTL` (ten minutes; valid while
now < expires_at), and is void after `MAX_ATTEMPTS` wrong guesses. Requests are rate
limited per personal number, per e-mail address and per client address (Issue 3,
scope item 8); the limits are in settings.IDENTITY_CODE_RATE_LIMITS.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac

from datamap import pii
from identity import ratelimit
from identity.levels import IdentityLevel, VerificationMethod
from identity.models import EmailChallenge
from identity.session import VerifiedIdentity

logger = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
CODE_DIGITS = 6

# For each key, one or more (limit, window in seconds). The daily caps bound a slow
# guessing attack on one person: at most 10 codes x 5 tries a day for a 1-in-a-million
# code.
DEFAULT_RATE_LIMITS = {
    "personal_number": [(5, 3600), (10, 86400)],
    "email": [(5, 3600), (10, 86400)],
    "ip": [(20, 3600), (100, 86400)],
}


class CodeRequestLimited(Exception):
    """Too many codes were asked for recently (for this person, address or client)."""


class CodeDeliveryFailed(Exception):
    """The e-mail with the code could not be handed to the mail server."""


class CodeNotAccepted(Exception):
    """The code was not accepted. `reason` is one of the constants below."""

    WRONG = "wrong"
    EXPIRED = "expired"
    VOID = "void"  # too many wrong attempts, or already used

    def __init__(self, reason: str, attempts_left: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.attempts_left = attempts_left


@dataclass(frozen=True)
class CodeSignIn:
    identity: VerifiedIdentity
    personal_number: pii.PersonalNumber


def _limits() -> dict[str, list[tuple[int, int]]]:
    configured = {**DEFAULT_RATE_LIMITS, **getattr(settings, "IDENTITY_CODE_RATE_LIMITS", {})}
    return {
        name: [rules] if isinstance(rules, tuple) else list(rules)
        for name, rules in configured.items()
    }


def _code_hash(challenge_id, code: str) -> str:
    return salted_hmac(
        "identity.email_code", f"{challenge_id}:{code}", algorithm="sha256"
    ).hexdigest()


def mask_email(email: str) -> str:
    """Show enough of an address to recognise it: a***@example.org."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def request_code(
    *, personal_number: pii.PersonalNumber, email: str, client_ip: str, language: str
) -> EmailChallenge:
    """Send a sign-in code to `email`; return the challenge. Raise CodeRequestLimited.

    Every limit is counted on every request, so that trying another address for the
    same person (or another person from the same client) does not reset anything.
    """
    email = email.strip()
    limits = _limits()
    keys = {
        "personal_number": personal_number.digits,
        "email": ratelimit.normalise_email(email),
        "ip": client_ip or "unknown",
    }
    checked = [
        (
            f"{name}/{seconds}s",
            (f"email_code.{name}.{seconds}", key, limit, timedelta(seconds=seconds)),
        )
        for name, key in keys.items()
        for limit, seconds in limits[name]
    ]
    results = ratelimit.hit_many([attempt for _label, attempt in checked])
    refused = [label for (label, _a), ok in zip(checked, results, strict=True) if not ok]
    if refused:
        logger.warning("e-mail code refused by rate limit (%s)", ", ".join(refused))
        raise CodeRequestLimited
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    challenge = EmailChallenge(
        personal_number_hash=pii.lookup_hash(personal_number),
        personal_number_encrypted=pii.encrypt(personal_number.digits),
        email_encrypted=pii.encrypt(email),
        language=language,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    challenge.code_hash = _code_hash(challenge.id, code)
    challenge.save()
    try:
        _send_code(email, code, language=language)
    except Exception as exc:  # SMTP and socket errors alike: tell the person, keep no code
        challenge.delete()
        logger.error("could not send an e-mail sign-in code: %s", exc.__class__.__name__)
        raise CodeDeliveryFailed from None
    logger.info("e-mail sign-in code sent (challenge %s)", challenge.id)
    return challenge


def _send_code(email: str, code: str, *, language: str) -> None:
    """E-mail the code. The message never contains the personal number."""
    minutes = int(CODE_TTL.total_seconds() // 60)
    with translation.override(language):
        context = {"code": code, "minutes": minutes}
        subject = render_to_string("identity/email/code_subject.txt", context).strip()
        body = render_to_string("identity/email/code_body.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[email])
    message.send()


def verify_code(challenge_id, code: str) -> CodeSignIn:
    """Check `code` against the challenge; return the sign-in or raise CodeNotAccepted.

    The row is locked so that parallel guesses cannot exceed MAX_ATTEMPTS, and a code
    signs in once only.
    """
    code = (code or "").strip().replace(" ", "")
    now = timezone.now()
    refusal = None
    with transaction.atomic():
        challenge = EmailChallenge.objects.select_for_update().filter(pk=challenge_id).first()
        if challenge is None or challenge.used_at is not None:
            refusal = CodeNotAccepted(CodeNotAccepted.VOID)
        elif now >= challenge.expires_at:
            refusal = CodeNotAccepted(CodeNotAccepted.EXPIRED)
        elif challenge.failed_attempts >= MAX_ATTEMPTS:
            refusal = CodeNotAccepted(CodeNotAccepted.VOID)
        elif not constant_time_compare(_code_hash(challenge.pk, code), challenge.code_hash):
            EmailChallenge.objects.filter(pk=challenge.pk).update(
                failed_attempts=F("failed_attempts") + 1
            )
            left = MAX_ATTEMPTS - challenge.failed_attempts - 1
            logger.info("wrong e-mail sign-in code (challenge %s, %d left)", challenge.pk, left)
            refusal = (
                CodeNotAccepted(CodeNotAccepted.WRONG, attempts_left=left)
                if left > 0
                else CodeNotAccepted(CodeNotAccepted.VOID)
            )
        else:
            EmailChallenge.objects.filter(pk=challenge.pk).update(used_at=now)
    # Raised outside the transaction, so that the counted wrong attempt is kept.
    if refusal is not None:
        raise refusal
    number = pii.PersonalNumber(pii.decrypt(challenge.personal_number_encrypted))
    email = pii.decrypt(challenge.email_encrypted)
    on_record = email_on_record(challenge.personal_number_hash, email)
    identity = VerifiedIdentity(
        personal_number_hash=challenge.personal_number_hash,
        masked_personal_number=number.masked(),
        level=IdentityLevel.SUBSTANTIAL if on_record else IdentityLevel.LOW,
        method=VerificationMethod.KNOWN_EMAIL_CODE if on_record else VerificationMethod.EMAIL_CODE,
        email=email,
        verified_at=now,
    )
    return CodeSignIn(identity=identity, personal_number=number)


def email_on_record(personal_number_hash: str, email: str) -> bool:
    """True if the person with this number has this e-mail address on record."""
    # Imported here: identity sits below rights_requests (DESIGN.md §2).
    from rights_requests.models import DataSubject

    return DataSubject.objects.filter(
        personal_number_hash=personal_number_hash, email__iexact=email.strip()
    ).exists()


def prune_challenges() -> int:
    """Delete challenges that can no longer be used (a day after they expired)."""
    deleted, _ = EmailChallenge.objects.filter(
        expires_at__lt=timezone.now() - timedelta(days=1)
    ).delete()
    return deleted
