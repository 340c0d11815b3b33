"""The filing form's choice lists in the reader's alphabetical order (Swedish: å, ä, ö last)."""

import re

import pytest

from datamap.models import DataCategory, LegalEntity, ProcessingActivity
from portal.text import alphabetical

pytestmark = pytest.mark.django_db

KALMAR_FILE = "/org/kalmar-energi/file/"


def labels(page: str, name: str) -> list[str]:
    """The labels of the check boxes called `name`, in the order of the page."""
    pattern = rf'<input type="checkbox" name="{name}" value="[^"]*"[^>]*>\s*([^<]*?)\s*</label>'
    return re.findall(pattern, page)


@pytest.fixture
def more_categories(kalmar):
    """Two categories whose Swedish names start with ä and ö, and whose codes come first."""
    activity = ProcessingActivity.objects.filter(legal_entity__organisation=kalmar).first()
    added = [
        DataCategory.objects.create(
            code="a-cases", name_sv="Ärendehistorik", name_en="Case history"
        ),
        DataCategory.objects.create(code="a-other", name_sv="Övriga uppgifter", name_en="Other"),
    ]
    activity.categories.add(*added)
    return added


def test_swedish_sort_key_puts_a_ring_a_umlaut_o_umlaut_after_z():
    names = ["Ödeshög", "Ängelholm", "Zinkgruvan", "Åby", "ekshärad", "Älmhult", "Alvesta"]
    assert sorted(names, key=lambda n: alphabetical(n, "sv")) == [
        "Alvesta",
        "ekshärad",
        "Zinkgruvan",
        "Åby",
        "Älmhult",
        "Ängelholm",
        "Ödeshög",
    ]
    # In English å and ä are an a, ö an o.
    assert sorted(names, key=lambda n: alphabetical(n, "en")) == [
        "Åby",
        "Älmhult",
        "Alvesta",
        "Ängelholm",
        "ekshärad",
        "Ödeshög",
        "Zinkgruvan",
    ]


def test_the_swedish_form_lists_the_kinds_of_data_by_their_swedish_names(
    alice_client, more_categories
):
    page = alice_client.get(KALMAR_FILE).content.decode()
    shown = labels(page, "erasure_categories")
    assert len(shown) > 3
    assert shown == sorted(shown, key=lambda n: alphabetical(n, "sv"))
    assert shown[-2:] == ["Ärendehistorik", "Övriga uppgifter"]
    assert shown[0] == "Adress, telefonnummer och e-postadress"
    portability = labels(page, "portability_categories")
    assert portability == sorted(portability, key=lambda n: alphabetical(n, "sv"))


def test_the_english_form_lists_the_kinds_of_data_by_their_english_names(
    alice_client, more_categories
):
    page = alice_client.get("/en" + KALMAR_FILE).content.decode()
    shown = labels(page, "erasure_categories")
    assert shown == sorted(shown, key=lambda n: alphabetical(n, "en"))
    assert shown[0] == "Address, phone number and e-mail"
    assert shown.index("Case history") < shown.index("Other")


def test_the_companies_are_listed_in_swedish_alphabetical_order(alice_client, kalmar):
    for slug, name in [
        ("angso", "Ängsö Kraft AB"),
        ("aby", "Åby Vind AB"),
        ("zeta", "Zeta Nät AB"),
    ]:
        LegalEntity.objects.create(
            organisation=kalmar,
            slug=slug,
            name=name,
            address="Box 1, 391 20 Kalmar",
            dpo_email="dpo@example.se",
        )
    page = alice_client.get(KALMAR_FILE).content.decode()
    names = [label.split(" (")[0] for label in labels(page, "entities")]
    assert names == [
        "Kalmar Energi Elnät AB",
        "Kalmar Energi Försäljning AB",
        "Kalmar Energi Värme AB",
        "Zeta Nät AB",
        "Åby Vind AB",
        "Ängsö Kraft AB",
    ]


def test_the_rights_keep_the_order_of_the_articles_in_both_languages(alice_client):
    """Not alphabetical on purpose: the order of the form's parts (Art. 15 to 21)."""
    sv = labels(alice_client.get(KALMAR_FILE).content.decode(), "rights")
    en = labels(alice_client.get("/en" + KALMAR_FILE).content.decode(), "rights")
    assert en[0] == "Access (register extract)" and en[-1] == "Data portability"
    assert len(sv) == len(en) == 6
