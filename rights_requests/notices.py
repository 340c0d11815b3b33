"""Notices to the customer: text and HTML, in the customer's language, each recorded.

The workflow records a notice in the outbox with the event that causes it
(`outbox.enqueue_notice`); `deliver` renders and sends it and returns the confirmation
that the outbox runs in the same transaction that marks the row done: a `notice.sent`
event on the request (GDPR Art. 5(2), accountability) and, for an extension, the time
the notice went out (Art. 12(3): it must reach the customer within one month).

The kinds:

- received: acknowledgement with the dates from and to (EDPB-GL §57; legal-rules R10);
- identity_needed: the ways to confirm identity, never a copy of an ID document (Art. 12(6));
- clarification_needed: a question waits in the portal; the clock pauses (Recital 63; R9);
- extended: the new date and the reasons (Art. 12(3); R7);
- completed: the answer and how to get the result; a partial grant gives the reasons and
  the right to complain to IMY and to go to court (Art. 12(4); EDPB-GL §193; R8);
- refused: the reasons, IMY and the courts (Art. 12(4), Art. 77, Art. 79; R8);
- withdrawn: confirmation;
- message: staff have written in the case; the text stays in the portal, behind sign-in.

Every notice links to the request's own page, in the customer's language.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import deadlines
from .models import Artifact, DataSubject, Outbox, RightsRequest, Status, Submission

logger = logging.getLogger(__name__)

NOTICE_KINDS = (
    "received",
    "identity_needed",
    "clarification_needed",
    "extended",
    "completed",
    "refused",
    "withdrawn",
    "message",
)


class NoAddress(Exception):
    """The customer gave no e-mail address: the notice goes by the portal or by post."""


def language_of(request: RightsRequest) -> str:
    """The language of whoever the notices go to, Swedish unless they chose English.

    A person filing for themselves: their preferred language, else the filing's. A
    representative (the notices go to them): the language they filed in, not the
    represented person's preference.
    """
    codes = {code for code, _name in settings.LANGUAGES}
    submission = request.submission
    if submission.capacity != Submission.Capacity.SELF:
        language = submission.language or request.subject.preferred_language
    else:
        language = request.subject.preferred_language or submission.language
    return language if language in codes else settings.LANGUAGE_CODE


def addressee(submission: Submission, subject: DataSubject) -> dict[str, str]:
    """Whom a notice greets, and whom the request concerns when that is someone else.

    A notice goes to whoever filed. A person filing for themselves is greeted by first
    name. A representative (a guardian, an agent with a power of attorney) is greeted by
    the name they gave, or neutrally when none is recorded, never by the represented
    person's name, and is told whom the request concerns. An empty name (anonymised)
    gives the neutral greeting.
    """
    if submission.capacity == Submission.Capacity.SELF:
        return {"greeting_name": subject.first_name.strip(), "represented_name": ""}
    return {
        "greeting_name": submission.representative_name.strip(),
        "represented_name": f"{subject.first_name} {subject.last_name}".strip(),
    }


def render_notice(request: RightsRequest, kind: str) -> tuple[str, str, str]:
    """Return (subject line, text, HTML) of one notice in the customer's language."""
    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    files = []
    if kind == "completed":
        files = list(
            request.artifacts.filter(
                deleted_at__isnull=True,
                kind__in=(Artifact.Kind.REGISTER_EXTRACT, Artifact.Kind.PORTABILITY_EXPORT),
            ).order_by("created_at")
        )
    language = language_of(request)
    with translation.override(language):
        context = {
            "request": request,
            "organisation": request.legal_entity.organisation,
            "entity": request.legal_entity,
            "subject": request.subject,
            **addressee(request.submission, request.subject),
            "portal_url": settings.PORTAL_BASE_URL.rstrip("/")
            + reverse("portal:request_detail", args=[request.reference]),
            "kind": kind,
            "files": files,
            "files_until": min((a.expires_at for a in files), default=None),
            "by_post": request.details.get("delivery") == "post",
            "LANGUAGE_CODE": language,
        }
        subject_line = " ".join(render_to_string("emails/notice_subject.txt", context).split())
        text = render_to_string("emails/notice.txt", context)
        html = render_to_string("emails/notice.html", context)
    return subject_line, text, html


def _send(row: Outbox, recipient: str, subject_line: str, text: str, html: str, **headers) -> None:
    """Send one outbox e-mail. Its Message-ID comes from the row's key, so a message
    handed over again after a crash is the same message."""
    from . import outbox

    message = EmailMultiAlternatives(
        subject_line,
        text,
        to=[recipient],
        headers={
            "Message-ID": outbox.message_id(row.idempotency_key),
            "X-DSR-Outbox": row.idempotency_key,
            **headers,
        },
    )
    message.attach_alternative(html, "text/html")
    message.send()


def _no_address(row: Outbox, requests, kind: str):
    """The confirmation when the customer gave no e-mail address: the notice goes by the
    portal or by post, and the trail says so."""
    from . import workflow

    def record_no_address():
        for request in requests:
            workflow.record_event(
                request, "notice.no_address", data={"notice": kind, "outbox": row.idempotency_key}
            )

    return record_no_address


def deliver(row: Outbox):
    """Send the notice of an outbox row; return its confirmation (run on commit of done)."""
    from . import workflow

    kind = row.payload["notice"]
    if kind == "receipt":
        return _deliver_receipt(row)
    request = RightsRequest.objects.select_related(
        "subject", "submission", "legal_entity__organisation"
    ).get(pk=row.request_id)
    recipient = request.submission.contact_email or request.subject.email
    if not recipient:
        return _no_address(row, [request], kind)
    _send(row, recipient, *render_notice(request, kind), **{"X-DSR-Reference": request.reference})

    def confirm():
        now = timezone.now()
        data = {"notice": kind, "outbox": row.idempotency_key, "language": language_of(request)}
        if kind in ("extended", "refused") and deadlines.receipt_date(now) > request.notice_by:
            # Art. 12(3), 12(4): due within one month of receipt. Recorded, never hidden.
            data["late"] = True
            logger.error("the %s notice of request %s went out late", kind, request.reference)
        workflow.record_event(request, "notice.sent", data=data, at=now)
        if kind == "extended":
            workflow.mark_extension_notice_sent(request.pk, sent_at=now)
        logger.info("sent %s notice for request %s", kind, request.reference)

    return confirm


def render_receipt(submission: Submission) -> tuple[str, str, str, list[RightsRequest]]:
    """Return (subject line, text, HTML, requests) of a web submission's receipt: one
    e-mail listing every request with its receipt and answer dates (R10)."""
    requests = list(
        submission.requests.select_related("legal_entity").order_by("legal_entity__name", "pk")
    )
    with translation.override(submission.language):
        context = {
            "submission": submission,
            **addressee(submission, submission.subject),
            "requests": requests,
            "organisation": submission.organisation,
            "portal_url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("portal:my_requests"),
            "waiting_for_identity": any(r.status == Status.AWAITING_IDENTITY for r in requests),
        }
        subject_line = " ".join(
            render_to_string("portal/emails/receipt_subject.txt", context).split()
        )
        text = render_to_string("portal/emails/receipt.txt", context)
        html = render_to_string("portal/emails/receipt.html", context)
    return subject_line, text, html, requests


def _deliver_receipt(row: Outbox):
    """One receipt for a whole web submission, in place of a notice per request."""
    from . import workflow

    submission = Submission.objects.select_related("subject", "organisation").get(
        pk=row.payload["submission"]
    )
    subject_line, text, html, requests = render_receipt(submission)
    recipient = submission.contact_email or submission.subject.email
    if not recipient:
        return _no_address(row, requests, "receipt")
    _send(row, recipient, subject_line, text, html)

    def confirm():
        now = timezone.now()
        data = {"notice": "receipt", "outbox": row.idempotency_key, "language": submission.language}
        for request in requests:
            workflow.record_event(request, "notice.sent", data=data, at=now)
        logger.info("sent the receipt of submission %s (%d requests)", submission.pk, len(requests))

    return confirm


def send_notice(request_id: int, kind: str) -> bool:
    """Run the pending outbox rows of one request's notice of `kind` now.

    Return False when there is none pending (already sent: a redelivered task).
    """
    from . import outbox

    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    rows = Outbox.objects.filter(
        request_id=request_id,
        kind=Outbox.Kind.NOTICE,
        payload__notice=kind,
        status=Outbox.State.PENDING,
    ).values_list("pk", flat=True)
    return any([outbox.run(pk) for pk in rows])
