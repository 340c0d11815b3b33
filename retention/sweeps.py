"""The nightly retention sweep: erase or anonymise what is past its retention period.

Storage limitation (GDPR Art. 5(1)(e)): nothing is kept longer than its rule says.
Three parts, each set-based (a few UPDATE/SELECT statements, never a query per row):

1. the portal's files (Artifact) whose `expires_at` has passed: the file is deleted and
   the row marked deleted;
2. the portal's closed requests older than RETENTION_CLOSED_REQUEST_YEARS: message bodies
   and request details replaced, contact details on the submissions blanked, and names
   and contact details blanked on DataSubjects whose every request is such an old one;
3. the systems behind each legal entity (through `connector.expire`), one call per
   retention rule and system, with the cutoff date from retention/periods.py.

Never touched: a person with an open request (legal-rules.md R6: an erasure job must not
run ahead of the answer), a person or category under a legal hold (Art. 17(3)(e)), and
data under an archive rule (Art. 17(3)(b), (d)).

`run_sweep(dry_run=True)` only counts; every run, dry or real, is recorded as a
RetentionRun with one RetentionRunLine per entity × system × category × action.
"""

import datetime
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import periods
from .models import LegalHold, RetentionAction, RetentionRule, RetentionRun, RetentionRunLine

logger = logging.getLogger(__name__)

PORTAL = "portal"
REMOVED = "[gallrat / removed]"


@dataclass
class Line:
    system: str
    category: str
    action: str
    count: int
    legal_entity: object = None
    detail: str = ""


@dataclass
class SweepReport:
    today: datetime.date
    dry_run: bool
    lines: list[Line] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, system, category, action, count, legal_entity=None, detail=""):
        self.lines.append(Line(system, category, action, count, legal_entity, detail))

    def as_text(self) -> str:
        title = "DRY RUN: nothing changed" if self.dry_run else "Carried out"
        out = [f"Retention sweep as of {self.today.isoformat()} ({title})"]
        out.append(f"{'entity':<28} {'system':<14} {'category':<18} {'action':<22} {'rows':>8}")
        for line in self.lines:
            entity = getattr(line.legal_entity, "slug", "") or "-"
            text = f"{entity:<28} {line.system:<14} {line.category:<18} {line.action:<22} {line.count:>8}"
            if line.detail:
                text += f"  {line.detail}"
            out.append(text)
        for error in self.errors:
            out.append(f"ERROR {error}")
        return "\n".join(out)


def closed_request_years() -> int:
    return int(getattr(settings, "RETENTION_CLOSED_REQUEST_YEARS", 3))


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def _held_hashes():
    """Look-up hashes of people under an active legal hold (a subquery)."""
    return LegalHold.objects.active().exclude(subject_hash="").values("subject_hash")


def _protected_subjects():
    """DataSubject ids with an open request (a subquery)."""
    from rights_requests.models import OPEN_STATUSES, RightsRequest

    return RightsRequest.objects.filter(status__in=OPEN_STATUSES).values("subject_id")


# --- 1. Files ------------------------------------------------------------------------------


def sweep_artifacts(report: SweepReport, now: datetime.datetime) -> None:
    """Delete files whose time is up; mark their rows. One SELECT and one UPDATE."""
    from rights_requests.models import Artifact

    expired = Artifact.objects.filter(deleted_at__isnull=True, expires_at__lte=now).exclude(
        Q(request__subject_id__in=_protected_subjects())
        | Q(request__subject__personal_number_hash__in=_held_hashes())
    )
    if report.dry_run:
        report.add(PORTAL, "files", "erased", expired.count())
        return
    rows = list(expired.values_list("pk", "file"))
    for _pk, name in rows:
        if name:
            try:
                default_storage.delete(name)
            except OSError as exc:  # a missing file is gone already; anything else is reported
                report.errors.append(f"file {name}: {exc}")
    Artifact.objects.filter(pk__in=[pk for pk, _name in rows]).update(deleted_at=now, file="")
    report.add(PORTAL, "files", "erased", len(rows))


# --- 2. Closed requests ------------------------------------------------------------------


def sweep_closed_requests(report: SweepReport, today: datetime.date) -> None:
    """Anonymise closed requests older than the configured years, with their messages."""
    from datamap.models import ManualTask
    from rights_requests.models import (
        CLOSED_STATUSES,
        DataSubject,
        Message,
        RecipientNotice,
        RightsRequest,
        Submission,
    )

    years = closed_request_years()
    cutoff = _start_of(periods.add_months(today, -12 * years))
    old = RightsRequest.objects.filter(status__in=CLOSED_STATUSES, closed_at__lt=cutoff).exclude(
        Q(subject_id__in=_protected_subjects())
        | Q(subject__personal_number_hash__in=_held_hashes())
    )
    not_old = RightsRequest.objects.exclude(status__in=CLOSED_STATUSES, closed_at__lt=cutoff)
    messages = Message.objects.filter(request__in=old.values("pk")).exclude(body=REMOVED)
    details = RightsRequest.objects.filter(pk__in=old.values("pk")).exclude(details={})
    submissions = (
        Submission.objects.filter(requests__in=old.values("pk"))
        .exclude(pk__in=not_old.values("submission_id"))
        .exclude(contact_email="", representative_name="")
    )
    subjects = (
        DataSubject.objects.filter(pk__in=old.values("subject_id"))
        .exclude(pk__in=not_old.values("subject_id"))
        .exclude(
            first_name="",
            last_name="",
            email="",
            phone="",
            street_address="",
            postal_code="",
            city="",
        )
    )
    # What staff wrote on the request's checklist tasks and recipient notices may describe
    # the person (a rectification task holds the new values): it goes with the request.
    tasks = ManualTask.objects.filter(request__in=old.values("pk")).exclude(
        note__in=("", REMOVED), details={}
    )
    notices = RecipientNotice.objects.filter(request__in=old.values("pk")).exclude(
        note__in=("", REMOVED)
    )
    detail = f"closed before {cutoff.date().isoformat()}"
    if report.dry_run:
        report.add(
            PORTAL, "staff-notes", "anonymised", tasks.count() + notices.count(), detail=detail
        )
        report.add(PORTAL, "messages", "anonymised", messages.count(), detail=detail)
        report.add(PORTAL, "request-details", "anonymised", details.count(), detail=detail)
        report.add(
            PORTAL, "submissions", "anonymised", submissions.distinct().count(), detail=detail
        )
        report.add(PORTAL, "subjects", "anonymised", subjects.count(), detail=detail)
        return
    with transaction.atomic():
        counts = {
            "staff-notes": tasks.update(note=REMOVED, details={}) + notices.update(note=REMOVED),
            "messages": messages.update(body=REMOVED),
            "request-details": details.update(details={}),
            "submissions": Submission.objects.filter(pk__in=submissions.values("pk")).update(
                contact_email="", representative_name=""
            ),
            "subjects": DataSubject.objects.filter(pk__in=subjects.values("pk")).update(
                first_name="",
                last_name="",
                email="",
                phone="",
                street_address="",
                postal_code="",
                city="",
                updated_at=timezone.now(),
            ),
        }
    for category, count in counts.items():
        report.add(PORTAL, category, "anonymised", count, detail=detail)


# --- 3. The entities' systems ---------------------------------------------------------------


def _excluded_subjects(legal_entity):
    """People whose rows at this entity a sweep must not touch.

    Those with an open request at any company of the entity's organisation (the answer
    must reach them before their data go, R6), and those under a hold on the person.
    """
    from rights_requests.models import OPEN_STATUSES, DataSubject, RightsRequest

    open_here = RightsRequest.objects.filter(
        status__in=OPEN_STATUSES, legal_entity__organisation_id=legal_entity.organisation_id
    ).values("subject_id")
    holds = (
        LegalHold.objects.active()
        .exclude(subject_hash="")
        .filter(Q(legal_entity__isnull=True) | Q(legal_entity=legal_entity))
    )
    held = set(holds.values_list("subject_hash", flat=True))
    subjects = list(
        DataSubject.objects.filter(Q(pk__in=open_here) | Q(personal_number_hash__in=held))
    )
    known = {subject.personal_number_hash for subject in subjects}
    # A hold may name a person the portal has no record of: look them up by hash alone.
    subjects += [DataSubject(personal_number_hash=h) for h in sorted(held - known)]
    return subjects


def _category_holds(legal_entity) -> set[int]:
    return set(
        LegalHold.objects.active()
        .filter(subject_hash="", legal_entity=legal_entity)
        .values_list("category_id", flat=True)
    )


def sweep_systems(report: SweepReport, today: datetime.date) -> None:
    """Ask each system to expire the rows past each rule's cutoff (connector.expire)."""
    try:
        from datamap.connectors import connectors_for
    except ImportError:
        report.add("-", "-", "skipped", 0, detail="no connectors installed")
        return
    rules = (
        RetentionRule.objects.exclude(action=RetentionAction.ARCHIVE)
        .select_related("legal_entity", "category")
        .order_by("legal_entity__slug", "category__code")
    )
    by_entity: dict = {}
    for rule in rules:
        by_entity.setdefault(rule.legal_entity, []).append(rule)
    for entity, entity_rules in by_entity.items():
        held_categories = _category_holds(entity)
        excluded = _excluded_subjects(entity)
        found_keys: dict[tuple[str, str, str], set[str]] = {}
        connectors = [
            (system, connector)
            for system, connector in connectors_for(entity)
            if getattr(connector, "kind", "") == "sql"
        ]
        for rule in entity_rules:
            code = rule.category.code
            if rule.category_id in held_categories:
                report.add("*", code, "kept", 0, entity, "legal hold on the category")
                continue
            cutoff = periods.cutoff(today, rule.period, rule.runs_from)
            for system, connector in connectors:
                try:
                    if not connector.holds(code):
                        continue
                    keys = _keys_of(connector, excluded, code, found_keys)
                    result = connector.expire(
                        code,
                        cutoff,
                        mode=rule.action,
                        exclude_keys=keys,
                        dry_run=report.dry_run,
                    )
                except Exception as exc:  # noqa: BLE001 - one system's failure must not stop the rest
                    logger.exception("retention sweep: %s/%s failed", system.code, code)
                    report.errors.append(f"{entity.slug} {system.code}/{code}: {exc}")
                    report.add(system.code, code, "error", 0, entity, str(exc)[:300])
                    continue
                counts = Counter(action.action for action in result.actions)
                if not counts:
                    report.add(system.code, code, "none", 0, entity, f"events before {cutoff}")
                for action, count in sorted(counts.items()):
                    report.add(system.code, code, action, count, entity, f"events before {cutoff}")


def _keys_of(connector, subjects, category, cache) -> set[str]:
    """The row keys of one category in one system of the people the sweep must leave alone.

    One keys query per person and category swept, each asked once per run (`cache`):
    the categories that no rule expires are not looked up.
    """
    keys: set[str] = set()
    for subject in subjects:
        cache_key = (connector.code, subject.personal_number_hash, category)
        if cache_key not in cache:
            result = connector.find(subject, categories=[category])
            cache[cache_key] = {row.key for row in result.actions if row.category == category}
        keys |= cache[cache_key]
    return keys


# --- The run -------------------------------------------------------------------------------


def run_sweep(
    *,
    dry_run: bool,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
    trigger: str = "manual",
) -> tuple[RetentionRun, SweepReport]:
    """Run all three parts; record the run and its lines; return both.

    `today` (the Stockholm date rules count to) defaults to the date of `now`, which
    defaults to the present; a `today` without `now` sweeps files as of that day's start.
    """
    if now is None:
        now = timezone.now() if today is None else _start_of(today)
    today = today or timezone.localdate(now)
    report = SweepReport(today=today, dry_run=dry_run)
    run = RetentionRun.objects.create(today=today, dry_run=dry_run, trigger=trigger[:20])
    for part in (
        lambda: sweep_artifacts(report, now),
        lambda: sweep_closed_requests(report, today),
        lambda: sweep_systems(report, today),
    ):
        try:
            part()
        except Exception as exc:  # noqa: BLE001 - recorded on the run, the other parts go on
            logger.exception("retention sweep part failed")
            report.errors.append(str(exc))
    RetentionRunLine.objects.bulk_create(
        RetentionRunLine(
            run=run,
            legal_entity=line.legal_entity,
            system=line.system[:50],
            category=line.category[:50],
            action=line.action[:20],
            count=line.count,
            detail=line.detail[:300],
        )
        for line in report.lines
    )
    run.finished_at = timezone.now()
    run.error = "\n".join(report.errors)
    run.save(update_fields=["finished_at", "error"])
    logger.info(
        "retention sweep %s as of %s: %s lines, %s errors",
        "dry run" if dry_run else "run",
        today.isoformat(),
        len(report.lines),
        len(report.errors),
    )
    return run, report
