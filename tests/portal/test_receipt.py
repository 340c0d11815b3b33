"""The receipt e-mail: one message listing every request of a submission, in its language."""

import pytest
from django.core import mail

from datamap.models import LegalEntity
from rights_requests import notices, outbox
from rights_requests.models import Outbox, RequestEvent

pytestmark = pytest.mark.django_db


def file(client, prefix="", **extra):
    ids = [
        e.pk
        for e in LegalEntity.objects.filter(slug__in=["kalmar-energi-elnat", "kalmar-energi-varme"])
    ]
    data = {
        "rights": ["access", "erasure"],
        "entities": ids,
        "access_scope": "all",
        "access_delivery": "download",
        "erasure_scope": "all",
        "portability_scope": "all",
        "capacity": "self",
        "first_name": "Alice",
        "last_name": "Andersson",
        "contact_email": "alice@example.org",
        **extra,
    }
    return client.post(f"{prefix}/org/kalmar-energi/file/", data)


def receipts():
    return [m for m in mail.outbox if m.subject.startswith("Kalmar Energi:")]


def test_one_receipt_lists_every_request_with_received_and_deadline(
    alice_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        file(alice_client, "/en")
    (receipt,) = receipts()
    assert receipt.to == ["alice@example.org"]
    assert receipt.subject == "Kalmar Energi: we have received your 4 requests"
    # The receipt replaces the per-request acknowledgements: one e-mail, not five.
    assert [m for m in mail.outbox if "received" in m.subject.lower()] == [receipt]
    events = RequestEvent.objects.filter(kind="notice.sent", data__notice="receipt")
    assert events.count() == 4
    for event in events.select_related("request"):
        request = event.request
        assert request.reference in receipt.body
        assert f"answered by {request.deadline_on:%-d %B %Y} at the latest" in receipt.body
    html = receipt.alternatives[0][0]
    assert '<html lang="en">' in html


def test_the_receipt_is_sent_once(alice_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        file(alice_client, "/en")
    (row,) = Outbox.objects.filter(payload__notice="receipt")
    assert row.status == Outbox.State.DONE
    assert outbox.run(row.pk) is False  # a redelivered task sends nothing
    assert len(receipts()) == 1


def test_the_receipt_is_in_swedish_for_a_swedish_submission(
    alice_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        file(alice_client)
    (receipt,) = receipts()
    html = receipt.alternatives[0][0]
    assert '<html lang="sv">' in html


def test_a_failed_receipt_is_retried_and_the_filing_stands(
    alice_client, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(self, *args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(notices.EmailMultiAlternatives, "send", broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = file(alice_client, "/en")
    assert response.status_code == 302
    from rights_requests.models import RightsRequest

    assert RightsRequest.objects.count() == 4
    assert not RequestEvent.objects.filter(kind="notice.sent", data__notice="receipt").exists()
    (row,) = Outbox.objects.filter(payload__notice="receipt")
    assert row.status == Outbox.State.PENDING and row.attempts == 1  # the sweep sends it later
