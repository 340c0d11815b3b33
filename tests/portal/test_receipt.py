"""The receipt e-mail: one message listing every request of a submission, in its language."""

import pytest
from django.core import mail

from datamap.models import LegalEntity
from rights_requests.models import RequestEvent
from rights_requests.portal import services

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
    # The first e-mail of the submission is the summary.
    assert mail.outbox[0] is receipt
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
    from rights_requests.models import Submission

    assert services.send_receipt(Submission.objects.get().pk) is False
    assert len(receipts()) == 1


def test_the_receipt_is_in_swedish_for_a_swedish_submission(
    alice_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        file(alice_client)
    (receipt,) = receipts()
    html = receipt.alternatives[0][0]
    assert '<html lang="sv">' in html


def test_a_failed_receipt_is_logged_and_the_filing_stands(
    alice_client, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(self, *args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(services.EmailMultiAlternatives, "send", broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = file(alice_client, "/en")
    assert response.status_code == 302
    from rights_requests.models import RightsRequest

    assert RightsRequest.objects.count() == 4
    assert not RequestEvent.objects.filter(kind="notice.sent", data__notice="receipt").exists()
