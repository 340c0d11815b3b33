from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from portal import views

urlpatterns = [
    path("health/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The staff admin (second factor required; rights_requests/staff/site.py) lives at one
    # address in every language, so that /admin/ is the only path the CSP exemption covers.
    path("admin/", admin.site.urls),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("identity/", include("identity.urls")),
    path("consent/", include("consent.urls")),
    path("", include("rights_requests.portal.urls")),
    prefix_default_language=False,
)
