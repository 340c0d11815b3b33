"""API clients in the staff admin (administrators): who may call the REST API, and revoking.

A client is made with `manage.py create_api_client`, which shows its token once; the admin
lists the clients with their companies and last use, and turns a client off. Only the
token's hash is stored, so neither can show the token again.
"""

import logging

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import ApiClient

logger = logging.getLogger(__name__)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "token_prefix", "companies", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    readonly_fields = ["name", "token_prefix", "legal_entities", "created_at", "last_used_at"]
    fields = [*readonly_fields, "is_active"]
    actions = ["deactivate"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("legal_entities")

    def has_add_permission(self, request):
        return False  # manage.py create_api_client: the token is shown once, there

    def has_delete_permission(self, request, obj=None):
        return False  # turned off, not deleted: requests it registered keep its name

    @admin.display(description=_("companies"))
    def companies(self, obj):
        return ", ".join(entity.name for entity in obj.legal_entities.all())

    @admin.action(description=_("Turn off: the token stops working at once"))
    def deactivate(self, request, queryset):
        names = list(queryset.filter(is_active=True).values_list("name", flat=True))
        count = queryset.filter(name__in=names).update(is_active=False)
        logger.info("API clients turned off by staff user %s: %s", request.user.pk, names)
        self.message_user(
            request, _("%(count)d API client(s) turned off.") % {"count": count}, messages.SUCCESS
        )
