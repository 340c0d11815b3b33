"""Every action on the request page, through the admin, with its workflow effect and event."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from identity.levels import IdentityLevel, VerificationMethod
from rights_requests import roles, workflow
from rights_requests.models import (
    Artifact,
    ExtensionReason,
    Message,
    Outcome,
    RequestEvent,
    Status,
)
from tests.rights_requests.factories import file_request, request_in

from .conftest import make_staff, verified_client


def act(client, obj, action, **data):
    return client.post(
        reverse("admin:rights_requests_rightsrequest_act", args=[obj.pk, action]), data
    )


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def last_event(obj, kind=None):
    events = RequestEvent.objects.filter(request=obj)
    if kind:
        events = events.filter(kind=kind)
    return events.order_by("-seq").first()


@pytest.fixture
def work(make_subject, elnat):
    return file_request(make_subject(), elnat, level=IdentityLevel.HIGH)


@pytest.fixture
def client(elnat_staff):
    return verified_client(elnat_staff)


def test_assign_to_me(client, elnat_staff, work):
    response = act(client, work, "assign_me")
    assert response.status_code == 302
    work.refresh_from_db()
    assert work.assignee == elnat_staff
    assert last_event(work).kind == "request.assigned"


def test_assign_to_a_colleague_of_the_same_company(client, elnat, work):
    colleague = make_staff("kim.elnat", roles.CUSTOMER_SERVICE, entities=[elnat])
    act(client, work, "assign", assignee=colleague.pk)
    work.refresh_from_db()
    assert work.assignee == colleague


def test_assigning_to_staff_of_another_company_is_refused(client, varme_staff, work):
    response = act(client, work, "assign", assignee=varme_staff.pk)
    work.refresh_from_db()
    assert work.assignee is None
    assert any("does not work for" in m for m in flash(response))


def test_bulk_assign_to_me_from_the_queue(client, elnat_staff, make_subject, elnat):
    first = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    second = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    url = reverse("admin:rights_requests_rightsrequest_changelist")
    response = client.post(
        url, {"action": "assign_to_me", "_selected_action": [first.pk, second.pk]}
    )
    assert response.status_code == 302
    assert {r.assignee_id for r in (first, second) if r.refresh_from_db() is None} == {
        elnat_staff.pk
    }


def test_bulk_assign_to_someone_asks_whom_then_assigns(client, elnat, make_subject):
    colleague = make_staff("kim.elnat", roles.CUSTOMER_SERVICE, entities=[elnat])
    one = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    url = reverse("admin:rights_requests_rightsrequest_changelist")
    page = client.post(url, {"action": "assign_to_someone", "_selected_action": [one.pk]})
    assert page.status_code == 200 and one.reference in page.content.decode()
    client.post(
        url,
        {
            "action": "assign_to_someone",
            "_selected_action": [one.pk],
            "apply": "1",
            "assignee": colleague.pk,
        },
    )
    one.refresh_from_db()
    assert one.assignee == colleague


def test_bulk_assign_cannot_reach_another_companys_request(client, requests_everywhere):
    other = requests_everywhere["varme"]
    url = reverse("admin:rights_requests_rightsrequest_changelist")
    client.post(url, {"action": "assign_to_me", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert other.assignee_id is None


def test_verify_identity_records_method_and_who_checked_and_starts_work(
    client, make_subject, elnat
):
    waiting = file_request(make_subject(), elnat)
    assert waiting.status == Status.AWAITING_IDENTITY
    act(
        client,
        waiting,
        "verify",
        level=IdentityLevel.SUBSTANTIAL,
        method=VerificationMethod.IN_PERSON,
        checked_by="Eva at the Kalmar office",
    )
    waiting.refresh_from_db()
    assert waiting.status == Status.IN_PROGRESS
    assert waiting.identity_method == VerificationMethod.IN_PERSON
    event = last_event(waiting, "request.identity_verified")
    assert event.data["checked_by"] == "Eva at the Kalmar office"


def test_start_and_ask_for_identity_on_a_received_request(client, make_subject, elnat):
    received = request_in(Status.RECEIVED, make_subject(), elnat)
    act(client, received, "start")
    received.refresh_from_db()
    assert received.status == Status.IN_PROGRESS
    unverified = file_request(make_subject(), elnat, route=False)
    act(client, unverified, "await_identity")
    unverified.refresh_from_db()
    assert unverified.status == Status.AWAITING_IDENTITY


def test_ask_the_customer_pauses_the_clock_and_resume_moves_on(client, work, elnat_staff):
    act(client, work, "ask", question="Which metering point do you mean?")
    work.refresh_from_db()
    assert work.status == Status.AWAITING_CUSTOMER
    assert work.paused_since is not None
    assert Message.objects.get(request=work).body == "Which metering point do you mean?"
    act(client, work, "resume")
    work.refresh_from_db()
    assert work.status == Status.IN_PROGRESS
    # Staff recorded an answer that came another way: the trail names them, not the customer.
    resumed = last_event(work, "request.customer_replied")
    assert resumed.actor == elnat_staff and resumed.actor_label == elnat_staff.username


def test_extend_with_a_reason_sets_the_extended_deadline_and_tells_the_customer(
    client, work, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        act(
            client,
            work,
            "extend",
            reason_code=ExtensionReason.SPREAD_OVER_SYSTEMS,
            reason="Your data is in four systems.",
        )
    work.refresh_from_db()
    assert work.extended_due_on is not None and work.deadline_on == work.extended_due_on
    assert last_event(work, "request.extended").data["reason"] == "Your data is in four systems."
    assert len(mail.outbox) == 1


def test_extend_after_the_one_month_date_is_refused_with_an_admin_error(
    client, make_subject, elnat
):
    late = file_request(
        make_subject(),
        elnat,
        level=IdentityLevel.HIGH,
        received_at=timezone.now() - datetime.timedelta(days=40),
    )
    response = act(
        client, late, "extend", reason_code=ExtensionReason.VOLUME_OF_DATA, reason="Much data."
    )
    late.refresh_from_db()
    assert late.extended_due_on is None
    assert any("can no longer be extended" in m for m in flash(response))


def test_extend_without_reasons_is_refused(client, work):
    response = act(client, work, "extend", reason_code=ExtensionReason.VOLUME_OF_DATA, reason="")
    work.refresh_from_db()
    assert work.extended_due_on is None
    assert any("Not done" in m for m in flash(response))


def test_complete_granted(client, work):
    act(client, work, "complete", outcome=Outcome.GRANTED)
    work.refresh_from_db()
    assert (work.status, work.outcome) == (Status.COMPLETED, Outcome.GRANTED)
    assert last_event(work, "request.completed").actor_label == "eva.elnat"


def test_a_partial_grant_needs_reasons(client, work):
    act(client, work, "complete", outcome=Outcome.PARTIALLY_GRANTED, reasons="")
    work.refresh_from_db()
    assert work.status == Status.IN_PROGRESS
    act(
        client,
        work,
        "complete",
        outcome=Outcome.PARTIALLY_GRANTED,
        reasons="Footage older than 21 days is gone.",
    )
    work.refresh_from_db()
    assert (work.status, work.outcome) == (Status.COMPLETED, Outcome.PARTIALLY_GRANTED)
    assert work.decision_reasons == "Footage older than 21 days is gone."


def test_reply_from_an_english_template(client, work):
    act(client, work, "reply", template="in_progress", language="en", body="")
    message = Message.objects.get(request=work)
    assert message.sender == Message.Sender.STAFF
    assert message.body.startswith("Hello, we are working on your request " + work.reference)
    assert last_event(work, "message.sent").customer_visible


def test_reply_from_a_swedish_template(client, work):
    act(client, work, "reply", template="received", language="sv", body="")
    assert Message.objects.get(request=work).body.startswith("Hej! Vi har tagit emot din begäran")


def test_the_request_page_records_that_personal_data_was_viewed(client, elnat_staff, work):
    response = client.get(reverse("admin:rights_requests_rightsrequest_change", args=[work.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert work.subject.masked_personal_number in page
    assert work.subject.personal_number.formatted() not in page
    event = last_event(work, "subject.viewed")
    assert event.actor == elnat_staff and event.data["what"] == "request page"


def test_showing_the_full_personal_number_is_recorded(client, elnat_staff, work):
    url = reverse("admin:rights_requests_rightsrequest_personal_number", args=[work.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert work.subject.personal_number.formatted() in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert last_event(work, "subject.viewed").data["what"] == "full personal number"


def test_the_request_page_lists_the_other_requests_of_the_same_submission(
    client, make_subject, elnat, varme
):
    submission = workflow.file_submission(
        subject=make_subject(),
        organisation=elnat.organisation,
        items=[
            workflow.RequestItem(elnat, "access"),
            workflow.RequestItem(elnat, "erasure"),
            workflow.RequestItem(varme, "access"),
        ],
        identity_level=IdentityLevel.HIGH,
    )
    own, sibling = submission.requests.filter(legal_entity=elnat).order_by("pk")
    response = client.get(reverse("admin:rights_requests_rightsrequest_change", args=[own.pk]))
    assert list(response.context["siblings"]) == [sibling]
    assert response.context["siblings_elsewhere"] == 1


def test_the_request_page_cannot_be_saved_by_post(client, work):
    response = client.post(
        reverse("admin:rights_requests_rightsrequest_change", args=[work.pk]), {}
    )
    assert response.status_code == 405


@pytest.fixture
def artifact(work, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    item = Artifact(
        request=work,
        kind=Artifact.Kind.REGISTER_EXTRACT,
        filename="extract.pdf",
        content_type="application/pdf",
        size=8,
        sha256="0" * 64,
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    item.file.save("extract.pdf", ContentFile(b"%PDF-1.7"), save=True)
    return item


def test_staff_download_a_file_of_their_company_and_it_is_recorded(client, work, artifact):
    url = reverse("admin:rights_requests_rightsrequest_file", args=[work.pk, artifact.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7"
    assert last_event(work, "subject.viewed").data["what"] == "file extract.pdf"


def test_staff_of_another_company_cannot_download_the_file(varme_staff, work, artifact):
    url = reverse("admin:rights_requests_rightsrequest_file", args=[work.pk, artifact.pk])
    assert verified_client(varme_staff).get(url).status_code == 404


def test_an_expired_file_is_not_served(client, work, artifact):
    artifact.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    artifact.save(update_fields=["expires_at"])
    url = reverse("admin:rights_requests_rightsrequest_file", args=[work.pk, artifact.pk])
    assert client.get(url).status_code == 404


def test_the_action_forms_are_not_nested_in_the_page_form(client, work):
    """Browsers ignore a <form> inside another: each action button must be in its own form."""
    from html.parser import HTMLParser

    class FormDepth(HTMLParser):
        depth = deepest = forms = 0

        def handle_starttag(self, tag, attrs):
            if tag == "form":
                self.depth += 1
                self.forms += 1
                self.deepest = max(self.deepest, self.depth)

        def handle_endtag(self, tag):
            if tag == "form":
                self.depth -= 1

    parser = FormDepth()
    parser.feed(
        client.get(
            reverse("admin:rights_requests_rightsrequest_change", args=[work.pk])
        ).content.decode()
    )
    assert parser.forms > 5
    assert parser.deepest == 1


def test_staff_record_a_withdrawal_the_customer_asked_for(client, elnat_staff, work):
    act(client, work, "withdraw")
    work.refresh_from_db()
    assert work.status == Status.WITHDRAWN
    assert last_event(work, "request.withdrawn").actor == elnat_staff


def test_an_action_the_state_does_not_allow_is_an_admin_error(client, work):
    workflow.request_complete(work)
    response = act(client, work, "ask", question="Anything else?")
    work.refresh_from_db()
    assert work.status == Status.COMPLETED
    assert any("Cannot" in m for m in flash(response))


def test_an_unknown_action_is_not_found(client, work):
    assert act(client, work, "delete_everything").status_code == 404


def test_a_landskrona_extension_stops_at_the_entitys_two_month_cap_and_only_once(
    landskrona_staff, landskrona_entity, make_subject
):
    from rights_requests import deadlines

    work = file_request(make_subject(), landskrona_entity, level=IdentityLevel.HIGH)
    client = verified_client(landskrona_staff)
    act(
        client,
        work,
        "extend",
        reason_code=ExtensionReason.EXCEPTIONAL_INFLUX,
        reason="Many requests.",
    )
    work.refresh_from_db()
    assert work.extended_due_on == deadlines.due_date(work.received_on, 2)
    response = act(
        client, work, "extend", reason_code=ExtensionReason.VOLUME_OF_DATA, reason="Again."
    )
    assert any("already been extended" in m for m in flash(response))


def test_the_bulk_assign_page_offers_only_colleagues(
    client, elnat_staff, varme_staff, make_subject, elnat
):
    one = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    url = reverse("admin:rights_requests_rightsrequest_changelist")
    page = client.post(url, {"action": "assign_to_someone", "_selected_action": [one.pk]})
    offered = set(page.context["form"].fields["assignee"].queryset)
    assert elnat_staff in offered and varme_staff not in offered
