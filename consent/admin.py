"""Consent purposes and texts are edited here; the ledger and the suppression list are read-only.

A text that a record refers to cannot be changed any more: a new wording is a new version
(Art. 7(1): the controller shows what exactly the person agreed to).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ConsentPurpose, ConsentRecord, ConsentText, Suppression


def _scope(queryset, user, organisation_path):
    from rights_requests import roles

    ids = roles.entity_ids(user)
    if ids is None:
        return queryset
    organisations = roles.visible_organisations(user).values("pk")
    return queryset.filter(**{f"{organisation_path}__in": organisations})


class ConsentTextInline(admin.StackedInline):
    model = ConsentText
    extra = 0
    fields = ["version", "valid_from", "text_sv", "text_en"]

    def has_change_permission(self, request, obj=None):
        return False  # add a new version instead

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentPurpose)
class ConsentPurposeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_sv", "organisation", "purpose", "direct_marketing", "active"]
    list_filter = ["organisation", "direct_marketing", "active"]
    search_fields = ["code", "name_sv", "name_en"]
    inlines = [ConsentTextInline]

    def get_queryset(self, request):
        return _scope(super().get_queryset(request), request.user, "organisation")

    def has_delete_permission(self, request, obj=None):
        return False  # the ledger refers to it; set "offered" off instead


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ["purpose", "version", "valid_from"]
    list_filter = ["purpose__organisation", "purpose"]

    def get_queryset(self, request):
        return _scope(super().get_queryset(request), request.user, "purpose__organisation")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.records.exists():
            return ["purpose", "version", "text_sv", "text_en", "valid_from"]
        return []

    def has_delete_permission(self, request, obj=None):
        # Only with the permission, and never a text that someone agreed to (Art. 7(1)).
        return super().has_delete_permission(request, obj) and (
            obj is None or not obj.records.exists()
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "purpose", "action", "channel", "text", "short_hash"]
    list_filter = ["action", "channel", "purpose__organisation", "purpose"]
    list_select_related = ["purpose", "text", "text__purpose"]
    date_hierarchy = "at"
    search_fields = ["=subject_hash"]

    def get_queryset(self, request):
        return _scope(super().get_queryset(request), request.user, "purpose__organisation")

    @admin.display(description=_("person (look-up hash)"))
    def short_hash(self, obj):
        return f"{obj.subject_hash[:12]}…"


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "short_hash", "organisation", "purpose", "source", "lifted_at"]
    list_filter = ["organisation", "lifted_at"]
    list_select_related = ["organisation", "purpose"]
    search_fields = ["=lookup_hash", "source"]

    @admin.display(description=_("person (look-up hash)"))
    def short_hash(self, obj):
        return f"{obj.lookup_hash[:12]}…"
