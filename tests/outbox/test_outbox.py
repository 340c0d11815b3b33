"""The outbox: written with the change, run once, swept when the broker dropped it."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from identity.levels import IdentityLevel
from rights_requests import outbox, workflow
from rights_requests.models import Artifact, Outbox, RequestEvent, Right, Status
from rights_requests.notices import send_notice
from tests.rights_requests.factories import file_request

pytestmark = pytest.mark.django_db


def notices_of(request):
    return list(Outbox.objects.filter(request=request, kind=Outbox.Kind.NOTICE).order_by("pk"))


def sent_events(request, notice=None):
    events = RequestEvent.objects.filter(request=request, kind="notice.sent")
    return events.filter(data__notice=notice) if notice else events


def test_filing_writes_the_notices_in_the_same_transaction(make_subject, elnat):
    request = file_request(make_subject(), elnat)  # awaiting identity: two notices
    rows = notices_of(request)
    assert [row.payload["notice"] for row in rows] == ["received", "identity_needed"]
    assert all(row.status == Outbox.State.PENDING for row in rows)
    assert rows[0].idempotency_key == f"notice:{request.pk}:received:1"


def test_a_rolled_back_change_leaves_no_outbox_row(make_subject, elnat):
    subject = make_subject()
    with pytest.raises(RuntimeError), transaction.atomic():
        file_request(subject, elnat, level=IdentityLevel.HIGH)
        raise RuntimeError("roll back")
    assert not Outbox.objects.exists()


def test_the_task_is_queued_on_commit_and_sends_each_notice_once(
    make_subject, elnat, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        request = file_request(make_subject(), elnat)
    assert len(callbacks) == 2
    assert len(mail.outbox) == 2
    assert all(row.status == Outbox.State.DONE and row.done_at for row in notices_of(request))
    assert sent_events(request).count() == 2


def test_running_a_row_twice_sends_one_email(make_subject, elnat):
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    (row,) = notices_of(request)
    mail.outbox.clear()
    assert outbox.run(row.pk) is True
    assert outbox.run(row.pk) is False
    assert len(mail.outbox) == 1
    assert sent_events(request, "received").get().data["outbox"] == row.idempotency_key


def test_enqueueing_the_same_key_twice_keeps_one_row(make_subject, elnat):
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    first = outbox.enqueue_extract(request)
    second = outbox.enqueue_extract(request)
    assert first.pk == second.pk
    assert Outbox.objects.filter(kind=Outbox.Kind.EXTRACT).count() == 1


def test_a_second_clarification_is_a_second_notice(make_subject, elnat):
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    workflow.request_ask_customer(request, question="Which address?")
    workflow.request_customer_replied(request)
    workflow.request_ask_customer(request, question="Which metering point?")
    asked = [r for r in notices_of(request) if r.payload["notice"] == "clarification_needed"]
    assert len(asked) == 2


def test_a_claimed_email_is_not_sent_by_a_redelivered_task(make_subject, elnat):
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    (row,) = notices_of(request)
    Outbox.objects.filter(pk=row.pk).update(claimed_until=timezone.now() + dt.timedelta(minutes=5))
    mail.outbox.clear()
    assert outbox.run(row.pk) is False
    assert mail.outbox == []
    Outbox.objects.filter(pk=row.pk).update(
        claimed_until=timezone.now() - dt.timedelta(seconds=1)
    )  # the first worker died: its lease ran out
    assert outbox.run(row.pk) is True
    assert len(mail.outbox) == 1


def test_the_legacy_send_notice_runs_pending_rows_and_then_nothing(make_subject, elnat):
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    mail.outbox.clear()
    assert send_notice(request.pk, "received") is True
    assert send_notice(request.pk, "received") is False
    assert len(mail.outbox) == 1


# --- Broker down ---------------------------------------------------------------------------


def test_filing_commits_and_gives_a_reference_while_the_broker_is_down(
    make_subject, elnat, broker_down, django_capture_on_commit_callbacks, caplog
):
    subject = make_subject()
    mail.outbox.clear()
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        request = file_request(subject, elnat, level=IdentityLevel.HIGH)
    assert request.reference.startswith("KE-")
    assert request.status == Status.IN_PROGRESS
    assert len(broker_down) == 1
    assert mail.outbox == []
    (row,) = notices_of(request)
    assert row.status == Outbox.State.PENDING
    assert "could not queue" in caplog.text
    assert subject.personal_number.digits not in caplog.text
    assert subject.first_name not in caplog.text and subject.email not in caplog.text


def test_the_sweep_queues_what_the_broker_dropped_once_it_is_back(
    make_subject, elnat, monkeypatch, django_capture_on_commit_callbacks
):
    from rights_requests import tasks

    real = tasks.run_outbox.apply_async
    monkeypatch.setattr(tasks.run_outbox, "apply_async", _refusing)
    with django_capture_on_commit_callbacks(execute=True):
        request = file_request(make_subject(), elnat)
    mail.outbox.clear()
    # Before the timeout the sweep leaves the rows alone.
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.requeue_stale() == 0
    monkeypatch.setattr(tasks.run_outbox, "apply_async", real)  # the broker is back
    later = timezone.now() + outbox.requeue_after() + dt.timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.requeue_stale(now=later) == 2
    assert len(mail.outbox) == 2
    assert all(row.status == Outbox.State.DONE for row in notices_of(request))
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.requeue_stale(now=later + outbox.requeue_after() * 2) == 0
    assert len(mail.outbox) == 2


def _refusing(*args, **kwargs):
    from kombu.exceptions import OperationalError

    raise OperationalError("Connection refused.")


def test_the_same_sweep_fired_twice_takes_each_row_once(make_subject, elnat, monkeypatch):
    published = []
    monkeypatch.setattr(outbox, "publish", published.append)
    with monkeypatch.context() as patch:
        patch.setattr(transaction, "on_commit", lambda fn, **kw: fn())
        file_request(make_subject(), elnat)
        published.clear()
        later = timezone.now() + outbox.requeue_after() + dt.timedelta(seconds=1)
        assert outbox.requeue_stale(now=later) == 2
        assert outbox.requeue_stale(now=later) == 0
    assert len(published) == 2


def test_the_sweep_runs_the_same_queries_for_one_and_for_many_rows(
    make_subject, elnat, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(outbox, "publish", lambda pk: None)
    later = timezone.now() + dt.timedelta(days=1)
    file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    with django_assert_num_queries(4):  # savepoint, select, update, release
        outbox.requeue_stale(now=later)
    for _ in range(20):
        file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    with django_assert_num_queries(4):
        outbox.requeue_stale(now=later + dt.timedelta(days=1))


# --- Failures and transactional effects ----------------------------------------------------


def test_a_failing_email_is_retried_with_back_off_and_then_marked_failed(
    make_subject, elnat, monkeypatch, settings
):
    settings.DSR_OUTBOX_MAX_ATTEMPTS = 2
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    (row,) = notices_of(request)

    def smtp_down(self, *args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", smtp_down)
    before = timezone.now()
    assert outbox.run(row.pk) is False
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.State.PENDING, 1)
    assert "ConnectionRefusedError" in row.last_error
    assert row.available_at > before + dt.timedelta(seconds=30)
    assert row.claimed_until is None
    assert outbox.run(row.pk) is False
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.State.FAILED, 2)
    assert not sent_events(request).exists()


def test_the_error_kept_for_staff_masks_addresses_and_personal_numbers(
    make_subject, elnat, monkeypatch
):
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    (row,) = notices_of(request)

    def refused(self, *args, **kwargs):
        raise ValueError(
            "{'alice.andersson@example.org': (550, 'no such user')} for 19811218-9876 / 198112189876"
        )

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refused)
    assert outbox.run(row.pk) is False
    row.refresh_from_db()
    assert "alice.andersson" not in row.last_error and "a***@example.org" in row.last_error
    assert "9876" not in row.last_error
    assert "ValueError" in row.last_error and "550" in row.last_error


def _fake_extract(row):
    request = row.request
    Artifact.objects.create(
        request=request,
        kind=Artifact.Kind.REGISTER_EXTRACT,
        file=f"artifacts/{request.pk}/extract.pdf",
        filename="extract.pdf",
        content_type="application/pdf",
        sha256="0" * 64,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )


def test_an_extract_is_built_once_however_often_its_task_runs(make_subject, elnat, monkeypatch):
    monkeypatch.setitem(outbox.EFFECTS, Outbox.Kind.EXTRACT, _fake_extract)
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    row = outbox.enqueue_extract(request)
    assert outbox.run(row.pk) is True
    assert outbox.run(row.pk) is False
    assert Artifact.objects.filter(request=request).count() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.State.DONE, 1)


def test_a_failing_extract_leaves_nothing_half_made(make_subject, elnat, monkeypatch):
    def half_then_fail(row):
        _fake_extract(row)
        raise ValueError("renderer crashed")

    monkeypatch.setitem(outbox.EFFECTS, Outbox.Kind.EXTRACT, half_then_fail)
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    row = outbox.enqueue_extract(request)
    assert outbox.run(row.pk) is False
    assert not Artifact.objects.filter(request=request).exists()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.State.PENDING, 1)
    assert "renderer crashed" in row.last_error


def test_a_connector_call_names_a_known_fulfilment_action(make_subject, elnat):
    request = file_request(make_subject(), elnat, right=Right.ERASURE, level=IdentityLevel.HIGH)
    row = outbox.enqueue_fulfilment(request, "erasure.carry_out")
    assert row.payload == {"action": "erasure.carry_out"}
    with pytest.raises(ValueError):
        outbox.enqueue_fulfilment(request, "os.system")


def test_an_email_handed_over_again_after_a_crash_is_the_same_message(make_subject, elnat):
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    (row,) = notices_of(request)
    mail.outbox.clear()
    outbox.run(row.pk)
    # The worker died after the mail server accepted it, before the commit.
    Outbox.objects.filter(pk=row.pk).update(status=Outbox.State.PENDING, claimed_until=None)
    outbox.run(row.pk)
    first, second = mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    assert (
        first.message()["Message-ID"]
        == f"<outbox.notice.{request.pk}.received.1@dsr-portal.invalid>"
    )


def test_a_connector_call_that_fails_half_way_keeps_the_audit_of_what_it_did(
    make_subject, elnat, monkeypatch
):
    """Connector calls change other systems, which no portal transaction can roll back:
    what a failed run did stays in the trail, and the rerun carries on and finishes."""
    request = file_request(make_subject(), elnat, right=Right.ERASURE, level=IdentityLevel.HIGH)
    row = outbox.enqueue_fulfilment(request, "erasure.carry_out")
    runs = []

    def half_then_whole(row):
        runs.append(row.pk)
        workflow.record_event(request, "connector.action", data={"step": len(runs)})
        if len(runs) == 1:
            raise ConnectionError("the customer system went away after one step")

    monkeypatch.setitem(outbox.EFFECTS, Outbox.Kind.FULFILMENT, half_then_whole)
    assert outbox.run(row.pk) is False
    row.refresh_from_db()
    assert row.status == Outbox.State.PENDING and row.attempts == 1
    assert RequestEvent.objects.filter(request=request, kind="connector.action").count() == 1

    Outbox.objects.filter(pk=row.pk).update(available_at=timezone.now(), claimed_until=None)
    assert outbox.run(row.pk) is True
    assert outbox.run(row.pk) is False  # done: a redelivery does nothing
    steps = RequestEvent.objects.filter(request=request, kind="connector.action")
    assert sorted(event.data["step"] for event in steps) == [1, 2]
