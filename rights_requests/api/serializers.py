"""What the API reads and writes. No serializer ever outputs a personal number."""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from identity.levels import IdentityLevel, VerificationMethod
from rights_requests.models import (
    Artifact,
    Channel,
    Message,
    Outcome,
    Right,
    RightsRequest,
    Status,
)

from .fields import CleanCharField, PersonalNumberField

# Channels a system may register: the web portal files its own, and "api" is no channel
# a customer used. The real channel matters: the deadline counts from receipt (R2).
SYSTEM_CHANNELS = [
    (Channel.PHONE.value, Channel.PHONE.label),
    (Channel.LETTER.value, Channel.LETTER.label),
    (Channel.EMAIL.value, Channel.EMAIL.label),
    (Channel.VISIT.value, Channel.VISIT.label),
]
# Methods a system may record for a check it made itself (DESIGN.md §6): a visit with an
# identity document, or an answer by letter to the registered address.
SYSTEM_IDENTITY_METHODS = [
    (VerificationMethod.IN_PERSON.value, VerificationMethod.IN_PERSON.label),
    (VerificationMethod.LETTER.value, VerificationMethod.LETTER.label),
]
MAX_RECEIPT_AGE = datetime.timedelta(days=366)


class RightsRequestSerializer(serializers.ModelSerializer):
    """A request as a system sees it: status, deadlines and decision; never the number."""

    legal_entity = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    organisation = serializers.CharField(source="legal_entity.organisation.code", read_only=True)
    subject_name = serializers.CharField(source="subject.full_name", read_only=True)
    is_extended = serializers.BooleanField(read_only=True)
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, allow_blank=True, read_only=True, help_text="Empty while open."
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = RightsRequest
        fields = [
            "reference",
            "url",
            "organisation",
            "legal_entity",
            "right",
            "channel",
            "status",
            "subject_name",
            "received_at",
            "received_on",
            "due_on",
            "notice_by",
            "is_extended",
            "extended_due_on",
            "extension_reason",
            "deadline_on",
            "deadline_state",
            "paused_days",
            "identity_required",
            "identity_level",
            "outcome",
            "decision_reasons",
            "closed_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return reverse("api:request-detail", kwargs={"reference": obj.reference})


class CustomerRequestSerializer(RightsRequestSerializer):
    """A request as its own customer sees it in the API."""

    legal_entity_name = serializers.CharField(source="legal_entity.name", read_only=True)

    class Meta(RightsRequestSerializer.Meta):
        fields = [
            "reference",
            "url",
            "organisation",
            "legal_entity",
            "legal_entity_name",
            "right",
            "channel",
            "status",
            "received_at",
            "deadline_on",
            "is_extended",
            "extension_reason",
            "identity_required",
            "identity_level",
            "outcome",
            "decision_reasons",
            "closed_at",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return reverse("api:me-request-detail", kwargs={"reference": obj.reference})


class RequestCreateSerializer(serializers.Serializer):
    """A request a customer made by phone, letter, e-mail or visit, as of its real receipt."""

    personal_number = PersonalNumberField()
    first_name = CleanCharField(max_length=100)
    last_name = CleanCharField(max_length=100)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    phone = CleanCharField(required=False, allow_blank=True, max_length=40)
    street_address = CleanCharField(required=False, allow_blank=True, max_length=200)
    postal_code = CleanCharField(required=False, allow_blank=True, max_length=10)
    city = CleanCharField(required=False, allow_blank=True, max_length=100)
    language = serializers.ChoiceField(choices=["sv", "en"], default="sv")
    entities = serializers.ListField(
        child=CleanCharField(max_length=50),
        min_length=1,
        max_length=10,
        help_text="Companies, by slug (kalmar-energi-elnat) or organisation number (556182-7543).",
    )
    rights = serializers.ListField(
        child=serializers.ChoiceField(choices=Right.choices), min_length=1, max_length=6
    )
    channel = serializers.ChoiceField(choices=SYSTEM_CHANNELS)
    received_at = serializers.DateTimeField(
        help_text="When the request reached the company (not when it is registered): "
        "the deadline counts from this instant (GDPR Art. 12(3))."
    )
    details = CleanCharField(required=False, allow_blank=True, max_length=4000, multiline=True)
    identity_method = serializers.ChoiceField(
        choices=SYSTEM_IDENTITY_METHODS,
        required=False,
        allow_blank=True,
        help_text="How the system checked who the customer is, if it did (nothing is copied).",
    )
    access_delivery = serializers.ChoiceField(
        choices=[("download", "download"), ("post", "post")],
        required=False,
        help_text="For access: the extract posted to the registered address needs less proof.",
    )
    direct_marketing = serializers.BooleanField(
        required=False,
        default=False,
        help_text="For objection: the objection is to direct marketing (Art. 21(3)).",
    )

    def validate_received_at(self, value):
        now = timezone.now()
        if value > now + datetime.timedelta(minutes=5):
            raise serializers.ValidationError(_("The time of receipt cannot lie in the future."))
        if value < now - MAX_RECEIPT_AGE:
            raise serializers.ValidationError(_("That is more than a year ago; check the date."))
        return value

    def validate_entities(self, value):
        allowed = self.context["client"].legal_entities.all()
        found = []
        unknown = []
        for key in dict.fromkeys(value):
            entity = next((e for e in allowed if key in (e.slug, e.org_number)), None)
            if entity is None:
                unknown.append(key)
            else:
                found.append(entity)
        if unknown:
            raise serializers.ValidationError(
                _("Unknown company, or one this client may not register for: %(names)s")
                % {"names": ", ".join(unknown)}
            )
        if len({entity.organisation_id for entity in found}) > 1:
            raise serializers.ValidationError(
                _("Choose companies of one organisation; register the others separately.")
            )
        return found

    def validate_rights(self, value):
        return list(dict.fromkeys(value))

    @property
    def identity_level(self) -> str:
        return (
            IdentityLevel.SUBSTANTIAL
            if self.validated_data.get("identity_method")
            else IdentityLevel.NONE
        )


class SubmissionCreatedSerializer(serializers.Serializer):
    received_at = serializers.DateTimeField()
    channel = serializers.CharField()
    requests = RightsRequestSerializer(many=True)


class RequestFilterSerializer(serializers.Serializer):
    """Query parameters of the request list."""

    status = serializers.ChoiceField(choices=Status.choices, required=False)
    right = serializers.ChoiceField(choices=Right.choices, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    entity = CleanCharField(required=False, max_length=50, help_text="Company slug or org number.")
    open = serializers.BooleanField(required=False, allow_null=True, default=None)
    deadline_before = serializers.DateField(required=False, help_text="Deadline on or before.")
    deadline_after = serializers.DateField(required=False, help_text="Deadline on or after.")
    received_after = serializers.DateTimeField(required=False)
    received_before = serializers.DateTimeField(required=False)

    def filter(self, queryset):
        data = self.validated_data
        if "status" in data:
            queryset = queryset.filter(status=data["status"])
        if "right" in data:
            queryset = queryset.filter(right=data["right"])
        if "channel" in data:
            queryset = queryset.filter(channel=data["channel"])
        if data.get("entity"):
            key = data["entity"]
            queryset = queryset.filter(Q(legal_entity__slug=key) | Q(legal_entity__org_number=key))
        if data.get("open") is True:
            queryset = queryset.filter(status__in=_OPEN)
        elif data.get("open") is False:
            queryset = queryset.exclude(status__in=_OPEN)
        if "deadline_before" in data:
            queryset = queryset.filter(deadline_on__lte=data["deadline_before"])
        if "deadline_after" in data:
            queryset = queryset.filter(deadline_on__gte=data["deadline_after"])
        if "received_after" in data:
            queryset = queryset.filter(received_at__gte=data["received_after"])
        if "received_before" in data:
            queryset = queryset.filter(received_at__lte=data["received_before"])
        return queryset


_OPEN = [
    Status.RECEIVED.value,
    Status.AWAITING_IDENTITY.value,
    Status.IN_PROGRESS.value,
    Status.AWAITING_CUSTOMER.value,
]


class MessageSerializer(serializers.ModelSerializer):
    body = CleanCharField(max_length=10_000, multiline=True, allow_bidi=True)
    sender = serializers.ChoiceField(
        choices=Message.Sender.choices,
        default=Message.Sender.STAFF,
        help_text="'customer' for what the customer wrote or said elsewhere (a letter, "
        "a call); 'staff' for an answer from customer service.",
    )

    class Meta:
        model = Message
        fields = ["id", "sender", "body", "created_at", "read_at"]
        read_only_fields = ["id", "created_at", "read_at"]

    def validate_body(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("Write the message."))
        return value.strip()


class ArtifactSerializer(serializers.ModelSerializer):
    available = serializers.BooleanField(source="is_available", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Artifact
        fields = [
            "id",
            "kind",
            "filename",
            "content_type",
            "size",
            "sha256",
            "created_at",
            "expires_at",
            "available",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str | None:
        if not obj.is_available:
            return None
        return reverse(
            "api:request-file-download",
            kwargs={"reference": obj.request.reference, "file_id": obj.pk},
        )


class ConsentLookupSerializer(serializers.Serializer):
    personal_number = PersonalNumberField()


class ConsentPurposeStateSerializer(serializers.Serializer):
    purpose = serializers.CharField(help_text="Consent purpose code.")
    organisation = serializers.CharField(help_text="Organisation code.")
    granted = serializers.BooleanField(help_text="The latest ledger record is a grant.")
    suppressed = serializers.BooleanField(
        help_text="A direct-marketing purpose while the person is on the suppression list."
    )
    effective = serializers.BooleanField(help_text="Granted and not suppressed: may be used now.")
    at = serializers.DateTimeField(allow_null=True, help_text="When the latest record was made.")
    channel = serializers.CharField(allow_blank=True)
    text_version = serializers.IntegerField(allow_null=True)


class ConsentStateSerializer(serializers.Serializer):
    suppressed = serializers.BooleanField(
        help_text="On the direct-marketing suppression list (Art. 21(3)): never market to this person."
    )
    consents = ConsentPurposeStateSerializer(many=True)


class SuppressionQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False, help_text="Only those added since.")


class SuppressionSerializer(serializers.Serializer):
    lookup_hash = serializers.CharField(
        help_text="The keyed hash (HMAC-SHA256) of the personal number, as the portal keys people."
    )
    organisation = serializers.CharField(
        source="organisation.code",
        allow_null=True,
        default=None,
        help_text="Organisation code; null means every organisation.",
    )
    purpose = serializers.CharField(
        source="purpose.code",
        allow_null=True,
        default=None,
        help_text="Consent purpose code; null means all direct marketing.",
    )
    created_at = serializers.DateTimeField()
    lifted_at = serializers.DateTimeField(allow_null=True)
