"""The customer's filing form: rights, companies, what each right needs, and who files.

One page with a fieldset per right; only the rights chosen are validated, so the form
works without JavaScript (Issue 3, scope 2 and 7). `FilingForm.items()` turns the
answers into one `workflow.RequestItem` per company and right.
"""

from __future__ import annotations

from django import forms
from django.forms.boundfield import BoundField
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from datamap.models import DataCategory, LegalEntity, Organisation
from identity.forms import PersonalNumberField, ProofFileField
from portal.text import alphabetical

from .. import workflow
from ..models import Right, Submission

RECTIFICATION_ROWS = 3

ALL, SOME = "all", "some"


class RestrictionGround:
    """The grounds for restriction, GDPR Art. 18(1)(a)-(d) (legal-rules.md R30)."""

    CHOICES = [
        ("a", _("I contest that the data are correct (while the company checks them)")),
        ("b", _("The processing is unlawful, but I want the data restricted rather than erased")),
        ("c", _("The company no longer needs the data, but I need them for a legal claim")),
        ("d", _("I have objected to the processing (while the company weighs the grounds)")),
    ]


def _categories_for(organisation: Organisation):
    return (
        DataCategory.objects.filter(activities__legal_entity__organisation=organisation)
        .distinct()
        .order_by("code")
    )


class PortalBoundField(BoundField):
    """A field as drawn on a customer page; says when a chosen file must be chosen again.

    A form that comes back with an error cannot give back a file the customer chose: a
    browser never fills a file input from the page, and the portal does not keep an
    upload from a form it did not accept. So the field says so, and the input is
    described by that note (WCAG 3.3.1), instead of the file vanishing without a word.
    """

    @property
    def file_to_choose_again(self) -> str:
        """The name of the file sent with a form that has errors, if it must be chosen again.

        Empty when the file itself was refused: the field's own error says what to do.
        """
        if not isinstance(self.field, forms.FileField) or not self.form.is_bound:
            return ""
        upload = self.form.files.get(self.html_name)
        if not upload or not self.form.errors or self.errors:
            return ""
        return upload.name

    @property
    def choose_again_message(self) -> str:
        if not (name := self.file_to_choose_again):
            return ""
        return _(
            "Choose the file “%(name)s” again. To protect your data, we do not keep a file "
            "from a form that has errors."
        ) % {"name": name}

    @property
    def aria_describedby(self):
        described = super().aria_describedby
        if described is None or not self.file_to_choose_again:
            return described
        return " ".join(filter(None, [described, f"{self.auto_id}_again"]))


class ErrorSummaryMixin:
    """The error summary's links, each to the input it is about (WCAG 3.3.1, 2.4.3)."""

    bound_field_class = PortalBoundField

    def error_links(self) -> list[tuple[str, str, str]]:
        links = []
        for field in self.visible_fields():
            # A group of radio buttons or check boxes has no single input: link to its first.
            anchor = f"{field.auto_id}_0" if field.use_fieldset else field.id_for_label
            links += [(anchor, field.label, error) for error in field.errors]
            if message := getattr(field, "choose_again_message", ""):
                # Not an error, but a step the customer must take before sending again.
                links.append((anchor, field.label, message))
        return links


class OptionalPersonalNumberField(PersonalNumberField):
    """A personal number that may be left empty (only a representative gives one)."""

    def clean(self, value):
        if value in self.empty_values:
            return None
        return super().clean(value)


class AlphabeticalChoiceIterator(ModelChoiceIterator):
    """The choices in the alphabetical order of their labels, in the active language.

    Read when the form is drawn, so a category shows in the order of its Swedish name on
    the Swedish page and of its English name on the English one, not in the order of its
    code; and a company's name sorts as Swedish has it (å, ä, ö after z), which the
    database's ORDER BY does not.
    """

    def __iter__(self):
        choices = list(super().__iter__())
        head = 1 if self.field.empty_label is not None else 0
        yield from choices[:head]
        yield from sorted(choices[head:], key=lambda choice: alphabetical(choice[1]))


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    iterator = AlphabeticalChoiceIterator
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name


class EntityChoiceField(forms.ModelMultipleChoiceField):
    iterator = AlphabeticalChoiceIterator
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.org_number})" if obj.org_number else obj.name


class FilingForm(ErrorSummaryMixin, forms.Form):
    rights = forms.MultipleChoiceField(
        label=_("What do you want to do?"),
        help_text=_("Choose one or more."),
        choices=Right.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one thing you want to do.")},
    )
    all_entities = forms.BooleanField(required=False)
    entities = EntityChoiceField(
        label=_("Which companies?"),
        queryset=LegalEntity.objects.none(),
        required=False,
        help_text=_("Each company is a controller of its own and answers on its own."),
    )

    # Access (Art. 15).
    access_scope = forms.ChoiceField(
        label=_("Which data?"),
        choices=[(ALL, _("All data about me")), (SOME, _("Only some data (describe below)"))],
        initial=ALL,
        widget=forms.RadioSelect,
    )
    access_scope_text = forms.CharField(
        label=_("Which data do you want?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: my meter readings for 2025."),
    )
    access_delivery = forms.ChoiceField(
        label=_("How do you want the register extract?"),
        choices=[
            ("download", _("Download it here in the portal")),
            ("post", _("By post to the address where I am registered")),
        ],
        initial="download",
        widget=forms.RadioSelect,
        help_text=_(
            "A download needs a stronger confirmation of who you are than a letter to your "
            "registered address."
        ),
    )

    # Erasure (Art. 17).
    erasure_scope = forms.ChoiceField(
        label=_("What should be erased?"),
        choices=[
            (ALL, _("Everything that can be erased")),
            (SOME, _("Only the kinds of data I choose")),
        ],
        initial=ALL,
        widget=forms.RadioSelect,
    )
    erasure_categories = CategoryChoiceField(
        label=_("Kinds of data to erase"),
        queryset=DataCategory.objects.none(),
        required=False,
    )
    erasure_reason = forms.CharField(
        label=_("Why? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: I have moved and am no longer a customer."),
    )

    # Restriction (Art. 18).
    restriction_ground = forms.ChoiceField(
        label=_("Why should the processing be restricted?"),
        choices=RestrictionGround.CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    restriction_text = forms.CharField(
        label=_("Which data, and anything else we should know (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # Objection (Art. 21).
    objection_kind = forms.ChoiceField(
        label=_("What do you object to?"),
        choices=[
            ("direct_marketing", _("Direct marketing (offers and advertising) – it stops at once")),
            ("other", _("Other processing (describe it and why below)")),
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    objection_processing = forms.CharField(
        label=_("Which processing do you object to?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    objection_reasons = forms.CharField(
        label=_("Why? What in your situation speaks against it?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # Portability (Art. 20).
    portability_scope = forms.ChoiceField(
        label=_("Which data do you want as a file?"),
        choices=[
            (ALL, _("All data I have provided or that were measured at my installation")),
            (SOME, _("Only the kinds of data I choose")),
        ],
        initial=ALL,
        widget=forms.RadioSelect,
    )
    portability_categories = CategoryChoiceField(
        label=_("Kinds of data for the file"),
        queryset=DataCategory.objects.none(),
        required=False,
    )

    # Who files, and how we reach them.
    capacity = forms.ChoiceField(
        label=_("Who is the request for?"),
        choices=[
            (Submission.Capacity.SELF, _("For myself")),
            (Submission.Capacity.GUARDIAN, _("For my child or someone I am guardian for")),
            (
                Submission.Capacity.POWER_OF_ATTORNEY,
                _("For someone who has given me a power of attorney"),
            ),
        ],
        initial=Submission.Capacity.SELF,
        widget=forms.RadioSelect,
    )
    represented_personal_number = OptionalPersonalNumberField(
        label=_("Their personal identity number"),
        required=False,
        help_text=_("12 digits: YYYYMMDD-NNNN."),
    )
    represented_first_name = forms.CharField(
        label=_("Their first name"), required=False, max_length=100
    )
    represented_last_name = forms.CharField(
        label=_("Their last name"), required=False, max_length=100
    )
    proof = ProofFileField(required=False)

    first_name = forms.CharField(
        label=_("Your first name"),
        max_length=100,
        error_messages={"required": _("Enter your first name.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Your last name"),
        max_length=100,
        error_messages={"required": _("Enter your last name.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    contact_email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We send the confirmation and news about the request here."),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address like name@example.se."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    # Honeypot against simple bots (Issue 3, scope 8): hidden from people and from
    # assistive technology; a person leaves it empty.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        entities = organisation.legal_entities.order_by("name")
        self.fields["entities"].queryset = entities
        self.fields["all_entities"].label = _("All companies of %(name)s") % {
            "name": organisation.name
        }
        categories = _categories_for(organisation)
        self.fields["erasure_categories"].queryset = categories
        self.fields["portability_categories"].queryset = categories.filter(provided_by_subject=True)
        for row in range(1, RECTIFICATION_ROWS + 1):
            self.fields[f"rectification_data_{row}"] = forms.CharField(
                label=_("Which data are wrong?"),
                required=False,
                max_length=500,
                help_text=_("For example: my address.") if row == 1 else "",
            )
            self.fields[f"rectification_value_{row}"] = forms.CharField(
                label=_("What is correct?"),
                required=False,
                max_length=1000,
                help_text=_("For example: Storgatan 1, 392 30 Kalmar.") if row == 1 else "",
            )

    # --- Groups for the template -------------------------------------------------------------

    def rectification_rows(self):
        return [
            (row, self[f"rectification_data_{row}"], self[f"rectification_value_{row}"])
            for row in range(1, RECTIFICATION_ROWS + 1)
        ]

    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    # --- Validation ------------------------------------------------------------------------

    def clean(self):
        data = super().clean()
        rights = set(data.get("rights") or [])
        if not data.get("all_entities") and not data.get("entities"):
            self.add_error("entities", _("Choose at least one company, or all companies."))
        if Right.RECTIFICATION in rights:
            self._clean_rectification(data)
        if Right.ERASURE in rights and data.get("erasure_scope") == SOME:
            if not data.get("erasure_categories"):
                self.add_error("erasure_categories", _("Choose the kinds of data to erase."))
        if Right.ACCESS in rights and data.get("access_scope") == SOME:
            if not (data.get("access_scope_text") or "").strip():
                self.add_error("access_scope_text", _("Describe which data you want."))
        if Right.RESTRICTION in rights and not data.get("restriction_ground"):
            self.add_error(
                "restriction_ground", _("Choose why the processing should be restricted.")
            )
        if Right.OBJECTION in rights:
            kind = data.get("objection_kind")
            if not kind:
                self.add_error("objection_kind", _("Choose what you object to."))
            elif kind == "other":
                # Art. 21(1): an objection to other processing rests on grounds relating
                # to the person's particular situation, which the company must weigh.
                if not (data.get("objection_processing") or "").strip():
                    self.add_error(
                        "objection_processing", _("Describe the processing you object to.")
                    )
                if not (data.get("objection_reasons") or "").strip():
                    self.add_error("objection_reasons", _("Tell us why you object."))
        if Right.PORTABILITY in rights and data.get("portability_scope") == SOME:
            if not data.get("portability_categories"):
                self.add_error(
                    "portability_categories", _("Choose the kinds of data for the file.")
                )
        if data.get("capacity") and data["capacity"] != Submission.Capacity.SELF:
            self._clean_representation(data)
        return data

    def _clean_rectification(self, data):
        pairs = self.rectification_pairs(data)
        for row in range(1, RECTIFICATION_ROWS + 1):
            what = (data.get(f"rectification_data_{row}") or "").strip()
            value = (data.get(f"rectification_value_{row}") or "").strip()
            if what and not value:
                self.add_error(f"rectification_value_{row}", _("Write what is correct."))
            elif value and not what:
                self.add_error(f"rectification_data_{row}", _("Write which data are wrong."))
        if not pairs and "rectification_data_1" not in self.errors:
            self.add_error(
                "rectification_data_1", _("Write which data are wrong and what is correct.")
            )

    def _clean_representation(self, data):
        # R24: a representative states the capacity and shows the authority for staff to check.
        if (
            not data.get("represented_personal_number")
            and "represented_personal_number" not in self.errors
        ):
            self.add_error(
                "represented_personal_number",
                _("Enter the personal identity number of the person you act for."),
            )
        if not (data.get("represented_first_name") or "").strip():
            self.add_error(
                "represented_first_name", _("Enter the first name of the person you act for.")
            )
        if not (data.get("represented_last_name") or "").strip():
            self.add_error(
                "represented_last_name", _("Enter the last name of the person you act for.")
            )
        if not data.get("proof") and "proof" not in self.errors:
            self.add_error("proof", _("Upload the proof that you may act for them."))

    @staticmethod
    def rectification_pairs(data) -> list[dict]:
        pairs = []
        for row in range(1, RECTIFICATION_ROWS + 1):
            what = (data.get(f"rectification_data_{row}") or "").strip()
            value = (data.get(f"rectification_value_{row}") or "").strip()
            if what and value:
                pairs.append({"data": what, "correct": value})
        return pairs

    # --- Result ------------------------------------------------------------------------------

    def chosen_entities(self) -> list[LegalEntity]:
        if self.cleaned_data.get("all_entities"):
            return list(self.fields["entities"].queryset)
        return sorted(self.cleaned_data["entities"], key=lambda entity: entity.name)

    def details_for(self, right: str) -> dict:
        """Return what the request of one right needs, as stored in RightsRequest.details."""
        data = self.cleaned_data
        if right == Right.ACCESS:
            details = {"scope": data["access_scope"], "delivery": data["access_delivery"]}
            if data["access_scope"] == SOME:
                details["scope_text"] = data["access_scope_text"].strip()
            return details
        if right == Right.RECTIFICATION:
            return {"changes": self.rectification_pairs(data)}
        if right == Right.ERASURE:
            details = {"scope": data["erasure_scope"]}
            if data["erasure_scope"] == SOME:
                details["categories"] = [c.code for c in data["erasure_categories"]]
            if data.get("erasure_reason", "").strip():
                details["reason"] = data["erasure_reason"].strip()
            return details
        if right == Right.RESTRICTION:
            details = {"ground": data["restriction_ground"]}
            if data.get("restriction_text", "").strip():
                details["explanation"] = data["restriction_text"].strip()
            return details
        if right == Right.OBJECTION:
            if data["objection_kind"] == "direct_marketing":
                # Art. 21(2)-(3): absolute; workflow.required_identity_level reads this key.
                return {"direct_marketing": True}
            return {
                "direct_marketing": False,
                "processing": data["objection_processing"].strip(),
                "reasons": data["objection_reasons"].strip(),
            }
        if right == Right.PORTABILITY:
            details = {"scope": data["portability_scope"]}
            if data["portability_scope"] == SOME:
                details["categories"] = [c.code for c in data["portability_categories"]]
            return details
        return {}

    def items(self, *, extra_details: dict | None = None) -> list[workflow.RequestItem]:
        """One item per company and right, companies first (Issue 3: the fan-out)."""
        rights = [value for value, _label in Right.choices if value in self.cleaned_data["rights"]]
        return [
            workflow.RequestItem(
                entity, right, {**self.details_for(right), **(extra_details or {})}
            )
            for entity in self.chosen_entities()
            for right in rights
        ]


class MessageForm(ErrorSummaryMixin, forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write your message.")},
    )

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Write your message."), code="required")
        return body
