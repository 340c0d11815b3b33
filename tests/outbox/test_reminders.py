"""Reminders, escalation, DPO alerts and extension proposals, each e-mail once."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from identity.levels import IdentityLevel
from rights_requests import outbox, reminders, roles, workflow
from rights_requests.models import ExtensionReason, Outbox, RequestEvent, RightsRequest
from tests.rights_requests.factories import file_request, stockholm
from tests.staff.conftest import make_staff, verified_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("swedish_catalogue")]

D = dt.date


def staff_rows(template=None):
    rows = Outbox.objects.filter(kind=Outbox.Kind.STAFF_EMAIL)
    return rows.filter(payload__template=template) if template else rows


def deliver_all():
    mail.outbox.clear()
    for pk in Outbox.objects.filter(status=Outbox.State.PENDING).values_list("pk", flat=True):
        outbox.run(pk)
    return [m for m in mail.outbox if "X-DSR-Outbox" in m.extra_headers]


def staff_mails(template=""):
    return [
        m
        for m in mail.outbox
        if not m.extra_headers["X-DSR-Outbox"].startswith("notice:")
        and m.extra_headers["X-DSR-Outbox"].startswith(template)
    ]


@pytest.fixture
def assigned(make_subject, elnat, elnat_worker):
    """In progress, received 2026-09-01, due Thursday 2026-10-01, assigned to Eva."""
    request = file_request(
        make_subject(), elnat, received_at=stockholm(2026, 9, 1, 10, 0), level=IdentityLevel.HIGH
    )
    assert request.deadline_on == D(2026, 10, 1)
    return workflow.request_assign(request, assignee=elnat_worker)


def test_the_assignee_is_reminded_five_working_days_before_the_deadline(assigned):
    assert reminders.sweep(D(2026, 9, 23))["reminders"] == 0  # six working days before
    assert reminders.sweep(D(2026, 9, 24))["reminders"] == 1  # five: 25, 28, 29, 30 Sep, 1 Oct
    deliver_all()
    (message,) = staff_mails("reminder:")
    assert message.to == ["eva.elnat@example.org"]
    assert (
        message.subject
        == f"Påminnelse: {assigned.reference} ska vara besvarat senast den 2026-10-01"
    )
    assert RequestEvent.objects.filter(request=assigned, kind="staff.reminded").count() == 1


def test_a_sweep_fired_twice_reminds_once(assigned):
    assert reminders.sweep(D(2026, 9, 24))["reminders"] == 1
    assert reminders.sweep(D(2026, 9, 24))["reminders"] == 0
    assert reminders.sweep(D(2026, 9, 25))["reminders"] == 0  # once per deadline
    deliver_all()
    assert len(staff_mails("reminder:")) == 1


def test_a_new_deadline_after_an_extension_brings_a_new_reminder(assigned):
    reminders.sweep(D(2026, 9, 24))
    workflow.request_extend(
        assigned,
        reason_code=ExtensionReason.VOLUME_OF_DATA,
        reason="Ten years of hourly readings.",
        now=stockholm(2026, 9, 25, 9, 0),
    )
    assigned.refresh_from_db()
    assert reminders.sweep(D(2026, 9, 25))["reminders"] == 0
    before = reminders.working_days_before(assigned.deadline_on, 5)
    assert reminders.sweep(before)["reminders"] == 1
    keys = set(staff_rows("reminder").values_list("idempotency_key", flat=True))
    assert keys == {
        f"reminder:{assigned.pk}:2026-10-01",
        f"reminder:{assigned.pk}:{assigned.deadline_on.isoformat()}",
    }


def test_a_request_waiting_for_the_customer_is_not_reminded(assigned):
    workflow.request_ask_customer(
        assigned, question="Which address?", now=stockholm(2026, 9, 2, 9, 0)
    )
    assert reminders.sweep(D(2026, 9, 24))["reminders"] == 0


def test_an_unassigned_request_goes_to_the_dpo_of_its_company_after_two_working_days(
    make_subject, elnat, dpo_kalmar, dpo_landskrona
):
    request = file_request(
        make_subject(), elnat, received_at=stockholm(2026, 9, 7, 10, 0), level=IdentityLevel.HIGH
    )  # Monday
    assert reminders.sweep(D(2026, 9, 9))["escalations"] == 0  # two working days: 8, 9 Sep
    assert reminders.sweep(D(2026, 9, 10))["escalations"] == 1
    assert reminders.sweep(D(2026, 9, 11))["escalations"] == 0
    deliver_all()
    (message,) = [m for m in staff_mails() if "escalation" in m.extra_headers["X-DSR-Outbox"]]
    assert message.to == ["dora.dpo@example.org"]
    assert message.subject == f"Ej tilldelat ärende {request.reference}"
    event = RequestEvent.objects.get(request=request, kind="request.escalated")
    assert event.data["to"] == ["dora.dpo"]


def test_without_a_dpo_on_staff_the_escalation_goes_to_the_dpo_mailbox(make_subject, elnat):
    file_request(
        make_subject(), elnat, received_at=stockholm(2026, 9, 7, 10, 0), level=IdentityLevel.HIGH
    )
    reminders.sweep(D(2026, 9, 10))
    deliver_all()
    (message,) = [m for m in staff_mails() if "escalation" in m.extra_headers["X-DSR-Outbox"]]
    assert message.to == [elnat.dpo_email]


def test_the_dpo_is_alerted_when_the_one_month_date_nears_without_decision_or_notice(
    assigned, make_subject, elnat, dpo_kalmar
):
    extended = file_request(
        make_subject(), elnat, received_at=stockholm(2026, 9, 1, 10, 0), level=IdentityLevel.HIGH
    )
    workflow.request_extend(
        extended,
        reason_code=ExtensionReason.VOLUME_OF_DATA,
        reason="Much data.",
        now=stockholm(2026, 9, 2, 9, 0),
    )
    deliver_all()  # the extension notice goes out
    assert RightsRequest.objects.get(pk=extended.pk).extension_notice_sent_at is not None
    assert reminders.sweep(D(2026, 9, 23))["dpo_alerts"] == 0
    assert reminders.sweep(D(2026, 9, 24))["dpo_alerts"] == 1
    keys = list(staff_rows("dpo_alert").values_list("idempotency_key", flat=True))
    assert keys == [f"dpo_alert:{assigned.pk}:2026-10-01"]
    deliver_all()
    alert = next(m for m in staff_mails() if "dpo_alert" in m.extra_headers["X-DSR-Outbox"])
    assert "artikel 12.3 och 12.4" in alert.body


def test_staff_emails_carry_no_personal_data_of_the_customer(make_subject, elnat, elnat_worker):
    subject = make_subject(first_name="Zlatan", last_name="Ibrahimović")
    request = file_request(
        subject, elnat, received_at=stockholm(2026, 9, 1, 10, 0), level=IdentityLevel.HIGH
    )
    reminders.sweep(D(2026, 9, 24))  # escalation and DPO alert (unassigned)
    workflow.request_assign(request, assignee=elnat_worker)
    reminders.sweep(D(2026, 9, 24))  # and the reminder
    deliver_all()
    messages = staff_mails()
    assert len(messages) == 3
    for message in messages:
        text = message.subject + message.body + message.alternatives[0][0]
        assert request.reference in text
        for secret in ("Zlatan", "Ibrahimović", subject.email, subject.personal_number.digits):
            assert secret not in text


def test_the_sweep_runs_the_same_queries_for_one_and_for_many_requests(
    make_subject, elnat, elnat_worker, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(outbox, "publish", lambda pk: None)

    def make():
        request = file_request(
            make_subject(),
            elnat,
            received_at=stockholm(2026, 9, 1, 10, 0),
            level=IdentityLevel.HIGH,
        )
        workflow.request_assign(request, assignee=elnat_worker)

    make()
    with CaptureQueriesContext(connection) as first:
        reminders.sweep(D(2026, 9, 24))
    for _ in range(15):
        make()
    with django_assert_num_queries(len(first)):
        reminders.sweep(D(2026, 9, 25))


# --- Extension proposals ----------------------------------------------------------------------


def test_a_queue_longer_than_the_team_answers_in_a_month_gets_extensions_proposed(
    make_subject, landskrona, settings
):
    settings.DSR_MIN_DAILY_CAPACITY = 1
    entity = landskrona.legal_entities.get()
    dpo = make_staff("lisa.dpo", roles.DPO, organisations=[landskrona])
    received = stockholm(2026, 11, 2, 10, 0)  # due 2026-12-02 (22 working days ahead)
    requests = [
        file_request(
            make_subject(preferred_language="en" if n == 25 else "sv"),
            entity,
            received_at=received,
            level=IdentityLevel.HIGH,
        )
        for n in range(30)
    ]
    proposals = reminders.extension_proposals(dpo, on=D(2026, 11, 2))
    # One a working day: the 23rd and later are expected after 2026-12-02.
    assert [p.request.pk for p in proposals] == [r.pk for r in requests[22:]]
    first = proposals[0]
    assert first.expected_on == D(2026, 12, 3)
    assert first.extended_due_on == D(2027, 1, 4)  # receipt + 2 months, rolled past the holidays
    assert first.reason_code == ExtensionReason.EXCEPTIONAL_INFLUX
    assert "svarar senast den 2027-01-04" in first.notice_text
    english = next(p for p in proposals if p.request.pk == requests[25].pk)
    assert "will answer by 2027-01-04 at the latest" in english.notice_text
    assert "exceptional number of requests" in english.notice_text
    # Only proposed: nothing changed, nothing sent.
    assert not RightsRequest.objects.filter(extended_due_on__isnull=False).exists()


def test_proposals_are_scoped_and_skip_what_can_no_longer_be_extended(
    make_subject, elnat, landskrona, dpo_kalmar, settings
):
    settings.DSR_MIN_DAILY_CAPACITY = 0.01  # nothing will be answered in time
    entity = landskrona.legal_entities.get()
    mine = file_request(make_subject(), elnat, received_at=stockholm(2026, 11, 2, 10, 0))
    file_request(make_subject(), entity, received_at=stockholm(2026, 11, 2, 10, 0))
    late = file_request(make_subject(), elnat, received_at=stockholm(2026, 9, 1, 10, 0))
    assert late.notice_by < D(2026, 11, 2)
    proposals = reminders.extension_proposals(dpo_kalmar, on=D(2026, 11, 2))
    assert [p.request.pk for p in proposals] == [mine.pk]


def test_the_dashboard_shows_the_proposals_with_the_notice_drafted(
    make_subject, elnat, dpo_kalmar, settings
):
    settings.DSR_MIN_DAILY_CAPACITY = 0.01
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    response = verified_client(dpo_kalmar).get(reverse("admin:staff_dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="extension-proposals"' in page
    assert request.reference in page
    assert "Vi behöver mer tid för din begäran" in page


def test_the_dashboard_lists_failed_work_to_those_who_may_see_the_request(
    make_subject, elnat, dpo_kalmar, dpo_landskrona
):
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    Outbox.objects.filter(request=request).update(
        status=Outbox.State.FAILED, attempts=8, last_error="SMTPServerDisconnected: gone"
    )
    page = verified_client(dpo_kalmar).get(reverse("admin:staff_dashboard")).content.decode()
    assert 'id="failed-effects"' in page and "SMTPServerDisconnected: gone" in page
    assert request.reference in page
    other = verified_client(dpo_landskrona).get(reverse("admin:staff_dashboard")).content.decode()
    assert 'id="failed-effects"' not in other and request.reference not in other
