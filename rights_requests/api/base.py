"""What every API view shares: who may call, language, caching, refusals, docs."""

from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny

from rights_requests.models import RightsRequest

from .authentication import ApiClientAuthentication, CustomerSessionAuthentication
from .permissions import IsCustomer, IsSystem


def _actor_label(request) -> str:
    return f"api:{request.auth.name}"[:100]


class ApiBase:
    """Common to every API view.

    Answers carry personal data, so no shared or browser cache may keep them. Callers
    who fail to authenticate still count against the anonymous rate, so that guessing
    tokens is slowed down too (DRF would otherwise refuse them before any throttle).
    """

    def initial(self, request, *args, **kwargs):
        # The API has no language prefix in its addresses: Accept-Language decides
        # (LocaleMiddleware would pin unprefixed addresses to Swedish).
        language = translation.get_language_from_request(request._request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)
        if hasattr(self, request.method.lower()):  # a wrong method stays a 405
            self.refuse_unknown_parameters(request)

    allowed_parameters: frozenset[str] = frozenset()

    def refuse_unknown_parameters(self, request):
        """Refuse query parameters the operation does not know, rather than ignore them.

        A misspelt filter (?stauts=open) would otherwise return everything.
        """
        allowed = set(self.allowed_parameters)
        if getattr(self, "pagination_class", None) is not None:
            allowed |= {"page", "page_size"}
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise serializers.ValidationError(
                {name[:100]: [_("Unknown parameter.")] for name in unknown[:20]}
            )

    def perform_authentication(self, request):
        try:
            super().perform_authentication(request)
        except exceptions.AuthenticationFailed:
            self.check_throttles(request)
            raise

    def permission_denied(self, request, message=None, code=None):
        if not request.successful_authenticator:
            self.check_throttles(request)
        super().permission_denied(request, message, code)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class SystemView(ApiBase):
    authentication_classes = [ApiClientAuthentication]
    permission_classes = [IsSystem]

    @property
    def client(self):
        return self.request.auth

    def scoped_requests(self):
        return RightsRequest.objects.filter(
            legal_entity__in=[e.pk for e in self.client.legal_entities.all()]
        ).select_related("legal_entity__organisation", "subject")

    def get_request_object(self) -> RightsRequest:
        return get_object_or_404(self.scoped_requests(), reference=self.kwargs["reference"])


class CustomerView(ApiBase):
    authentication_classes = [CustomerSessionAuthentication]
    permission_classes = [IsCustomer]

    def own_requests(self):
        identity = self.request.auth
        return (
            RightsRequest.objects.filter(
                subject__personal_number_hash=identity.personal_number_hash
            )
            .select_related("legal_entity__organisation", "subject")
            .order_by("-received_at", "-id")
        )


class ApiDocs(SpectacularSwaggerSplitView):
    """Swagger UI from 'self': page and start-up script served apart, so no inline script."""

    template_name = "api/swagger_ui.html"
    url_name = "api-schema"


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/: a 404 in the API's error shape, not an HTML page."""
    raise exceptions.NotFound()
