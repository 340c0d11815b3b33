"""seed_demo's requests have timelines in date order: each event is dated no earlier than
the one before it in the request's chain, the first at the request's receipt."""

import itertools

import pytest
from django.core.management import call_command
from django.utils import timezone

from rights_requests import workflow
from rights_requests.models import RequestEvent, RightsRequest

pytestmark = pytest.mark.django_db(databases=["default", "cis"])


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--history", "40", "--years", "1", verbosity=0)


def chains():
    events = RequestEvent.objects.order_by("request_id", "seq").values_list(
        "request_id", "seq", "kind", "created_at"
    )
    for request_id, rows in itertools.groupby(events, key=lambda row: row[0]):
        yield request_id, [row[1:] for row in rows]


def test_the_demo_requests_events_are_in_date_order_by_seq(seeded):
    out_of_order = [
        f"request {request_id}: #{seq} {kind} at {at:%Y-%m-%d %H:%M} before "
        f"#{prev_seq} {prev_kind} at {prev_at:%Y-%m-%d %H:%M}"
        for request_id, events in chains()
        for (prev_seq, prev_kind, prev_at), (seq, kind, at) in itertools.pairwise(events)
        if at < prev_at
    ]
    assert out_of_order == []
    assert RequestEvent.objects.filter(created_at__gt=timezone.now()).count() == 0
    assert workflow.verify_chain() == []  # dated in the story, still one unbroken chain each


def test_the_demo_timeline_starts_when_the_request_was_received(seeded):
    received = dict(RightsRequest.objects.values_list("pk", "received_at"))
    assert len(received) > 40
    late_starts = [
        f"request {request_id}: {kind} at {at:%Y-%m-%d %H:%M}, received {received[request_id]:%Y-%m-%d %H:%M}"
        for request_id, [(_seq, kind, at), *_rest] in chains()
        if at != received[request_id]
    ]
    assert late_starts == []
