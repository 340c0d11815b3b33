"""One shape for every error the API returns.

    {"error": {"code": "invalid", "message": "...", "fields": {"name": ["..."]}}}

`code` is stable and meant for programs; `message` is for people, in the request's
language (Accept-Language, Swedish by default).
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from datamap import pii


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self, limit: int):
        super().__init__(_("The request body is larger than %(limit)s bytes.") % {"limit": limit})


class Gone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_code = "gone"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _flatten(detail):
    """Turn DRF's nested error detail into {field: [messages]} with dotted paths."""
    fields: dict[str, list[str]] = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            if all(not isinstance(item, (dict, list)) for item in value):
                fields.setdefault(prefix or "non_field_errors", []).extend(
                    force_str(v) for v in value
                )
            else:
                for index, inner in enumerate(value):
                    walk(f"{prefix}.{index}" if prefix else str(index), inner)
        else:
            fields.setdefault(prefix or "non_field_errors", []).append(force_str(value))

    walk("", detail)
    return fields


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        from django.conf import settings

        exc = PayloadTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(_("The request could not be read."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        message = _("Some fields are missing or wrong; see 'fields'.")
        fields = _flatten(exc.detail)
        if set(fields) == {"non_field_errors"} and len(fields["non_field_errors"]) == 1:
            message = fields["non_field_errors"][0]
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        message = force_str(exc.detail) if hasattr(exc, "detail") else force_str(exc)
        fields = {}
    # Error messages may quote the input ('"x" is not a valid choice'); a personal
    # number sent in the wrong field is never echoed back.
    message = pii.mask_personal_numbers(message)
    fields = {
        pii.mask_personal_numbers(name): [pii.mask_personal_numbers(text) for text in texts]
        for name, texts in fields.items()
    }
    response.data = error_body(code, message, fields)
    return response


def not_found_view(request, exception=None):
    return Response(error_body("not_found", _("Not found.")), status=404)
