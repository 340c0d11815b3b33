"""The request lifecycle's nouns (DESIGN.md §3, §4).

Statuses change only in `rights_requests.workflow`; see the module docstring there.
"""

import datetime
import hashlib
import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from datamap import pii
from datamap.models import LegalEntity, Organisation
from identity.levels import IdentityLevel, VerificationMethod


class Right(models.TextChoices):
    ACCESS = "access", _("Access (register extract)")
    RECTIFICATION = "rectification", _("Rectification")
    ERASURE = "erasure", _("Erasure")
    RESTRICTION = "restriction", _("Restriction of processing")
    OBJECTION = "objection", _("Objection")
    PORTABILITY = "portability", _("Data portability")


class Channel(models.TextChoices):
    WEB = "web", _("Web portal")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Visit")
    API = "api", _("API")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    AWAITING_IDENTITY = "awaiting_identity", _("Awaiting identity")
    IN_PROGRESS = "in_progress", _("In progress")
    # Staff's word; the customer's pages say "Awaiting your answer" (portal/_status.html).
    AWAITING_CUSTOMER = "awaiting_customer", _("Awaiting the customer's answer")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (
    Status.RECEIVED,
    Status.AWAITING_IDENTITY,
    Status.IN_PROGRESS,
    Status.AWAITING_CUSTOMER,
)
CLOSED_STATUSES = (Status.COMPLETED, Status.REFUSED, Status.WITHDRAWN)


class Outcome(models.TextChoices):
    GRANTED = "granted", _("Granted")
    PARTIALLY_GRANTED = "partially_granted", _("Partially granted")
    REFUSED = "refused", _("Refused")


class DeadlineState(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    PAUSED = "paused", _("Clock paused")


class ExtensionReason(models.TextChoices):
    """Grounds the EDPB accepts for an extension (EDPB-GL §§162-164; legal-rules.md R7)."""

    VOLUME_OF_DATA = "volume_of_data", _("A large amount of data about the person")
    SPREAD_OVER_SYSTEMS = "spread_over_systems", _("Data spread over several units or systems")
    REDACTION = "redaction", _("Data of others must be redacted")
    INTELLIGIBILITY = "intelligibility", _("Work needed to make the data intelligible")
    EXCEPTIONAL_INFLUX = "exceptional_influx", _("A temporary, exceptional influx of requests")


class SubjectManager(models.Manager):
    def get_by_personal_number(self, number: pii.PersonalNumber) -> "DataSubject":
        return self.get(personal_number_hash=pii.lookup_hash(number))

    def filter_by_personal_number(self, number: pii.PersonalNumber):
        return self.filter(personal_number_hash=pii.lookup_hash(number))


class DataSubject(models.Model):
    """The person. The personal number is encrypted; look-ups use its keyed hash."""

    personal_number_encrypted = models.TextField(editable=False)
    personal_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    preferred_language = models.CharField(
        _("language"), max_length=2, choices=settings.LANGUAGES, default="sv"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubjectManager()

    class Meta:
        verbose_name = _("data subject")
        verbose_name_plural = _("data subjects")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.masked_personal_number})"

    def set_personal_number(self, number: pii.PersonalNumber) -> None:
        self.personal_number_encrypted = pii.encrypt(number.digits)
        self.personal_number_hash = pii.lookup_hash(number)

    @property
    def personal_number(self) -> pii.PersonalNumber:
        """Decrypt. Staff views must record an event when they show it (see workflow)."""
        return pii.PersonalNumber(pii.decrypt(self.personal_number_encrypted))

    @property
    def masked_personal_number(self) -> str:
        return self.personal_number.masked()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Submission(models.Model):
    """What one person filed at one time; it fans out into one request per entity and right."""

    class Capacity(models.TextChoices):
        SELF = "self", _("For myself")
        GUARDIAN = "guardian", _("As guardian")
        POWER_OF_ATTORNEY = "power_of_attorney", _("With a power of attorney")

    subject = models.ForeignKey(DataSubject, on_delete=models.PROTECT, related_name="submissions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    received_at = models.DateTimeField(_("received at"))
    language = models.CharField(
        _("language"), max_length=2, choices=settings.LANGUAGES, default="sv"
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    capacity = models.CharField(
        _("filed"), max_length=20, choices=Capacity.choices, default=Capacity.SELF
    )
    representative_name = models.CharField(_("representative"), max_length=200, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.organisation.code} {timezone.localtime(self.received_at):%Y-%m-%d %H:%M}"


class ReferenceCounter(models.Model):
    """The last reference number issued per organisation and year (KE-2026-000123)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="unique_counter_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}: {self.last_value}"


class RightsRequest(models.Model):
    """One right exercised against one legal entity, with its own reference and deadline."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="requests")
    subject = models.ForeignKey(DataSubject, on_delete=models.PROTECT, related_name="requests")
    legal_entity = models.ForeignKey(
        LegalEntity, on_delete=models.PROTECT, related_name="requests", verbose_name=_("company")
    )
    right = models.CharField(_("right"), max_length=20, choices=Right.choices)
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    details = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED, editable=False
    )
    # Identity (DESIGN.md §6).
    identity_required = models.CharField(
        _("identity level required"), max_length=12, choices=IdentityLevel.choices
    )
    identity_level = models.CharField(
        _("identity level reached"),
        max_length=12,
        choices=IdentityLevel.choices,
        default=IdentityLevel.NONE,
        editable=False,
    )
    identity_method = models.CharField(
        _("identity method"),
        max_length=20,
        choices=VerificationMethod.choices,
        blank=True,
        editable=False,
    )
    # Deadlines (DESIGN.md §5). Stored so that sweeps select by column.
    received_at = models.DateTimeField(_("received at"), editable=False)
    received_on = models.DateField(_("received on (Stockholm)"), editable=False)
    due_on = models.DateField(_("one-month deadline"), editable=False)
    notice_by = models.DateField(_("extension or refusal notice due by"), editable=False)
    extended_due_on = models.DateField(
        _("extended deadline"), null=True, blank=True, editable=False
    )
    deadline_on = models.DateField(_("deadline"), editable=False)
    target_on = models.DateField(_("internal target"), editable=False)
    paused_days = models.PositiveIntegerField(_("days paused"), default=0, editable=False)
    paused_since = models.DateField(_("paused since"), null=True, blank=True, editable=False)
    pause_counts = models.BooleanField(default=False, editable=False)
    deadline_state = models.CharField(
        _("deadline state"),
        max_length=10,
        choices=DeadlineState.choices,
        default=DeadlineState.ON_TRACK,
        editable=False,
    )
    extension_reason_code = models.CharField(
        _("extension reason"),
        max_length=30,
        choices=ExtensionReason.choices,
        blank=True,
        editable=False,
    )
    extension_reason = models.TextField(_("extension reason, in words"), blank=True, editable=False)
    extension_notice_sent_at = models.DateTimeField(
        _("extension notice sent at"), null=True, blank=True, editable=False
    )
    # Work and decision.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_requests",
        verbose_name=_("assignee"),
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, blank=True, editable=False
    )
    decision_reasons = models.TextField(_("reasons"), blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rights request")
        verbose_name_plural = _("rights requests")
        ordering = ["deadline_on", "id"]
        indexes = [
            # The deadline sweep and the work queues read open requests by deadline.
            models.Index(
                fields=["deadline_on"],
                name="open_request_deadline_idx",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            models.Index(fields=["legal_entity", "status"], name="request_entity_status_idx"),
            models.Index(fields=["status", "closed_at"], name="request_status_closed_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_extended(self) -> bool:
        return self.extended_due_on is not None


class RequestEvent(models.Model):
    """Append-only audit trail of a request, each row chained to the previous by hash.

    `hash` covers the row's content and the previous row's hash (per request, in `seq`
    order), so a row changed or removed behind the application's back shows when
    `manage.py verify_event_chain` recomputes the chain.
    """

    request = models.ForeignKey(
        RightsRequest, on_delete=models.PROTECT, related_name="events", verbose_name=_("request")
    )
    seq = models.PositiveIntegerField(_("number"), editable=False)
    kind = models.CharField(_("event"), max_length=50)
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("by"), max_length=100, blank=True)
    data = models.JSONField(default=dict, blank=True)
    customer_visible = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["request_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["request", "seq"], name="unique_event_seq_per_request")
        ]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("request events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("request events are append-only")

    def compute_hash(self) -> str:
        payload = json.dumps(
            {
                "request": self.request_id,
                "seq": self.seq,
                "kind": self.kind,
                "from": self.from_status,
                "to": self.to_status,
                "actor": self.actor_id,
                "actor_label": self.actor_label,
                "data": self.data,
                "customer_visible": self.customer_visible,
                "at": self.created_at.astimezone(datetime.UTC).isoformat(),
                "prev": self.prev_hash,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode()).hexdigest()


class Message(models.Model):
    """The thread between the customer and staff on a request."""

    class Sender(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        STAFF = "staff", _("Customer service")

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request} {self.get_sender_display()} {self.created_at:%Y-%m-%d}"


def artifact_path(instance, filename):
    return f"artifacts/{instance.request_id}/{filename}"


class Artifact(models.Model):
    """A generated file, stored privately and deleted when its time is up."""

    class Kind(models.TextChoices):
        REGISTER_EXTRACT = "register_extract", _("Register extract (PDF)")
        PORTABILITY_EXPORT = "portability_export", _("Data export (ZIP)")
        LETTER = "letter", _("Letter")
        PROOF = "proof", _("Proof of authority")

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="artifacts")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    file = models.FileField(upload_to=artifact_path, max_length=300)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["expires_at"],
                name="artifact_live_expiry_idx",
                condition=Q(deleted_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_available(self) -> bool:
        return self.deleted_at is None and self.expires_at > timezone.now()


class Outbox(models.Model):
    """One effect that must happen because of a committed change (DESIGN.md §8).

    Written in the same transaction as the change; its task is queued after commit,
    and a beat sweep queues again what is still pending after a timeout (a broker
    outage, a killed worker). The unique idempotency key makes a second enqueue of the
    same effect a no-op; `rights_requests.outbox.run` makes a second run one.
    """

    class Kind(models.TextChoices):
        NOTICE = "notice", _("Notice to the customer")
        STAFF_EMAIL = "staff_email", _("E-mail to staff")
        EXTRACT = "extract", _("Register extract")
        EXPORT = "export", _("Data export")
        FULFILMENT = "fulfilment", _("Connector call")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind of work"), max_length=20, choices=Kind.choices)
    request = models.ForeignKey(
        RightsRequest,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbox",
        verbose_name=_("request"),
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    available_at = models.DateTimeField(_("due at"), default=timezone.now)
    claimed_until = models.DateTimeField(_("claimed by a worker until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox entry")
        verbose_name_plural = _("outbox")
        ordering = ["id"]
        indexes = [
            # The outbox sweep reads pending rows by the time they are due again.
            models.Index(
                fields=["available_at"],
                name="outbox_pending_idx",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key} ({self.status})"


class RecipientNotice(models.Model):
    """A recipient to be told of a rectification, erasure or restriction (GDPR Art. 19).

    Filed by fulfilment, one per recipient of the changed categories, when the change is
    carried out (rights_requests.fulfilment.audit). The portal holds no channel to the
    recipients: staff tell each one the way agreed with it and mark the notice given, with
    a note of how; the request's trail records both steps. An open notice does not hold the
    request up: Art. 19 sets no deadline (legal-rules.md R31).
    """

    class Change(models.TextChoices):
        RECTIFIED = "rectified", _("rectified")
        ERASED = "erased", _("erased")
        RESTRICTED = "restricted", _("restricted")

    request = models.ForeignKey(
        RightsRequest,
        on_delete=models.CASCADE,
        related_name="recipient_notices",
        verbose_name=_("request"),
    )
    recipient = models.ForeignKey(
        "datamap.Recipient",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recipient"),
    )
    change = models.CharField(_("change"), max_length=20, choices=Change.choices)
    categories = models.JSONField(_("data categories"), default=list)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    given_at = models.DateTimeField(_("recipient told"), null=True, blank=True, editable=False)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("told by"),
    )
    note = models.TextField(_("how the recipient was told"), blank=True)

    class Meta:
        verbose_name = _("recipient notice (Art. 19)")
        verbose_name_plural = _("recipient notices (Art. 19)")
        ordering = ["given_at", "created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="recipient_notice_open_idx",
                condition=Q(given_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.get_change_display()}"

    @property
    def is_given(self) -> bool:
        return self.given_at is not None
