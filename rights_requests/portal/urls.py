"""The customer portal's addresses, mounted inside i18n_patterns (Swedish bare, /en/...).

References (KE-2026-000123) identify requests in addresses; personal numbers never do.
"""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("org/<slug:slug>/", views.organisation_start, name="organisation"),
    path("org/<slug:slug>/file/", views.file_request, name="file"),
    path("submissions/<int:pk>/", views.submission_done, name="submission_done"),
    path("requests/", views.my_requests, name="my_requests"),
    path("requests/<str:reference>/", views.request_detail, name="request_detail"),
    path("requests/<str:reference>/withdraw/", views.withdraw, name="withdraw"),
    path("requests/<str:reference>/files/<int:artifact_id>/", views.download, name="download"),
]
