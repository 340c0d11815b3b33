"""Retention rules are edited by the DPO here; legal holds are set and released; runs are read."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import LegalHold, RetentionRule, RetentionRun, RetentionRunLine


def _scope(queryset, user, path="legal_entity"):
    from rights_requests import roles

    return roles.scope_by_entity(queryset, user, path)


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = [
        "legal_entity",
        "category",
        "period_years",
        "period_months",
        "period_days",
        "runs_from",
        "action",
        "legal_reference",
    ]
    list_filter = ["legal_entity", "action", "runs_from"]
    list_select_related = ["legal_entity", "category"]
    search_fields = ["category__code", "legal_reference"]

    def get_queryset(self, request):
        return _scope(super().get_queryset(request), request.user)


class LegalHoldForm(forms.ModelForm):
    """A hold on a person is entered by personal number; only its look-up hash is stored."""

    personal_number = forms.CharField(
        label=_("personal identity number"),
        required=False,
        help_text=_("For a hold on a person. Leave empty for a hold on a whole category."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = LegalHold
        fields = ["legal_entity", "category", "reason"]

    def clean(self):
        from datamap import pii

        cleaned = super().clean()
        text = cleaned.get("personal_number", "").strip()
        if text:
            try:
                self.instance.subject_hash = pii.lookup_hash(pii.parse_personal_number(text))
            except pii.InvalidPersonalNumber as exc:
                self.add_error("personal_number", str(exc))
        elif not self.instance.subject_hash and not (
            cleaned.get("legal_entity") and cleaned.get("category")
        ):
            raise forms.ValidationError(
                _("Give a personal identity number, or a company and a category.")
            )
        return cleaned


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    form = LegalHoldForm
    list_display = ["set_at", "short_hash", "legal_entity", "category", "set_by", "released_at"]
    list_filter = ["legal_entity", "released_at"]
    readonly_fields = ["short_hash", "set_by", "set_at", "released_at"]

    def get_fields(self, request, obj=None):
        head = ["personal_number"] if obj is None else ["short_hash"]
        return head + ["legal_entity", "category", "reason", "set_by", "set_at", "released_at"]

    search_fields = ["=subject_hash"]
    actions = ["release"]

    def get_queryset(self, request):
        from rights_requests import roles

        queryset = super().get_queryset(request)
        ids = roles.entity_ids(request.user)
        if ids is None:
            return queryset
        return queryset.filter(Q(legal_entity__in=sorted(ids)) | Q(legal_entity__isnull=True))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.set_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # release instead: the hold's history stays

    @admin.action(description=_("Release the selected holds"))
    def release(self, request, queryset):
        count = queryset.filter(released_at__isnull=True).update(released_at=timezone.now())
        self.message_user(request, _("%(count)d holds released.") % {"count": count})

    @admin.display(description=_("person (look-up hash)"))
    def short_hash(self, obj):
        return f"{obj.subject_hash[:12]}…" if obj.subject_hash else "–"


class RetentionRunLineInline(admin.TabularInline):
    model = RetentionRunLine
    extra = 0
    can_delete = False
    fields = ["legal_entity", "system", "category", "action", "count", "detail"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "today", "dry_run", "trigger", "finished_at", "has_error"]
    list_filter = ["dry_run", "trigger"]
    readonly_fields = ["started_at", "finished_at", "today", "dry_run", "trigger", "error"]
    inlines = [RetentionRunLineInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description=_("error"))
    def has_error(self, obj):
        return bool(obj.error)
