"""Notices to the customer, in the language of the submission (text and HTML)."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import RequestEvent, RightsRequest

logger = logging.getLogger(__name__)

NOTICE_KINDS = (
    "received",
    "identity_needed",
    "clarification_needed",
    "extended",
    "completed",
    "refused",
    "withdrawn",
)


def send_notice(request_id: int, kind: str) -> bool:
    """Send one notice; return False when it was already sent (a redelivered task).

    The `notice.sent` event is the record that it went out: a second call for the same
    request and kind finds it and sends nothing.
    """
    from . import workflow

    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    with transaction.atomic():
        request = (
            RightsRequest.objects.select_for_update()
            .select_related("subject", "submission", "legal_entity__organisation")
            .get(pk=request_id)
        )
        if RequestEvent.objects.filter(request=request, kind="notice.sent", data__notice=kind).exists():
            return False
        recipient = request.submission.contact_email or request.subject.email
        if not recipient:
            workflow.record_event(request, "notice.no_address", data={"notice": kind})
            return False
        with translation.override(request.submission.language):
            context = {
                "request": request,
                "organisation": request.legal_entity.organisation,
                "entity": request.legal_entity,
                "subject": request.subject,
                "portal_url": settings.PORTAL_BASE_URL,
                "kind": kind,
            }
            subject_line = " ".join(render_to_string("emails/notice_subject.txt", context).split())
            text = render_to_string("emails/notice.txt", context)
            html = render_to_string("emails/notice.html", context)
        message = EmailMultiAlternatives(subject_line, text, to=[recipient])
        message.attach_alternative(html, "text/html")
        message.send()
        now = timezone.now()
        workflow.record_event(
            request, "notice.sent", data={"notice": kind}, customer_visible=False, at=now
        )
        if kind == "extended":
            workflow.mark_extension_notice_sent(request.pk, sent_at=now)
    logger.info("sent %s notice for request %s", kind, request.reference)
    return True
