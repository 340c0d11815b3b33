"""The background work list (outbox) with its "try again" action, and the API clients list."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from identity.levels import IdentityLevel
from identity.models import ApiClient
from rights_requests import outbox
from rights_requests.models import Outbox, RequestEvent
from tests.rights_requests.factories import file_request

from .conftest import verified_client

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:rights_requests_outbox_changelist"


@pytest.fixture
def failed_notice(make_subject, elnat):
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    row = outbox.enqueue_notice(request, "received", cause_seq=1)
    Outbox.objects.filter(pk=row.pk).update(
        status=Outbox.State.FAILED, attempts=8, last_error="SMTPServerDisconnected: gone"
    )
    return Outbox.objects.get(pk=row.pk)


def test_the_dpo_lists_failed_work_and_tries_it_again(
    dpo, failed_notice, django_capture_on_commit_callbacks, mailoutbox
):
    client = verified_client(dpo)
    page = client.get(reverse(CHANGELIST), {"status__exact": "failed"}).content.decode()
    assert "SMTPServerDisconnected" in page and failed_notice.request.reference in page
    done = outbox.enqueue_notice(failed_notice.request, "started", cause_seq=2)
    Outbox.objects.filter(pk=done.pk).update(status=Outbox.State.DONE)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(CHANGELIST),
            {"action": "retry", "_selected_action": [failed_notice.pk, done.pk]},
            follow=True,
        )
    assert "1 queued again; 1 had not failed" in response.content.decode()
    failed_notice.refresh_from_db()
    # Queued on commit and run (eager in the tests): the notice went out this time.
    assert failed_notice.status == Outbox.State.DONE
    assert failed_notice.attempts == 1
    assert len(mailoutbox) == 1
    assert Outbox.objects.get(pk=done.pk).status == Outbox.State.DONE  # left alone
    event = RequestEvent.objects.get(request=failed_notice.request, kind="outbox.retried")
    assert event.actor == dpo and event.data == {"outbox": failed_notice.pk, "kind": "notice"}


def test_customer_service_neither_sees_nor_retries_the_background_work(elnat_staff, failed_notice):
    client = verified_client(elnat_staff)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    response = client.post(
        reverse(CHANGELIST), {"action": "retry", "_selected_action": [failed_notice.pk]}
    )
    assert response.status_code == 403
    failed_notice.refresh_from_db()
    assert failed_notice.status == Outbox.State.FAILED


def test_the_dashboard_links_failed_work_to_the_list(dpo, failed_notice):
    page = verified_client(dpo).get(reverse("admin:staff_dashboard")).content.decode()
    assert f"{reverse(CHANGELIST)}?status__exact=failed" in page


def test_an_administrator_turns_an_api_client_off_and_its_token_stops(administrator, elnat):
    client_row, token = ApiClient.issue(name="elnat-cis", legal_entities=[elnat])
    system = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    cache.clear()
    assert system.get("/api/v1/requests/").status_code == 200
    admin = verified_client(administrator)
    changelist = reverse("admin:identity_apiclient_changelist")
    page = admin.get(changelist).content.decode()
    assert "elnat-cis" in page and token[:12] in page and token not in page
    assert admin.get(reverse("admin:identity_apiclient_add")).status_code == 403
    response = admin.post(
        changelist, {"action": "deactivate", "_selected_action": [client_row.pk]}, follow=True
    )
    assert "1 API client(s) turned off." in response.content.decode()
    cache.clear()
    assert system.get("/api/v1/requests/").status_code == 401
