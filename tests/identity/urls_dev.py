"""A URL configuration as identity/urls.py builds it in development (DEBUG, DEV_EID_ENABLED).

identity/urls.py decides at import time; the test settings have DEBUG off, so the test
of the mounted demo provider loads this module instead.
"""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from identity import urls as identity_urls
from identity.devprovider import views as dev_views
from portal import views as portal_views

dev_patterns = [
    path("dev-eid/", dev_views.dev_eid, name="dev_eid_root"),
    path("dev-eid/<path:subpath>", dev_views.dev_eid, name="dev_eid"),
]

urlpatterns = [path("i18n/", include("django.conf.urls.i18n"))]
urlpatterns += i18n_patterns(
    path("", portal_views.home, name="home"),
    path("identity/", include((identity_urls.urlpatterns + dev_patterns, "identity"))),
    prefix_default_language=False,
)
