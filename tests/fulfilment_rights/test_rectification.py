"""Rectification: the claim beside a before/after diff, applied in the systems, recipients told."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from datamap.connectors import ConnectorError
from datamap.models import ManualTask
from portal.text import alphabetical
from rights_requests import roles
from rights_requests.fulfilment import rectification
from rights_requests.models import Right
from tests.connectors.conftest import connector
from tests.staff.conftest import make_staff, verified_client

from .conftest import CIS_DB, events

pytestmark = CIS_DB
ELNAT = "kalmar-energi-elnat"
CLAIM = [{"data": "My e-mail address", "correct": "alice@new.example"}]


@pytest.fixture
def alice(customer):
    return customer([ELNAT], first_name="Alice")


@pytest.fixture
def request_(alice, file):
    return file(alice, ELNAT, Right.RECTIFICATION, changes=CLAIM)


def test_the_field_choices_come_from_the_connectors(request_):
    choices = {c.value: c for c in rectification.field_choices(request_)}
    assert set(choices["contact:email"].systems) == {"cis", "portal"}
    assert "identity:personal_number" not in choices  # never changed by a correction
    assert "invoices:amount" not in choices


def test_one_datum_named_differently_in_two_systems_is_one_choice(request_, alice):
    choices = rectification.field_choices(request_)
    labels = [c.label for c in choices]
    assert len(labels) == len(set(labels))  # no label offered twice
    [language] = [c for c in choices if c.category == "contact" and "language" in c.fields]
    assert set(language.fields) == {"language", "preferred_language"}
    assert set(language.systems) == {"cis", "portal"}

    rectification.apply(request_.pk, {"contact": dict.fromkeys(language.fields, "en")}, by=None)
    alice.refresh_from_db()
    assert alice.preferred_language == "en"


def test_the_choices_are_in_alphabetical_order_of_the_active_language(request_):
    with translation.override("sv"):
        swedish = [c.label for c in rectification.field_choices(request_)]
    with translation.override("en"):
        english = [c.label for c in rectification.field_choices(request_)]
    assert swedish == sorted(swedish, key=lambda label: alphabetical(label, "sv"))
    assert english == sorted(english, key=lambda label: alphabetical(label, "en"))
    assert swedish != english


def test_the_preview_names_systems_categories_and_rows(request_):
    with translation.override("en"):
        diff = rectification.preview(request_.pk, {"contact": {"email": "alice@new.example"}})
    by_system = {row.system: row for row in diff}
    assert by_system["portal"].key == "The customer's record"
    assert by_system["cis"].key.startswith("Customer number ")
    assert by_system["cis"].system_name != "cis" and by_system["cis"].category_name != "contact"


def test_the_preview_shows_before_and_after_in_every_system(request_, alice):
    diff = rectification.preview(request_.pk, {"contact": {"email": "alice@new.example"}})
    assert {(row.system, row.before, row.after) for row in diff} == {
        ("cis", alice.email, "alice@new.example"),
        ("portal", alice.email, "alice@new.example"),
    }
    assert all(row.changes for row in diff)


def test_apply_changes_the_systems_and_files_a_notice_for_each_recipient(request_, alice, entity):
    result = rectification.apply(request_.pk, {"contact": {"email": "alice@new.example"}}, by=None)

    assert {(r.system, r.action, r.detail) for r in result.actions} == {
        ("cis", "rectified", "email"),
        ("portal", "rectified", "email"),
    }
    cis = connector(entity(ELNAT), "cis")
    assert [r["email"] for r in cis.export(alice, "contact")] == ["alice@new.example"]
    alice.refresh_from_db()
    assert alice.email == "alice@new.example"
    due = events(request_, "recipient.notice_due")
    assert due and all(e.data["change"] == "rectified" for e in due)
    assert {e.data["recipient"] for e in due} >= {"Systemleverantörer", "Utskriftsbolag"}
    notices = request_.recipient_notices.all()
    assert {n.recipient.name for n in notices} == {e.data["recipient"] for e in due}
    assert all(n.change == "rectified" and "contact" in n.categories for n in notices)
    [applied] = events(request_, "rectification.applied")
    assert applied.data["fields"] == {"contact": ["email"]}
    assert set(applied.data["recipients_to_tell"]) == {e.data["recipient"] for e in due}
    assert "alice@new.example" not in str([e.data for e in events(request_)])


def test_a_change_no_system_can_make_changes_nothing(request_, alice, entity):
    with pytest.raises(ConnectorError):
        rectification.apply(
            request_.pk,
            {"contact": {"email": "alice@new.example"}, "invoices": {"amount": "0"}},
            by=None,
        )
    cis = connector(entity(ELNAT), "cis")
    assert [r["email"] for r in cis.export(alice, "contact")] == [alice.email]


def test_a_manual_system_gets_the_change_as_a_checklist_task(request_):
    result = rectification.apply(
        request_.pk, {"subscriptions": {"email": "alice@new.example"}}, by=None
    )
    assert result.pending
    task = ManualTask.objects.get(request=request_, action="rectify")
    assert task.details == {"changes": {"email": "alice@new.example"}}


@pytest.fixture
def staff(entity):
    return make_staff("eva", roles.CUSTOMER_SERVICE, entities=[entity(ELNAT)])


def test_the_staff_page_shows_the_claim_and_the_diff(request_, staff, alice):
    client = verified_client(staff)
    url = reverse("admin:fulfilment_rectify", args=[request_.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert "My e-mail address" in page.content.decode()

    preview = client.post(url, {"field_0": "contact:email", "value_0": "alice@new.example"})
    body = preview.content.decode()
    assert preview.status_code == 200 and alice.email in body and "alice@new.example" in body
    assert events(request_, "subject.viewed")

    unchanged = client.post(url, {"field_0": "contact:email", "value_0": alice.email})
    assert "(oförändrat)" in unchanged.content.decode()


def test_the_staff_page_applies_the_change(request_, staff, alice, entity):
    client = verified_client(staff)
    url = reverse("admin:fulfilment_rectify", args=[request_.pk])

    response = client.post(
        url, {"field_0": "contact:email", "value_0": "alice@new.example", "apply": "1"}
    )

    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Rättade 2 rader." in shown  # one in the customer system, one in the portal
    cis = connector(entity(ELNAT), "cis")
    assert [r["email"] for r in cis.export(alice, "contact")] == ["alice@new.example"]


def test_staff_of_another_company_get_a_404(request_, landskrona, alice, entity):
    outsider = make_staff("lars", roles.CUSTOMER_SERVICE, organisations=[landskrona])
    client = verified_client(outsider)
    url = reverse("admin:fulfilment_rectify", args=[request_.pk])
    assert client.get(url).status_code == 404
    client.post(url, {"field_0": "contact:email", "value_0": "x@example.org", "apply": "1"})
    cis = connector(entity(ELNAT), "cis")
    assert [r["email"] for r in cis.export(alice, "contact")] == [alice.email]
