"""OpenAPI: every operation documents the error body and the error statuses it may answer."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Stable, for programs: invalid, not_found, throttled, ..."
    )
    message = serializers.CharField(help_text="For people, in the language asked for.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per input field (dotted path), what is wrong with it.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_DESCRIPTIONS = {
    "400": "Invalid input or malformed body; see error.fields",
    "401": "No valid token or sign-in",
    "403": "Not allowed",
    "404": "Not found, or not yours to see",
    "405": "Method not allowed",
    "406": "Cannot answer in the media type asked for",
    "413": "Body larger than the limit",
    "415": "Body media type not supported (send application/json)",
    "429": "Too many requests; see Retry-After",
}
PUBLIC_ERRORS = {"405", "406", "429"}


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if not self.path.startswith("/api/v1/"):
            codes = PUBLIC_ERRORS
        else:
            codes = ERROR_DESCRIPTIONS
        if self.method not in ("POST", "PUT", "PATCH"):
            codes = [c for c in codes if c not in ("413", "415")]
        for code in codes:
            if code not in responses:
                responses[code] = self._error_response(code)
        for code, response in list(responses.items()):
            if code[0] in "45" and "content" not in response:
                responses[code] = {
                    **self._error_response(code),
                    **{
                        "description": response.get("description")
                        or ERROR_DESCRIPTIONS.get(code, "")
                    },
                }
        return responses

    def _error_response(self, code):
        response = self._get_response_for_code(
            ErrorSerializer, code, media_types=["application/json"], direction="response"
        )
        response["description"] = ERROR_DESCRIPTIONS.get(code, response.get("description", ""))
        return response
