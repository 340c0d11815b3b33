"""The worker's database connection dropped in the middle of a task: retried, once."""

import pytest
from django.db import connection, transaction

from identity.levels import IdentityLevel
from rights_requests import outbox
from rights_requests.models import Artifact, Outbox, RightsRequest, Status
from tests.rights_requests.factories import file_request
from tests.worker import wait_for

from .checks import all_done, assert_each_effect_once, run_beat_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def terminate_other_backends() -> int:
    """pg_terminate_backend on every other session of the test database: the worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def log_has(worker, word: str) -> bool:
    return worker.effect_log.exists() and word in worker.effect_log.read_text()


SLOW_EMAIL = {"DSR_TEST_EFFECT_DELAY": "4", "DSR_TEST_SLOW_KINDS": "notice"}


@pytest.mark.parametrize(
    ("worker_env", "attempts"),
    [
        # Dropped before the e-mail went out: the task fails, is retried and sends once.
        (SLOW_EMAIL, 2),
        # Dropped after it went out, before the confirmation: reconnect and confirm.
        ({**SLOW_EMAIL, "DSR_TEST_DELAY_AT": "after"}, 1),
    ],
    ids=["before-send", "after-send"],
)
def test_a_connection_dropped_while_an_email_goes_out_sends_it_once(
    celery_worker_process, attempts, make_subject, elnat, settings
):
    settings.DSR_OUTBOX_REQUEUE_SECONDS = 1
    worker = celery_worker_process
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    wait_for(lambda: log_has(worker, " start "), what="the worker to claim the notice")
    assert terminate_other_backends() >= 1

    run_beat_until(all_done)

    assert_each_effect_once(worker)
    (row,) = Outbox.objects.filter(request=request)
    assert (row.attempts, worker.effect_starts()) == (attempts, attempts)
    if attempts == 1:
        assert "database connection lost" in worker.log()
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    "worker_env",
    [
        {
            "DSR_TEST_EFFECT_DELAY": "5",
            "DSR_TEST_SLOW_KINDS": "extract",
            "DSR_TEST_DELAY_AT": "after",
        }
    ],
)
def test_a_connection_dropped_before_an_extract_commits_builds_it_again_once(
    celery_worker_process, make_subject, elnat, settings
):
    settings.DSR_OUTBOX_REQUEUE_SECONDS = 1
    worker = celery_worker_process
    worker.create_cis_schema()
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    run_beat_until(all_done, what="the receipt notice")
    with transaction.atomic():
        row = outbox.enqueue_extract(RightsRequest.objects.get(pk=request.pk))
    wait_for(lambda: log_has(worker, " built "), timeout=120, what="the extract stored")
    assert terminate_other_backends() >= 1

    run_beat_until(all_done, timeout=120)

    (artifact,) = Artifact.objects.filter(request=request)
    folder = worker.private_root / "artifacts" / str(request.pk)
    assert sorted(p.name for p in folder.iterdir()) == [artifact.file.name.rsplit("/", 1)[1]]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.State.DONE, 1)
    assert worker.effect_starts() == 2  # the rolled-back build, then the one that counts
    assert_each_effect_once(worker)
