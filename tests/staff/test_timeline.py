"""The request page's timeline names each event in words, with its code beside it."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from identity.levels import IdentityLevel
from rights_requests.staff.events import STAFF_EVENT_LABELS, staff_label
from tests.rights_requests.factories import file_request

from .conftest import verified_client

pytestmark = pytest.mark.django_db


def started_request_page(subject, entity, staff) -> str:
    work = file_request(subject, entity, level=IdentityLevel.HIGH)
    url = reverse("admin:rights_requests_rightsrequest_change", args=[work.pk])
    return verified_client(staff).get(url).content.decode()


def test_the_timeline_shows_labels_statuses_in_words_and_codes(make_subject, elnat, elnat_staff):
    page = started_request_page(make_subject(), elnat, elnat_staff)
    timeline = page.split('id="timeline-h"', 1)[1]
    assert "Request received" in timeline
    assert '<code class="event-code">request.received</code>' in timeline
    assert "Work started" in timeline
    assert "Received → In progress" in timeline
    assert "received → in_progress" not in timeline


@override_settings(LANGUAGE_CODE="sv")
def test_the_labels_are_in_swedish_in_the_staff_admin(make_subject, elnat, elnat_staff):
    page = started_request_page(make_subject(), elnat, elnat_staff)
    assert "Begäran mottagen" in page and "Handläggning påbörjad" in page


def test_every_event_kind_the_code_writes_has_a_label():
    """Each `"<part>.<what>"` passed to record_event, or as an event's kind, has a label."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    kinds = set()
    for part in ("rights_requests", "consent", "retention"):
        for path in root.glob(f"{part}/**/*.py"):
            text = path.read_text(encoding="utf-8")
            for call in re.finditer(r'(?:record_event\(|kind=|"kind": )([^)]*)', text):
                kinds.update(re.findall(r'"([a-z_]+\.[a-z_]+)"', call.group(1)[:200]))
    # Outbox actions and connector verbs share the kind= keyword; they are no events.
    not_events = {"erasure.carry_out", "objection.carry_out", "restriction.restrict"}
    assert len(kinds) > 30
    assert sorted(kinds - not_events - set(STAFF_EVENT_LABELS)) == []


def test_an_unknown_kind_shows_as_its_code():
    assert staff_label("something.new") == "something.new"
