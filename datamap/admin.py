from django.contrib import admin

from .models import (
    DataCategory,
    LegalBasis,
    LegalEntity,
    Organisation,
    ProcessingActivity,
    Purpose,
    Recipient,
    System,
)


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
        "name", "organisation", "org_number", "base_months", "max_extended_months",
        "identity_wait_pauses_clock", "extend_over_eves",
    ]
    list_filter = ["organisation"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["organisation", "name", "slug", "org_number", "address", "email", "phone",
                           "dpo_email"]}),
        ("Deadline policy", {"fields": ["base_months", "max_extended_months",
                                         "identity_wait_pauses_clock", "extend_over_eves"]}),
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
