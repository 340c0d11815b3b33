"""Levels of assurance for a requester's identity (DESIGN.md §6, legal-rules.md R20-R23).

Verification is proportionate (Art. 12(6); EDPB-GL §§65-73): never more than the
request needs, and never an ID copy from someone who can sign in.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdentityLevel(models.TextChoices):
    NONE = "none", _("not verified")
    LOW = "low", _("low: code to an e-mail address not on record")
    SUBSTANTIAL = "substantial", _("substantial: code to a contact point on record")
    HIGH = "high", _("high: e-identification (BankID, Freja eID+)")


_ORDER = [IdentityLevel.NONE, IdentityLevel.LOW, IdentityLevel.SUBSTANTIAL, IdentityLevel.HIGH]


def rank(level: str) -> int:
    return _ORDER.index(IdentityLevel(level))


def satisfies(achieved: str, required: str) -> bool:
    """Return True when `achieved` is at least `required`."""
    return rank(achieved) >= rank(required)


class VerificationMethod(models.TextChoices):
    EID = "eid", _("e-identification (OpenID Connect)")
    KNOWN_EMAIL_CODE = "known_email_otp", _("code to an e-mail address on record")
    EMAIL_CODE = "email_otp", _("code to an e-mail address")
    IN_PERSON = "in_person", _("visit with identity document (checked, not kept)")
    LETTER = "letter", _("letter to the registered address")
