"""The start pages, the home page and the site shell, in Swedish and English."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_kalmar_start_page_explains_rights_time_and_contacts(client):
    page = client.get("/en/org/kalmar-energi/").content.decode()
    for article in ("15", "16", "17", "18", "20", "21"):
        assert f"GDPR Article {article}" in page
    assert "Kalmar Energi answers within one month." in page
    assert "extended by at most 2 more months" in page
    assert "Kalmar Energi Elnät AB" in page and "556182-7543" in page
    assert "Box 822, 391 28 Kalmar" in page
    assert "dataskyddsombud@kalmarenergi.se" in page
    assert 'href="/en/org/kalmar-energi/file/"' in page


def test_the_landskrona_start_page_says_one_to_two_months_and_public_access(client):
    page = client.get("/en/org/landskrona-energi/").content.decode()
    assert (
        "Landskrona Energi answers within 1–2 months depending on the number of requests." in page
    )
    assert "extended by at most 1 more month;" in page
    assert "0418-47 36 20" in page and "kundservice@landskronaenergi.se" in page
    assert "dataskyddsombud@landskrona.se" in page and "0418-47 00 00" in page
    assert "principle of public access" in page


def test_the_start_page_is_swedish_by_default(client):
    page = client.get("/org/kalmar-energi/").content.decode()
    assert '<html lang="sv">' in page
    assert "Dina sex rättigheter" in page
    assert "Kalmar Energi svarar inom en månad." in page
    assert 'href="/org/kalmar-energi/file/"' in page


def test_the_home_page_links_each_organisations_start_page(client):
    page = client.get("/").content.decode()
    assert 'href="/org/kalmar-energi/"' in page
    assert 'href="/org/landskrona-energi/"' in page


def test_the_page_has_a_skip_link_and_the_language_switch(client):
    page = client.get("/org/kalmar-energi/").content.decode()
    assert 'class="skip-link" href="#main"' in page
    assert 'value="en" lang="en"' in page


@pytest.mark.parametrize(
    ("page", "next_value", "language", "landing"),
    [
        ("/org/kalmar-energi/", "/org/kalmar-energi/", "en", "/en/org/kalmar-energi/"),
        ("/en/org/kalmar-energi/", "/org/kalmar-energi/", "sv", "/org/kalmar-energi/"),
        ("/en/", "/", "sv", "/"),
    ],
)
def test_the_language_switch_keeps_the_page(client, page, next_value, language, landing):
    html = client.get(page).content.decode()
    assert f'name="next" type="hidden" value="{next_value}"' in html
    response = client.post("/i18n/setlang/", {"language": language, "next": next_value})
    assert response.status_code == 302
    assert response["Location"] == landing


def test_signed_in_pages_show_my_requests_and_sign_out(alice_client):
    page = alice_client.get("/org/kalmar-energi/").content.decode()
    assert 'href="/requests/"' in page
    assert "Logga ut" in page


def test_swedish_errors_and_dates_on_the_form(alice_client):
    response = alice_client.post("/org/kalmar-energi/file/", {"capacity": "self"})
    page = response.content.decode()
    assert "<title>Fel:" in page
    assert "Välj minst en sak som du vill göra." in page


def test_a_consent_link_appears_only_when_the_consent_page_exists(alice_client):
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("consent:mine")
    except NoReverseMatch:
        url = None
    page = alice_client.get("/requests/").content.decode()
    if url:
        assert f'href="{url}"' in page
    else:
        assert "consent" not in page.lower()
