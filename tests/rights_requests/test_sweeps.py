"""The deadline sweep marks states with set-based updates."""

import datetime as dt

import pytest

from identity.levels import IdentityLevel
from rights_requests import workflow
from rights_requests.models import DeadlineState, RightsRequest, Status
from rights_requests.sweeps import sweep_deadline_states
from rights_requests.tasks import deadline_sweep

from .factories import file_request, stockholm

pytestmark = pytest.mark.django_db


def _file(subject, entity, received):
    return file_request(subject, entity, received_at=received, level=IdentityLevel.HIGH)


def test_sweep_marks_overdue_due_soon_on_track_and_paused(make_subject, elnat):
    today = dt.date(2026, 11, 24)
    overdue = _file(make_subject(), elnat, stockholm(2026, 9, 1, 10, 0))  # due 2026-10-01
    soon = _file(make_subject(), elnat, stockholm(2026, 10, 27, 10, 0))  # due 2026-11-27
    fine = _file(make_subject(), elnat, stockholm(2026, 11, 20, 10, 0))  # due 2026-12-21
    paused = file_request(
        make_subject(), elnat, received_at=stockholm(2026, 9, 1, 10, 0), route=False
    )
    workflow.request_await_identity(paused, now=stockholm(2026, 9, 1, 11, 0))
    closed = _file(make_subject(), elnat, stockholm(2026, 9, 1, 10, 0))
    workflow.request_complete(closed)

    changed = sweep_deadline_states(today)

    states = dict(RightsRequest.objects.values_list("pk", "deadline_state"))
    assert states[overdue.pk] == DeadlineState.OVERDUE
    assert states[soon.pk] == DeadlineState.DUE_SOON
    assert states[fine.pk] == DeadlineState.ON_TRACK
    assert states[paused.pk] == DeadlineState.PAUSED
    assert states[closed.pk] == DeadlineState.ON_TRACK
    assert changed[DeadlineState.OVERDUE] == 1
    assert sweep_deadline_states(today)[DeadlineState.OVERDUE] == 0  # a second run changes nothing


def test_a_request_is_due_soon_on_its_deadline_day_and_overdue_the_day_after(make_subject, elnat):
    request = _file(make_subject(), elnat, stockholm(2026, 9, 1, 10, 0))
    assert request.deadline_on == dt.date(2026, 10, 1)
    sweep_deadline_states(dt.date(2026, 10, 1))
    request.refresh_from_db()
    assert request.deadline_state == DeadlineState.DUE_SOON
    sweep_deadline_states(dt.date(2026, 10, 2))
    request.refresh_from_db()
    assert request.deadline_state == DeadlineState.OVERDUE


def test_sweep_runs_the_same_queries_for_one_and_for_many_requests(
    make_subject, elnat, django_assert_num_queries
):
    _file(make_subject(), elnat, stockholm(2026, 9, 1, 10, 0))
    with django_assert_num_queries(4):
        sweep_deadline_states(dt.date(2026, 11, 24))
    for _ in range(30):
        _file(make_subject(), elnat, stockholm(2026, 9, 1, 10, 0))
    with django_assert_num_queries(4):
        sweep_deadline_states(dt.date(2026, 11, 24))


def test_the_beat_task_runs_the_sweep(make_subject, elnat):
    request = _file(make_subject(), elnat, stockholm(2026, 1, 5, 10, 0))
    result = deadline_sweep.delay().get()
    request.refresh_from_db()
    assert request.deadline_state == DeadlineState.OVERDUE
    assert result[DeadlineState.OVERDUE] >= 1
    assert request.status == Status.IN_PROGRESS
