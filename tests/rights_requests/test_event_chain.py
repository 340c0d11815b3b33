"""The audit trail is append-only and a change behind its back shows."""

import pytest
from django.core.management import CommandError, call_command

from identity.levels import IdentityLevel
from rights_requests import workflow
from rights_requests.models import RequestEvent, Status

from .factories import file_request, request_in


@pytest.fixture
def worked_request(db, make_subject, elnat):
    request = request_in(Status.AWAITING_CUSTOMER, make_subject(), elnat)
    workflow.request_customer_replied(request)
    workflow.request_complete(request)
    return request


def test_an_untouched_chain_verifies(worked_request, capsys):
    assert workflow.verify_chain() == []
    call_command("verify_event_chain")
    assert "intact" in capsys.readouterr().out


def test_each_event_links_to_the_previous_one(worked_request):
    events = list(worked_request.events.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == ""
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.hash


def test_a_row_changed_behind_the_applications_back_is_named(worked_request):
    target = worked_request.events.get(kind="request.completed")
    RequestEvent.objects.filter(pk=target.pk).update(data={"outcome": "refused"})
    (found,) = workflow.verify_chain()
    assert (found.request_id, found.seq, found.event_id) == (
        worked_request.pk,
        target.seq,
        target.pk,
    )
    assert "content" in found.problem
    with pytest.raises(CommandError):
        call_command("verify_event_chain")


def test_a_changed_status_or_time_is_found_too(worked_request):
    first = worked_request.events.order_by("seq").first()
    RequestEvent.objects.filter(pk=first.pk).update(to_status="withdrawn")
    assert workflow.verify_chain()[0].seq == 1


def test_a_deleted_row_is_found(worked_request):
    middle = worked_request.events.order_by("seq")[1]
    RequestEvent.objects.filter(pk=middle.pk).delete()
    (found,) = workflow.verify_chain()
    assert found.seq == middle.seq + 1
    assert "missing" in found.problem


def test_a_rehashed_row_still_breaks_the_next_link(worked_request):
    events = list(worked_request.events.order_by("seq"))
    forged = events[1]
    forged.data = {"forged": True}
    RequestEvent.objects.filter(pk=forged.pk).update(data=forged.data, hash=forged.compute_hash())
    (found,) = workflow.verify_chain()
    assert found.seq == events[2].seq
    assert "previous" in found.problem


def test_events_cannot_be_edited_or_deleted_through_the_model(worked_request):
    event = worked_request.events.first()
    event.kind = "x"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_the_command_checks_one_reference(worked_request, make_subject, elnat, capsys):
    other = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    RequestEvent.objects.filter(request=other).update(kind="tampered")
    call_command("verify_event_chain", reference=worked_request.reference)
    with pytest.raises(CommandError):
        call_command("verify_event_chain", reference=other.reference)
    with pytest.raises(CommandError):
        call_command("verify_event_chain", reference="KE-1999-000000")
