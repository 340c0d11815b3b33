# No inline script or style anywhere, the staff admin included (Django 5.2's admin ships
# none); everything is served from 'self'. Checked by tests/security/test_headers.py.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """Add the headers Django's SecurityMiddleware does not set, on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class RefuseNulMiddleware:
    """Answer 400 to a NUL character in the address, the query or a submitted form.

    No person types one, and PostgreSQL refuses NUL in text ("text fields cannot contain
    NUL (0x00) bytes"): a look-up by such a value would end in a 500 instead of a 404.
    JSON bodies are checked field by field by the API's serializers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            return _bad_request(request)
        return self.get_response(request)


def _has_nul(request) -> bool:
    from urllib.parse import unquote_plus

    if "\x00" in request.path or "\x00" in unquote_plus(request.META.get("QUERY_STRING", "")):
        return True
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
        from django.core.exceptions import RequestDataTooBig

        try:
            body = request.body
        except RequestDataTooBig:
            return False  # Django refuses it on its own when the form is read
        return b"\x00" in body or "\x00" in unquote_plus(body.decode("latin-1"))
    return False


def _bad_request(request):
    from django.http import HttpResponseBadRequest, JsonResponse
    from django.utils.translation import gettext as _

    message = _("The request contains a NUL character, which is never valid here.")
    if request.path.startswith("/api/"):
        body = {"error": {"code": "invalid", "message": message, "fields": {}}}
        return JsonResponse(body, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
