from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """Django's admin, whose default site asks for a second factor (staff/site.py)."""

    default_site = "rights_requests.staff.site.StaffAdminSite"
