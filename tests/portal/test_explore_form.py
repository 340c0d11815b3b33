"""The filing form, from the exploratory test of the customer pages."""

import pytest

from .test_filing import KALMAR_FILE, LANDSKRONA_FILE

pytestmark = pytest.mark.django_db


def test_an_organisation_with_one_company_has_no_all_companies_choice(alice_client):
    """Landskrona Energi is one company: "Landskrona Energi AB" and "All companies of
    Landskrona Energi" beside it would be two ways of saying the same thing."""
    page = alice_client.get(LANDSKRONA_FILE).content.decode()
    assert "Landskrona Energi AB" in page
    assert 'name="all_entities"' not in page
    assert "Alla bolag inom Landskrona Energi" not in page


def test_an_organisation_with_several_companies_keeps_the_all_companies_choice(alice_client):
    page = alice_client.get(KALMAR_FILE).content.decode()
    assert 'name="all_entities"' in page and "Alla bolag inom Kalmar Energi" in page
