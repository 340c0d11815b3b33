from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from portal import views
from rights_requests.api.views import ApiDocs

urlpatterns = [
    path("health/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The staff admin (second factor required; rights_requests/staff/site.py) lives at one
    # address in every language, under the same strict CSP as the portal.
    path("admin/", admin.site.urls),
    # The REST API for other systems and signed-in customers (rights_requests/api/).
    path("api/v1/", include("rights_requests.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocs.as_view(), name="api-docs"),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("identity/", include("identity.urls")),
    path("consent/", include("consent.urls")),
    path("", include("rights_requests.portal.urls")),
    prefix_default_language=False,
)
