"""Every allowed and every refused transition, and the rules each one encodes."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation

from datamap.models import LegalEntity
from identity.levels import IdentityLevel, VerificationMethod
from rights_requests import deadlines, workflow
from rights_requests.models import (
    DeadlineState,
    ExtensionReason,
    Outcome,
    RequestEvent,
    Right,
    Status,
)
from rights_requests.workflow import TransitionNotAllowed

from .factories import file_request, request_in, stockholm

ALL = list(Status)
OPEN = [Status.RECEIVED, Status.AWAITING_IDENTITY, Status.IN_PROGRESS, Status.AWAITING_CUSTOMER]


def _extend(r):
    return workflow.request_extend(
        r, reason_code=ExtensionReason.VOLUME_OF_DATA, reason="Much data."
    )


# transition, the states it may start from, the state it leaves (None: unchanged),
# and states from which it is a no-op because the request is already there.
TRANSITIONS = {
    "start": (
        lambda r: workflow.request_start(r),
        {Status.RECEIVED},
        Status.IN_PROGRESS,
        {Status.IN_PROGRESS},
    ),
    "await_identity": (
        lambda r: workflow.request_await_identity(r),
        {Status.RECEIVED},
        Status.AWAITING_IDENTITY,
        {Status.AWAITING_IDENTITY},
    ),
    "verify_identity": (
        lambda r: workflow.request_verify_identity(
            r, level=IdentityLevel.HIGH, method=VerificationMethod.IN_PERSON, checked_by="Kim"
        ),
        set(OPEN),
        None,
        set(),
    ),
    "ask_customer": (
        lambda r: workflow.request_ask_customer(r, question="Which meter?"),
        {Status.IN_PROGRESS},
        Status.AWAITING_CUSTOMER,
        set(),
    ),
    "customer_replied": (
        lambda r: workflow.request_customer_replied(r),
        {Status.AWAITING_CUSTOMER},
        Status.IN_PROGRESS,
        {Status.IN_PROGRESS},
    ),
    "extend": (_extend, set(OPEN), None, set()),
    "complete": (
        lambda r: workflow.request_complete(r),
        {Status.IN_PROGRESS},
        Status.COMPLETED,
        {Status.COMPLETED},
    ),
    "refuse": (
        lambda r: workflow.request_refuse(r, reasons="Excessive."),
        set(OPEN),
        Status.REFUSED,
        {Status.REFUSED},
    ),
    "withdraw": (
        lambda r: workflow.request_withdraw(r, by_customer=True),
        set(OPEN),
        Status.WITHDRAWN,
        {Status.WITHDRAWN},
    ),
    "assign": (lambda r: workflow.request_assign(r, assignee=None), set(OPEN), None, set()),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", TRANSITIONS)
@pytest.mark.parametrize("state", ALL)
def test_transition_is_allowed_exactly_from_its_source_states(name, state, make_subject, elnat):
    call, allowed, target, already_there = TRANSITIONS[name]
    request = request_in(state, make_subject(), elnat)
    events_before = request.events.count()
    if state in allowed or state in already_there:
        result = call(request)
        result.refresh_from_db()
        if state in already_there:
            assert result.status == state
            assert request.events.count() == events_before
        elif target is not None:
            assert result.status == target
            assert request.events.count() > events_before
    else:
        with pytest.raises(TransitionNotAllowed):
            call(request)
        request.refresh_from_db()
        assert request.status == state
        assert request.events.count() == events_before


@pytest.mark.django_db
def test_verify_identity_moves_a_waiting_request_into_progress(make_subject, elnat):
    request = request_in(Status.AWAITING_IDENTITY, make_subject(), elnat)
    request = workflow.request_verify_identity(
        request, level=IdentityLevel.HIGH, method=VerificationMethod.EID
    )
    assert request.status == Status.IN_PROGRESS
    assert request.identity_level == IdentityLevel.HIGH


@pytest.mark.django_db
def test_a_too_low_identity_level_is_recorded_but_the_request_keeps_waiting(make_subject, elnat):
    request = request_in(Status.AWAITING_IDENTITY, make_subject(), elnat)
    request = workflow.request_verify_identity(
        request, level=IdentityLevel.LOW, method=VerificationMethod.EMAIL_CODE
    )
    assert request.status == Status.AWAITING_IDENTITY
    assert request.events.filter(kind="identity.recorded").exists()


@pytest.mark.django_db
def test_start_is_refused_while_identity_is_insufficient(make_subject, elnat):
    request = file_request(make_subject(), elnat, route=False)
    with pytest.raises(TransitionNotAllowed):
        workflow.request_start(request)


@pytest.mark.django_db
def test_objection_to_direct_marketing_needs_only_low_identity(make_subject, elnat):
    request = file_request(
        make_subject(),
        elnat,
        right=Right.OBJECTION,
        level=IdentityLevel.LOW,
        details={"direct_marketing": True},
    )
    assert request.status == Status.IN_PROGRESS


@pytest.mark.django_db
def test_a_submission_fans_out_into_one_request_per_entity_and_right(make_subject, kalmar):
    entities = list(kalmar.legal_entities.all())
    submission = workflow.file_submission(
        subject=make_subject(),
        organisation=kalmar,
        items=[workflow.RequestItem(e, r) for e in entities for r in (Right.ACCESS, Right.ERASURE)],
    )
    references = list(submission.requests.values_list("reference", flat=True))
    assert len(references) == 6 == len(set(references))
    year = submission.requests.first().received_on.year
    assert sorted(references) == [f"KE-{year}-{n:06d}" for n in range(1, 7)]


@pytest.mark.django_db
def test_started_requests_are_written_with_the_same_chained_events_as_request_start(
    make_subject, kalmar
):
    entity = kalmar.legal_entities.first()
    submission = workflow.file_submission(
        subject=make_subject(),
        organisation=kalmar,
        items=[workflow.RequestItem(entity, Right.ACCESS)],
        identity_level=IdentityLevel.HIGH,
    )
    request = submission.requests.get()
    assert request.status == Status.IN_PROGRESS
    events = list(request.events.order_by("seq"))
    assert [(e.seq, e.kind, e.from_status, e.to_status) for e in events] == [
        (1, "request.received", "", Status.RECEIVED),
        (2, "request.started", Status.RECEIVED, Status.IN_PROGRESS),
    ]
    assert events[0].prev_hash == "" and events[1].prev_hash == events[0].hash
    assert workflow.verify_chain([request.pk]) == []
    workflow.request_ask_customer(request, question="Which address?")  # the chain goes on
    assert workflow.verify_chain([request.pk]) == []


@pytest.mark.django_db
def test_references_are_reserved_at_once_and_a_failed_filing_leaves_a_gap(make_subject, kalmar):
    """The numbers are taken before the filing's transaction (no lock held while it runs),
    so a filing that fails afterwards does not give its numbers back."""
    year = deadlines.receipt_date(timezone.now()).year
    assert workflow.reserve_references(kalmar, year, 3) == [f"KE-{year}-{n:06d}" for n in (1, 2, 3)]
    entity = kalmar.legal_entities.first()
    with pytest.raises(TypeError):
        workflow.file_submission(
            subject=make_subject(),
            organisation=kalmar,
            items=[workflow.RequestItem(entity, Right.ACCESS, {"not json": object()})],
        )
    submission = workflow.file_submission(
        subject=make_subject(),
        organisation=kalmar,
        items=[workflow.RequestItem(entity, Right.ACCESS)],
    )
    assert submission.requests.get().reference == f"KE-{year}-000005"
    with pytest.raises(ValueError):
        workflow.reserve_references(kalmar, year, 0)


@pytest.mark.django_db
def test_an_entity_of_another_organisation_is_refused(make_subject, kalmar):
    landskrona_entity = LegalEntity.objects.get(slug="landskrona-energi")
    with pytest.raises(ValueError):
        workflow.file_submission(
            subject=make_subject(),
            organisation=kalmar,
            items=[workflow.RequestItem(landskrona_entity, Right.ACCESS)],
        )


@pytest.mark.django_db
def test_receipt_in_the_future_is_refused(make_subject, elnat):
    from django.utils import timezone

    with pytest.raises(ValueError):
        file_request(make_subject(), elnat, received_at=timezone.now() + dt.timedelta(days=1))


@pytest.mark.django_db
def test_stored_deadlines_follow_the_entity_policy(make_subject, elnat):
    request = file_request(
        make_subject(), elnat, received_at=stockholm(2026, 1, 31, 9, 0), route=False
    )
    assert request.received_on == dt.date(2026, 1, 31)
    assert request.due_on == dt.date(2026, 3, 2)
    assert request.notice_by == dt.date(2026, 3, 2)
    assert request.deadline_on == request.due_on
    assert request.extended_due_on is None


@pytest.mark.django_db
def test_receipt_at_2359_local_time_counts_on_that_day(make_subject, elnat):
    request = file_request(
        make_subject(), elnat, received_at=stockholm(2026, 3, 4, 23, 59), route=False
    )
    assert request.received_on == dt.date(2026, 3, 4)
    assert request.due_on == dt.date(2026, 4, 7)  # 4 Apr is a Saturday, 6 Apr Annandag påsk


# --- Pause (R9) ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_prompt_identity_question_pauses_the_clock_by_the_days_waited(make_subject, elnat):
    request = file_request(
        make_subject(), elnat, received_at=stockholm(2026, 3, 2, 10, 0), route=False
    )
    workflow.request_await_identity(request, now=stockholm(2026, 3, 3, 9, 0))
    request = workflow.request_verify_identity(
        request,
        level=IdentityLevel.HIGH,
        method=VerificationMethod.EID,
        now=stockholm(2026, 3, 10, 9, 0),
    )
    assert request.paused_days == 7
    assert request.due_on == dt.date(2026, 4, 9)
    assert request.notice_by == dt.date(2026, 4, 2)


@pytest.mark.django_db
def test_a_late_identity_question_does_not_pause_the_clock(make_subject, elnat):
    request = file_request(
        make_subject(), elnat, received_at=stockholm(2026, 3, 2, 10, 0), route=False
    )
    workflow.request_await_identity(request, now=stockholm(2026, 3, 9, 9, 0))
    request = workflow.request_verify_identity(
        request,
        level=IdentityLevel.HIGH,
        method=VerificationMethod.EID,
        now=stockholm(2026, 3, 16, 9, 0),
    )
    assert request.paused_days == 0
    assert request.due_on == dt.date(2026, 4, 2)


@pytest.mark.django_db
def test_no_pause_where_the_entity_policy_says_so(make_subject, elnat):
    elnat.identity_wait_pauses_clock = False
    elnat.save()
    request = file_request(
        make_subject(), elnat, received_at=stockholm(2026, 3, 2, 10, 0), route=False
    )
    workflow.request_await_identity(request, now=stockholm(2026, 3, 2, 11, 0))
    request = workflow.request_verify_identity(
        request,
        level=IdentityLevel.HIGH,
        method=VerificationMethod.EID,
        now=stockholm(2026, 3, 10, 9, 0),
    )
    assert request.paused_days == 0


@pytest.mark.django_db
def test_a_clarification_pauses_the_clock_and_the_reply_resumes_it(make_subject, elnat):
    request = file_request(
        make_subject(), elnat, received_at=stockholm(2026, 3, 2, 10, 0), level=IdentityLevel.HIGH
    )
    workflow.request_ask_customer(
        request, question="Which meter?", now=stockholm(2026, 3, 12, 9, 0)
    )
    request = workflow.request_customer_replied(request, now=stockholm(2026, 3, 17, 9, 0))
    assert request.paused_days == 5
    assert request.due_on == dt.date(2026, 4, 7)  # 2 Apr + 5 = 7 Apr (Tue)
    assert request.messages.get().body == "Which meter?"


@pytest.mark.django_db
def test_an_extended_deadline_also_moves_by_the_pause(make_subject, elnat):
    request = file_request(
        make_subject(), elnat, received_at=stockholm(2026, 3, 2, 10, 0), level=IdentityLevel.HIGH
    )
    workflow.request_extend(
        request,
        reason_code=ExtensionReason.SPREAD_OVER_SYSTEMS,
        reason="Three systems.",
        now=stockholm(2026, 3, 5, 9, 0),
    )
    workflow.request_ask_customer(
        request, question="Which meter?", now=stockholm(2026, 3, 12, 9, 0)
    )
    request = workflow.request_customer_replied(request, now=stockholm(2026, 3, 17, 9, 0))
    assert request.extended_due_on == dt.date(2026, 6, 8)  # 2 Jun + 5 = 7 Jun (Sun) -> 8 Jun
    assert request.deadline_on == request.extended_due_on


# --- Extension (R7) ------------------------------------------------------------------------


@pytest.mark.django_db
def test_extension_runs_to_receipt_plus_three_months_at_kalmar(make_subject, elnat):
    request = file_request(
        make_subject(), elnat, received_at=stockholm(2026, 10, 1, 10, 0), level=IdentityLevel.HIGH
    )
    request = workflow.request_extend(
        request,
        reason_code=ExtensionReason.VOLUME_OF_DATA,
        reason="Ten years of readings.",
        now=stockholm(2026, 11, 2, 16, 0),
    )
    assert request.extended_due_on == dt.date(
        2027, 1, 4
    )  # 1 Jan 2027 is a holiday, then the weekend
    assert request.deadline_on == dt.date(2027, 1, 4)
    assert request.events.filter(kind="request.extended", customer_visible=True).exists()


@pytest.mark.django_db
def test_extension_at_landskrona_is_capped_at_two_months(make_subject):
    entity = LegalEntity.objects.get(slug="landskrona-energi")
    request = file_request(
        make_subject(), entity, received_at=stockholm(2026, 10, 1, 10, 0), level=IdentityLevel.HIGH
    )
    request = workflow.request_extend(
        request,
        reason_code=ExtensionReason.EXCEPTIONAL_INFLUX,
        reason="Influx after a price change.",
        now=stockholm(2026, 10, 20, 9, 0),
    )
    assert request.extended_due_on == dt.date(2026, 12, 1)


@pytest.mark.django_db
def test_extension_notice_after_the_one_month_date_is_refused(make_subject, elnat):
    request = file_request(
        make_subject(), elnat, received_at=stockholm(2026, 10, 1, 10, 0), level=IdentityLevel.HIGH
    )
    assert request.notice_by == dt.date(2026, 11, 2)
    with (
        translation.override("en"),
        pytest.raises(TransitionNotAllowed, match="can no longer be extended"),
    ):
        workflow.request_extend(
            request,
            reason_code=ExtensionReason.VOLUME_OF_DATA,
            reason="Late.",
            now=stockholm(2026, 11, 3, 0, 1),
        )
    with (
        translation.override("sv"),
        pytest.raises(TransitionNotAllowed, match="kan inte längre förlängas"),
    ):
        workflow.request_extend(
            request,
            reason_code=ExtensionReason.VOLUME_OF_DATA,
            reason="Late.",
            now=stockholm(2026, 11, 3, 0, 1),
        )


@pytest.mark.django_db
def test_a_second_extension_is_refused(make_subject, elnat):
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat)
    _extend(request)
    with pytest.raises(TransitionNotAllowed):
        _extend(request)


@pytest.mark.django_db
def test_an_entity_without_extension_room_refuses_extensions(make_subject, elnat):
    elnat.max_extended_months = 1
    elnat.save()
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat)
    with pytest.raises(TransitionNotAllowed):
        _extend(request)


@pytest.mark.django_db
def test_extension_needs_a_reason_from_the_list_and_in_words(make_subject, elnat):
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat)
    with pytest.raises(ValueError):
        workflow.request_extend(request, reason_code="because", reason="x")
    with pytest.raises(ValueError):
        workflow.request_extend(request, reason_code=ExtensionReason.REDACTION, reason="  ")


# --- Decisions (R8) ------------------------------------------------------------------------


@pytest.mark.django_db
def test_partial_grant_and_refusal_need_reasons(make_subject, elnat):
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat)
    with pytest.raises(ValueError):
        workflow.request_complete(request, outcome=Outcome.PARTIALLY_GRANTED)
    with pytest.raises(ValueError):
        workflow.request_refuse(request, reasons="")
    with pytest.raises(ValueError):
        workflow.request_complete(request, outcome=Outcome.REFUSED)
    request = workflow.request_complete(
        request, outcome=Outcome.PARTIALLY_GRANTED, reasons="Invoices kept under BFL 7 kap. 2 §."
    )
    assert request.outcome == Outcome.PARTIALLY_GRANTED
    assert request.closed_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "court"), [("en", "court"), ("sv", "domstol")])
def test_the_refusal_notice_names_imy_and_the_courts(
    make_subject, elnat, django_capture_on_commit_callbacks, language, court
):
    subject = make_subject(email="alice@example.org", preferred_language=language)
    request = request_in(Status.IN_PROGRESS, subject, elnat)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_refuse(
            request, reasons="Manifestly excessive: the fifth identical request this week."
        )
    (message,) = mail.outbox
    assert request.reference in message.subject
    assert "IMY" in message.body, message.body
    assert court in message.body, message.body
    assert "fifth identical request" in message.body


@pytest.mark.django_db
def test_notices_are_sent_only_after_commit(
    make_subject, elnat, django_capture_on_commit_callbacks
):
    subject = make_subject()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                file_request(subject, elnat, level=IdentityLevel.HIGH)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_receipt_notice_states_received_and_answer_dates(
    make_subject, elnat, django_capture_on_commit_callbacks
):
    subject = make_subject(preferred_language="en")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request = file_request(subject, elnat, level=IdentityLevel.HIGH)
    receipt = next(m for m in mail.outbox if "received" in m.subject.lower())
    assert request.due_on.isoformat() in receipt.body
    assert request.received_on.isoformat() in receipt.body
    assert subject.personal_number.digits not in receipt.body


@pytest.mark.django_db
def test_a_redelivered_notice_task_sends_nothing_twice(
    make_subject, elnat, django_capture_on_commit_callbacks
):
    from rights_requests.notices import send_notice

    with django_capture_on_commit_callbacks(execute=True):
        request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    sent = len(mail.outbox)
    assert send_notice(request.pk, "received") is False
    assert len(mail.outbox) == sent
    assert (
        RequestEvent.objects.filter(
            request=request, kind="notice.sent", data__notice="received"
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_the_deadline_state_starts_on_track(make_subject, elnat):
    assert (
        request_in(Status.IN_PROGRESS, make_subject(), elnat).deadline_state
        == DeadlineState.ON_TRACK
    )
