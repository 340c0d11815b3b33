"""Connectors: how the portal reaches a subject's data in each system of a legal entity.

    from datamap.connectors import connectors_for
    for system, connector in connectors_for(entity, request=rights_request):
        result = connector.find(subject)          # ConnectorResult, row by row
        for row in connector.export(subject, "invoices"): ...

See base.py for the contract and sql.py for the SQL connector's configuration.
"""

from __future__ import annotations

from .base import (
    ACTIONS,
    ERASE_MODES,
    Connector,
    ConnectorError,
    ConnectorResult,
    RowAction,
)

__all__ = [
    "ACTIONS",
    "ERASE_MODES",
    "Connector",
    "ConnectorError",
    "ConnectorResult",
    "RowAction",
    "connector_for",
    "connectors_for",
]


def _classes() -> dict[str, list[type[Connector]]]:
    from .builtin import ConsentConnector, PortalConnector
    from .manual import ManualConnector
    from .sql import SqlConnector

    return {
        "sql": [SqlConnector],
        "manual": [ManualConnector],
        "consent": [ConsentConnector],
        "portal": [PortalConnector],
        # The older single "built into the portal" kind holds both built-ins.
        "builtin": [PortalConnector, ConsentConnector],
    }


def connector_for(system, legal_entity, *, request=None) -> Connector:
    """Return the (first) connector of one system for one legal entity."""
    classes = _classes().get(system.connector)
    if not classes:
        raise ConnectorError(f"system {system.code} has an unknown connector {system.connector!r}")
    return classes[0](system, legal_entity, request=request)


def connectors_for(legal_entity, *, request=None) -> list[tuple[object, Connector]]:
    """Return (System, Connector) for every system of the legal entity, ordered by code.

    `request` (a RightsRequest) is what manual checklist tasks are filed against.
    """
    from datamap.models import System

    classes = _classes()
    result = []
    for system in System.objects.filter(legal_entities=legal_entity).order_by("code"):
        for cls in classes.get(system.connector, []):
            result.append((system, cls(system, legal_entity, request=request)))
    return result
