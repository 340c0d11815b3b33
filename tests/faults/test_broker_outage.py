"""Redis stopped while customers file; started again: every effect once."""

import pytest

from identity.levels import IdentityLevel
from rights_requests.models import Outbox, RightsRequest, Status
from tests.rights_requests.factories import file_request

from .checks import all_done, assert_each_effect_once, run_beat_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def worker_env(own_redis):
    return {"CELERY_BROKER_URL": own_redis.url}


def test_filing_while_redis_is_down_loses_nothing_and_doubles_nothing(
    own_redis, celery_worker_process, make_subject, elnat, settings, caplog
):
    settings.DSR_OUTBOX_REQUEUE_SECONDS = 1
    worker = celery_worker_process
    before = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    run_beat_until(all_done, what="the request filed before the outage")

    own_redis.stop()
    subjects = [make_subject() for _ in range(3)]
    during = [
        file_request(subjects[0], elnat, level=IdentityLevel.HIGH),
        file_request(subjects[1], elnat),  # waits for identity: two notices
        file_request(subjects[2], elnat, level=IdentityLevel.HIGH),
    ]
    # The customers have their references; the work waits in the outbox.
    assert all(r.reference.startswith("KE-") for r in during)
    assert Outbox.objects.filter(request__in=during, status=Outbox.State.PENDING).count() == 4
    assert "could not queue its task" in caplog.text
    assert not any(s.personal_number.digits in caplog.text for s in subjects)

    own_redis.start()
    run_beat_until(all_done, what="the effects queued again after the outage")

    assert_each_effect_once(worker)
    states = dict(RightsRequest.objects.values_list("pk", "status"))
    assert states == {
        before.pk: Status.IN_PROGRESS,
        during[0].pk: Status.IN_PROGRESS,
        during[1].pk: Status.AWAITING_IDENTITY,
        during[2].pk: Status.IN_PROGRESS,
    }
