"""The manual connector: a checklist task for staff where the portal cannot reach a system.

Each call files (once) a ManualTask for the request, system, category and action, and
reports `pending` until a staff member marks the task done in the admin; then it
reports `task_done` with the staff member's note. Calling again is safe: an open task is
not filed twice.

Configuration (System.connector_config): {"categories": [...], "due_days": 5,
"instructions": "..."}; without "categories" the system holds the categories of the
processing activities that name it for the legal entity.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from .base import Connector, ConnectorResult

DEFAULT_DUE_DAYS = 5


class ManualConnector(Connector):
    kind = "manual"

    def categories(self) -> list[str]:
        configured = (self.system.connector_config or {}).get("categories")
        if configured:
            return list(configured)
        from datamap.models import DataCategory

        return list(
            DataCategory.objects.filter(
                activities__legal_entity=self.legal_entity, activities__systems=self.system
            )
            .distinct()
            .order_by("code")
            .values_list("code", flat=True)
        )

    def fields(self, category: str) -> list[tuple[str, str]]:
        return []

    def _due_days(self) -> int:
        return int((self.system.connector_config or {}).get("due_days", DEFAULT_DUE_DAYS))

    def task(self, subject, category: str, action: str, *, details: dict | None = None):
        """Return the task for this request/subject, system, category and action; file it once."""
        from datamap.models import ManualTask

        task, _created = ManualTask.file_once(
            due_in_days=self._due_days(),
            make_instructions=lambda: (self.system.connector_config or {}).get("instructions", ""),
            details=details,
            system=self.system,
            legal_entity=self.legal_entity,
            category=category,
            action=action,
            request=self.request,
            subject=subject,
        )
        return task

    def _report(self, subject, category: str, action: str, *, details=None) -> ConnectorResult:
        self._check_category(category)
        task = self.task(subject, category, action, details=details)
        if task.is_done:
            return ConnectorResult([self.row(category, "task_done", f"task-{task.pk}", task.note)])
        return ConnectorResult(
            [self.row(category, "task_created", f"task-{task.pk}", task.get_action_display())],
            pending=True,
        )

    # --- The contract ------------------------------------------------------------------

    def find(self, subject) -> ConnectorResult:
        result = ConnectorResult()
        for category in self.categories():
            result.extend(self._report(subject, category, "find"))
        return result

    def export(self, subject, category: str):
        """Nothing to stream: the data are extracted by hand (see the find task)."""
        self._check_category(category)
        return iter(())

    def rectify(self, subject, category: str, changes: dict[str, str]) -> ConnectorResult:
        # Staff need the new values to type them in; the task is in the portal's own
        # database and shown only to staff of the legal entity.
        return self._report(subject, category, "rectify", details={"changes": dict(changes)})

    def erase(self, subject, category: str, *, mode: str = "erase") -> ConnectorResult:
        self._check_mode(mode)
        return self._report(subject, category, mode)

    def restrict(self, subject, category: str) -> ConnectorResult:
        return self._report(subject, category, "restrict")

    def lift(self, subject, category: str) -> ConnectorResult:
        return self._report(subject, category, "lift")

    def expire(self, category, cutoff, *, mode, exclude_keys=(), dry_run) -> ConnectorResult:
        self._check_mode(mode)
        self._check_category(category)
        if dry_run:
            return ConnectorResult(
                [self.row(category, "task_created", "-", f"dry run: {mode} before {cutoff}")],
                pending=True,
            )
        from datamap.models import ManualTask

        task, _created = ManualTask.objects.get_or_create(
            system=self.system,
            legal_entity=self.legal_entity,
            category=category,
            action=ManualTask.Action.EXPIRE,
            request=None,
            subject=None,
            done_at__isnull=True,
            defaults={
                "details": {
                    "cutoff": cutoff.isoformat(),
                    "mode": mode,
                    "exclude_keys": sorted(str(k) for k in exclude_keys),
                },
                # A retention task belongs to no request: due in the system's days.
                "due_on": timezone.localdate() + datetime.timedelta(days=self._due_days()),
                "instructions": (self.system.connector_config or {}).get("instructions", ""),
            },
        )
        return ConnectorResult(
            [self.row(category, "task_created", f"task-{task.pk}", f"{mode} before {cutoff}")],
            pending=True,
        )


def mark_done(task, *, by, note: str = "") -> bool:
    """Mark a checklist task done (from the admin); return False when it already was.

    The request's audit trail gets an event naming the task and who did it; the note
    stays on the task (it may describe the customer's data).
    """
    from datamap.models import ManualTask

    with transaction.atomic():
        updated = ManualTask.objects.filter(pk=task.pk, done_at__isnull=True).update(
            done_at=timezone.now(), done_by=by, note=note.strip() or task.note
        )
        if not updated:
            return False
        task.refresh_from_db()
        if task.request_id:
            from rights_requests.workflow import record_event

            record_event(
                task.request,
                "manual_task.done",
                actor=by,
                data={
                    "task": task.pk,
                    "system": task.system.code,
                    "category": task.category,
                    "action": task.action,
                },
            )
            from rights_requests.fulfilment.tasks_manual import on_task_done

            on_task_done(task)
    return True
