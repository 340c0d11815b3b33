"""Fixtures for tests against the demo customer information system (alias "cis").

Tests that touch the CIS declare `pytestmark = CIS_DB` (both databases).
"""

import datetime

import pytest

from datamap import democis
from datamap.models import LegalEntity

CIS_DB = pytest.mark.django_db(databases=["default", "cis"])
TODAY = datetime.date(2026, 11, 27)


@pytest.fixture
def cis(db):
    democis.create_schema()
    return democis


@pytest.fixture
def entity():
    def get(slug: str) -> LegalEntity:
        return LegalEntity.objects.get(slug=slug)

    return get


@pytest.fixture
def customer(cis, make_subject):
    """Make a DataSubject who is a CIS customer of the given companies."""

    def make(companies=democis.KALMAR, *, years=1, ended_on=None, today=TODAY, **names):
        subject = make_subject(**names)
        if companies:
            person = {
                "personal_number": subject.personal_number,
                "first_name": subject.first_name,
                "last_name": subject.last_name,
                "email": subject.email,
                "phone": "070-111 22 33",
                "companies": companies,
            }
            if ended_on:
                person["ended_on"] = ended_on
            democis.seed([person], years_of_readings=years, today=today)
        return subject

    return make


def connector(entity, code: str, **kwargs):
    from datamap.connectors import connectors_for

    for system, conn in connectors_for(entity, **kwargs):
        if system.code == code:
            return conn
    raise LookupError(code)


@pytest.fixture
def entities_by_slug(db):
    return {e.slug: e for e in LegalEntity.objects.all()}
