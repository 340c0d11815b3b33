"""retention.sweeps: files, old closed requests and the systems' rows; dry run; who is spared."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from datamap.models import DataCategory
from identity.levels import IdentityLevel
from retention import sweeps
from retention.models import LegalHold, RetentionRule, RetentionRun
from rights_requests import workflow
from rights_requests.models import Artifact, DataSubject, Message, RightsRequest, Submission
from tests.rights_requests.factories import file_request

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# A day in the past: the workflow refuses receipts in the future.
TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
# Three years before TODAY, at the start of the day in Stockholm (the anonymisation cutoff).
CUTOFF = dt.datetime(2023, 11, 20, 0, 0, tzinfo=STOCKHOLM)


def closed_request(subject, entity, closed_at, *, message="Ring mig på 070-123 45 67"):
    request = file_request(
        subject,
        entity,
        level=IdentityLevel.HIGH,
        received_at=closed_at - dt.timedelta(days=10),
        details={"note": "min nya adress"},
    )
    Message.objects.create(request=request, sender=Message.Sender.CUSTOMER, body=message)
    return workflow.request_complete(request, now=closed_at)


def artifact(request, *, expires_at):
    item = Artifact(
        request=request,
        kind=Artifact.Kind.REGISTER_EXTRACT,
        filename="registerutdrag.pdf",
        content_type="application/pdf",
        size=3,
        sha256="0" * 64,
        expires_at=expires_at,
    )
    item.file.save("registerutdrag.pdf", ContentFile(b"pdf"), save=False)
    item.save()
    return item


def run(dry_run=False, today=TODAY, now=NOW):
    return sweeps.run_sweep(dry_run=dry_run, today=today, now=now)


def counts(report, system="portal"):
    return {
        (line.category, line.action): line.count for line in report.lines if line.system == system
    }


@pytest.fixture(autouse=True)
def no_systems(monkeypatch):
    """Leave the entities' systems out unless a test puts fakes in."""
    from datamap import connectors

    monkeypatch.setattr(connectors, "connectors_for", lambda entity, **kw: [], raising=False)


# --- Files ------------------------------------------------------------------------------------


def test_an_expired_file_is_deleted_and_marked_and_a_live_one_stays(alice, elnat):
    request = closed_request(alice, elnat, NOW - dt.timedelta(days=40))
    old = artifact(request, expires_at=NOW - dt.timedelta(seconds=1))
    live = artifact(request, expires_at=NOW + dt.timedelta(seconds=1))
    old_name = old.file.name
    _run, report = run()
    old.refresh_from_db()
    live.refresh_from_db()
    assert old.deleted_at == NOW and not old.file
    assert not default_storage.exists(old_name)
    assert live.deleted_at is None and default_storage.exists(live.file.name)
    assert counts(report)[("files", "erased")] == 1


def test_a_file_expiring_at_this_very_instant_goes(alice, elnat):
    request = closed_request(alice, elnat, NOW - dt.timedelta(days=40))
    item = artifact(request, expires_at=NOW)
    run()
    item.refresh_from_db()
    assert item.deleted_at is not None


def test_the_files_of_a_person_with_an_open_request_are_kept(alice, elnat):
    request = closed_request(alice, elnat, NOW - dt.timedelta(days=40))
    item = artifact(request, expires_at=NOW - dt.timedelta(days=1))
    file_request(alice, elnat, level=IdentityLevel.HIGH)  # open
    run()
    item.refresh_from_db()
    assert item.deleted_at is None and default_storage.exists(item.file.name)


def test_a_dry_run_counts_files_but_deletes_nothing(alice, elnat):
    request = closed_request(alice, elnat, NOW - dt.timedelta(days=40))
    item = artifact(request, expires_at=NOW - dt.timedelta(days=1))
    _run, report = run(dry_run=True)
    item.refresh_from_db()
    assert item.deleted_at is None and default_storage.exists(item.file.name)
    assert counts(report)[("files", "erased")] == 1


# --- Closed requests --------------------------------------------------------------------------


def test_a_request_closed_before_the_cutoff_is_anonymised_with_its_messages(alice, elnat):
    request = closed_request(alice, elnat, CUTOFF - dt.timedelta(seconds=1))
    _run, report = run()
    assert Message.objects.get(request=request).body == sweeps.REMOVED
    request.refresh_from_db()
    assert request.details == {}
    alice.refresh_from_db()
    assert (alice.first_name, alice.last_name, alice.email) == ("", "", "")
    assert alice.personal_number_hash  # the key to the suppression list and ledger stays
    assert counts(report)[("subjects", "anonymised")] == 1
    assert counts(report)[("messages", "anonymised")] == 1


def test_a_request_closed_at_the_cutoff_is_left_alone(alice, elnat):
    request = closed_request(alice, elnat, CUTOFF)
    run()
    assert Message.objects.get(request=request).body.startswith("Ring mig")
    alice.refresh_from_db()
    assert alice.first_name == "Alice"


def test_a_person_with_an_open_request_is_not_touched(alice, elnat):
    old = closed_request(alice, elnat, CUTOFF - dt.timedelta(days=1))
    file_request(alice, elnat, level=IdentityLevel.HIGH)
    run()
    assert Message.objects.get(request=old).body.startswith("Ring mig")
    alice.refresh_from_db()
    assert alice.first_name == "Alice"


def test_a_person_under_a_legal_hold_is_not_touched(alice, elnat):
    old = closed_request(alice, elnat, CUTOFF - dt.timedelta(days=1))
    LegalHold.objects.create(subject_hash=alice.personal_number_hash, reason="Tvist")
    run()
    assert Message.objects.get(request=old).body.startswith("Ring mig")
    alice.refresh_from_db()
    assert alice.first_name == "Alice"


def test_a_person_with_a_recent_closed_request_keeps_their_name(alice, elnat):
    old = closed_request(alice, elnat, CUTOFF - dt.timedelta(days=1))
    recent = closed_request(alice, elnat, NOW - dt.timedelta(days=30))
    run()
    assert Message.objects.get(request=old).body == sweeps.REMOVED
    assert Message.objects.get(request=recent).body.startswith("Ring mig")
    alice.refresh_from_db()
    assert alice.first_name == "Alice"


def test_only_the_old_requests_of_other_people_are_touched(alice, bob, elnat):
    closed_request(alice, elnat, CUTOFF - dt.timedelta(days=1))
    bobs = closed_request(bob, elnat, NOW - dt.timedelta(days=1))
    run()
    bob.refresh_from_db()
    assert bob.first_name == "Bob"
    assert Message.objects.get(request=bobs).body.startswith("Ring mig")


def test_the_submission_contact_details_go_with_the_request(alice, elnat):
    request = closed_request(alice, elnat, CUTOFF - dt.timedelta(days=1))
    Submission.objects.filter(pk=request.submission_id).update(contact_email="a@example.org")
    run()
    assert Submission.objects.get(pk=request.submission_id).contact_email == ""


def test_staff_notes_on_tasks_and_recipient_notices_go_with_the_request(alice, elnat):
    from datamap.models import ManualTask, Recipient, System
    from rights_requests.models import RecipientNotice

    old = closed_request(alice, elnat, CUTOFF - dt.timedelta(days=1))
    recent = closed_request(alice, elnat, NOW - dt.timedelta(days=1))

    def notes(request):
        task = ManualTask.objects.create(
            request=request,
            subject=alice,
            legal_entity=elnat,
            system=System.objects.order_by("pk").first(),
            category="contact",
            action=ManualTask.Action.RECTIFY,
            details={"changes": {"email": "alice@new.example"}},
            note="Ändrade e-post till alice@new.example",
        )
        notice = RecipientNotice.objects.create(
            request=request,
            recipient=Recipient.objects.order_by("pk").first(),
            change=RecipientNotice.Change.RECTIFIED,
            categories=["contact"],
            note="Ringde leverantören om Alice Andersson",
        )
        return task, notice

    old_task, old_notice = notes(old)
    recent_task, recent_notice = notes(recent)

    _run, dry = run(dry_run=True)
    assert counts(dry)[("staff-notes", "anonymised")] == 2
    _run, report = run()

    for item in (old_task, old_notice, recent_task, recent_notice):
        item.refresh_from_db()
    assert (old_task.note, old_task.details) == (sweeps.REMOVED, {})
    assert old_notice.note == sweeps.REMOVED
    assert old_notice.categories == ["contact"]  # what was told, not about whom, stays
    assert recent_task.note.startswith("Ändrade") and recent_task.details
    assert recent_notice.note.startswith("Ringde")
    assert counts(report)[("staff-notes", "anonymised")] == 2


def test_a_dry_run_counts_the_old_requests_but_changes_nothing(alice, elnat):
    request = closed_request(alice, elnat, CUTOFF - dt.timedelta(days=1))
    _run, report = run(dry_run=True)
    assert counts(report)[("messages", "anonymised")] == 1
    assert counts(report)[("subjects", "anonymised")] == 1
    assert Message.objects.get(request=request).body.startswith("Ring mig")
    alice.refresh_from_db()
    assert alice.first_name == "Alice"


def test_a_second_run_finds_nothing_more_to_do(alice, elnat):
    closed_request(alice, elnat, CUTOFF - dt.timedelta(days=1))
    run()
    _run, report = run()
    assert all(count == 0 for count in counts(report).values())


def test_the_closed_request_sweep_takes_the_same_queries_for_many_requests(
    make_subject, elnat, django_assert_num_queries
):
    def queries_for(n):
        for i in range(n):
            closed_request(make_subject(f"P{i}", "Q"), elnat, CUTOFF - dt.timedelta(days=i + 1))
        report = sweeps.SweepReport(today=TODAY, dry_run=False)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            sweeps.sweep_closed_requests(report, TODAY)
        return len(context.captured_queries)

    assert queries_for(2) == queries_for(6)


def test_the_years_come_from_the_setting(alice, elnat, settings):
    settings.RETENTION_CLOSED_REQUEST_YEARS = 5
    request = closed_request(alice, elnat, CUTOFF - dt.timedelta(days=1))
    run()
    assert Message.objects.get(request=request).body.startswith("Ring mig")


# --- The systems --------------------------------------------------------------------------------


class FakeResult:
    def __init__(self, actions):
        self.actions = actions


class FakeAction:
    def __init__(self, category, action, key):
        self.category, self.action, self.key = category, action, key


class FakeSqlConnector:
    """Stands in for the SQL connector: camera footage and invoices, keyed per person."""

    kind = "sql"

    def __init__(self, calls, keys_of):
        self.code = "camera-index"
        self.calls = calls
        self.keys_of = keys_of  # personal_number_hash -> {category: [keys]}

    def holds(self, category):
        return category in ("camera-footage", "invoices")

    def find(self, subject, categories=None):
        rows = self.keys_of.get(subject.personal_number_hash, {})
        return FakeResult(
            [
                FakeAction(cat, "found", key)
                for cat, keys in rows.items()
                if categories is None or cat in categories
                for key in keys
            ]
        )

    def expire(self, category, cutoff, *, mode, exclude_keys=(), dry_run):
        self.calls.append((category, cutoff, mode, set(exclude_keys), dry_run))
        return FakeResult(
            [FakeAction(category, "erased", "k1"), FakeAction(category, "erased", "k2")]
        )


@pytest.fixture
def fake_systems(monkeypatch, elnat):
    from datamap import connectors

    calls = []
    keys_of = {}

    class System:
        code = "camera-index"

    def connectors_for(entity, **kw):
        if entity == elnat:
            return [(System(), FakeSqlConnector(calls, keys_of))]
        return []

    monkeypatch.setattr(connectors, "connectors_for", connectors_for, raising=False)
    return calls, keys_of


def test_each_rule_asks_the_system_to_expire_rows_before_its_cutoff(fake_systems, elnat):
    calls, _keys = fake_systems
    _run, report = run(today=dt.date(2026, 11, 22))
    by_category = {call[0]: call for call in calls}
    # Camera footage: on 22 November the recordings of 1 November and earlier go.
    assert by_category["camera-footage"][1] == dt.date(2026, 11, 2)
    # Invoices: on 22 November 2026 the financial years ending in 2018 and earlier go.
    assert by_category["invoices"][1] == dt.date(2019, 1, 1)
    assert by_category["invoices"][2] == "erase"
    assert by_category["invoices"][4] is False
    lines = [(line.legal_entity, line.category, line.action, line.count) for line in report.lines]
    assert (elnat, "camera-footage", "erased", 2) in lines


def test_the_rows_of_people_with_open_requests_or_holds_are_excluded(
    fake_systems, alice, bob, make_subject, elnat
):
    calls, keys_of = fake_systems
    carol = make_subject("Carol", "C", birth="19850505")
    keys_of[alice.personal_number_hash] = {"camera-footage": ["cam-a"], "invoices": ["inv-a"]}
    keys_of[bob.personal_number_hash] = {"camera-footage": ["cam-b"]}
    keys_of[carol.personal_number_hash] = {"camera-footage": ["cam-c"]}
    file_request(alice, elnat, level=IdentityLevel.HIGH)  # open request
    LegalHold.objects.create(subject_hash=bob.personal_number_hash, reason="Skadeståndskrav")
    run(today=dt.date(2026, 11, 22))
    by_category = {call[0]: call for call in calls}
    assert by_category["camera-footage"][3] == {"cam-a", "cam-b"}
    assert by_category["invoices"][3] == {"inv-a"}


def test_a_hold_on_a_person_unknown_to_the_portal_still_excludes_their_rows(fake_systems, elnat):
    calls, keys_of = fake_systems
    keys_of["f" * 64] = {"camera-footage": ["cam-x"]}
    LegalHold.objects.create(subject_hash="f" * 64, reason="Polisanmälan")
    run(today=dt.date(2026, 11, 22))
    assert {call[0]: call for call in calls}["camera-footage"][3] == {"cam-x"}


def test_a_hold_on_a_category_skips_its_rule(fake_systems, elnat):
    calls, _keys = fake_systems
    LegalHold.objects.create(
        legal_entity=elnat,
        category=DataCategory.objects.get(code="camera-footage"),
        reason="Inbrott 2026-11-10, polisens begäran",
    )
    _run, report = run(today=dt.date(2026, 11, 22))
    assert "camera-footage" not in {call[0] for call in calls}
    assert ("*", "camera-footage", "kept") in {
        (line.system, line.category, line.action) for line in report.lines
    }


def test_archive_rules_are_never_swept(monkeypatch, landskrona):
    from datamap import connectors

    calls = []
    monkeypatch.setattr(
        connectors,
        "connectors_for",
        lambda entity, **kw: [(None, FakeSqlConnector(calls, {}))],
        raising=False,
    )
    RetentionRule.objects.exclude(legal_entity__slug="landskrona-energi").delete()
    run(today=dt.date(2040, 1, 1))
    # Landskrona's invoices are official documents (archive); only its meter readings etc.
    # have an erase rule, and the fake holds none of those.
    assert calls == []


def test_the_dry_run_is_passed_to_the_systems(fake_systems):
    calls, _keys = fake_systems
    run(dry_run=True, today=dt.date(2026, 11, 22))
    assert calls and all(call[4] is True for call in calls)


def test_a_failing_system_is_recorded_and_the_rest_goes_on(monkeypatch, elnat, alice):
    from datamap import connectors

    class Broken(FakeSqlConnector):
        def expire(self, *args, **kwargs):
            raise ConnectionError("CIS unreachable")

    monkeypatch.setattr(
        connectors,
        "connectors_for",
        lambda entity, **kw: [(type("S", (), {"code": "cis"})(), Broken([], {}))],
        raising=False,
    )
    request = closed_request(alice, elnat, CUTOFF - dt.timedelta(days=1))
    sweep_run, report = run()
    assert "CIS unreachable" in sweep_run.error
    assert Message.objects.get(request=request).body == sweeps.REMOVED


# --- Runs, command, task, schedule ---------------------------------------------------------------


def test_every_run_is_recorded_with_its_lines(alice, elnat):
    closed_request(alice, elnat, CUTOFF - dt.timedelta(days=1))
    sweep_run, report = run(dry_run=True)
    stored = RetentionRun.objects.get()
    assert stored == sweep_run and stored.dry_run and stored.finished_at
    assert stored.lines.count() == len(report.lines)
    assert stored.lines.get(category="subjects").count == 1


def test_the_command_prints_the_dry_run_report_and_changes_nothing(alice, elnat, capsys):
    request = closed_request(alice, elnat, CUTOFF - dt.timedelta(days=1))
    call_command("retention_sweep", "--dry-run", "--today", TODAY.isoformat())
    out = capsys.readouterr().out
    assert "DRY RUN" in out
    assert "subjects" in out and "messages" in out
    assert Message.objects.get(request=request).body.startswith("Ring mig")
    assert RetentionRun.objects.get().dry_run


def test_the_command_without_dry_run_carries_it_out(alice, elnat, capsys):
    request = closed_request(alice, elnat, CUTOFF - dt.timedelta(days=1))
    call_command("retention_sweep", "--today", TODAY.isoformat())
    assert Message.objects.get(request=request).body == sweeps.REMOVED
    assert "Carried out" in capsys.readouterr().out


def test_the_nightly_sweep_is_in_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "retention.tasks.nightly_sweep" in tasks


def test_the_task_runs_the_sweep_for_real():
    from retention.tasks import nightly_sweep

    run_id = nightly_sweep.delay().get()
    stored = RetentionRun.objects.get(pk=run_id)
    assert not stored.dry_run and stored.trigger == "beat"


def test_data_subjects_and_requests_are_never_deleted(alice, elnat):
    closed_request(alice, elnat, CUTOFF - dt.timedelta(days=400))
    run()
    assert DataSubject.objects.filter(pk=alice.pk).exists()
    assert RightsRequest.objects.filter(subject=alice).count() == 1


def test_an_open_request_protects_the_person_throughout_the_organisation_only(
    fake_systems, alice, bob, elnat, varme
):
    from datamap.models import LegalEntity

    calls, keys_of = fake_systems
    keys_of[alice.personal_number_hash] = {"camera-footage": ["cam-a"]}
    keys_of[bob.personal_number_hash] = {"camera-footage": ["cam-b"]}
    file_request(alice, varme, level=IdentityLevel.HIGH)  # another Kalmar company
    file_request(bob, LegalEntity.objects.get(slug="landskrona-energi"), level=IdentityLevel.HIGH)
    run(today=dt.date(2026, 11, 22))
    assert {call[0]: call for call in calls}["camera-footage"][3] == {"cam-a"}
