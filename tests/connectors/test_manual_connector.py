"""The manual connector: a checklist task, pending until staff mark it done in the admin."""

import pytest
from django.urls import reverse

from datamap.connectors.manual import mark_done
from datamap.models import ManualTask
from identity.levels import IdentityLevel
from rights_requests import roles
from rights_requests.models import Right
from tests.rights_requests.factories import file_request
from tests.staff.conftest import make_staff, verified_client

from .conftest import connector

pytestmark = pytest.mark.django_db


@pytest.fixture
def erasure(make_subject, elnat):
    return file_request(make_subject(), elnat, right=Right.ERASURE, level=IdentityLevel.HIGH)


def test_a_task_is_filed_once_and_reported_pending(erasure, elnat):
    tool = connector(elnat, "marketing-tool", request=erasure)

    first = tool.erase(erasure.subject, "subscriptions")
    again = tool.erase(erasure.subject, "subscriptions")

    [task] = ManualTask.objects.all()
    assert first.pending and again.pending
    assert [(r.system, r.category, r.action, r.key) for r in first.actions] == [
        ("marketing-tool", "subscriptions", "task_created", f"task-{task.pk}")
    ]
    assert again.actions == first.actions
    assert (task.request, task.subject, task.action) == (erasure, erasure.subject, "erase")
    assert task.due_on <= erasure.deadline_on


def test_the_task_reports_done_with_the_note_once_staff_mark_it(erasure, elnat):
    tool = connector(elnat, "marketing-tool", request=erasure)
    tool.erase(erasure.subject, "subscriptions")
    task = ManualTask.objects.get()
    staff = make_staff("eva", roles.CUSTOMER_SERVICE, entities=[elnat])

    assert mark_done(task, by=staff, note="Removed from both lists.") is True
    assert mark_done(task, by=staff, note="again") is False

    result = tool.erase(erasure.subject, "subscriptions")
    assert not result.pending
    [row] = result.actions
    assert (row.action, row.detail) == ("task_done", "Removed from both lists.")
    event = erasure.events.get(kind="manual_task.done")
    assert event.actor == staff and event.data["system"] == "marketing-tool"


def test_rectify_tasks_carry_the_change_for_staff(erasure, elnat):
    tool = connector(elnat, "marketing-tool", request=erasure)
    tool.rectify(erasure.subject, "subscriptions", {"email": "new@example.org"})
    assert ManualTask.objects.get().details == {"changes": {"email": "new@example.org"}}


def test_expire_files_one_open_task_and_dry_run_files_none(elnat):
    import datetime

    tool = connector(elnat, "marketing-tool")
    cutoff = datetime.date(2026, 1, 1)
    assert tool.expire("subscriptions", cutoff, mode="erase", dry_run=True).pending
    assert not ManualTask.objects.exists()
    tool.expire("subscriptions", cutoff, mode="erase", dry_run=False)
    tool.expire("subscriptions", cutoff, mode="erase", dry_run=False)
    assert ManualTask.objects.get().details["cutoff"] == "2026-01-01"


def test_staff_see_only_their_companies_tasks_in_the_admin(make_subject, elnat, entities_by_slug):
    varme = entities_by_slug["kalmar-energi-varme"]
    for entity in (elnat, varme):
        request = file_request(
            make_subject(), entity, right=Right.ERASURE, level=IdentityLevel.HIGH
        )
        connector(entity, "marketing-tool", request=request).erase(request.subject, "subscriptions")
    staff = make_staff("eva", roles.CUSTOMER_SERVICE, entities=[elnat])
    client = verified_client(staff)

    page = client.get(reverse("admin:datamap_manualtask_changelist"))

    assert page.status_code == 200
    assert list(page.context["cl"].queryset.values_list("legal_entity", flat=True)) == [elnat.pk]
    other = ManualTask.objects.get(legal_entity=varme)
    assert client.get(reverse("admin:datamap_manualtask_change", args=[other.pk])).status_code in (
        302,
        403,
        404,
    )


def test_staff_mark_a_task_done_in_the_admin_with_a_note(erasure, elnat):
    connector(elnat, "marketing-tool", request=erasure).erase(erasure.subject, "subscriptions")
    task = ManualTask.objects.get()
    staff = make_staff("eva", roles.CUSTOMER_SERVICE, entities=[elnat])
    client = verified_client(staff)
    url = reverse("admin:datamap_manualtask_change", args=[task.pk])

    refused = client.post(url, {"note": "", "mark_done": "on", "due_on": task.due_on.isoformat()})
    assert refused.status_code == 200 and ManualTask.objects.get().done_at is None

    client.post(
        url, {"note": "Deleted in the tool.", "mark_done": "on", "due_on": task.due_on.isoformat()}
    )
    task.refresh_from_db()
    assert task.done_by == staff and task.note == "Deleted in the tool."


def test_staff_without_a_membership_cannot_act_on_tasks(erasure, elnat, landskrona):
    connector(elnat, "marketing-tool", request=erasure).erase(erasure.subject, "subscriptions")
    task = ManualTask.objects.get()
    outsider = make_staff("lars", roles.CUSTOMER_SERVICE, organisations=[landskrona])
    client = verified_client(outsider)
    client.post(
        reverse("admin:datamap_manualtask_changelist"),
        {"action": "mark_done_action", "_selected_action": [task.pk]},
    )
    assert ManualTask.objects.get().done_at is None


def test_the_task_list_needs_the_same_queries_for_many_tasks(
    make_subject, elnat, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = make_staff("eva", roles.CUSTOMER_SERVICE, entities=[elnat])
    client = verified_client(staff)
    url = reverse("admin:datamap_manualtask_changelist")

    def file_tasks(n):
        for _ in range(n):
            request = file_request(
                make_subject(), elnat, right=Right.ERASURE, level=IdentityLevel.HIGH
            )
            connector(elnat, "marketing-tool", request=request).erase(
                request.subject, "subscriptions"
            )

    file_tasks(1)
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    file_tasks(5)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(url)
    assert page.context["cl"].result_count == 6
