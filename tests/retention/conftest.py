"""Fixtures for the retention tests: the seeded companies and a second customer."""

import pytest

from datamap.models import LegalEntity


@pytest.fixture
def varme(db) -> LegalEntity:
    return LegalEntity.objects.get(slug="kalmar-energi-varme")


@pytest.fixture
def landskrona_energi(db) -> LegalEntity:
    return LegalEntity.objects.get(slug="landskrona-energi")


@pytest.fixture
def alice(make_subject):
    return make_subject("Alice", "Andersson")


@pytest.fixture
def bob(make_subject):
    return make_subject("Bob", "Berg", birth="19700101")
