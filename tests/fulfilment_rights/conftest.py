"""Fixtures: demo CIS customers (from tests/connectors) with requests filed through the workflow."""

import pytest

from datamap.models import LegalEntity
from identity.levels import IdentityLevel
from tests.connectors.conftest import (  # noqa: F401 - fixtures
    CIS_DB,
    TODAY,
    cis,
    customer,
    entity,
)
from tests.rights_requests.factories import file_request


@pytest.fixture
def file(db):
    def make(subject, slug, right, **details):
        return file_request(
            subject,
            LegalEntity.objects.get(slug=slug),
            right=right,
            level=IdentityLevel.HIGH,
            details=details or None,
        )

    return make


def events(request, prefix=""):
    return list(request.events.filter(kind__startswith=prefix).order_by("seq"))
