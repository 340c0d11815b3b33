"""Forms behind the request page's actions and the registration of a request."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from datamap import pii
from identity.levels import IdentityLevel, VerificationMethod

from .. import roles
from ..models import Channel, ExtensionReason, Outcome, Right
from .replies import TEMPLATES


def assignable_staff(user, request=None):
    """Active staff who work for the request's company (or all the user's companies)."""
    from datamap.models import StaffMembership

    User = get_user_model()
    users = User.objects.filter(is_active=True, is_staff=True)
    if request is not None:
        entity = request.legal_entity
        covered = StaffMembership.objects.filter(organisation_id=entity.organisation_id).filter(
            legal_entity__isnull=True
        ) | StaffMembership.objects.filter(legal_entity_id=entity.pk)
        users = users.filter(pk__in=covered.values("user_id")) | users.filter(is_superuser=True)
    elif (ids := roles.entity_ids(user)) is not None:
        # Colleagues who share at least one company with the user.
        shared = StaffMembership.objects.filter(
            legal_entity_id__in=sorted(ids)
        ) | StaffMembership.objects.filter(
            legal_entity__isnull=True, organisation__legal_entities__in=sorted(ids)
        )
        users = users.filter(pk__in=shared.values("user_id"))
    return users.distinct().order_by("username")


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Assign to"), empty_label=_("nobody")
    )

    def __init__(self, *args, user, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_staff(user, request)


class VerifyIdentityForm(forms.Form):
    """Record how identity was checked; the document itself is never kept (R22-R23)."""

    level = forms.ChoiceField(
        label=_("Level reached"),
        choices=[c for c in IdentityLevel.choices if c[0] != IdentityLevel.NONE],
    )
    method = forms.ChoiceField(label=_("Method"), choices=VerificationMethod.choices)
    checked_by = forms.CharField(
        label=_("Checked by"),
        max_length=100,
        help_text=_("Who saw the document or sent the letter."),
    )


class AskCustomerForm(forms.Form):
    question = forms.CharField(
        label=_("Question to the customer"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ExtendForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("Ground (Art. 12(3))"), choices=ExtensionReason.choices)
    reason = forms.CharField(
        label=_("Reasons, in words, for the customer"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CompleteForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (Outcome.GRANTED, Outcome.GRANTED.label),
            (Outcome.PARTIALLY_GRANTED, Outcome.PARTIALLY_GRANTED.label),
        ],
    )
    reasons = forms.CharField(
        label=_("Reasons for what was not granted"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("outcome") == Outcome.PARTIALLY_GRANTED
            and not (data.get("reasons") or "").strip()
        ):
            self.add_error("reasons", _("A partial grant needs the reasons (GDPR Art. 12(4))."))
        return data


class AssessObjectionForm(forms.Form):
    """Staff's assessment of an objection under Art. 21(1): compelling legitimate grounds?"""

    compelling_grounds = forms.TypedChoiceField(
        label=_("Assessment"),
        choices=[
            ("no", _("No compelling legitimate grounds: the processing stops (granted)")),
            ("yes", _("Compelling legitimate grounds override the customer's interests (refused)")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label=_("Reasons (sent to the customer)"), widget=forms.Textarea(attrs={"rows": 4})
    )


class ProposeRefusalForm(forms.Form):
    reasons = forms.CharField(
        label=_("Reasons for refusing (Art. 12(4), 12(5))"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecideRefusalForm(forms.Form):
    # No decision is preselected: the DPO chooses one (a bare click must not approve).
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("", "—"),
            ("approve", _("Approve the refusal")),
            ("reject", _("Reject the proposal")),
        ],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class ReplyForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Template"),
        required=False,
        choices=[("", "—")] + [(t.code, t.title) for t in TEMPLATES],
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("sv", "svenska"), ("en", "English")]
    )
    body = forms.CharField(
        label=_("Message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Leave empty to send the template as it is."),
    )

    def clean(self):
        data = super().clean()
        if not data.get("template") and not (data.get("body") or "").strip():
            raise forms.ValidationError(_("Choose a template or write the message."))
        return data


class UnechoedTextInput(forms.TextInput):
    """A text input that never writes its value back into the page (a personal number)."""

    def format_value(self, value):
        return None


STAFF_CHANNELS = [
    (c, Channel(c).label) for c in (Channel.EMAIL, Channel.LETTER, Channel.PHONE, Channel.VISIT)
]


class RegisterRequestForm(forms.Form):
    """A request received by e-mail, letter, phone or visit, as of its real receipt (R2)."""

    channel = forms.ChoiceField(label=_("Received by"), choices=STAFF_CHANNELS)
    received_at = forms.DateTimeField(
        label=_("Received at (Stockholm time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_(
            "When the request reached us, not when you register it: the deadline counts from then."
        ),
    )
    personal_number = forms.CharField(
        label=_("Personal identity number"),
        max_length=20,
        widget=UnechoedTextInput(attrs={"autocomplete": "off"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    street_address = forms.CharField(label=_("Street address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("sv", "svenska"), ("en", "English")]
    )
    entities = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Companies"), widget=forms.CheckboxSelectMultiple
    )
    rights = forms.MultipleChoiceField(
        label=_("Rights"), choices=Right.choices, widget=forms.CheckboxSelectMultiple
    )
    details = forms.CharField(
        label=_("What the customer asked, in short"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    identity_method = forms.ChoiceField(
        label=_("Identity checked"),
        required=False,
        choices=[("", _("not checked"))]
        + [
            (m, VerificationMethod(m).label)
            for m in (VerificationMethod.IN_PERSON, VerificationMethod.LETTER)
        ],
        help_text=_(
            "A visit with an identity document gives level substantial; nothing is copied."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entities"].queryset = roles.visible_entities(user).order_by(
            "organisation__name", "name"
        )

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        if value > timezone.now() + datetime.timedelta(minutes=1):
            raise forms.ValidationError(_("The time of receipt cannot lie in the future."))
        if value < timezone.now() - datetime.timedelta(days=366):
            raise forms.ValidationError(_("That is more than a year ago; check the date."))
        return value

    def clean_personal_number(self):
        try:
            return pii.parse_personal_number(self.cleaned_data["personal_number"])
        except pii.InvalidPersonalNumber as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        data = super().clean()
        entities = data.get("entities") or []
        if len({entity.organisation_id for entity in entities}) > 1:
            self.add_error(
                "entities",
                _("Choose companies of one organisation; register the others separately."),
            )
        return data

    @property
    def identity_level(self) -> str:
        method = self.cleaned_data.get("identity_method")
        return IdentityLevel.SUBSTANTIAL if method else IdentityLevel.NONE
