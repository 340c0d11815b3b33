"""Retention rules, legal holds, and the record of every retention sweep.

A rule says how long one legal entity keeps one data category, counted from which
event, under which law, and what happens then (GDPR Art. 5(1)(e) storage limitation;
Art. 17(3) exemptions). See retention/periods.py for the date arithmetic.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class RunsFrom(models.TextChoices):
    COLLECTION = "collection", _("collection of the data")
    CONTRACT_END_SETTLED = (
        "contract_end_settled",
        _("end of the contract, once all accounts are settled"),
    )
    FINANCIAL_YEAR_END = (
        "financial_year_end",
        _("end of the calendar year in which the financial year ended"),
    )
    RECORDING = "recording", _("recording")
    MATTER_CLOSED = "matter_closed", _("the matter being answered and closed")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("withdrawal of consent or end of the subscription")


class RetentionAction(models.TextChoices):
    ERASE = "erase", _("erase")
    ANONYMISE = "anonymise", _("anonymise")
    ARCHIVE = "archive", _("archive (no erasure)")


class RetentionRule(models.Model):
    """How long one legal entity keeps one data category, and what happens then."""

    legal_entity = models.ForeignKey(
        "datamap.LegalEntity", on_delete=models.CASCADE, related_name="retention_rules"
    )
    category = models.ForeignKey(
        "datamap.DataCategory", on_delete=models.PROTECT, related_name="retention_rules"
    )
    period_years = models.PositiveSmallIntegerField(_("years"), default=0)
    period_months = models.PositiveSmallIntegerField(_("months"), default=0)
    period_days = models.PositiveIntegerField(_("days"), default=0)
    runs_from = models.CharField(_("counted from"), max_length=30, choices=RunsFrom.choices)
    legal_reference = models.CharField(
        _("legal reference"),
        max_length=300,
        help_text=_("The law or policy behind the period, e.g. Bokföringslagen 7 kap. 2 §."),
    )
    action = models.CharField(
        _("then"), max_length=10, choices=RetentionAction.choices, default=RetentionAction.ERASE
    )
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["legal_entity__name", "category__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "category"], name="unique_retention_rule_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity} – {self.category.code}: {self.period_text()}"

    def period_text(self) -> str:
        """The period in words of the active language ("7 år", "1 year 6 months", "21 days").

        It is shown to customers: in the register extract and the erasure decision.
        """
        parts = [
            ngettext(singular, plural, count) % {"n": count}
            for count, singular, plural in (
                (self.period_years, "%(n)d year", "%(n)d years"),
                (self.period_months, "%(n)d month", "%(n)d months"),
                (self.period_days, "%(n)d day", "%(n)d days"),
            )
            if count
        ]
        return " ".join(parts) or ngettext("%(n)d day", "%(n)d days", 0) % {"n": 0}

    @property
    def period(self):
        from .periods import Period

        return Period(self.period_years, self.period_months, self.period_days)


class LegalHoldQuerySet(models.QuerySet):
    def active(self):
        return self.filter(released_at__isnull=True)


class LegalHold(models.Model):
    """Data that must not be erased while a claim or investigation runs (Art. 17(3)(e)).

    Either on a person (look-up hash; optionally only for one legal entity) or on a whole
    category of one legal entity.
    """

    subject_hash = models.CharField(
        _("person (look-up hash)"), max_length=64, blank=True, db_index=True
    )
    legal_entity = models.ForeignKey(
        "datamap.LegalEntity",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="legal_holds",
        help_text=_("Required for a hold on a category; empty on a person's hold: every company."),
    )
    category = models.ForeignKey(
        "datamap.DataCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_holds",
        help_text=_("Empty on a person's hold: every category."),
    )
    reason = models.TextField(_("reason"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("set by"),
    )
    set_at = models.DateTimeField(_("set at"), default=timezone.now)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-set_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(subject_hash="")
                | (Q(legal_entity__isnull=False) & Q(category__isnull=False)),
                name="legal_hold_on_person_or_entity_category",
            )
        ]

    def __str__(self) -> str:
        who = f"{self.subject_hash[:10]}…" if self.subject_hash else str(self.legal_entity)
        return f"{who} {self.category.code if self.category_id else '*'}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class RetentionRun(models.Model):
    """One run of the retention sweep, dry or real, with its counts."""

    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    today = models.DateField(_("as of"))
    dry_run = models.BooleanField(_("dry run"), default=False)
    trigger = models.CharField(_("started by"), max_length=20, default="manual")
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        kind = "dry run" if self.dry_run else "run"
        return f"{kind} {self.today.isoformat()} ({self.started_at:%Y-%m-%d %H:%M})"


class RetentionRunLine(models.Model):
    """Rows affected in one run per entity × system × category × action (aggregated)."""

    run = models.ForeignKey(RetentionRun, on_delete=models.CASCADE, related_name="lines")
    legal_entity = models.ForeignKey(
        "datamap.LegalEntity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    system = models.CharField(_("system"), max_length=50)
    category = models.CharField(_("category"), max_length=50)
    action = models.CharField(_("action"), max_length=20)
    count = models.PositiveIntegerField(_("rows"), default=0)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("retention run line")
        verbose_name_plural = _("retention run lines")
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return f"{self.system}/{self.category} {self.action} {self.count}"
