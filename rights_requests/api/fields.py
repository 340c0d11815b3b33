"""Text fields that refuse what no person types and what databases choke on."""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from datamap import pii

# Lone surrogates cannot be stored (PostgreSQL refuses them as UTF-8); C0/C1 control
# characters other than tab and line breaks have no place in a name or a message.
_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bidirectional overrides and isolates can make a name display as something else
# (CVE-2021-42574, "Trojan Source"); a name or address never needs them.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


class CleanCharField(serializers.CharField):
    """A CharField that refuses surrogates and control characters and normalises to NFC."""

    default_error_messages = {
        "surrogate": _("The text contains characters that are not valid Unicode."),
        "control": _("The text contains control characters."),
        "bidi": _("The text contains characters that reverse the writing direction."),
    }

    def __init__(self, *, multiline=False, allow_bidi=False, **kwargs):
        self.multiline = multiline
        self.allow_bidi = allow_bidi
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            if _SURROGATES.search(data):
                self.fail("surrogate")
            if _CONTROLS.search(data) or (not self.multiline and re.search("[\t\n\r]", data)):
                self.fail("control")
            if not self.allow_bidi and _BIDI_CONTROLS.search(data):
                self.fail("bidi")
            data = unicodedata.normalize("NFC", data)
        elif isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        return super().to_internal_value(data)


class PersonalNumberField(serializers.CharField):
    """A personnummer or samordningsnummer: accepted, validated, never written back."""

    def __init__(self, **kwargs):
        kwargs.setdefault("write_only", True)
        kwargs.setdefault(
            "help_text",
            "Personnummer or samordningsnummer, 10 or 12 digits (YYYYMMDD-NNNN). "
            "Never returned by the API.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if _SURROGATES.search(data):
            raise serializers.ValidationError(
                str(_("The text contains characters that are not valid Unicode."))
            )
        try:
            return pii.parse_personal_number(data)
        except pii.InvalidPersonalNumber as error:
            raise serializers.ValidationError(str(error)) from None

    def to_representation(self, value):  # pragma: no cover - write-only
        return value.masked() if isinstance(value, pii.PersonalNumber) else ""
