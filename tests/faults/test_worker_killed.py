"""The worker killed with SIGKILL in the middle of an effect: redelivered, done once."""

import pytest
from django.db import transaction

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


def files_on_disk(worker, request) -> list[str]:
    folder = worker.private_root / "artifacts" / str(request.pk)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    "worker_env",
    [
        {
            "DSR_TEST_EFFECT_DELAY": "5",
            "DSR_TEST_SLOW_KINDS": "notice",
            "DSR_OUTBOX_LEASE_SECONDS": "8",
        }
    ],
)
def test_a_worker_killed_while_it_writes_an_email_sends_it_once_after_restart(
    celery_worker_process, make_subject, elnat, settings
):
    settings.DSR_OUTBOX_REQUEUE_SECONDS = 1
    worker = celery_worker_process
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    wait_for(lambda: worker.effect_starts() == 1, what="the worker to start the notice")
    worker.kill()
    assert worker.mails() == []
    (row,) = Outbox.objects.filter(request=request)
    assert row.status == Outbox.State.PENDING and row.claimed_until is not None

    worker.start()
    run_beat_until(all_done)

    assert_each_effect_once(worker)
    assert worker.effect_starts() == 2
    row.refresh_from_db()
    assert row.attempts == 2
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    "worker_env",
    [
        {
            "DSR_TEST_EFFECT_DELAY": "6",
            "DSR_TEST_SLOW_KINDS": "extract",
            "DSR_TEST_DELAY_AT": "after",
        }
    ],
)
def test_a_worker_killed_while_it_renders_an_extract_leaves_one_file(
    celery_worker_process, make_subject, elnat, settings
):
    """Killed after the PDF is rendered and stored but before its commit: rolled back;
    the rerun removes the orphaned file and builds it again: one Artifact, one file."""
    settings.DSR_OUTBOX_REQUEUE_SECONDS = 1
    worker = celery_worker_process
    worker.create_cis_schema()
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    run_beat_until(all_done, what="the receipt notice")
    with transaction.atomic():
        row = outbox.enqueue_extract(RightsRequest.objects.get(pk=request.pk))
    wait_for(
        lambda: " built " in (worker.effect_log.read_text() if worker.effect_log.exists() else ""),
        timeout=120,
        what="the worker to render and store the extract",
    )
    worker.kill()
    assert not Artifact.objects.filter(request=request).exists()  # rolled back
    assert len(files_on_disk(worker, request)) == 1  # the killed build's file, orphaned

    worker.start()
    run_beat_until(all_done, timeout=120)

    (artifact,) = Artifact.objects.filter(request=request)
    assert artifact.kind == Artifact.Kind.REGISTER_EXTRACT
    assert files_on_disk(worker, request) == [artifact.file.name.rsplit("/", 1)[1]]
    assert (worker.private_root / artifact.file.name).read_bytes().startswith(b"%PDF")
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.State.DONE, 1)
    assert worker.effect_starts() == 2
    assert_each_effect_once(worker)
