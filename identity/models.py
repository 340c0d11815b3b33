"""Identity records: rate-limit counters and one-time e-mail codes.

Nothing here holds a personal number or an e-mail address in clear: counters are keyed
by an HMAC of the key, codes by the keyed look-up hash of the personal number, and the
few values needed later are encrypted (datamap.pii.encrypt).
"""

import hashlib
import secrets
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


class ApiClient(models.Model):
    """Another system of the utility that uses the REST API (rights_requests/api/).

    Only the SHA-256 of the token is kept: the token itself is shown once, by
    `manage.py create_api_client`, and cannot be read back. A client sees and files
    requests only for its legal entities.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(
        _("token begins with"),
        max_length=12,
        editable=False,
        help_text=_("The first characters of the token, to tell tokens apart."),
    )
    legal_entities = models.ManyToManyField(
        "datamap.LegalEntity", related_name="api_clients", verbose_name=_("companies")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, *, name: str, legal_entities) -> tuple["ApiClient", str]:
        """Create a client with a fresh token; return both. The token is not stored."""
        token = "dsr_" + secrets.token_urlsafe(32)
        client = cls.objects.create(
            name=name, token_hash=cls.hash_token(token), token_prefix=token[:12]
        )
        client.legal_entities.set(legal_entities)
        return client, token

    def rotate_token(self) -> str:
        token = "dsr_" + secrets.token_urlsafe(32)
        self.token_hash, self.token_prefix = self.hash_token(token), token[:12]
        self.save(update_fields=["token_hash", "token_prefix"])
        return token
