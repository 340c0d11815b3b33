"""Staff pages speak in words, in the admin's language: no codes where a name exists.

The timeline's details, the event list, the outbox's columns, the sign-in errors of the
second factor and the category of a checklist task.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from datamap.connectors.base import ACTIONS
from datamap.models import DataCategory, ManualTask, System
from identity.levels import IdentityLevel
from rights_requests.staff.events import STAFF_EVENT_LABELS, event_details
from rights_requests.workflow import record_event
from tests.rights_requests.factories import file_request

from .conftest import PASSWORD, verified_client

pytestmark = pytest.mark.django_db


def test_every_connector_action_has_a_label():
    assert [a for a in ACTIONS if f"connector.{a}" not in STAFF_EVENT_LABELS] == []


def test_the_details_name_keys_and_values_in_the_active_language(db):
    category = DataCategory.objects.first()
    data = {
        "channel": "web",
        "right": "rectification",
        "system": System.objects.first().code,
        "category": category.code,
        "action": "erased",
        "pause_counts": True,
        "fields": {category.code: ["email"]},
        "something_new": "as it is",
    }
    with translation.override("sv"):
        swedish = dict(event_details(data))
    assert swedish["kanal"] == "Webbportal"
    assert swedish["rättighet"] == "Rättelse"
    assert swedish["kategori"] == category.name_sv
    assert swedish["steg"] == "Uppgifter raderade i ett system"
    assert swedish["tiden står still"] == "ja"
    assert swedish["fält"] == f"{category.name_sv}: email"
    assert swedish["something_new"] == "as it is"
    with translation.override("en"):
        english = dict(event_details(data))
    assert english["channel"] == "Web portal" and english["category"] == category.name_en


def test_the_timeline_shows_details_in_words(make_subject, elnat, elnat_staff):
    work = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    record_event(work, "connector.erased", data={"system": "cis", "action": "erased"})
    url = reverse("admin:rights_requests_rightsrequest_change", args=[work.pk])
    page = verified_client(elnat_staff).get(url).content.decode()
    timeline = page.split('id="timeline-h"', 1)[1]
    assert "channel: Web portal" in timeline and "channel: web" not in timeline
    assert "Data erased in a system" in timeline
    assert "the customer" in timeline  # who filed it, not the code "customer"


def test_the_event_list_shows_labels_and_statuses_in_words(make_subject, elnat, dpo):
    file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    page = verified_client(dpo).get(reverse("admin:rights_requests_requestevent_changelist"))
    body = page.content.decode()
    assert "Request received" in body and "Received → In progress" in body
    assert ">in_progress<" not in body
    assert "Data erased in a system" in body  # the filter offers every kind in words


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_outbox_columns_are_in_the_admin_language(
    make_subject, elnat, administrator, settings, language
):
    settings.LANGUAGE_CODE = language
    file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    with translation.override(language):
        page = verified_client(administrator).get(
            reverse("admin:rights_requests_outbox_changelist")
        )
    body = page.content.decode()
    expected = {"sv": ["Typ av arbete", "Försök", "Skapad"], "en": ["Kind of work", "Attempts"]}
    assert all(header in body for header in expected[language]), language
    assert "Created at" not in body or language == "en"


def test_a_wrong_code_is_explained_in_swedish(elnat_staff, settings):
    settings.LANGUAGE_CODE = "sv"
    with translation.override("sv"):
        page = Client().post(
            reverse("admin:login"),
            {"username": elnat_staff.username, "password": PASSWORD, "otp_token": "000000"},
        )
    body = page.content.decode()
    assert "Koden är fel eller har gått ut" in body
    assert "Invalid token" not in body


def test_a_checklist_task_names_its_category(make_subject, elnat, elnat_staff):
    work = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    category = DataCategory.objects.first()
    system = System.objects.filter(legal_entities=elnat).first() or System.objects.first()
    ManualTask.objects.create(
        request=work,
        legal_entity=elnat,
        system=system,
        category=category.code,
        action=ManualTask._meta.get_field("action").choices[0][0],
        subject=work.subject,
    )
    client = verified_client(elnat_staff)
    tasks = client.get(reverse("admin:datamap_manualtask_changelist")).content.decode()
    assert category.name_en in tasks
    request_page = client.get(
        reverse("admin:rights_requests_rightsrequest_change", args=[work.pk])
    ).content.decode()
    assert f"{system.name}, {category.name_en};" in request_page


def test_the_request_page_says_what_was_asked_for_in_words(make_subject, elnat, elnat_staff):
    from rights_requests.models import Right

    work = file_request(
        make_subject(),
        elnat,
        right=Right.OBJECTION,
        level=IdentityLevel.HIGH,
        details={"direct_marketing": True, "registered_note": "Called at 10:15 <b>"},
    )
    url = reverse("admin:rights_requests_rightsrequest_change", args=[work.pk])
    page = verified_client(elnat_staff).get(url).content.decode()
    assert "What was asked for" in page
    assert "Direct marketing." in page
    assert "Noted when registered: Called at 10:15 &lt;b&gt;" in page  # escaped
    assert "direct_marketing" not in page and "{&quot;" not in page


def test_the_queue_shows_the_deadline_beside_the_reference(make_subject, elnat, elnat_staff):
    """On a narrow screen the list scrolls sideways: the deadline must not be out of view."""
    import re
    from pathlib import Path

    file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    page = verified_client(elnat_staff).get(
        reverse("admin:rights_requests_rightsrequest_changelist")
    )
    columns = re.findall(r'<th scope="col" class="[^"]*column-([a-z_]+)', page.content.decode())
    assert columns[:2] == ["reference", "deadline"], columns
    css = (Path(__file__).resolve().parents[2] / "static/staff/admin.css").read_text()
    assert "#result_list .field-reference" in css and "white-space: nowrap" in css


def test_the_request_page_shows_todays_deadline_state(make_subject, elnat, elnat_staff):
    """The stored state is the nightly sweep's; the page says what holds today."""
    import datetime

    from django.utils import timezone

    from rights_requests.models import DeadlineState

    received = timezone.now() - datetime.timedelta(days=45)
    work = file_request(make_subject(), elnat, level=IdentityLevel.HIGH, received_at=received)
    work.deadline_state = DeadlineState.ON_TRACK  # as if the sweep had not run since
    work.save(update_fields=["deadline_state"])
    url = reverse("admin:rights_requests_rightsrequest_change", args=[work.pk])
    page = verified_client(elnat_staff).get(url).content.decode()
    assert "days overdue" in page and "dl-overdue" in page
