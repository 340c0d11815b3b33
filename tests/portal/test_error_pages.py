"""The customer's error pages: in the page's language, inside the portal's layout, with a way
on (not Django's bare English "Not Found" / "Server Error (500)")."""

import pytest
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_an_unknown_address_has_a_swedish_page_with_a_way_on(client):
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<html lang="sv">' in page
    assert "<h1>Sidan finns inte</h1>" in page
    assert 'href="/">Gå till startsidan</a>' in page
    assert 'href="/requests/">Gå till Mina ärenden</a>' in page


def test_an_unknown_request_has_an_english_page_in_english(client):
    response = client.get("/en/requests/KE-2026-999999/")
    assert response.status_code in (302, 404)
    response = client.get("/en/org/no-such-organisation/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<html lang="en">' in page and "<h1>Page not found</h1>" in page
    assert 'href="/en/">Go to the start page</a>' in page


@override_settings(DEBUG=False)
def test_the_server_error_page_renders_without_a_request_in_both_languages():
    with translation.override("sv"):
        page = render_to_string("500.html")
    assert "<h1>Något gick fel</h1>" in page and 'href="/">Gå till startsidan</a>' in page
    with translation.override("en"):
        page = render_to_string("500.html")
    assert "<h1>Something went wrong</h1>" in page and 'href="/en/"' in page
