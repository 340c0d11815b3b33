"""Notices: every kind, in Swedish and English, text and HTML, each recorded as an event."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from identity.levels import IdentityLevel
from rights_requests import deadlines, outbox, workflow
from rights_requests.models import (
    Artifact,
    ExtensionReason,
    Outbox,
    Outcome,
    RequestEvent,
    Right,
    Status,
)
from rights_requests.notices import NOTICE_KINDS, language_of, render_notice
from tests.rights_requests.factories import file_request, request_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("swedish_catalogue")]


def run_all():
    for pk in Outbox.objects.filter(status=Outbox.State.PENDING).values_list("pk", flat=True):
        outbox.run(pk)


def only_mail():
    (message,) = mail.outbox
    return message


@pytest.mark.parametrize("kind", NOTICE_KINDS)
@pytest.mark.parametrize(
    ("language", "greeting", "footer"),
    [("sv", "Hej Alice,", "Följ din begäran"), ("en", "Hello Alice,", "Follow your request")],
)
def test_every_notice_renders_in_the_customers_language_as_text_and_html(
    kind, language, greeting, footer, make_subject, elnat
):
    subject = make_subject(preferred_language=language)
    request = request_in(Status.IN_PROGRESS, subject, elnat)
    request.extended_due_on = request.due_on + dt.timedelta(days=60)
    request.extension_reason = "reason in words"
    line, text, html = render_notice(request, kind)
    assert request.reference in line
    assert text.startswith(greeting)
    assert footer in text and footer in html
    assert f'<html lang="{language}">' in html
    assert subject.personal_number.digits not in text + html + line
    assert "{%" not in text and "%(" not in text


def test_the_receipt_is_in_swedish_for_a_swedish_customer(make_subject, elnat):
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    mail.outbox.clear()
    run_all()
    message = only_mail()
    assert message.subject == f"Vi har tagit emot din begäran {request.reference}"
    assert f"Du får vårt svar senast den {request.due_on.isoformat()}" in message.body
    assert message.alternatives[0][1] == "text/html"
    event = RequestEvent.objects.get(request=request, kind="notice.sent")
    assert event.data["language"] == "sv" and event.data["notice"] == "received"


def test_the_customers_chosen_language_wins_over_the_form_language(make_subject, elnat):
    subject = make_subject(preferred_language="en")
    submission = workflow.file_submission(
        subject=subject,
        organisation=elnat.organisation,
        items=[workflow.RequestItem(elnat, Right.ACCESS)],
        language="sv",
        identity_level=IdentityLevel.HIGH,
    )
    mail.outbox.clear()
    run_all()
    assert only_mail().subject.startswith("We have received your request")
    assert submission.requests.get().reference in mail.outbox[0].subject


def test_identity_instructions_never_ask_for_a_copy_of_an_id(make_subject, elnat):
    file_request(make_subject(preferred_language="en"), elnat)  # awaiting identity
    mail.outbox.clear()
    run_all()
    instructions = next(m for m in mail.outbox if "confirm your identity" in m.subject)
    assert "BankID" in instructions.body
    assert "never need to send a copy of an identity document" in instructions.body


def test_the_extension_notice_gives_the_reasons_and_records_when_it_went_out(make_subject, elnat):
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat)
    run_all()
    mail.outbox.clear()
    workflow.request_extend(
        request,
        reason_code=ExtensionReason.SPREAD_OVER_SYSTEMS,
        reason="Dina uppgifter finns i fyra system.",
    )
    run_all()
    message = only_mail()
    request.refresh_from_db()
    assert f"svarar senast den {request.extended_due_on.isoformat()}" in message.body
    assert "Dina uppgifter finns i fyra system." in message.body
    assert "artikel 12.3" in message.body
    assert request.extension_notice_sent_at is not None
    assert request.extension_notice_sent_at.date() <= request.notice_by


def test_the_completion_of_an_extract_says_where_to_download_and_until_when(make_subject, elnat):
    request = request_in(Status.IN_PROGRESS, make_subject(preferred_language="en"), elnat)
    expires = timezone.now() + dt.timedelta(days=30)
    Artifact.objects.create(
        request=request,
        kind=Artifact.Kind.REGISTER_EXTRACT,
        file=f"artifacts/{request.pk}/extract.pdf",
        filename="extract.pdf",
        content_type="application/pdf",
        sha256="0" * 64,
        expires_at=expires,
    )
    run_all()
    mail.outbox.clear()
    workflow.request_complete(request)
    run_all()
    body = only_mail().body
    assert "Sign in to the portal to download it" in body
    assert timezone.localtime(expires).date().isoformat() in body


@pytest.mark.parametrize(
    ("right", "words"),
    [
        (Right.ERASURE, "which we must keep, why and until when"),
        (Right.PORTABILITY, "JSON and CSV files in a ZIP file"),
        (Right.RECTIFICATION, "we tell them of the correction"),
        (Right.RESTRICTION, "before the restriction is lifted"),
    ],
)
def test_the_completion_says_what_was_done_for_each_right(right, words, make_subject, elnat):
    request = request_in(
        Status.IN_PROGRESS, make_subject(preferred_language="en"), elnat, right=right
    )
    run_all()
    mail.outbox.clear()
    workflow.request_complete(request)
    run_all()
    assert words in only_mail().body


def test_a_partial_grant_gives_reasons_and_the_right_to_complain(make_subject, elnat):
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat, right=Right.ERASURE)
    run_all()
    mail.outbox.clear()
    workflow.request_complete(
        request, outcome=Outcome.PARTIALLY_GRANTED, reasons="Fakturor sparas enligt BFL 7 kap. 2 §."
    )
    run_all()
    body = only_mail().body
    assert "En del av din begäran kunde inte" in body
    assert "Fakturor sparas enligt BFL 7 kap. 2 §." in body
    assert "Integritetsskyddsmyndigheten (IMY)" in body and "väcka talan i domstol" in body


def test_a_refusal_in_swedish_names_imy_and_the_courts(make_subject, elnat):
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat)
    run_all()
    mail.outbox.clear()
    workflow.request_refuse(request, reasons="Uppenbart ogrundad begäran.")
    run_all()
    message = only_mail()
    assert message.subject == f"Beslut om din begäran {request.reference}"
    assert "Vi kan inte tillmötesgå din begäran" in message.body
    assert "Uppenbart ogrundad begäran." in message.body
    assert "Integritetsskyddsmyndigheten (IMY), www.imy.se" in message.body
    assert "väcka talan i domstol" in message.body


def test_each_notice_sent_is_an_event_and_no_address_is_recorded_too(make_subject, elnat):
    with_address = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    without = file_request(make_subject(email=""), elnat, level=IdentityLevel.HIGH)
    mail.outbox.clear()
    run_all()
    assert len(mail.outbox) == 1
    assert RequestEvent.objects.filter(request=with_address, kind="notice.sent").count() == 1
    assert RequestEvent.objects.filter(request=without, kind="notice.no_address").count() == 1
    assert not Outbox.objects.exclude(status=Outbox.State.DONE).exists()


def test_an_extension_notice_delayed_past_the_one_month_date_is_recorded_as_late(
    make_subject, elnat, monkeypatch
):
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat)
    workflow.request_extend(request, reason_code=ExtensionReason.VOLUME_OF_DATA, reason="Data.")
    request.refresh_from_db()
    late = deadlines.deadline_end(request.notice_by) + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: late)  # the broker was down for a month
    run_all()
    event = RequestEvent.objects.get(request=request, kind="notice.sent", data__notice="extended")
    assert event.data["late"] is True
    on_time = RequestEvent.objects.get(request=request, kind="notice.sent", data__notice="received")
    assert "late" not in on_time.data


@pytest.mark.parametrize(
    ("language", "line", "prefix"),
    [
        ("sv", "Ett nytt meddelande om din begäran", ""),
        ("en", "A new message about your request", "/en"),
    ],
)
def test_a_staff_reply_is_announced_by_email_without_its_text(
    language, line, prefix, make_subject, elnat, django_user_model
):
    from rights_requests.staff.services import staff_reply

    request = request_in(Status.IN_PROGRESS, make_subject(preferred_language=language), elnat)
    run_all()
    mail.outbox.clear()
    staff = django_user_model.objects.create_user("handler", password="x")
    staff_reply(request, body="Vi behöver veta din mätarpunkt 7359991234", by=staff)
    run_all()
    message = only_mail()
    assert message.subject == f"{line} {request.reference}"
    assert "7359991234" not in message.body  # the text waits behind sign-in
    assert f"{prefix}/requests/{request.reference}/" in message.body
    event = RequestEvent.objects.get(request=request, kind="notice.sent", data__notice="message")
    assert event.data["language"] == language


def receipt_mail():
    (message,) = [m for m in mail.outbox if "vi har tagit emot din begäran" in m.subject]
    return message


def file_for_kim(make_subject, elnat, *, representative_name, language="sv", one_receipt=False):
    """A guardian's filing for a child, Kim: the e-mails go to the guardian's address."""
    kim = make_subject(first_name="Kim", last_name="Andersson", birth="20150505")
    submission = workflow.file_submission(
        subject=kim,
        organisation=elnat.organisation,
        items=[workflow.RequestItem(elnat, Right.ACCESS)],
        language=language,
        contact_email="guardian@example.org",
        capacity="guardian",
        representative_name=representative_name,
        one_receipt=one_receipt,
    )
    return submission.requests.get()


@pytest.mark.parametrize("kind", NOTICE_KINDS)
@pytest.mark.parametrize(
    ("language", "greeting", "concerns"),
    [
        ("sv", "Hej Alice Andersson,", "Den här begäran gäller Kim Andersson, som du företräder."),
        (
            "en",
            "Hello Alice Andersson,",
            "This request concerns Kim Andersson, whom you represent.",
        ),
    ],
)
def test_a_representatives_notice_greets_the_representative_and_names_the_person(
    kind, language, greeting, concerns, make_subject, elnat
):
    request = file_for_kim(
        make_subject, elnat, representative_name="Alice Andersson", language=language
    )
    request.subject.preferred_language = language
    _line, text, html = render_notice(request, kind)
    assert text.startswith(greeting)
    assert "Kim," not in text and "Kim," not in html
    assert concerns in " ".join(text.split())
    assert concerns in " ".join(html.split())


@pytest.mark.parametrize(("language", "greeting"), [("sv", "Hej,"), ("en", "Hello,")])
def test_a_representative_without_a_recorded_name_gets_a_neutral_greeting(
    language, greeting, make_subject, elnat
):
    request = file_for_kim(make_subject, elnat, representative_name="", language=language)
    request.subject.preferred_language = language
    _line, text, _html = render_notice(request, "received")
    assert text.startswith(f"{greeting}\n")
    assert "Kim Andersson" in text and "Kim," not in text


def test_a_representatives_receipt_greets_the_representative(make_subject, elnat):
    request = file_for_kim(
        make_subject, elnat, representative_name="Alice Andersson", one_receipt=True
    )
    mail.outbox.clear()
    run_all()
    message = receipt_mail()
    assert message.to == ["guardian@example.org"]
    assert message.body.startswith("Hej Alice Andersson,")
    assert "Hej Kim," not in message.body
    assert "Begäran gäller Kim Andersson, som du företräder." in " ".join(message.body.split())
    assert request.reference in message.body
    # The other e-mail of the filing (the request waits for staff) greets the same way.
    (waits,) = [m for m in mail.outbox if m is not message]
    assert waits.to == ["guardian@example.org"]
    assert waits.body.startswith("Hej Alice Andersson,") and "Hej Kim," not in waits.body


def test_a_person_filing_for_themselves_is_still_greeted_by_first_name(make_subject, elnat):
    request = file_request(make_subject(first_name="Kim"), elnat, level=IdentityLevel.HIGH)
    _line, text, _html = render_notice(request, "received")
    assert text.startswith("Hej Kim,\n")
    assert "företräder" not in text
    submission = workflow.file_submission(
        subject=make_subject(first_name="Kim"),
        organisation=elnat.organisation,
        items=[workflow.RequestItem(elnat, Right.ACCESS)],
        one_receipt=True,
    )
    mail.outbox.clear()
    run_all()
    message = receipt_mail()
    assert message.body.startswith("Hej Kim,\n") and "företräder" not in message.body
    assert submission.requests.get().reference in message.body


def test_a_representative_gets_notices_in_the_language_they_filed_in(make_subject, elnat):
    """The child's preference is Swedish; the guardian filed in English and reads the mail."""
    request = file_for_kim(make_subject, elnat, representative_name="Alice", language="en")
    request.subject.preferred_language = "sv"
    request.subject.save(update_fields=["preferred_language"])
    assert language_of(request) == "en"
    own = file_request(make_subject(first_name="Kim"), elnat, level=IdentityLevel.HIGH)
    own.subject.preferred_language = "en"
    own.submission.language = "sv"
    assert language_of(own) == "en"  # for themselves: their preference first
