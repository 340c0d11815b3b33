"""The staff admin: work queues, the request page and the records behind it.

Statuses change only through rights_requests.workflow (actions in staff/request_views.py).
Every queryset and object check is scoped to the staff member's companies
(rights_requests/roles.py); another company's object answers 404. Every change view of
a request or subject records a `subject.viewed` event (GDPR Art. 5(2), accountability).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import Http404, HttpResponseNotAllowed
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from datamap.models import StaffMembership
from datamap.names import CodeNames
from portal.admin_tools import TickWithNoteForm, done_filter
from portal.text import alphabetical

from . import roles, workflow
from .models import (
    Artifact,
    DataSubject,
    Message,
    Outbox,
    RecipientNotice,
    RequestEvent,
    RightsRequest,
    Submission,
)
from .staff import queue_admin, request_views, selectors
from .staff.events import (
    LANGUAGE_NAMES,
    STAFF_EVENT_LABELS,
    actor_label,
    category_names,
    staff_label,
    status_label,
    timeline_rows,
    with_category_names,
)
from .staff.services import pending_refusal


def postal_address(subject) -> str:
    """Street, postal code and town as one line; only the parts on record, empty if none."""
    place = " ".join(p for p in (subject.postal_code, subject.city) if p)
    return ", ".join(p for p in (subject.street_address, place) if p)


class ScopedAdmin(admin.ModelAdmin):
    """Rows and objects outside the staff member's companies do not exist for them."""

    entity_path = "request__legal_entity"

    def get_queryset(self, request):
        return roles.scope_by_entity(super().get_queryset(request), request.user, self.entity_path)

    def in_scope(self, request, obj) -> bool:
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self.in_scope(request, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self.in_scope(request, obj))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_object_or_404(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such object.")
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self.get_object_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self.get_object_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)


@admin.register(RightsRequest)
class RightsRequestAdmin(ScopedAdmin):
    entity_path = "legal_entity"
    # The deadline beside the reference: on a narrow screen the table scrolls sideways,
    # and the column a queue is worked by must not be the one out of view.
    list_display = [
        "reference",
        "deadline",
        "right",
        "legal_entity",
        "status",
        "channel",
        "assignee",
    ]
    list_display_links = ["reference"]
    list_filter = [
        queue_admin.QueueFilter,
        queue_admin.OrganisationFilter,
        queue_admin.CompanyFilter,
        "right",
        "channel",
        "status",
        queue_admin.AssigneeFilter,
    ]
    search_fields = ["=reference"]
    # No search by personal number: the admin's search is a GET, and a personal number
    # must never appear in a URL (or the access log that records it).
    search_help_text = _("Reference, e.g. KE-2026-000123")
    list_select_related = ["legal_entity", "assignee"]
    list_per_page = 50
    ordering = ["deadline_on", "pk"]
    show_full_result_count = False
    actions = [queue_admin.assign_to_me, queue_admin.assign_to_someone, queue_admin.unassign]
    change_form_template = "admin/rights_requests/rightsrequest/change_form.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "legal_entity",
                    "right",
                    "channel",
                    "status",
                    "assignee_name",
                    "asked_for",
                ]
            },
        ),
        (
            _("Deadline"),
            {
                "fields": [
                    "received_at",
                    "due_on",
                    "notice_by",
                    "extended_due_on",
                    "deadline_on",
                    "target_on",
                    "paused_days",
                    "paused_since",
                    "deadline_now",
                    "extension_reason_code",
                    "extension_reason",
                    "extension_notice_sent_at",
                ]
            },
        ),
        (_("Identity"), {"fields": ["identity_required", "identity_level", "identity_method"]}),
        (_("Decision"), {"fields": ["outcome", "decision_reasons", "closed_at"]}),
    ]
    readonly_fields = [f for _title, opts in fieldsets for f in opts["fields"]]

    @admin.display(description=_("deadline"), ordering="deadline_on")
    def deadline(self, obj):
        return queue_admin.deadline_badge(obj, selectors.today())

    @admin.display(description=RightsRequest._meta.get_field("deadline_state").verbose_name)
    def deadline_now(self, obj):
        """Today's state, as the queue's badge shows it: the stored state is the nightly
        sweep's, and a request that became overdue today must not read 'on track'."""
        return self.deadline(obj)

    @admin.display(description=_("assignee"))
    def assignee_name(self, obj):
        return obj.assignee.get_username() if obj.assignee_id else "—"

    @admin.display(description=_("What was asked for"))
    def asked_for(self, obj):
        """The request's details in words (as the customer's page says them), not as JSON."""
        from .portal.summary import asked_for

        lines = asked_for(obj, third_person=True)
        note = (obj.details or {}).get("registered_note")
        if note:
            lines.append(gettext("Noted when registered: %(note)s") % {"note": note})
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("legal_entity", "assignee")

    def get_ordering(self, request):
        if request.GET.get("queue") == "recently_completed":
            return ["-closed_at", "-pk"]  # the latest closed first
        return super().get_ordering(request)

    def get_urls(self):
        def wrap(view):
            def inner(request, *args, **kwargs):
                return view(self, request, *args, **kwargs)

            return self.admin_site.admin_view(inner)

        info = "rights_requests_rightsrequest"
        return [
            path("register/", wrap(request_views.register), name=f"{info}_register"),
            path("<int:object_id>/act/<slug:action>/", wrap(request_views.act), name=f"{info}_act"),
            path(
                "<int:object_id>/personal-number/",
                wrap(request_views.show_personal_number),
                name=f"{info}_personal_number",
            ),
            path(
                "<int:object_id>/files/<int:artifact_id>/",
                wrap(request_views.download_file),
                name=f"{info}_file",
            ),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"], "Use the action forms on the page.")
        obj = self.get_object_or_404(request, object_id)
        if not self.has_view_permission(request, obj):
            raise Http404("No such object.")
        workflow.record_personal_data_view(obj, by=request.user, what="request page")
        user = request.user
        siblings = roles.scope_requests(
            obj.submission.requests.exclude(pk=obj.pk).select_related("legal_entity"), user
        )
        proposal = pending_refusal(obj)
        names = CodeNames()
        context = {
            "subject": obj.subject,
            "address": postal_address(obj.subject),
            "submission": obj.submission,
            "filed_language": LANGUAGE_NAMES.get(
                obj.submission.language, obj.submission.get_language_display()
            ),
            "siblings": siblings,
            "siblings_elsewhere": obj.submission.requests.exclude(pk=obj.pk).count()
            - len(siblings),
            "timeline": timeline_rows(obj.events.select_related("actor").order_by("seq"), names),
            "thread": obj.messages.select_related("author").order_by("created_at", "pk"),
            "files": obj.artifacts.filter(deleted_at__isnull=True).order_by("-created_at"),
            "recipient_notices": [
                (category_names(n.categories, names), n)
                for n in obj.recipient_notices.select_related("recipient", "given_by")
            ],
            "manual_tasks": with_category_names(
                obj.manual_tasks.select_related("system", "done_by"), names
            ),
            "action_forms": request_views.action_forms(user, obj)
            if self.has_change_permission(request, obj)
            else {},
            "fulfilment_links": request_views.fulfilment_links(obj)
            if self.has_change_permission(request, obj)
            else [],
            "can_erase": obj.right == "erasure"
            and obj.status == "in_progress"
            and self.has_change_permission(request, obj),
            "refusal_proposal": proposal,
            "can_decide_refusal": bool(proposal)
            and user.has_perm("rights_requests.approve_refusal")
            and roles.is_dpo(user)
            and proposal.actor_id != user.pk,
            "decide_form": request_views.forms.DecideRefusalForm(),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
            "show_close": True,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)


@admin.register(DataSubject)
class DataSubjectAdmin(ScopedAdmin):
    list_display = ["masked_name", "masked_personal_number"]
    search_fields = ["=last_name"]
    search_help_text = _("Last name (exact)")
    readonly_fields = [
        "masked_personal_number",
        "first_name",
        "last_name",
        "email",
        "phone",
        "street_address",
        "postal_code",
        "city",
        "preferred_language",
        "created_at",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        return roles.scope_subjects(admin.ModelAdmin.get_queryset(self, request), request.user)

    @admin.display(description=_("name"))
    def masked_name(self, obj):
        return f"{obj.first_name[:1]}. {obj.last_name}"

    @admin.display(description=_("personal identity number"))
    def masked_personal_number(self, obj):
        return obj.masked_personal_number

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object_or_404(request, object_id)
        if request.method == "GET":
            for rights_request in roles.scope_requests(obj.requests.all(), request.user):
                workflow.record_personal_data_view(
                    rights_request, by=request.user, what="subject page"
                )
        return super().change_view(
            request,
            object_id,
            form_url,
            {
                "show_save": False,
                "show_save_and_continue": False,
                "show_save_and_add_another": False,
                "retention_assessment": self.retention_assessment(request, obj),
                **(extra_context or {}),
            },
        )

    def retention_assessment(self, request, subject) -> list:
        """What an erasure would remove now at each company the staff member works for,
        and what the law makes the company keep, until when and why (Art. 17(3))."""
        from datamap.models import LegalEntity
        from retention.assessment import assess_erasure

        entities = LegalEntity.objects.select_related("organisation").order_by("name")
        scope = roles.entity_ids(request.user)
        if scope is not None:
            entities = entities.filter(pk__in=scope)
        names = CodeNames()
        return [
            (entity, with_category_names(assess_erasure(subject, entity), names))
            for entity in entities
        ]


@admin.register(Submission)
class SubmissionAdmin(ScopedAdmin):
    list_display = ["__str__", "organisation", "channel", "received_at", "capacity"]
    list_filter = ["channel", "capacity"]
    list_select_related = ["organisation"]
    readonly_fields = [
        "organisation",
        "channel",
        "received_at",
        "language",
        "capacity",
        "registered_by",
        "created_at",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        return roles.scope_submissions(admin.ModelAdmin.get_queryset(self, request), request.user)


class EventKindFilter(admin.SimpleListFilter):
    """The events' kinds in staff's words, in alphabetical order of the words."""

    title = _("event")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        # Every kind there is, without reading the (large) event table for them.
        labelled = [
            (kind, str(label))
            for kind, label in STAFF_EVENT_LABELS.items()
            if kind != "recipient.notified"  # no longer written; "recipient.notice_due" now
        ]
        return sorted(labelled, key=lambda pair: alphabetical(pair[1]))

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(RequestEvent)
class RequestEventAdmin(ScopedAdmin):
    list_display = ["request", "seq", "what", "status_change", "who", "created_at"]
    list_filter = [EventKindFilter]
    list_select_related = ["request"]
    search_fields = ["=request__reference"]
    readonly_fields = [
        "request",
        "seq",
        "kind",
        "from_status",
        "to_status",
        "actor_label",
        "data",
        "customer_visible",
        "created_at",
        "hash",
    ]
    fields = readonly_fields

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("event"), ordering="kind")
    def what(self, obj):
        return staff_label(obj.kind)

    @admin.display(description=_("status"))
    def status_change(self, obj):
        if not obj.to_status:
            return "—"
        before = status_label(obj.from_status)
        return (
            f"{before} → {status_label(obj.to_status)}" if before else status_label(obj.to_status)
        )

    @admin.display(description=_("by"), ordering="actor_label")
    def who(self, obj):
        return actor_label(obj.actor_label) or "—"


@admin.register(Message)
class MessageAdmin(ScopedAdmin):
    list_display = ["request", "sender", "created_at", "read_at"]
    list_select_related = ["request"]
    search_fields = ["=request__reference"]
    readonly_fields = ["request", "sender", "author", "body", "created_at", "read_at"]
    fields = readonly_fields

    def has_change_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        message = self.get_object_or_404(request, object_id)
        if request.method == "GET":
            workflow.record_personal_data_view(message.request, by=request.user, what="message")
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Artifact)
class ArtifactAdmin(ScopedAdmin):
    list_display = ["filename", "request", "kind", "size", "created_at", "expires_at", "download"]
    list_filter = ["kind"]
    list_select_related = ["request"]
    readonly_fields = [
        "request",
        "kind",
        "filename",
        "content_type",
        "size",
        "sha256",
        "created_at",
        "expires_at",
        "deleted_at",
    ]
    fields = readonly_fields

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("download"))
    def download(self, obj):
        if not obj.is_available:
            return "—"
        from django.urls import reverse

        url = reverse("admin:rights_requests_rightsrequest_file", args=[obj.request_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("download"))


@admin.register(Outbox)
class OutboxAdmin(ScopedAdmin):
    """The background work: what is pending, done or failed, and trying a failed one again.

    Read-only but for the action, which needs `change_outbox` (DPO and administrators).
    Rows of no request (none today) are seen by administrators only.
    """

    list_display = ["id", "kind", "request", "status", "attempts", "created_at", "done_at", "error"]
    list_filter = ["status", "kind"]
    list_select_related = ["request"]
    search_fields = ["=request__reference"]
    actions = ["retry"]
    readonly_fields = [
        "kind",
        "request",
        "payload",
        "idempotency_key",
        "status",
        "attempts",
        "available_at",
        "claimed_until",
        "created_at",
        "done_at",
        "last_error",
    ]
    fields = readonly_fields

    def has_change_permission(self, request, obj=None):
        return False  # the rows are changed only by the outbox and by the action

    def has_retry_permission(self, request):
        return request.user.has_perm("rights_requests.change_outbox")

    @admin.display(description=_("last error"))
    def error(self, obj):
        return Truncator(obj.last_error).chars(120)

    @admin.action(description=_("Try the failed work again"), permissions=["retry"])
    def retry(self, request, queryset):
        from . import outbox

        failed = queryset.filter(status=Outbox.State.FAILED)
        taken = outbox.retry_failed(failed.values_list("pk", flat=True), by=request.user)
        skipped = queryset.count() - taken
        self.message_user(
            request,
            _("%(taken)d queued again; %(skipped)d had not failed and were left alone.")
            % {"taken": taken, "skipped": skipped},
            messages.SUCCESS if taken else messages.WARNING,
        )


# --- Recipients to be told of a change (Art. 19) -----------------------------------------------


class RecipientNoticeForm(TickWithNoteForm):
    tick_field = "mark_given"
    note_missing = _("Say how the recipient was told before marking it told.")
    mark_given = forms.BooleanField(
        label=_("The recipient has been told"),
        required=False,
        help_text=_(
            "Tick when you have told the recipient of the change through the channel agreed "
            "with it; say how in the note."
        ),
    )

    class Meta:
        model = RecipientNotice
        fields = ["note"]


@admin.register(RecipientNotice)
class RecipientNoticeAdmin(ScopedAdmin):
    """The recipients staff are to tell of a rectification, erasure or restriction (Art. 19).

    Filed by fulfilment (rights_requests.fulfilment.audit); staff of the request's company
    tell the recipient and mark the notice told with a note of how. A notice told is read-only.
    """

    form = RecipientNoticeForm
    list_display = ["request", "recipient", "change", "category_list", "created_at", "given_at"]
    list_filter = [
        done_filter("given_at", to_do=_("To be told"), done=_("Told")),
        "change",
        "recipient",
    ]
    list_select_related = ["request", "recipient"]
    search_fields = ["=request__reference"]
    readonly_fields = [
        "request",
        "recipient",
        "change",
        "category_list",
        "created_at",
        "given_at",
        "given_by",
    ]
    fields = [
        "request",
        "recipient",
        "change",
        "category_list",
        "created_at",
        "note",
        "mark_given",
        "given_at",
        "given_by",
    ]

    def get_fields(self, request, obj=None):
        # A told notice is shown read-only (no change permission): without the tick.
        if obj is not None and obj.is_given:
            return [f for f in self.fields if f != "mark_given"]
        return self.fields

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or not obj.is_given)

    @admin.display(description=_("data categories"))
    def category_list(self, obj):
        # The list names the categories from one read of them (get_changelist_instance).
        return getattr(obj, "category_names", None) or category_names(obj.categories)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        names = CodeNames()
        for notice in changelist.result_list:
            notice.category_names = category_names(notice.categories, names)
        return changelist

    def save_model(self, request, obj, form, change):
        from .fulfilment import audit

        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("mark_given"):
            audit.give_notice(obj, by=request.user, note=form.cleaned_data["note"])


# --- Staff users with their companies (administrators only) -----------------------------------


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 1
    fields = ["organisation", "legal_entity"]


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffMembershipInline]
