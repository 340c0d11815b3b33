from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsRequestsConfig(AppConfig):
    name = "rights_requests"
    verbose_name = _("Rights requests")

    def ready(self):
        from identity.session import customer_signed_in

        from .workflow import _on_sign_in

        customer_signed_in.connect(_on_sign_in, dispatch_uid="rights_requests.verify_on_sign_in")
