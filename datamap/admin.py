from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from portal.admin_tools import TickWithNoteForm, done_filter

from .connectors.manual import mark_done
from .models import (
    DataCategory,
    LegalBasis,
    LegalEntity,
    ManualTask,
    Organisation,
    ProcessingActivity,
    Purpose,
    Recipient,
    System,
)
from .names import CodeNames


class LegalEntityInline(admin.TabularInline):
    model = LegalEntity
    extra = 0
    fields = ["name", "org_number", "base_months", "max_extended_months"]
    show_change_link = True


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "dpo_email", "handling_time_sv", "is_public_body"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [LegalEntityInline]


@admin.register(LegalEntity)
class LegalEntityAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "org_number",
        "base_months",
        "max_extended_months",
        "identity_wait_pauses_clock",
        "extend_over_eves",
    ]
    list_filter = ["organisation"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "organisation",
                    "name",
                    "slug",
                    "org_number",
                    "address",
                    "email",
                    "phone",
                    "dpo_email",
                ]
            },
        ),
        (
            "Deadline policy",
            {
                "fields": [
                    "base_months",
                    "max_extended_months",
                    "identity_wait_pauses_clock",
                    "extend_over_eves",
                ]
            },
        ),
    ]


@admin.register(Purpose, DataCategory)
class CodedAdmin(admin.ModelAdmin):
    list_display = ["code", "name_sv", "name_en"]
    search_fields = ["code", "name_sv", "name_en"]


@admin.register(LegalBasis)
class LegalBasisAdmin(admin.ModelAdmin):
    list_display = ["article", "name_sv", "name_en", "portable"]


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "outside_eea"]
    list_filter = ["kind", "outside_eea"]


@admin.register(System)
class SystemAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "connector"]
    filter_horizontal = ["legal_entities"]


@admin.register(ProcessingActivity)
class ProcessingActivityAdmin(admin.ModelAdmin):
    list_display = ["legal_entity", "purpose", "legal_basis"]
    list_filter = ["legal_entity__organisation", "legal_entity", "legal_basis", "purpose"]
    filter_horizontal = ["categories", "recipients", "systems"]
    list_select_related = ["legal_entity", "purpose", "legal_basis"]


# --- Manual connector checklist --------------------------------------------------------------


class ManualTaskForm(TickWithNoteForm):
    tick_field = "mark_done"
    note_missing = _("Say what you did before marking the task done.")
    mark_done = forms.BooleanField(
        label=_("Done"),
        required=False,
        help_text=_(
            "Tick when the step is carried out in the system; say what you did in the note."
        ),
    )

    class Meta:
        model = ManualTask
        fields = ["assigned_to", "due_on", "note"]


@admin.register(ManualTask)
class ManualTaskAdmin(admin.ModelAdmin):
    """Checklist tasks of the manual connector, for staff of the task's company only."""

    form = ManualTaskForm
    list_display = ["task", "legal_entity", "request", "due_on", "assigned_to", "done_at"]
    list_filter = [done_filter("done_at", to_do=_("To do"), done=_("Done")), "system", "action"]
    list_select_related = ["system", "legal_entity", "request", "assigned_to"]
    readonly_fields = [
        "system",
        "legal_entity",
        "request",
        "category",
        "action",
        "instructions",
        "details",
        "created_at",
        "done_at",
        "done_by",
    ]
    fields = [
        "system",
        "legal_entity",
        "request",
        "category",
        "action",
        "instructions",
        "details",
        "assigned_to",
        "due_on",
        "note",
        "mark_done",
        "created_at",
        "done_at",
        "done_by",
    ]
    actions = ["mark_done_action"]

    def get_queryset(self, request):
        from rights_requests import roles

        queryset = super().get_queryset(request)
        return roles.scope_by_entity(queryset, request.user, "legal_entity")

    def get_changelist_instance(self, request):
        # The list names the categories from one read of them.
        changelist = super().get_changelist_instance(request)
        names = CodeNames()
        for task in changelist.result_list:
            task.category_name = names("category", task.category)
        return changelist

    @admin.display(description=_("manual task"), ordering="id")
    def task(self, obj):
        """What to do, where, in which data: in words (the category's name, not its code)."""
        category = getattr(obj, "category_name", None) or CodeNames()("category", obj.category)
        return f"{obj.get_action_display()}: {obj.system.shown_name}, {category}"

    def _staff(self, request, perm: str) -> bool:
        return request.user.is_active and request.user.is_staff and request.user.has_perm(perm)

    def in_scope(self, request, obj) -> bool:
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        allowed = self._staff(request, "rights_requests.view_rightsrequest")
        return allowed and (obj is None or self.in_scope(request, obj))

    def has_change_permission(self, request, obj=None):
        allowed = self._staff(request, "rights_requests.change_rightsrequest")
        return allowed and (obj is None or (not obj.is_done and self.in_scope(request, obj)))

    def has_module_permission(self, request):
        return self._staff(request, "rights_requests.view_rightsrequest")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("mark_done"):
            mark_done(obj, by=request.user, note=form.cleaned_data.get("note", ""))

    @admin.action(description=_("Mark the selected tasks done"))
    def mark_done_action(self, request, queryset):
        if not self.has_change_permission(request):
            raise PermissionDenied
        done = sum(
            mark_done(task, by=request.user, note=task.note or gettext("Done (no note)."))
            for task in queryset.filter(done_at__isnull=True)
        )
        self.message_user(
            request,
            ngettext("%(count)d task marked done.", "%(count)d tasks marked done.", done)
            % {"count": done},
            messages.SUCCESS,
        )
