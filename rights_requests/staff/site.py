"""The admin site: a verified second factor is required for everything in it."""

from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from .auth import StaffAuthenticationForm, has_confirmed_device


class StaffAdminSite(OTPAdminSite):
    """Django's admin with OTP: an unverified session sees nothing but enrolment."""

    site_header = _("Rights requests – staff")
    site_title = _("Rights requests")
    index_title = _("Work queues and records")
    login_form = StaffAuthenticationForm
    login_template = "admin/staff_login.html"

    def __init__(self, name="admin"):
        super().__init__(name)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def wrapper(request, *args, **kwargs):
            if needs_enrolment(request.user):
                return HttpResponseRedirect(reverse("admin:staff_enrol", current_app=self.name))
            return inner(request, *args, **kwargs)

        wrapper.admin_site = self
        wrapper.__wrapped__ = inner
        for attr in ("csrf_exempt", "login_required"):
            if hasattr(inner, attr):
                setattr(wrapper, attr, getattr(inner, attr))
        return wrapper

    def login(self, request, extra_context=None):
        from django.conf import settings

        # In a demo installation, say how to get a code without a phone (README, make run).
        context = {"staff_demo_hint": settings.DEBUG, **(extra_context or {})}
        return super().login(request, context)

    def get_urls(self):
        from rights_requests.fulfilment import admin_views as fulfilment_views

        from . import dashboard_views, views_auth

        urls = [
            path("otp/enrol/", views_auth.enrol, {"site": self}, name="staff_enrol"),
            path(
                "otp/recovery-codes/",
                self.admin_view(views_auth.recovery_codes),
                {"site": self},
                name="staff_recovery_codes",
            ),
            path(
                "dashboard/",
                self.admin_view(dashboard_views.dashboard),
                {"site": self},
                name="staff_dashboard",
            ),
            path(
                "dashboard/open-requests.csv",
                self.admin_view(dashboard_views.export_csv),
                {"site": self},
                name="staff_dashboard_csv",
            ),
            path(
                "dashboard/report.pdf",
                self.admin_view(dashboard_views.report_pdf),
                {"site": self},
                name="staff_dashboard_pdf",
            ),
            path(
                "fulfilment/<int:object_id>/rectify/",
                self.admin_view(fulfilment_views.rectify),
                {"site": self},
                name="fulfilment_rectify",
            ),
            path(
                "fulfilment/<int:object_id>/restriction/",
                self.admin_view(fulfilment_views.restriction_page),
                {"site": self},
                name="fulfilment_restriction",
            ),
        ]
        return urls + super().get_urls()

    def each_context(self, request):
        context = super().each_context(request)
        user = request.user
        context["staff_can_view_dashboard"] = user.has_perm("rights_requests.view_dashboard")
        context["staff_can_register"] = user.has_perm("rights_requests.register_request")
        return context


def needs_enrolment(user) -> bool:
    """A signed-in staff member without a confirmed device must enrol one first."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and not user.is_verified()
        and not has_confirmed_device(user)
    )
