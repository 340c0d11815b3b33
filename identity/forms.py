"""Sign-in forms. Errors are tied to their fields (aria-describedby, aria-invalid)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from datamap import pii


class NoEchoTextInput(forms.TextInput):
    """A text input that never renders its value back (personal numbers stay out of HTML)."""

    def format_value(self, value):
        return None


class AccessibleForm(forms.Form):
    """Connect each input to its help text and its error messages (WCAG 1.3.1, 3.3.1)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe()

    def full_clean(self):
        super().full_clean()
        self._describe()

    def _describe(self):
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if self.is_bound and hasattr(self, "_errors") and self._errors and name in self._errors:
                ids.append(f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            else:
                field.widget.attrs.pop("aria-invalid", None)
            if field.help_text:
                ids.append(f"{bound.auto_id}_help")
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
            else:
                field.widget.attrs.pop("aria-describedby", None)


class PersonalNumberField(forms.CharField):
    """A personnummer or samordningsnummer; cleans to a datamap.pii.PersonalNumber."""

    widget = NoEchoTextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"})
        return attrs

    def clean(self, value):
        value = super().clean(value)
        try:
            return pii.parse_personal_number(value)
        except pii.InvalidPersonalNumber as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class EmailCodeRequestForm(AccessibleForm):
    personal_number = PersonalNumberField(
        label=_("Personal identity number"),
        help_text=_(
            "12 digits: YYYYMMDD-NNNN. A coordination number (samordningsnummer) works too."
        ),
        error_messages={"required": _("Enter your personal identity number.")},
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send a six-digit code to this address. It is valid for 10 minutes."),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address like name@example.se."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    # Honeypot against simple bots (Issue 3, scope item 8): hidden from people by CSS
    # and from assistive technology by aria-hidden; a person leaves it empty.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class EmailCodeVerifyForm(AccessibleForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        help_text=_("The six digits from the e-mail."),
        error_messages={"required": _("Enter the code from the e-mail.")},
        widget=NoEchoTextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "").replace("-", "")
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise forms.ValidationError(_("The code has six digits."), code="format")
        return code
