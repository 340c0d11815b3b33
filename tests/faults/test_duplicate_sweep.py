"""The same sweep fired twice (a duplicate beat), and a task delivered twice: one effect."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from identity.levels import IdentityLevel
from rights_requests import outbox, reminders, roles, workflow
from rights_requests.models import Outbox
from rights_requests.tasks import run_outbox
from tests.rights_requests.factories import file_request
from tests.staff.conftest import make_staff

from .checks import all_done, assert_each_effect_once, mail_keys, run_beat_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def twice_at_once(fn):
    """Run `fn` in two threads (two database sessions) released at the same moment."""
    barrier = threading.Barrier(2)
    results, errors = [], []

    def go():
        try:
            barrier.wait(10)
            results.append(fn())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results


def test_two_sweeps_at_once_and_a_task_delivered_twice_send_each_email_once(
    celery_worker_process, make_subject, elnat, kalmar, settings, monkeypatch
):
    settings.DSR_OUTBOX_REQUEUE_SECONDS = 1
    worker = celery_worker_process
    eva = make_staff("eva.elnat", roles.CUSTOMER_SERVICE, entities=[elnat])
    make_staff("dora.dpo", roles.DPO, organisations=[kalmar])
    now = timezone.now()
    with monkeypatch.context() as broker_lost:  # every publish lost: only the sweep queues
        broker_lost.setattr(outbox, "publish", lambda pk: False)
        due_soon = file_request(
            make_subject(), elnat, level=IdentityLevel.HIGH, received_at=now - dt.timedelta(days=27)
        )
        workflow.request_assign(due_soon, assignee=eva)
        file_request(make_subject(), elnat, received_at=now - dt.timedelta(days=8))  # unassigned
        counts = twice_at_once(reminders.sweep)
    assert all(c["reminders"] <= 1 for c in counts)
    assert Outbox.objects.filter(payload__template="reminder").count() == 1  # one row won
    rows = list(Outbox.objects.values_list("pk", flat=True))
    assert Outbox.objects.filter(kind=Outbox.Kind.STAFF_EMAIL).count() >= 2

    later = timezone.now() + dt.timedelta(seconds=5)
    taken = twice_at_once(lambda: outbox.requeue_stale(now=later))
    assert sum(taken) == len(rows)  # each row taken by one of the two sweeps
    for pk in rows:  # and every task delivered a second time
        run_outbox.delay(pk)

    run_beat_until(all_done)
    assert_each_effect_once(worker)
    keys = mail_keys(worker)
    assert keys[f"reminder:{due_soon.pk}:{due_soon.deadline_on.isoformat()}"] == 1
    assert any(key.startswith("escalation:") for key in keys)
