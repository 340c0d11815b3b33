"""Who is calling the API: a system with a token, or a signed-in customer.

Systems send `Authorization: Bearer <token>`; the token is looked up by its SHA-256
(identity.models.ApiClient keeps nothing else). Customers use their portal session
(identity.session), with Django's CSRF check on anything that writes.
"""

import datetime

from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from identity import session
from identity.models import ApiClient

# Writing last_used_at on every call would turn each read into a write.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class SystemPrincipal:
    """The `request.user` of a call made by a system (not a Django user)."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, client: ApiClient):
        self.client = client
        self.pk = None

    def __str__(self) -> str:
        return f"api:{self.client.name}"

    def get_username(self) -> str:
        return str(self)


class CustomerPrincipal:
    """The `request.user` of a call made by a signed-in customer."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, identity: session.VerifiedIdentity):
        self.identity = identity

    def __str__(self) -> str:
        return "customer"


class ApiClientAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as 'Authorization: Bearer <token>'.")
            )
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        client = (
            ApiClient.objects.filter(token_hash=ApiClient.hash_token(token), is_active=True)
            .prefetch_related("legal_entities")
            .first()
        )
        if client is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        now = timezone.now()
        if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        return SystemPrincipal(client), client

    def authenticate_header(self, request):
        return self.keyword


class _CSRFCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


class CustomerSessionAuthentication(authentication.BaseAuthentication):
    """The portal's customer sign-in; CSRF is enforced as for any cookie-based call."""

    def authenticate(self, request):
        identity = session.current_identity(request._request)
        if identity is None:
            return None
        self.enforce_csrf(request)
        return CustomerPrincipal(identity), identity

    def authenticate_header(self, request):
        # 401 rather than 403 for "not signed in", pointing at the portal's sign-in.
        return 'Session realm="portal"'

    def enforce_csrf(self, request):
        def dummy_get_response(request):  # pragma: no cover - never called
            return None

        check = _CSRFCheck(dummy_get_response)
        check.process_request(request)
        reason = check.process_view(request, None, (), {})
        if reason:
            raise exceptions.PermissionDenied(
                _("CSRF check failed: %(reason)s") % {"reason": reason}
            )


class ApiClientScheme(OpenApiAuthenticationExtension):
    target_class = "rights_requests.api.authentication.ApiClientAuthentication"
    name = "systemToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Token from create_api_client"}


class CustomerSessionScheme(OpenApiAuthenticationExtension):
    target_class = "rights_requests.api.authentication.CustomerSessionAuthentication"
    name = "customerSession"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
