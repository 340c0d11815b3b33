from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API for the utility's systems and signed-in customers (/api/v1/)."""

    name = "rights_requests.api"
    label = "rights_requests_api"
    verbose_name = "API"
