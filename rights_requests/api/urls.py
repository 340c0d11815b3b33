from django.urls import path, re_path

from . import views

app_name = "api"

REFERENCE = "<str:reference>"

urlpatterns = [
    path("requests/", views.RequestListCreate.as_view(), name="request-list"),
    path(f"requests/{REFERENCE}/", views.RequestDetail.as_view(), name="request-detail"),
    path(
        f"requests/{REFERENCE}/messages/", views.RequestMessages.as_view(), name="request-messages"
    ),
    path(f"requests/{REFERENCE}/files/", views.RequestFiles.as_view(), name="request-files"),
    path(
        f"requests/{REFERENCE}/files/<int:file_id>/",
        views.RequestFileDetail.as_view(),
        name="request-file-detail",
    ),
    path(
        f"requests/{REFERENCE}/files/<int:file_id>/download/",
        views.RequestFileDownload.as_view(),
        name="request-file-download",
    ),
    path("consents/lookup/", views.ConsentLookup.as_view(), name="consent-lookup"),
    path("suppressions/", views.SuppressionList.as_view(), name="suppression-list"),
    path("me/requests/", views.MyRequestList.as_view(), name="me-request-list"),
    path(f"me/requests/{REFERENCE}/", views.MyRequestDetail.as_view(), name="me-request-detail"),
    # Last: everything else under /api/v1/ is a JSON 404.
    re_path(r"^", views.not_found, name="not-found"),
]
