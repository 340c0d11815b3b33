from django.conf import settings
from django.urls import path

from identity import views

app_name = "identity"

urlpatterns = [
    path("", views.login, name="login"),
    path("eid/start/", views.eid_start, name="eid_start"),
    path("eid/callback/", views.eid_callback, name="eid_callback"),
    path("code/", views.email_start, name="email_start"),
    path("code/verify/", views.email_verify, name="email_verify"),
    path("logout/", views.logout, name="logout"),
]

# The demonstration e-identification provider, in development only (identity/checks.py
# reports DEV_EID_ENABLED without DEBUG as an error; the view checks both again).
if settings.DEBUG and getattr(settings, "DEV_EID_ENABLED", False):
    from identity.devprovider import views as dev_views

    urlpatterns += [
        path("dev-eid/", dev_views.dev_eid, name="dev_eid_root"),
        path("dev-eid/<path:subpath>", dev_views.dev_eid, name="dev_eid"),
    ]
