"""The customer portal's pages. Thin: forms validate, services write, selectors read."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from datamap.models import Organisation
from identity.levels import IdentityLevel, satisfies
from identity.ratelimit import client_ip
from identity.session import current_identity, current_personal_number, customer_login_required

from .. import workflow
from ..models import OPEN_STATUSES, DataSubject, Right, Status, Submission
from . import selectors, services
from .events import describe
from .forms import FilingForm, MessageForm
from .summary import asked_for

logger = logging.getLogger(__name__)


def _organisation(slug: str) -> Organisation:
    return get_object_or_404(Organisation.objects.prefetch_related("legal_entities"), slug=slug)


def _deadline_policy(organisation: Organisation) -> dict:
    """The longest extension any company of the organisation allows, in months (R7)."""
    entities = list(organisation.legal_entities.all())
    base = min((e.base_months for e in entities), default=1)
    longest = max((e.max_extended_months for e in entities), default=base)
    return {"base_months": base, "extra_months": max(longest - base, 0)}


@require_safe
def organisation_start(request, slug):
    """Explain the six rights, what happens next and how long it takes; contacts and DPO."""
    organisation = _organisation(slug)
    return render(
        request,
        "portal/organisation.html",
        {
            "organisation": organisation,
            "entities": organisation.legal_entities.all(),
            "customer": current_identity(request),
            **_deadline_policy(organisation),
        },
    )


@customer_login_required
@require_http_methods(["GET", "POST"])
def file_request(request, slug):
    """The filing form: rights x companies, what each right needs, who files."""
    organisation = _organisation(slug)
    identity = request.customer
    subject = DataSubject.objects.filter(personal_number_hash=identity.personal_number_hash).first()
    initial = {
        "first_name": (subject.first_name if subject else identity.given_name),
        "last_name": (subject.last_name if subject else identity.family_name),
        "contact_email": identity.email or (subject.email if subject else ""),
    }
    entities = list(organisation.legal_entities.all())
    if len(entities) == 1:
        initial["entities"] = entities
    form = FilingForm(
        request.POST or None, request.FILES or None, organisation=organisation, initial=initial
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            if form.is_bot():
                logger.info("honeypot filled on the filing form")
                # Say nothing that helps a bot; file nothing.
                return redirect("portal:my_requests")
            try:
                services.check_filing_limits(identity, client_ip(request))
            except services.FilingLimited:
                form.add_error(
                    None,
                    _(
                        "You have sent many requests in a short time. Please wait a while and "
                        "try again, or contact customer service."
                    ),
                )
                status = 429
            else:
                number = current_personal_number(request)
                if number is None:  # the sign-in ended while the form was open
                    return redirect("identity:login")
                submission = services.file_from_portal(
                    identity=identity,
                    personal_number=number,
                    organisation=organisation,
                    items=form.items(),
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    contact_email=form.cleaned_data["contact_email"],
                    language=translation.get_language() or "sv",
                    representation=_representation(form),
                )
                return redirect("portal:submission_done", pk=submission.pk)
        else:
            status = 400
    return render(
        request,
        "portal/file.html",
        {
            "organisation": organisation,
            "form": form,
            "customer": identity,
            "rights": Right,
            "low_level": not satisfies(identity.level, IdentityLevel.SUBSTANTIAL),
        },
        status=status,
    )


def _representation(form: FilingForm) -> services.Representation | None:
    data = form.cleaned_data
    if data["capacity"] == Submission.Capacity.SELF:
        return None
    return services.Representation(
        capacity=data["capacity"],
        personal_number=data["represented_personal_number"],
        first_name=data["represented_first_name"],
        last_name=data["represented_last_name"],
        proof=data["proof"],
    )


@customer_login_required
@require_safe
def submission_done(request, pk):
    """The confirmation: every request filed, with its reference and deadline."""
    requests = list(
        selectors.request_list(request.customer)
        .filter(submission_id=pk)
        .order_by("legal_entity__name", "pk")
    )
    if not requests:
        raise Http404("No such submission.")
    waiting = [r for r in requests if r.status == Status.AWAITING_IDENTITY]
    return render(
        request,
        "portal/submission_done.html",
        {
            "requests": requests,
            "organisation": requests[0].legal_entity.organisation,
            "waiting": waiting,
            "for_someone": requests[0].submission.capacity != Submission.Capacity.SELF,
            "customer": request.customer,
            "contact_email": requests[0].submission.contact_email,
            "next_url": reverse("portal:my_requests"),
        },
    )


@customer_login_required
@require_safe
def my_requests(request):
    requests = list(selectors.request_list(request.customer))
    return render(
        request,
        "portal/my_requests.html",
        {
            "requests": requests,
            "customer": request.customer,
            "organisations": Organisation.objects.order_by("name"),
            "low_level": not satisfies(request.customer.level, IdentityLevel.SUBSTANTIAL),
        },
    )


@customer_login_required
@require_http_methods(["GET", "POST"])
def request_detail(request, reference):
    """One request: status, deadline, timeline, messages (read and send), files."""
    rights_request = selectors.request_for(request.customer, reference)
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not rights_request.is_open:
            form.add_error(
                None, _("This request is closed. To ask for something new, file a new request.")
            )
            status = 400
        elif form.is_valid():
            services.customer_message(rights_request, body=form.cleaned_data["body"])
            messages.success(request, _("Your message has been sent."))
            return redirect("portal:request_detail", reference=rights_request.reference)
        else:
            status = 400
    services.mark_staff_messages_read(rights_request)
    events = selectors.timeline(rights_request)
    for_someone = rights_request.submission.capacity != Submission.Capacity.SELF
    return render(
        request,
        "portal/request_detail.html",
        {
            "r": rights_request,
            "organisation": rights_request.legal_entity.organisation,
            "timeline": [(event, describe(event, for_someone=for_someone)) for event in events],
            "asked_for": asked_for(rights_request),
            "thread": list(rights_request.messages.order_by("created_at", "pk")),
            "files": selectors.customer_files(rights_request),
            "can_download": selectors.can_download(request.customer),
            "form": form,
            "customer": request.customer,
            "next_url": request.get_full_path(),
        },
        status=status,
    )


@customer_login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, reference):
    """Ask to confirm, then withdraw the request (the customer's wish ends it)."""
    rights_request = selectors.request_for(request.customer, reference)
    if rights_request.status not in OPEN_STATUSES:
        messages.info(request, _("This request is already closed."))
        return redirect("portal:request_detail", reference=rights_request.reference)
    if request.method == "POST":
        try:
            workflow.request_withdraw(rights_request, by_customer=True)
        except workflow.TransitionNotAllowed:
            messages.error(
                request, _("The request could not be withdrawn. It may have just been closed.")
            )
        else:
            messages.success(
                request,
                _("Request %(reference)s is withdrawn.") % {"reference": rights_request.reference},
            )
        return redirect("portal:request_detail", reference=rights_request.reference)
    return render(
        request,
        "portal/withdraw.html",
        {
            "r": rights_request,
            "organisation": rights_request.legal_entity.organisation,
            "customer": request.customer,
        },
    )


@customer_login_required
@require_safe
def download(request, reference, artifact_id):
    """Stream a result file as an attachment while it is kept; record the download."""
    rights_request = selectors.request_for(request.customer, reference)
    artifact = get_object_or_404(
        rights_request.artifacts.filter(kind__in=selectors.CUSTOMER_FILE_KINDS), pk=artifact_id
    )
    if not artifact.is_available:
        raise Http404("The file is no longer kept.")
    if not selectors.can_download(request.customer):
        return render(
            request,
            "portal/download_denied.html",
            {
                "r": rights_request,
                "organisation": rights_request.legal_entity.organisation,
                "customer": request.customer,
                "next_url": reverse("portal:request_detail", args=[rights_request.reference]),
            },
            status=403,
        )
    services.record_download(rights_request, artifact)
    response = FileResponse(
        artifact.file.open("rb"),
        as_attachment=True,
        filename=artifact.filename,
        content_type=artifact.content_type,
    )
    response["Cache-Control"] = "no-store"
    return response
