"""Restriction: marked in every system; lifted only after the customer was told (Art. 18(3))."""

import datetime

import pytest
from django.utils import timezone

from datamap import democis
from datamap.models import ManualTask
from rights_requests.fulfilment import restriction
from rights_requests.models import Message, Right

from .conftest import CIS_DB, events

pytestmark = CIS_DB
ELNAT = "kalmar-energi-elnat"


def restricted_invoices(cis) -> int:
    with cis.connection().cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM invoices WHERE restricted = TRUE")
        return cursor.fetchone()[0]


def test_restrict_marks_every_category_in_every_system(customer, file, cis):
    alice = customer([ELNAT])
    request = file(alice, ELNAT, Right.RESTRICTION, ground="accuracy")

    result = restriction.restrict(request.pk)

    restricted = {r.category for r in result.actions if r.action == "restricted"}
    assert {"identity", "contracts", "invoices", "meter-readings"} <= restricted
    assert restricted_invoices(cis) == 13
    # The manual marketing tool gets a checklist task; the portal keeps its records.
    assert ManualTask.objects.filter(request=request, action="restrict").exists()
    assert result.pending
    [applied] = events(request, "restriction.applied")
    assert applied.customer_visible and applied.data["reason"] == "accuracy"
    assert len(events(request, "connector.restricted")) == len(
        [r for r in result.actions if r.action == "restricted"]
    )
    assert restriction.restrict(request.pk).actions == []  # already restricted: idempotent


def test_lift_is_refused_before_the_customer_is_told(customer, file, cis):
    alice = customer([ELNAT])
    request = file(alice, ELNAT, Right.RESTRICTION)
    restriction.restrict(request.pk)

    with pytest.raises(restriction.LiftRefused):
        restriction.lift(request.pk)

    assert restricted_invoices(cis) == 13
    assert events(request, "restriction.lifted") == []


def test_lift_after_the_notice_in_the_portal(
    customer, file, cis, mailoutbox, django_capture_on_commit_callbacks
):
    alice = customer([ELNAT])
    request = file(alice, ELNAT, Right.RESTRICTION)
    restriction.restrict(request.pk)

    with django_capture_on_commit_callbacks(execute=True):
        message = restriction.notify_lift(request.pk)
    result = restriction.lift(request.pk)

    assert message.sender == Message.Sender.STAFF and request.reference in message.body
    assert "begränsning" in message.body  # the customer's language: Swedish
    assert [m.to for m in mailoutbox if request.reference in m.subject] == [[alice.email]]
    assert {r.action for r in result.actions} >= {"lifted"}
    assert restricted_invoices(cis) == 0
    kinds = [e.kind for e in events(request, "restriction.")]
    assert kinds == ["restriction.applied", "restriction.lift_notified", "restriction.lifted"]


def test_a_notice_sent_by_letter_allows_the_lift_but_not_one_dated_in_the_future(
    customer, file, cis
):
    alice = customer([ELNAT])
    request = file(alice, ELNAT, Right.RESTRICTION)
    restriction.restrict(request.pk)

    with pytest.raises(restriction.LiftRefused):
        restriction.lift(request.pk, notice_sent=timezone.now() + datetime.timedelta(days=1))
    restriction.lift(request.pk, notice_sent=timezone.now() - datetime.timedelta(days=2))

    assert restricted_invoices(cis) == 0
    [notified] = events(request, "restriction.lift_notified")
    assert notified.data["channel"] == "outside the portal"


def test_a_notice_before_an_earlier_restriction_does_not_count(customer, file, cis):
    alice = customer([ELNAT])
    request = file(alice, ELNAT, Right.RESTRICTION)
    restriction.restrict(request.pk)
    restriction.notify_lift(request.pk)
    restriction.lift(request.pk)
    restriction.restrict(request.pk)  # restricted again

    with pytest.raises(restriction.LiftRefused):
        restriction.lift(request.pk)
    assert restricted_invoices(cis) == 13


def test_notify_lift_needs_a_restriction(customer, file):
    request = file(customer([ELNAT]), ELNAT, Right.RESTRICTION)
    with pytest.raises(restriction.TransitionNotAllowed):
        restriction.notify_lift(request.pk)


def test_other_customers_rows_stay_unrestricted(customer, file, cis):
    alice = customer([ELNAT], first_name="Alice")
    customer([ELNAT], first_name="Bob")
    restriction.restrict(file(alice, ELNAT, Right.RESTRICTION).pk)
    assert restricted_invoices(cis) == 13
    assert democis.counts()["invoices"] == 26


def test_the_staff_page_restricts_notifies_and_lifts_in_that_order(customer, file, cis, entity):
    from django.urls import reverse

    from rights_requests import roles
    from tests.staff.conftest import make_staff, verified_client

    alice = customer([ELNAT])
    request = file(alice, ELNAT, Right.RESTRICTION)
    client = verified_client(make_staff("eva", roles.CUSTOMER_SERVICE, entities=[entity(ELNAT)]))
    url = reverse("admin:fulfilment_restriction", args=[request.pk])

    assert client.get(url).status_code == 200
    client.post(url, {"step": "restrict"})
    assert restricted_invoices(cis) == 13
    client.post(url, {"step": "lift"})  # refused: the customer has not been told
    assert restricted_invoices(cis) == 13
    page = client.get(url)
    assert "begränsning" in page.content.decode()  # the notice, in the customer's language
    client.post(url, {"step": "notify"})
    client.post(url, {"step": "lift"})
    assert restricted_invoices(cis) == 0


def test_staff_of_another_company_cannot_reach_the_restriction_page(customer, file, landskrona):
    from django.urls import reverse

    from rights_requests import roles
    from tests.staff.conftest import make_staff, verified_client

    request = file(customer([ELNAT]), ELNAT, Right.RESTRICTION)
    client = verified_client(make_staff("lars", roles.CUSTOMER_SERVICE, organisations=[landskrona]))
    url = reverse("admin:fulfilment_restriction", args=[request.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"step": "restrict"}).status_code == 404
    assert events(request, "restriction.") == []


def test_the_staff_page_lists_the_steps_in_words(customer, file, entity):
    from django.urls import reverse

    from rights_requests import roles
    from tests.staff.conftest import make_staff, verified_client

    request = file(customer([ELNAT]), ELNAT, Right.RESTRICTION)
    client = verified_client(make_staff("eva", roles.CUSTOMER_SERVICE, entities=[entity(ELNAT)]))
    url = reverse("admin:fulfilment_restriction", args=[request.pk])
    client.post(url, {"step": "restrict"})

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]

    assert "Behandling begränsad" in table
    assert "restriction.applied" not in table
