"""Built-in connectors: the portal's consent ledger and the portal's own records.

Both hold data that must outlive an erasure: the consent ledger proves a consent was
given (GDPR Art. 7(1)) and the suppression list keeps a direct-marketing objection
honoured (Art. 21(3); kept under Art. 17(3)(b)); the portal's requests and messages
document how the rights were handled (Art. 5(2), 12; legal claims, Art. 17(3)(e)).
Their erase and restrict calls therefore report the rows as `kept`, with the reason.
"""

from __future__ import annotations

import importlib
import logging

from django.utils.translation import gettext, gettext_noop

from .base import Connector, ConnectorError, ConnectorResult

logger = logging.getLogger(__name__)


def _consent_services():
    """Import consent.services lazily; None while that part is not installed."""
    try:
        return importlib.import_module("consent.services")
    except ImportError:
        return None


class ConsentConnector(Connector):
    """The consent ledger (category "subscriptions") and suppression list ("marketing")."""

    kind = "consent"
    FIELDS = {
        "subscriptions": [
            ("purpose", gettext_noop("Consent")),
            ("granted", gettext_noop("Given")),
            ("at", gettext_noop("Last changed")),
            ("channel", gettext_noop("Given or withdrawn through")),
            ("text_version", gettext_noop("Version of the consent text")),
        ],
        "marketing": [
            ("since", gettext_noop("On the suppression list since")),
            ("scope", gettext_noop("Covers")),
            ("source", gettext_noop("Why")),
        ],
    }
    KEPT_REASON = {
        "subscriptions": "consent ledger kept as proof of consent (GDPR Art. 7(1))",
        "marketing": "suppression kept so the objection is honoured (GDPR Art. 21(3))",
    }

    def categories(self) -> list[str]:
        return list(self.FIELDS) if _consent_services() else []

    def fields(self, category: str) -> list[tuple[str, str]]:
        self._check_category(category)
        return [(name, gettext(text)) for name, text in self.FIELDS[category]]

    def _rows(self, subject, category: str) -> list[tuple[str, dict]]:
        services = _consent_services()
        if services is None:
            return []
        organisation = self.legal_entity.organisation
        if category == "subscriptions":
            states = services.current_consents(subject, organisation=organisation)
            return [
                (
                    f"consent-{state.record_id}",
                    {
                        "purpose": code,
                        "granted": state.granted,
                        "at": state.at,
                        "channel": state.channel,
                        "text_version": state.text_version,
                    },
                )
                for code, state in sorted(states.items())
                if state.record_id is not None
            ]
        from django.db.models import Q

        suppressions = (
            services.suppression_list()
            .filter(
                Q(organisation__isnull=True) | Q(organisation=organisation),
                lookup_hash=subject.personal_number_hash,
            )
            .select_related("purpose")
        )
        return [
            (
                f"suppression-{row.pk}",
                {
                    "since": row.created_at,
                    "scope": row.purpose.code if row.purpose_id else "all direct marketing",
                    "source": row.source,
                },
            )
            for row in suppressions
        ]

    def find(self, subject) -> ConnectorResult:
        result = ConnectorResult()
        for category in self.categories():
            for key, _row in self._rows(subject, category):
                result.actions.append(self.row(category, "found", key))
        return result

    def export(self, subject, category: str):
        self._check_category(category)
        for _key, row in self._rows(subject, category):
            yield row

    def _kept(self, subject, category: str) -> ConnectorResult:
        self._check_category(category)
        return ConnectorResult(
            [
                self.row(category, "kept", key, self.KEPT_REASON[category])
                for key, _row in self._rows(subject, category)
            ]
        )

    def rectify(self, subject, category: str, changes: dict[str, str]) -> ConnectorResult:
        raise ConnectorError("consents are changed by granting or withdrawing, not rectified")

    def erase(self, subject, category: str, *, mode: str = "erase") -> ConnectorResult:
        self._check_mode(mode)
        return self._kept(subject, category)

    def restrict(self, subject, category: str) -> ConnectorResult:
        return self._kept(subject, category)

    def lift(self, subject, category: str) -> ConnectorResult:
        return self._kept(subject, category)

    def expire(self, category, cutoff, *, mode, exclude_keys=(), dry_run) -> ConnectorResult:
        # The retention helper's own sweep prunes the ledger; nothing is set-based here.
        self._check_category(category)
        return ConnectorResult()


class PortalConnector(Connector):
    """The portal's own records of the subject: who they are, their requests and messages."""

    kind = "portal"
    SUBJECT_FIELDS = {
        "identity": [
            ("first_name", gettext_noop("First name")),
            ("last_name", gettext_noop("Last name")),
        ],
        "contact": [
            ("email", gettext_noop("E-mail address")),
            ("phone", gettext_noop("Phone number")),
            ("preferred_language", gettext_noop("Language")),
        ],
        "addresses": [
            ("street_address", gettext_noop("Street address")),
            ("postal_code", gettext_noop("Postal code")),
            ("city", gettext_noop("City")),
        ],
    }
    CASE_FIELDS = [
        ("reference", gettext_noop("Reference")),
        ("right", gettext_noop("Right")),
        ("received_at", gettext_noop("Received")),
        ("status", gettext_noop("Status")),
        ("closed_at", gettext_noop("Closed")),
        ("messages", gettext_noop("Messages")),
    ]
    KEPT = "the portal's record of how the request was handled (GDPR Art. 5(2), 17(3)(e))"

    def categories(self) -> list[str]:
        return [*self.SUBJECT_FIELDS, "customer-cases"]

    def fields(self, category: str) -> list[tuple[str, str]]:
        self._check_category(category)
        names = self.CASE_FIELDS if category == "customer-cases" else self.SUBJECT_FIELDS[category]
        return [(name, gettext(text)) for name, text in names]

    def _requests(self, subject):
        from django.db.models import Count

        return (
            subject.requests.filter(legal_entity=self.legal_entity)
            .annotate(message_count=Count("messages"))
            .order_by("received_at", "id")
        )

    def _subject_key(self, subject) -> str:
        return f"subject-{subject.pk}"

    def find(self, subject) -> ConnectorResult:
        result = ConnectorResult()
        requests = list(self._requests(subject))
        if not requests:
            return result
        for category in self.SUBJECT_FIELDS:
            result.actions.append(self.row(category, "found", self._subject_key(subject)))
        for request in requests:
            result.actions.append(self.row("customer-cases", "found", request.reference))
        return result

    def export(self, subject, category: str):
        self._check_category(category)
        requests = self._requests(subject)
        if category != "customer-cases":
            if requests.exists():
                yield {name: getattr(subject, name) for name, _t in self.SUBJECT_FIELDS[category]}
            return
        for request in requests:
            yield {
                "reference": request.reference,
                "right": request.right,
                "received_at": request.received_at,
                "status": request.status,
                "closed_at": request.closed_at,
                "messages": request.message_count,
            }

    def rectify(self, subject, category: str, changes: dict[str, str]) -> ConnectorResult:
        self._check_category(category)
        allowed = {name for name, _t in self.SUBJECT_FIELDS.get(category, [])}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise ConnectorError(f"{self.code}/{category}: cannot rectify {unknown}")
        for name, value in changes.items():
            setattr(subject, name, value)
        subject.save(update_fields=[*changes, "updated_at"])
        return ConnectorResult(
            [self.row(category, "rectified", self._subject_key(subject), name) for name in changes]
        )

    def _kept(self, subject, category: str) -> ConnectorResult:
        return ConnectorResult(
            [
                self.row(row.category, "kept", row.key, self.KEPT)
                for row in self.find(subject).actions
                if row.category == category
            ]
        )

    def erase(self, subject, category: str, *, mode: str = "erase") -> ConnectorResult:
        self._check_mode(mode)
        self._check_category(category)
        return self._kept(subject, category)

    def restrict(self, subject, category: str) -> ConnectorResult:
        self._check_category(category)
        return self._kept(subject, category)

    def lift(self, subject, category: str) -> ConnectorResult:
        self._check_category(category)
        return self._kept(subject, category)

    def expire(self, category, cutoff, *, mode, exclude_keys=(), dry_run) -> ConnectorResult:
        # The portal's own records follow the retention helper's sweep of requests.
        self._check_category(category)
        return ConnectorResult()
