"""A filing received earlier than it is registered (a letter registered the next day, an
import, the demo seed): its trail starts at the receipt, and its events are in date order
by seq, the chain unbroken."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from datamap.models import LegalEntity
from identity.levels import IdentityLevel, VerificationMethod
from rights_requests import deadlines, workflow
from rights_requests.models import Channel, RequestEvent, Right, Status

pytestmark = pytest.mark.django_db


def file(subject, entities, *, received_at, channel=Channel.WEB, level=IdentityLevel.NONE):
    submission = workflow.file_submission(
        subject=subject,
        organisation=entities[0].organisation,
        items=[workflow.RequestItem(entity, Right.ACCESS) for entity in entities],
        channel=channel,
        received_at=received_at,
        identity_level=level,
        identity_method=VerificationMethod.EID if level == IdentityLevel.HIGH else "",
    )
    return list(submission.requests.order_by("pk"))


def trail(request):
    return list(
        RequestEvent.objects.filter(request=request)
        .order_by("seq")
        .values_list("seq", "kind", "created_at")
    )


def assert_in_date_order(events):
    late = [
        f"#{seq} {kind} at {at} before #{prev_seq} {prev_kind} at {prev_at}"
        for (prev_seq, prev_kind, prev_at), (seq, kind, at) in itertools.pairwise(events)
        if at < prev_at
    ]
    assert late == []


@pytest.mark.parametrize("channel", [Channel.WEB, Channel.LETTER])
@pytest.mark.parametrize(
    ("level", "kinds", "status"),
    [
        (IdentityLevel.HIGH, ["request.received", "request.started"], Status.IN_PROGRESS),
        (
            IdentityLevel.NONE,
            ["request.received", "request.identity_requested"],
            Status.AWAITING_IDENTITY,
        ),
    ],
)
def test_a_backdated_filing_starts_its_trail_at_the_receipt(
    channel, level, kinds, status, make_subject, kalmar
):
    entities = list(LegalEntity.objects.filter(organisation=kalmar).order_by("pk")[:2])
    received_at = timezone.now().replace(microsecond=0) - dt.timedelta(days=2, hours=3)
    before = timezone.now()
    requests = file(make_subject(), entities, received_at=received_at, channel=channel, level=level)
    assert len(requests) == 2
    for request in requests:
        assert request.status == status
        events = trail(request)
        assert [kind for _seq, kind, _at in events] == kinds
        (_seq, _kind, received), (_seq2, _kind2, acted) = events
        assert received == received_at  # the receipt, not the registration
        assert acted >= before  # what the filing did, it did when it was registered
        assert_in_date_order(events)
    assert workflow.verify_chain([r.pk for r in requests]) == []


def test_a_backdated_request_for_identity_pauses_from_when_it_was_asked(make_subject, elnat):
    received_at = timezone.now() - dt.timedelta(days=2)
    [request] = file(make_subject(), [elnat], received_at=received_at)
    assert request.received_on == deadlines.receipt_date(received_at)
    assert request.paused_since == deadlines.receipt_date(timezone.now())


def test_a_receipt_a_little_ahead_of_the_clock_is_never_after_the_next_event(make_subject, elnat):
    received_at = timezone.now() + dt.timedelta(minutes=3)
    for level in (IdentityLevel.HIGH, IdentityLevel.NONE):
        [request] = file(make_subject(), [elnat], received_at=received_at, level=level)
        events = trail(request)
        assert events[0][2] == received_at
        assert_in_date_order(events)
        assert workflow.verify_chain([request.pk]) == []


def test_a_question_asked_at_a_given_time_is_dated_as_its_event(make_subject, elnat):
    """The message and the 'customer asked' event say the same moment (the demo's story)."""
    from rights_requests.models import Message

    received = timezone.now() - dt.timedelta(days=6)
    asked = received + dt.timedelta(days=1)
    [request] = file(make_subject(), [elnat], received_at=received, level=IdentityLevel.HIGH)
    workflow.request_ask_customer(request, question="Which address?", now=asked)
    message = Message.objects.get(request=request)
    event = RequestEvent.objects.get(request=request, kind="request.customer_asked")
    assert message.created_at == event.created_at == asked
