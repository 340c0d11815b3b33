"""Sign-in forms.

Django (5.2) ties each input to its help text and errors: aria-describedby names
`<id>_helptext` and `<id>_error`, and aria-invalid marks a field in error; the
template identity/_field.html renders those ids (WCAG 1.3.1, 3.3.1).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from datamap import pii


class NoEchoTextInput(forms.TextInput):
    """A text input that never renders its value back (personal numbers stay out of HTML)."""

    def format_value(self, value):
        return None


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


class EmailCodeRequestForm(forms.Form):
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


class EmailCodeVerifyForm(forms.Form):
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


class ProofFileField(forms.FileField):
    """A representative's proof of authority: PDF, JPEG or PNG, judged by content.

    Cleans to the uploaded file with two added attributes, `proof_content_type` and
    `proof_extension`, as identity.uploads.validate_proof_upload found them; store the
    file under that extension, never under the name the browser sent.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Proof of your authority (PDF, JPEG or PNG)"))
        kwargs.setdefault(
            "help_text",
            _("For example a power of attorney or a decision on guardianship. At most 10 MB."),
        )
        kwargs.setdefault(
            "widget",
            forms.ClearableFileInput(
                attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        from identity.uploads import validate_proof_upload

        uploaded = super().clean(data, initial)
        if uploaded and uploaded is not initial:
            content_type, extension = validate_proof_upload(uploaded)
            uploaded.proof_content_type = content_type
            uploaded.proof_extension = extension
        return uploaded
