"""The queues and the dashboard run the same number of queries for 1 and for 200 requests."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from identity.levels import IdentityLevel
from rights_requests import workflow
from rights_requests.models import Outcome
from tests.rights_requests.factories import file_request

from .conftest import verified_client


def make_requests(n, make_subject, elnat, assignee):
    subject = make_subject()
    made = []
    for i in range(n):
        request = file_request(subject, elnat, level=IdentityLevel.HIGH)
        if i % 3 == 0:
            workflow.request_assign(request, assignee=assignee)
        if i % 5 == 1:
            workflow.request_complete(request, outcome=Outcome.GRANTED)
        made.append(request)
    return made


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


PAGES = [
    ("admin:rights_requests_rightsrequest_changelist", {}),
    ("admin:rights_requests_rightsrequest_changelist", {"queue": "mine"}),
    ("admin:rights_requests_rightsrequest_changelist", {"queue": "overdue"}),
    ("admin:rights_requests_rightsrequest_changelist", {"queue": "pending_refusal"}),
    ("admin:rights_requests_rightsrequest_changelist", {"queue": "recently_completed"}),
    ("admin:staff_dashboard", {}),
]


@pytest.mark.parametrize(("name", "params"), PAGES)
def test_page_runs_the_same_number_of_queries_for_1_and_200_requests(
    name, params, make_subject, elnat, elnat_staff, dpo, django_assert_num_queries, settings
):
    # A team that answers next to nothing: the single request is already proposed for an
    # extension, so the dashboard shows the same sections for 1 request as for 200 (the
    # proposed requests are loaded by one query of their own, when there are any).
    settings.DSR_MIN_DAILY_CAPACITY = 0.01
    user = dpo if name == "admin:staff_dashboard" else elnat_staff
    client = verified_client(user)
    make_requests(1, make_subject, elnat, user)
    url = reverse(name)
    baseline = count_queries(client, url, params)
    make_requests(199, make_subject, elnat, user)
    with django_assert_num_queries(baseline):
        client.get(url, params)


def test_the_csv_export_runs_the_same_number_of_queries_for_1_and_200_requests(
    make_subject, elnat, dpo, django_assert_num_queries
):
    client = verified_client(dpo)
    make_requests(1, make_subject, elnat, dpo)
    url = reverse("admin:staff_dashboard_csv")

    def fetch():
        return b"".join(client.get(url).streaming_content)

    with CaptureQueriesContext(connection) as captured:
        fetch()
    make_requests(199, make_subject, elnat, dpo)
    with django_assert_num_queries(len(captured)):
        body = fetch()
    assert body.count(b"\n") == 1 + 160  # a header and the 160 open ones (40 were completed)


def test_the_request_page_runs_the_same_number_of_queries_for_a_short_and_a_long_history(
    make_subject, elnat, elnat_staff, django_assert_num_queries
):
    from rights_requests.staff.services import staff_reply

    client = verified_client(elnat_staff)
    short = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    long = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    for i in range(30):
        staff_reply(long, body=f"Message {i}", by=elnat_staff)
        workflow.request_assign(long, assignee=elnat_staff if i % 2 else None, by=elnat_staff)
    url = "admin:rights_requests_rightsrequest_change"
    baseline = count_queries(client, reverse(url, args=[short.pk]))
    with django_assert_num_queries(baseline):
        client.get(reverse(url, args=[long.pk]))
