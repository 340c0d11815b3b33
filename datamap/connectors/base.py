"""The connector contract: how the portal reaches a subject's data in one system.

Every call reports what it did row by row (`RowAction`), so that the request's audit
trail can say which rows of which system were found, exported, changed or kept
(GDPR Art. 5(2) accountability; Art. 19 needs to know what was rectified or erased).

A row key identifies a row in the system (a customer number, an invoice number, a
metering point and an hour range); it is never a personal number.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

ACTIONS = (
    "found",
    "exported",
    "rectified",
    "erased",
    "anonymised",
    "restricted",
    "lifted",
    "kept",
    "task_created",
    "task_done",
)
ERASE_MODES = ("erase", "anonymise")


class ConnectorError(Exception):
    """A connector could not do what was asked (bad configuration, unknown category)."""


@dataclass(frozen=True)
class RowAction:
    """One line of the audit trail."""

    system: str  # System.code
    category: str  # DataCategory.code
    action: str  # one of ACTIONS
    key: str  # row key in that system (never a personal number)
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "system": self.system,
            "category": self.category,
            "action": self.action,
            "key": self.key,
            "detail": self.detail,
        }


@dataclass
class ConnectorResult:
    actions: list[RowAction] = field(default_factory=list)
    pending: bool = False  # True while a manual checklist task waits for staff

    def extend(self, other: ConnectorResult) -> ConnectorResult:
        self.actions.extend(other.actions)
        self.pending = self.pending or other.pending
        return self

    @property
    def keys(self) -> list[str]:
        return [action.key for action in self.actions]

    def count(self, action: str | None = None) -> int:
        return sum(1 for row in self.actions if action is None or row.action == action)


class Connector:
    """Base class; SqlConnector, ManualConnector, ConsentConnector, PortalConnector.

    A connector is bound to one System and one legal entity (the controller whose
    data it reaches), and optionally to the rights request it works for (manual
    checklist tasks are filed against it).
    """

    kind = "base"

    def __init__(self, system, legal_entity, *, request=None):
        self.system = system
        self.legal_entity = legal_entity
        self.request = request

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.system.code} @ {self.legal_entity.slug}>"

    @property
    def code(self) -> str:
        return self.system.code

    def row(self, category: str, action: str, key, detail: str = "") -> RowAction:
        return RowAction(self.system.code, category, action, str(key), detail)

    # --- The contract ------------------------------------------------------------------

    def categories(self) -> list[str]:
        """Return the DataCategory codes this system holds for the legal entity."""
        raise NotImplementedError

    def fields(self, category: str) -> list[tuple[str, str]]:
        """Return (field name, description) for the rows `export` yields."""
        raise NotImplementedError

    def review_fields(self, category: str) -> list[str]:
        """Return the fields of free text that staff review before release (Art. 15(4)).

        Notes written by staff may name other people; the extract and the export hold
        their values back until staff have read them (rights_requests.fulfilment.review).
        """
        return []

    def find(self, subject) -> ConnectorResult:
        """Report every row of the subject, per category, as `found`."""
        raise NotImplementedError

    def export(self, subject, category: str) -> Iterator[dict]:
        """Stream the subject's rows of one category as flat dicts."""
        raise NotImplementedError

    def rectify(self, subject, category: str, changes: dict[str, str]) -> ConnectorResult:
        raise NotImplementedError

    def erase(self, subject, category: str, *, mode: str = "erase") -> ConnectorResult:
        raise NotImplementedError

    def restrict(self, subject, category: str) -> ConnectorResult:
        raise NotImplementedError

    def lift(self, subject, category: str) -> ConnectorResult:
        raise NotImplementedError

    def expire(
        self,
        category: str,
        cutoff: datetime.date,
        *,
        mode: str,
        exclude_keys: Iterable[str] = (),
        dry_run: bool,
    ) -> ConnectorResult:
        """Set-based retention: every row of the category whose retention event is before cutoff."""
        raise NotImplementedError

    # --- Helpers -----------------------------------------------------------------------

    def holds(self, category: str) -> bool:
        return category in self.categories()

    def _check_category(self, category: str) -> None:
        if category not in self.categories():
            raise ConnectorError(f"{self.system.code} holds no category {category!r}")

    @staticmethod
    def _check_mode(mode: str) -> None:
        if mode not in ERASE_MODES:
            raise ConnectorError(f"unknown erase mode {mode!r}; use one of {ERASE_MODES}")
