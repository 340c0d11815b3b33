"""The consent ledger and the direct-marketing suppression list.

Both are keyed by the person's look-up hash (datamap.pii.lookup_hash), not by the
DataSubject row, so that they survive the erasure of that row: the controller must be
able to show that a person consented (GDPR Art. 7(1)), and a person who objected to
direct marketing must never be marketed to again (Art. 21(3)).
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """A ledger row cannot be changed or removed."""


class ConsentPurpose(models.Model):
    """Something a person can say yes or no to, e.g. Kalmar Energi's newsletter."""

    code = models.SlugField(_("code"), unique=True, max_length=60)
    organisation = models.ForeignKey(
        "datamap.Organisation", on_delete=models.PROTECT, related_name="consent_purposes"
    )
    purpose = models.ForeignKey(
        "datamap.Purpose",
        on_delete=models.PROTECT,
        related_name="consent_purposes",
        help_text=_("The purpose in the record of processing (Art. 30) this consent serves."),
    )
    name_sv = models.CharField(_("name (Swedish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    direct_marketing = models.BooleanField(
        _("direct marketing"),
        default=False,
        help_text=_("Blocked for anyone on the suppression list (Art. 21(3))."),
    )
    active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("consent purpose")
        verbose_name_plural = _("consent purposes")
        ordering = ["organisation__name", "position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "sv").startswith("en") else self.name_sv


class ConsentText(models.Model):
    """A version of the text a person agrees to; the ledger names the version shown."""

    purpose = models.ForeignKey(ConsentPurpose, on_delete=models.PROTECT, related_name="texts")
    version = models.PositiveIntegerField(_("version"))
    text_sv = models.TextField(_("text (Swedish)"))
    text_en = models.TextField(_("text (English)"))
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "version"], name="unique_consent_text_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose.code} v{self.version}"

    @property
    def text(self) -> str:
        return self.text_en if (get_language() or "sv").startswith("en") else self.text_sv

    def digest(self) -> str:
        """Return a SHA-256 over both language versions, kept with each record as evidence."""
        return hashlib.sha256(f"{self.text_sv}\n---\n{self.text_en}".encode()).hexdigest()


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes are refused as well as single-row ones."""

    def update(self, **kwargs):
        raise AppendOnlyError("the consent ledger is append-only")

    def delete(self):
        raise AppendOnlyError("the consent ledger is append-only")


class ConsentRecord(models.Model):
    """One line of the consent ledger: a grant or a withdrawal, never changed afterwards.

    The current state of a purpose is its latest record (by time, then id); see
    consent.services.current_consents.
    """

    class Action(models.TextChoices):
        GRANT = "grant", _("Granted")
        WITHDRAW = "withdraw", _("Withdrawn")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Portal")
        PHONE = "phone", _("Phone")
        PAPER = "paper", _("Paper form or letter")
        API = "api", _("API (another system)")
        IMPORT = "import", _("Import")

    subject_hash = models.CharField(_("person (look-up hash)"), max_length=64)
    subject = models.ForeignKey(
        "rights_requests.DataSubject",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consent_records",
        help_text=_("Empty once the person's record is erased; the hash remains."),
    )
    purpose = models.ForeignKey(ConsentPurpose, on_delete=models.PROTECT, related_name="records")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    text = models.ForeignKey(
        ConsentText,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name=_("text version"),
    )
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["subject_hash", "purpose", "at"], name="consent_ledger_lookup_idx"
            ),
            models.Index(fields=["purpose", "at"], name="consent_ledger_purpose_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose.code} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("the consent ledger is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the consent ledger is append-only")


class Suppression(models.Model):
    """A person (by look-up hash) who must not receive direct marketing (Art. 21(2)-(3)).

    Only the hash, the scope and the source are kept: the minimum that lets the
    controller honour the objection after everything else about the person is gone.
    """

    lookup_hash = models.CharField(_("person (look-up hash)"), max_length=64)
    organisation = models.ForeignKey(
        "datamap.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: every organisation."),
    )
    purpose = models.ForeignKey(
        ConsentPurpose,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suppressions",
        help_text=_("Empty: all direct marketing."),
    )
    reason = models.CharField(_("reason"), max_length=300)
    source = models.CharField(
        _("source"),
        max_length=100,
        help_text=_("E.g. objection:<request reference> or withdrawal:<ledger record id>."),
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_reason = models.CharField(_("lifted because"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("direct-marketing suppression")
        verbose_name_plural = _("direct-marketing suppressions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["lookup_hash"],
                name="suppression_active_idx",
                condition=models.Q(lifted_at__isnull=True),
            ),
            models.Index(fields=["created_at"], name="suppression_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.lookup_hash[:10]}… {self.source}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None
