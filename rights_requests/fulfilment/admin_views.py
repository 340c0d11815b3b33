"""Staff pages of the fulfilment: the rectification diff (GDPR Art. 16, 19).

Mounted in the staff admin site (rights_requests/staff/site.py) at
/admin/fulfilment/<request id>/rectify/. The request is loaded through the request
admin's scoped queryset (another company's request is a 404) and needs the change
permission; showing the diff is recorded as a view of personal data.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from datamap.connectors import ConnectorError
from rights_requests import workflow
from rights_requests.models import Right, RightsRequest, Status
from rights_requests.staff.events import actor_label, staff_label

from . import rectification


class RectifyForm(forms.Form):
    """Rows of (field, correct value); staff map the customer's words to the systems' fields."""

    def __init__(self, *args, choices, rows: int, **kwargs):
        super().__init__(*args, **kwargs)
        options = [("", "—")] + [(c.value, c.label) for c in choices]
        self.rows = rows
        for row in range(rows):
            self.fields[f"field_{row}"] = forms.ChoiceField(
                label=gettext_lazy("Field"), choices=options, required=False
            )
            self.fields[f"value_{row}"] = forms.CharField(
                label=gettext_lazy("Correct value"), required=False, max_length=300
            )

    def row_fields(self):
        return [(self[f"field_{row}"], self[f"value_{row}"]) for row in range(self.rows)]

    def clean(self):
        cleaned = super().clean()
        changes: dict[str, dict[str, str]] = {}
        for row in range(self.rows):
            choice = cleaned.get(f"field_{row}")
            value = (cleaned.get(f"value_{row}") or "").strip()
            if not choice:
                continue
            if not value:
                self.add_error(f"value_{row}", _("Write the correct value."))
                continue
            category, names = rectification.parse_choice(choice)
            if any(name in changes.get(category, {}) for name in names):
                self.add_error(f"field_{row}", _("This field is chosen twice."))
            for name in names:
                changes.setdefault(category, {})[name] = value
        if not changes and not self.errors:
            raise forms.ValidationError(_("Choose at least one field to correct."))
        cleaned["changes"] = changes
        return cleaned


def _request_admin(site):
    return site._registry[RightsRequest]


def rectify(http_request, object_id, site):
    model_admin = _request_admin(site)
    obj = model_admin.get_queryset(http_request).filter(pk=object_id).first()
    if obj is None or obj.right != Right.RECTIFICATION:
        raise Http404("No such rectification request.")
    if not model_admin.has_change_permission(http_request, obj):
        raise PermissionDenied
    claims = rectification.claims(obj)
    choices = rectification.field_choices(obj)
    rows = max(len(claims), 1) + 1
    initial = {f"value_{i}": claim.get("correct", "") for i, claim in enumerate(claims)}
    form = RectifyForm(http_request.POST or None, choices=choices, rows=rows, initial=initial)
    diff = []
    can_apply = obj.status == Status.IN_PROGRESS
    if http_request.method == "POST" and form.is_valid():
        changes = form.cleaned_data["changes"]
        try:
            if "apply" in http_request.POST and can_apply:
                result = rectification.apply(obj.pk, changes, by=http_request.user)
                done = len([r for r in result.actions if r.action == "rectified"])
                messages.success(
                    http_request,
                    ngettext("Corrected %(rows)d row.", "Corrected %(rows)d rows.", done)
                    % {"rows": done},
                )
                to_tell = sorted(
                    set(
                        obj.recipient_notices.filter(given_at__isnull=True).values_list(
                            "recipient__name", flat=True
                        )
                    )
                )
                if to_tell:
                    messages.warning(
                        http_request,
                        _(
                            "Tell these recipients of the correction and mark each notice "
                            "given (GDPR Article 19; see Recipient notices): %(names)s."
                        )
                        % {"names": ", ".join(to_tell)},
                    )
                if result.pending:
                    messages.warning(
                        http_request,
                        _("A system without access got a checklist task: see Manual tasks."),
                    )
                return HttpResponseRedirect(
                    reverse("admin:rights_requests_rightsrequest_change", args=[obj.pk])
                )
            diff = rectification.preview(obj.pk, changes)
            workflow.record_personal_data_view(obj, by=http_request.user, what="rectification diff")
        except (ConnectorError, ValueError, workflow.TransitionNotAllowed) as exc:
            messages.error(http_request, _("Not done: %(error)s") % {"error": exc})
    context = {
        **site.each_context(http_request),
        "title": _("Rectify the data of request %(reference)s") % {"reference": obj.reference},
        "request_obj": obj,
        "claims": claims,
        "form": form,
        "diff": diff,
        "can_apply": can_apply,
        "opts": RightsRequest._meta,
    }
    return TemplateResponse(http_request, "fulfilment/rectify.html", context)


# --- Restriction: the rows restricted, the notice, the lift (Art. 18(3)) ---------------------


class LiftForm(forms.Form):
    notice_sent = forms.DateTimeField(
        label=gettext_lazy("The customer was told on (if not through the portal)"),
        required=False,
        help_text=gettext_lazy(
            "For example the date of a letter. Leave empty to send the notice now."
        ),
    )


def restriction_page(http_request, object_id, site):
    """Restrict now, send the notice, or lift: whichever the request's state allows."""
    from . import restriction

    model_admin = _request_admin(site)
    obj = model_admin.get_queryset(http_request).filter(pk=object_id).first()
    if obj is None or obj.right not in (Right.RESTRICTION, Right.OBJECTION, Right.RECTIFICATION):
        raise Http404("No such request.")
    if http_request.method == "POST":
        if not model_admin.has_change_permission(http_request, obj):
            raise PermissionDenied
        step = http_request.POST.get("step")
        try:
            if step == "restrict":
                restriction.restrict(obj.pk, by=http_request.user)
                messages.success(http_request, _("The data are restricted in every system."))
            elif step == "notify":
                restriction.notify_lift(obj.pk, by=http_request.user)
                messages.success(http_request, _("The customer has been told."))
            elif step == "lift":
                form = LiftForm(http_request.POST)
                sent = form.cleaned_data["notice_sent"] if form.is_valid() else None
                restriction.lift(obj.pk, notice_sent=sent, by=http_request.user)
                messages.success(http_request, _("The restriction is lifted in every system."))
        except (ConnectorError, ValueError, workflow.TransitionNotAllowed) as exc:
            messages.error(http_request, _("Not done: %(error)s") % {"error": exc})
        return HttpResponseRedirect(http_request.path)
    if not model_admin.has_view_permission(http_request, obj):
        raise PermissionDenied
    events = list(
        obj.events.filter(kind__in=(restriction.APPLIED, restriction.NOTIFIED, restriction.LIFTED))
        .order_by("seq")
        .values("kind", "created_at", "actor_label", "data")
    )
    for event in events:  # in words, as on the request page's timeline
        event["label"] = staff_label(event["kind"])
        event["actor"] = actor_label(event["actor_label"])
    restricted = restriction.is_restricted(obj)
    notified = restricted and events and events[-1]["kind"] == restriction.NOTIFIED
    context = {
        **site.each_context(http_request),
        "title": _("Restriction of request %(reference)s") % {"reference": obj.reference},
        "request_obj": obj,
        "events": events,
        "restricted": restricted,
        "notified": notified,
        "lift_form": LiftForm(),
        "notice_text": restriction.lift_notice_text(obj),
        "opts": RightsRequest._meta,
    }
    return TemplateResponse(http_request, "fulfilment/restriction.html", context)
