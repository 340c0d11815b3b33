"""Identity records: rate-limit counters and one-time e-mail codes.

Nothing here holds a personal number or an e-mail address in clear: counters are keyed
by an HMAC of the key, codes by the keyed look-up hash of the personal number, and the
few values needed later are encrypted (datamap.pii.encrypt).
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RateLimitCounter(models.Model):
    """Hits of one key in one fixed time window (identity/ratelimit.py)."""

    scope = models.CharField(max_length=64)
    key_hash = models.CharField(max_length=64)
    window_seconds = models.PositiveIntegerField()
    window_start = models.BigIntegerField(help_text="Unix time of the window's start")
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("rate-limit counter")
        verbose_name_plural = _("rate-limit counters")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key_hash", "window_seconds", "window_start"],
                name="identity_ratelimit_one_row_per_window",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key_hash[:8]} @{self.window_start}: {self.hits}"


class EmailChallenge(models.Model):
    """A six-digit code e-mailed to an address, for signing in (DESIGN.md §6).

    Only the HMAC of the code is kept. The challenge is good for one sign-in, until
    `expires_at`, and for fewer than `MAX_ATTEMPTS` wrong guesses.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    personal_number_hash = models.CharField(max_length=64, db_index=True)
    personal_number_encrypted = models.TextField()
    email_encrypted = models.TextField()
    code_hash = models.CharField(max_length=128)
    language = models.CharField(max_length=8, default="sv")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail sign-in code")
        verbose_name_plural = _("e-mail sign-in codes")

    def __str__(self) -> str:
        return f"e-mail code {self.id} ({self.created_at:%Y-%m-%d %H:%M})"
