"""Erasure: erase what may go, keep what the law keeps, and say which, why and until when."""

import datetime

import pytest

from datamap import democis
from datamap.connectors.manual import mark_done
from datamap.models import ManualTask
from rights_requests import roles
from rights_requests.fulfilment import erasure
from rights_requests.models import Outbox, Outcome, Right, Status
from tests.connectors.conftest import connector
from tests.staff.conftest import make_staff

from .conftest import CIS_DB, TODAY, events

pytestmark = CIS_DB
ELNAT = "kalmar-energi-elnat"
ENDED = datetime.date(2025, 3, 31)  # every contract ended; settled 2025-04-30


def finish_manual_tasks(request, entity):
    staff = make_staff("eva", roles.CUSTOMER_SERVICE, entities=[entity])
    for task in ManualTask.objects.filter(request=request):
        mark_done(task, by=staff, note="Removed from the mailing tool.")
    return staff


def test_a_former_customers_erasure_keeps_accounting_data_until_the_bookkeeping_date(
    customer, file, entity
):
    former = customer([ELNAT], ended_on=ENDED)
    request = file(former, ELNAT, Right.ERASURE)

    report = erasure.carry_out(request.pk, today=TODAY)

    # Erased: the customer record, contracts, metering points, cases, subscriptions.
    assert {"identity", "contact", "contracts", "metering-points", "customer-cases"} <= set(
        {r.category for r in report.result.actions if r.action == "erased"}
    )
    # Kept: invoices and readings, to 31 December of the seventh year after the financial
    # year 2025 ended (Bokföringslagen 7 kap. 2 §).
    decisions = {d.category: d for d in report.decisions}
    for code in ("invoices", "meter-readings"):
        assert decisions[code].verdict == "kept_until"
        assert decisions[code].keep_until == datetime.date(2032, 12, 31)
    kept_rows = [r for r in report.result.actions if r.action == "kept" and r.system == "cis"]
    assert {r.category for r in kept_rows} == {"invoices", "meter-readings"}
    assert len([r for r in kept_rows if r.category == "invoices"]) == 13
    cis = connector(entity(ELNAT), "cis")
    assert cis.find(former).actions == []  # the identity is gone: nothing links to the person
    # The kept rows are still there, only for their purpose.
    assert democis.counts()["invoices"] == 13


def test_every_connector_row_is_in_the_audit_trail(customer, file):
    former = customer([ELNAT], ended_on=ENDED)
    request = file(former, ELNAT, Right.ERASURE)

    report = erasure.carry_out(request.pk, today=TODAY)

    logged = [
        (e.kind, e.data["system"], e.data["category"], e.data["key"])
        for e in events(request, "connector.")
    ]
    expected = [
        (f"connector.{r.action}", r.system, r.category, r.key) for r in report.result.actions
    ]
    assert logged == expected
    digits = former.personal_number.digits
    assert all(digits not in str(e.data) for e in events(request))


def test_what_is_kept_is_scheduled_and_the_decisions_are_customer_visible(customer, file):
    former = customer([ELNAT], ended_on=ENDED)
    request = file(former, ELNAT, Right.ERASURE)

    erasure.carry_out(request.pk, today=TODAY)

    [scheduled] = events(request, "retention.scheduled")
    assert scheduled.data["categories"]["invoices"]["keep_until"] == "2032-12-31"
    assert "identity" not in scheduled.data["categories"]
    [decided] = events(request, "erasure.decided")
    assert decided.customer_visible
    assert {d["category"] for d in decided.data["decisions"]} >= {"identity", "invoices"}


def test_recipients_of_the_erased_categories_get_a_notice_each_logged(customer, file):
    former = customer([ELNAT], ended_on=ENDED)
    request = file(former, ELNAT, Right.ERASURE)
    erasure.carry_out(request.pk, today=TODAY)

    due = {e.data["recipient"]: e.data for e in events(request, "recipient.notice_due")}
    assert "Elnätsföretag" in due or "Systemleverantörer" in due
    assert all(e["change"] == "erased" and e["article"] == "GDPR Art. 19" for e in due.values())
    notices = {n.recipient.name: n for n in request.recipient_notices.all()}
    assert set(notices) == set(due)
    assert not any(
        n.is_given for n in notices.values()
    )  # staff tell them (tests/fulfilment_rights/test_recipient_notices.py)
    assert not events(request, "recipient.notice_given")


def test_the_request_waits_for_the_manual_system_then_completes_partially(customer, file, entity):
    former = customer([ELNAT], ended_on=ENDED)
    request = file(former, ELNAT, Right.ERASURE)

    first = erasure.carry_out(request.pk, today=TODAY)
    assert first.pending and not first.completed
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS

    finish_manual_tasks(request, entity(ELNAT))
    second = erasure.carry_out(request.pk, today=TODAY)

    assert second.completed
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert request.outcome == Outcome.PARTIALLY_GRANTED
    assert "2032-12-31" in request.decision_reasons
    # The resumed run asked only the manual system; the kept rows were not logged twice.
    assert (
        len([e for e in events(request, "connector.kept") if e.data["category"] == "invoices"])
        == 13
    )
    assert erasure.carry_out(request.pk, today=TODAY).completed  # a redelivered task: no-op


def test_the_last_task_done_queues_the_erasure_again(customer, file, entity):
    former = customer([ELNAT], ended_on=ENDED)
    request = file(former, ELNAT, Right.ERASURE)
    erasure.carry_out(request.pk, today=TODAY)

    finish_manual_tasks(request, entity(ELNAT))

    assert Outbox.objects.filter(
        request=request, kind=Outbox.Kind.FULFILMENT, payload__action="erasure.carry_out"
    ).exists()


def test_a_current_customer_keeps_contract_data_while_the_contract_runs(customer, file, entity):
    current = customer([ELNAT])
    request = file(current, ELNAT, Right.ERASURE)

    report = erasure.carry_out(request.pk, today=TODAY)

    decisions = {d.category: d for d in report.decisions}
    assert (
        decisions["contracts"].verdict == "kept_until" and decisions["contracts"].keep_until is None
    )
    assert any(r.category == "contracts" and r.action == "kept" for r in report.result.actions)
    assert connector(entity(ELNAT), "cis").find(current).actions  # still a customer


def test_a_person_with_no_data_gets_a_plain_answer(customer, file, entity):
    nobody = customer(())
    request = file(nobody, ELNAT, Right.ERASURE)
    erasure.carry_out(request.pk, today=TODAY)
    finish_manual_tasks(request, entity(ELNAT))

    report = erasure.carry_out(request.pk, today=TODAY)

    request.refresh_from_db()
    assert report.completed and request.outcome == Outcome.GRANTED
    assert report.erased == [] and events(request, "connector.erased") == []


def test_only_the_categories_asked_for_are_erased(customer, file, entity):
    former = customer([ELNAT], ended_on=ENDED)
    request = file(former, ELNAT, Right.ERASURE, scope="some", categories=["customer-cases"])

    report = erasure.carry_out(request.pk, today=TODAY)

    assert [d.category for d in report.decisions] == ["customer-cases"]
    assert {r.category for r in report.result.actions} == {"customer-cases"}
    assert report.completed  # the manual system holds no customer cases: nothing to wait for
    cis = connector(entity(ELNAT), "cis")
    assert list(cis.export(former, "contracts"))


def test_landskronas_official_documents_are_kept_under_the_archives_act(customer, file):
    former = customer(["landskrona-energi"], ended_on=ENDED)
    request = file(former, "landskrona-energi", Right.ERASURE)

    report = erasure.carry_out(request.pk, today=TODAY)

    decisions = {d.category: d for d in report.decisions}
    assert decisions["identity"].verdict == "kept_archive"
    assert not any(r.category == "identity" and r.action == "erased" for r in report.result.actions)


def test_other_rights_are_refused(customer, file):
    alice = customer([ELNAT])
    request = file(alice, ELNAT, Right.ACCESS)
    with pytest.raises(ValueError):
        erasure.carry_out(request.pk)
