"""Admin registrations. Statuses are read-only here: they change only through workflow.

The work queues, actions and role scoping come with the staff-queue issue.
"""

from django.contrib import admin

from .models import Artifact, DataSubject, Message, RequestEvent, RightsRequest, Submission


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = RequestEvent
    fields = ["seq", "kind", "from_status", "to_status", "actor_label", "created_at"]
    readonly_fields = fields


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["sender", "body", "created_at"]
    readonly_fields = fields


@admin.register(RightsRequest)
class RightsRequestAdmin(admin.ModelAdmin):
    list_display = [
        "reference", "right", "legal_entity", "status", "deadline_on", "deadline_state", "assignee",
    ]
    list_filter = ["status", "right", "channel", "deadline_state", "legal_entity__organisation",
                   "legal_entity"]
    search_fields = ["reference"]
    list_select_related = ["legal_entity", "assignee"]
    readonly_fields = [
        "reference", "submission", "subject", "legal_entity", "right", "channel", "details", "status",
        "identity_required", "identity_level", "identity_method", "received_at", "received_on",
        "due_on", "notice_by", "extended_due_on", "deadline_on", "target_on", "paused_days",
        "paused_since", "deadline_state", "extension_reason_code", "extension_reason",
        "extension_notice_sent_at", "outcome", "decision_reasons", "closed_at",
    ]
    fields = readonly_fields + ["assignee"]
    inlines = [MessageInline, EventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DataSubject)
class DataSubjectAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "city"]
    search_fields = ["last_name", "email"]
    readonly_fields = ["masked_personal_number", "created_at"]
    fields = ["masked_personal_number", "first_name", "last_name", "email", "phone",
              "street_address", "postal_code", "city", "preferred_language", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organisation", "channel", "received_at", "capacity"]
    list_filter = ["organisation", "channel", "capacity"]
    readonly_fields = ["subject", "organisation", "channel", "received_at", "language",
                       "contact_email", "capacity", "representative_name", "registered_by",
                       "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(RequestEvent)
class RequestEventAdmin(admin.ModelAdmin):
    list_display = ["request", "seq", "kind", "from_status", "to_status", "actor_label", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["request"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["request", "sender", "created_at", "read_at"]
    list_select_related = ["request"]
    readonly_fields = ["request", "sender", "author", "body", "created_at", "read_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Artifact)
class ArtifactAdmin(admin.ModelAdmin):
    list_display = ["filename", "request", "kind", "size", "created_at", "expires_at", "deleted_at"]
    list_filter = ["kind"]
    readonly_fields = ["request", "kind", "filename", "content_type", "size", "sha256", "created_at",
                       "expires_at", "deleted_at"]
    exclude = ["file"]

    def has_add_permission(self, request):
        return False
