"""The record of processing (GDPR Art. 30) and the organisations that keep it.

The Art. 15 extract text is read from here (legal-rules.md R38): purposes, categories,
recipients, retention and source per processing activity of a legal entity.
"""

import datetime

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Bilingual(models.Model):
    """Swedish and English names; `name` follows the active language."""

    name_sv = models.CharField(_("name (Swedish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "sv").startswith("en") else self.name_sv


_ENGLISH_NAME_HELP = _(
    "Shown to customers who read English (the register extract); empty: the name."
)


def _in_language(name: str, name_en: str) -> str:
    """The name for the active language: the English one where there is one."""
    return name_en if name_en and (get_language() or "sv").startswith("en") else name


class Organisation(models.Model):
    """A brand with its own portal look, contacts and DPO (Kalmar Energi, Landskrona Energi)."""

    slug = models.SlugField(unique=True)
    code = models.CharField(
        _("reference prefix"), max_length=4, unique=True, help_text=_("As in KE-2026-000123.")
    )
    name = models.CharField(_("name"), max_length=200)
    website = models.URLField(_("website"), blank=True)
    customer_service_email = models.EmailField(_("customer service e-mail"), blank=True)
    customer_service_phone = models.CharField(
        _("customer service phone"), max_length=40, blank=True
    )
    dpo_email = models.EmailField(_("DPO e-mail"))
    dpo_phone = models.CharField(_("DPO phone"), max_length=60, blank=True)
    extract_email = models.EmailField(_("e-mail for register extract requests"), blank=True)
    handling_time_sv = models.CharField(_("promised handling time (Swedish)"), max_length=200)
    handling_time_en = models.CharField(_("promised handling time (English)"), max_length=200)
    is_public_body = models.BooleanField(
        _("public body"),
        default=False,
        help_text=_(
            "Under the principle of public access and the Archives Act (OSL 2:3, "
            "arkivlagen 1990:782); also the Swedish accessibility law."
        ),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def handling_time(self) -> str:
        return (
            self.handling_time_en
            if (get_language() or "sv").startswith("en")
            else self.handling_time_sv
        )


class LegalEntity(models.Model):
    """A controller, with the deadline policy its requests follow (GDPR Art. 12(3))."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="legal_entities"
    )
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(_("organisation number"), max_length=11, blank=True)
    address = models.CharField(_("postal address"), max_length=300)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    dpo_email = models.EmailField(_("DPO e-mail"))
    # Deadline policy (legal-rules.md R3, R5, R7, R9).
    base_months = models.PositiveSmallIntegerField(
        _("deadline in months"), default=1, help_text=_("Art. 12(3): one month from receipt.")
    )
    max_extended_months = models.PositiveSmallIntegerField(
        _("furthest extended deadline in months from receipt"),
        default=3,
        help_text=_("Art. 12(3) allows at most 3 (one month plus two)."),
    )
    identity_wait_pauses_clock = models.BooleanField(
        _("waiting for identity or clarification pauses the clock"),
        default=True,
        help_text=_("EDPB Guidelines 01/2022 §159 (legal-rules.md R9)."),
    )
    extend_over_eves = models.BooleanField(
        _("midsummer, Christmas and New Year's Eve count as non-working"),
        default=False,
        help_text=_(
            "Off by default: the EU rule gives the earlier, safe date (legal-rules.md R5)."
        ),
    )

    class Meta:
        verbose_name = _("legal entity (controller)")
        verbose_name_plural = _("legal entities (controllers)")
        ordering = ["organisation__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_extended_months__gte=models.F("base_months"))
                & models.Q(max_extended_months__lte=3)
                & models.Q(base_months__gte=1),
                name="legalentity_deadline_policy_within_art_12_3",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Purpose(Bilingual):
    code = models.SlugField(_("code"), unique=True)
    description_sv = models.TextField(_("description (Swedish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")
        ordering = ["code"]


class LegalBasis(Bilingual):
    """A lawful basis under GDPR Art. 6(1)."""

    code = models.SlugField(_("code"), unique=True)
    article = models.CharField(_("article"), max_length=40)
    portable = models.BooleanField(
        _("gives a right to data portability"),
        default=False,
        help_text=_("Art. 20(1)(a): consent or contract."),
    )

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")
        ordering = ["article"]


class DataCategory(Bilingual):
    code = models.SlugField(_("code"), unique=True)
    description_sv = models.TextField(_("description (Swedish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    provided_by_subject = models.BooleanField(
        _("provided or observed"),
        default=False,
        help_text=_("Provided by the data subject or observed, such as meter readings (WP242)."),
    )

    class Meta:
        verbose_name = _("data category")
        verbose_name_plural = _("data categories")
        ordering = ["code"]


class Recipient(models.Model):
    class Kind(models.TextChoices):
        PROCESSOR = "processor", _("processor")
        CONTROLLER = "controller", _("independent controller")
        AUTHORITY = "authority", _("public authority")

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(
        _("name (English)"), max_length=200, blank=True, help_text=_ENGLISH_NAME_HELP
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description_sv = models.CharField(_("description (Swedish)"), max_length=300, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=300, blank=True)
    outside_eea = models.BooleanField(_("outside the EU/EEA"), default=False)
    safeguards = models.CharField(_("transfer safeguards (Art. 46)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_name(self) -> str:
        return _in_language(self.name, self.name_en)


class System(models.Model):
    """Where data lives, and how the portal reaches it."""

    class Connector(models.TextChoices):
        SQL = "sql", _("SQL database")
        MANUAL = "manual", _("manual (checklist for staff)")
        CONSENT = "consent", _("the portal's consent ledger")
        PORTAL = "portal", _("the portal's own records")
        BUILTIN = "builtin", _("built into the portal (the portal's records and consent ledger)")

    code = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(
        _("name (English)"), max_length=200, blank=True, help_text=_ENGLISH_NAME_HELP
    )
    description = models.TextField(_("description"), blank=True)
    legal_entities = models.ManyToManyField(LegalEntity, related_name="systems", blank=True)
    connector = models.CharField(_("connector"), max_length=20, choices=Connector.choices)
    connector_config = models.JSONField(_("connector configuration"), default=dict, blank=True)

    class Meta:
        verbose_name = _("system")
        verbose_name_plural = _("systems")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_name(self) -> str:
        return _in_language(self.name, self.name_en)


class ProcessingActivity(models.Model):
    """One line of the record of processing: entity × purpose × categories × basis."""

    legal_entity = models.ForeignKey(
        LegalEntity,
        on_delete=models.CASCADE,
        related_name="processing_activities",
        verbose_name=_("company"),
    )
    purpose = models.ForeignKey(
        Purpose, on_delete=models.PROTECT, related_name="activities", verbose_name=_("purpose")
    )
    legal_basis = models.ForeignKey(
        LegalBasis,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("legal basis"),
    )
    categories = models.ManyToManyField(DataCategory, related_name="activities")
    recipients = models.ManyToManyField(Recipient, related_name="activities", blank=True)
    systems = models.ManyToManyField(System, related_name="activities", blank=True)
    retention_sv = models.TextField(_("retention (Swedish)"))
    retention_en = models.TextField(_("retention (English)"))
    source_sv = models.CharField(_("source (Swedish)"), max_length=300)
    source_en = models.CharField(_("source (English)"), max_length=300)
    automated_decisions_sv = models.CharField(
        _("automated decision-making (Swedish)"), max_length=300, default="Förekommer inte."
    )
    automated_decisions_en = models.CharField(
        _("automated decision-making (English)"), max_length=300, default="None."
    )

    class Meta:
        verbose_name = _("processing activity")
        verbose_name_plural = _("processing activities")
        ordering = ["legal_entity__name", "purpose__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "purpose", "legal_basis"], name="unique_activity_per_basis"
            )
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity} – {self.purpose}"


# --- Staff scoping and sign-in (the staff-queue issue) -------------------------------------


class StaffMembership(models.Model):
    """A staff member works for an organisation, or for one of its legal entities.

    Without a legal entity the membership covers every entity of the organisation.
    Staff see and act on only the requests of the entities their memberships cover
    (GDPR Art. 5(1)(f), 32: access on a need-to-know basis); see rights_requests/roles.py.
    """

    user = models.ForeignKey(
        "auth.User", on_delete=models.CASCADE, related_name="staff_memberships"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    legal_entity = models.ForeignKey(
        LegalEntity,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: every company of the organisation."),
    )

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "legal_entity"], name="unique_staff_membership"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.legal_entity or self.organisation}"


class StaffLoginFailure(models.Model):
    """A failed staff sign-in (password or second factor), for the lockout rule."""

    username = models.CharField(max_length=150, db_index=True)
    at = models.DateTimeField(db_index=True)
    stage = models.CharField(max_length=10)  # "password" or "otp"
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("failed staff sign-in")
        verbose_name_plural = _("failed staff sign-ins")
        indexes = [models.Index(fields=["username", "at"], name="staff_login_failure_idx")]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M} {self.stage}"


# --- Manual connector checklist (the fulfilment issue) -------------------------------------


class ManualTask(models.Model):
    """A step staff carry out by hand in a system the portal cannot reach.

    The manual connector files one per request, system, category and action, and reports
    the request's work as pending until a staff member marks it done with a note.
    """

    class Action(models.TextChoices):
        FIND = "find", _("Look up the customer's data")
        EXPORT = "export", _("Extract the customer's data")
        RECTIFY = "rectify", _("Correct the data")
        ERASE = "erase", _("Erase the data")
        ANONYMISE = "anonymise", _("Anonymise the data")
        RESTRICT = "restrict", _("Mark the data restricted")
        LIFT = "lift", _("Lift the restriction")
        EXPIRE = "expire", _("Delete data whose retention period has ended")
        # Art. 15(4): staff's free text, held back from the extract until read
        # (rights_requests.fulfilment.review).
        REVIEW = "review", _("Review for other people's data")

    request = models.ForeignKey(
        "rights_requests.RightsRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="manual_tasks",
    )
    subject = models.ForeignKey(
        "rights_requests.DataSubject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="manual_tasks",
    )
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="manual_tasks")
    category = models.CharField(_("data category"), max_length=50)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    instructions = models.TextField(_("what to do"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    assigned_to = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    done_at = models.DateTimeField(_("done"), null=True, blank=True, editable=False)
    done_by = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("done by"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("manual task")
        verbose_name_plural = _("manual tasks")
        ordering = ["done_at", "due_on", "id"]
        indexes = [
            models.Index(
                fields=["legal_entity", "due_on"],
                name="manual_task_open_idx",
                condition=models.Q(done_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.system.code}/{self.category}: {self.get_action_display()}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @classmethod
    def file_once(cls, *, due_in_days: int, make_instructions, details=None, **lookup):
        """Return (task, created): the task of `lookup` (request, subject, system, category,
        action...), filed now if there is none, due in `due_in_days` but not after the
        request's deadline, and assigned to the request's handler.

        `make_instructions()` is called only when the task is filed.
        """
        request = lookup.get("request")
        due = timezone.localdate() + datetime.timedelta(days=due_in_days)
        deadline = getattr(request, "deadline_on", None)
        with transaction.atomic():
            task = cls.objects.select_for_update().filter(**lookup).order_by("-id").first()
            if task is not None:
                return task, False
            task = cls.objects.create(
                **lookup,
                details=details or {},
                instructions=make_instructions(),
                due_on=min(due, deadline) if deadline else due,
                assigned_to=getattr(request, "assignee", None),
            )
        return task, True
