"""The request page's own views: actions, the full personal number, files, registration.

Every view loads the request through the admin's scoped queryset (another company's
request is a 404), checks the change permission on the object, and calls the workflow
(or staff/services.py, which calls the workflow). Refusals surface as admin messages.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import roles, workflow
from ..models import Artifact, Right, Status
from . import forms, services
from .replies import BY_CODE

ERRORS = (workflow.TransitionNotAllowed, ValueError, PermissionError)


def scoped_request(model_admin, request, object_id):
    obj = model_admin.get_queryset(request).filter(pk=object_id).first()
    if obj is None:
        raise Http404("No such request.")
    return obj


def change_url(obj) -> str:
    return reverse("admin:rights_requests_rightsrequest_change", args=[obj.pk])


def action_forms(user, obj) -> dict:
    """Unbound forms for the actions that make sense in the request's current state."""
    open_ = obj.status in (
        Status.RECEIVED,
        Status.AWAITING_IDENTITY,
        Status.IN_PROGRESS,
        Status.AWAITING_CUSTOMER,
    )
    found = {}
    if open_:
        found["assign"] = forms.AssignForm(
            user=user, request=obj, initial={"assignee": obj.assignee_id}
        )
        found["verify"] = forms.VerifyIdentityForm()
        found["propose_refusal"] = forms.ProposeRefusalForm()
        found["reply"] = forms.ReplyForm(initial={"language": obj.submission.language})
        if not obj.is_extended:
            found["extend"] = forms.ExtendForm()
    if obj.status == Status.IN_PROGRESS:
        found["ask"] = forms.AskCustomerForm()
        found["complete"] = forms.CompleteForm()
        if obj.right == Right.OBJECTION and not obj.details.get("direct_marketing"):
            found["assess_objection"] = forms.AssessObjectionForm()
    return found


def fulfilment_links(obj) -> list[tuple[str, str]]:
    """The pages where staff carry out the right itself, for an open request."""
    if obj.status != Status.IN_PROGRESS:
        return []
    if obj.right == Right.RECTIFICATION:
        return [(reverse("admin:fulfilment_rectify", args=[obj.pk]), _("Rectify the data"))]
    if obj.right in (Right.RESTRICTION, Right.OBJECTION):
        return [(reverse("admin:fulfilment_restriction", args=[obj.pk]), _("Restrict or lift"))]
    return []


def _carry_out_erasure(obj, user):
    """Queue the erasure through the outbox; a second click queues nothing more."""
    from .. import outbox

    if obj.right != Right.ERASURE or obj.status != Status.IN_PROGRESS:
        raise workflow.TransitionNotAllowed(_("Only an erasure request in progress is erased."))
    with transaction.atomic():
        outbox.enqueue_fulfilment(obj, "erasure.carry_out")
        workflow.record_event(obj, "erasure.queued", actor=user)


def _assess_objection(obj, user, data):
    """Without compelling grounds the objection is granted at once; with them it becomes a
    refusal proposal that waits for a DPO like every refusal (four eyes)."""
    from ..fulfilment import objection

    if not data["compelling_grounds"]:
        objection.decide(obj.pk, compelling_grounds=False, reasons=data["reasons"], by=user)
        return
    with transaction.atomic():
        workflow.record_event(
            obj,
            "objection.assessed",
            actor=user,
            data={"compelling_grounds": True, "article": "GDPR Art. 21(1)"},
        )
        services.refusal_propose(obj, reasons=data["reasons"], by=user)


def _validate(http_request, form_class=None, form_kwargs=None):
    """Validate the action's form; return its cleaned data, or None after reporting errors."""
    form = form_class(http_request.POST, **(form_kwargs or {})) if form_class else None
    if form is not None and not form.is_valid():
        errors = "; ".join(
            f"{form.fields[name].label}: {e}" if name in form.fields else f"{e}"
            for name, errs in form.errors.items()
            for e in errs
        )
        messages.error(http_request, _("Not done: %(errors)s") % {"errors": errors})
        return None
    return form.cleaned_data if form is not None else {}


def act(model_admin, request, object_id, action):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    obj = scoped_request(model_admin, request, object_id)
    if not model_admin.has_change_permission(request, obj):
        raise PermissionDenied
    user = request.user
    handlers = {
        "assign_me": (None, {}, lambda d: workflow.request_assign(obj, assignee=user, by=user)),
        "assign": (
            forms.AssignForm,
            {"user": user, "request": obj},
            lambda d: workflow.request_assign(obj, assignee=d["assignee"], by=user),
        ),
        "start": (None, {}, lambda d: workflow.request_start(obj, by=user)),
        "await_identity": (None, {}, lambda d: workflow.request_await_identity(obj, by=user)),
        "verify": (
            forms.VerifyIdentityForm,
            {},
            lambda d: workflow.request_verify_identity(
                obj, level=d["level"], method=d["method"], by=user, checked_by=d["checked_by"]
            ),
        ),
        "ask": (
            forms.AskCustomerForm,
            {},
            lambda d: workflow.request_ask_customer(obj, question=d["question"], by=user),
        ),
        "resume": (None, {}, lambda d: workflow.request_customer_replied(obj, by=user)),
        "extend": (
            forms.ExtendForm,
            {},
            lambda d: workflow.request_extend(
                obj, reason_code=d["reason_code"], reason=d["reason"], by=user
            ),
        ),
        "complete": (
            forms.CompleteForm,
            {},
            lambda d: workflow.request_complete(
                obj, outcome=d["outcome"], reasons=d["reasons"], by=user
            ),
        ),
        "propose_refusal": (
            forms.ProposeRefusalForm,
            {},
            lambda d: services.refusal_propose(obj, reasons=d["reasons"], by=user),
        ),
        "decide_refusal": (
            forms.DecideRefusalForm,
            {},
            lambda d: services.refusal_decide(
                obj, approve=d["decision"] == "approve", by=user, note=d["note"]
            ),
        ),
        "reply": (
            forms.ReplyForm,
            {},
            lambda d: services.staff_reply(obj, body=_reply_body(obj, d), by=user),
        ),
        "withdraw": (None, {}, lambda d: workflow.request_withdraw(obj, by=user)),
        "carry_out_erasure": (None, {}, lambda d: _carry_out_erasure(obj, user)),
        "assess_objection": (
            forms.AssessObjectionForm,
            {},
            lambda d: _assess_objection(obj, user, d),
        ),
    }
    if action not in handlers:
        raise Http404("No such action.")
    if action == "assign":
        assignee_id = request.POST.get("assignee")
        if assignee_id and not forms.assignable_staff(user, obj).filter(pk=assignee_id).exists():
            messages.error(
                request,
                _("That person does not work for %(entity)s.") % {"entity": obj.legal_entity},
            )
            return HttpResponseRedirect(change_url(obj))
    form_class, form_kwargs, perform = handlers[action]
    data = _validate(request, form_class, form_kwargs)
    if data is not None:
        try:
            perform(data)
        except ERRORS as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Done: %(action)s.") % {"action": ACTION_LABELS.get(action, action)}
            )
    return HttpResponseRedirect(change_url(obj))


ACTION_LABELS = {
    "assign_me": gettext_lazy("assigned to you"),
    "assign": gettext_lazy("assigned"),
    "start": gettext_lazy("work started"),
    "await_identity": gettext_lazy("identity asked for"),
    "verify": gettext_lazy("identity recorded"),
    "ask": gettext_lazy("question sent, the clock is paused"),
    "resume": gettext_lazy("work resumed"),
    "extend": gettext_lazy("deadline extended, the customer is told why"),
    "complete": gettext_lazy("request completed"),
    "propose_refusal": gettext_lazy("refusal proposed; it waits for the DPO"),
    "decide_refusal": gettext_lazy("decision on the refusal recorded"),
    "reply": gettext_lazy("message sent"),
    "withdraw": gettext_lazy("withdrawal recorded"),
    "carry_out_erasure": gettext_lazy(
        "erasure queued; the request page shows what was erased and what is kept"
    ),
    "assess_objection": gettext_lazy("objection assessed; the customer is told"),
}


def _reply_body(obj, data) -> str:
    body = (data.get("body") or "").strip()
    if body:
        return body
    template = BY_CODE[data["template"]]
    return template.render(
        data["language"],
        reference=obj.reference,
        company=obj.legal_entity.name,
        deadline=obj.deadline_on.isoformat(),
    )


def show_personal_number(model_admin, request, object_id):
    """Show the full personal number once, and record that it was shown."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    obj = scoped_request(model_admin, request, object_id)
    if not model_admin.has_view_permission(request, obj):
        raise PermissionDenied
    workflow.record_personal_data_view(obj, by=request.user, what="full personal number")
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Personal identity number"),
        "obj": obj,
        "opts": model_admin.model._meta,
        "personal_number": obj.subject.personal_number.formatted(),
        "back_url": change_url(obj),
    }
    response = TemplateResponse(request, "staff/personal_number.html", context)
    response["Cache-Control"] = "no-store"
    return response


def download_file(model_admin, request, object_id, artifact_id):
    """Serve a request's file to staff of its company, and record the download."""
    obj = scoped_request(model_admin, request, object_id)
    if not model_admin.has_view_permission(request, obj):
        raise PermissionDenied
    artifact = get_object_or_404(Artifact, pk=artifact_id, request=obj)
    if not artifact.is_available:
        raise Http404("The file has been deleted.")
    workflow.record_personal_data_view(obj, by=request.user, what=f"file {artifact.filename}")
    response = FileResponse(
        artifact.file.open("rb"),
        as_attachment=True,
        filename=artifact.filename,
        content_type=artifact.content_type,
    )
    response["Cache-Control"] = "no-store"
    return response


def register(model_admin, request):
    """Register a request received by e-mail, letter, phone or visit (R2: receipt counts)."""
    if not request.user.has_perm("rights_requests.register_request"):
        raise PermissionDenied
    form = forms.RegisterRequestForm(
        request.POST or None,
        user=request.user,
        initial={"received_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submission = services.register_request(
                personal_number=data["personal_number"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                phone=data["phone"],
                street_address=data["street_address"],
                postal_code=data["postal_code"],
                city=data["city"],
                language=data["language"],
                entities=list(data["entities"]),
                rights=data["rights"],
                channel=data["channel"],
                received_at=data["received_at"],
                details=data["details"],
                identity_level=form.identity_level,
                identity_method=data["identity_method"],
                by=request.user,
            )
        except ERRORS as error:
            messages.error(request, str(error))
        else:
            references = ", ".join(r.reference for r in submission.requests.order_by("pk"))
            messages.success(request, _("Registered: %(references)s.") % {"references": references})
            first = submission.requests.order_by("pk").first()
            return HttpResponseRedirect(change_url(first))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Register a request received by e-mail, letter, phone or visit"),
        "form": form,
        "opts": model_admin.model._meta,
        "companies": roles.visible_entities(request.user),
    }
    return TemplateResponse(request, "staff/register.html", context)
