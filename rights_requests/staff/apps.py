from django.contrib.admin.apps import AdminConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


def _ensure_roles(sender, app_config=None, using=DEFAULT_DB_ALIAS, apps=None, **kwargs):
    """Keep the staff groups and their permissions current after every migrate.

    Runs once per migrate, for the last installed app, after making sure every app's
    permissions exist (this receiver may run before auth's own for that app).
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    configs = list(global_apps.get_app_configs())
    if using != DEFAULT_DB_ALIAS or sender is not configs[-1]:
        return
    if kwargs.get("plan") is None:
        # Sent by `flush` (which passes no migration plan), not by `migrate`: a test
        # that restores the database from its serialized copy brings the groups back.
        return
    for config in configs:
        create_permissions(config, verbosity=0, using=using)
    from rights_requests.roles import ensure_roles

    ensure_roles()


class StaffAdminConfig(AdminConfig):
    """Django's admin, whose default site asks for a second factor (staff/site.py)."""

    default_site = "rights_requests.staff.site.StaffAdminSite"

    def ready(self):
        super().ready()
        post_migrate.connect(_ensure_roles, dispatch_uid="rights_requests.staff.ensure_roles")
