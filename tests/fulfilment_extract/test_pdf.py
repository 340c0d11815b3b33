"""PDF rendering never reaches the network and reads only template and static files."""

import socket

import pytest
from django.conf import settings

from rights_requests.fulfilment import pdf

PAGE = '<html lang="sv"><head><title>t</title></head><body>{}</body></html>'


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test on any attempt to open a socket."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError("a PDF rendering tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="http://example.org/pixel.png" alt="">',
        '<img src="https://example.org/pixel.png" alt="">',
        '<link rel="stylesheet" href="http://example.org/style.css">',
        "<style>@font-face { font-family: X; src: url(https://example.org/x.woff2); } "
        "p { font-family: X; }</style><p>x</p>",
        '<style>@import url("//example.org/a.css");</style>',
        '<img src="ftp://example.org/a.png" alt="">',
    ],
)
def test_remote_resources_stop_the_rendering(markup, no_network):
    with pytest.raises(pdf.ResourceRefused):
        pdf.render_pdf(PAGE.format(markup))
    assert no_network == []


def test_files_outside_templates_and_static_are_refused(no_network):
    with pytest.raises(pdf.ResourceRefused):
        pdf.render_pdf(PAGE.format('<img src="file:///etc/passwd" alt="">'))
    with pytest.raises(pdf.ResourceRefused):
        pdf.render_pdf(PAGE.format('<img src="../../../../etc/hostname" alt="">'))


def test_static_files_and_data_urls_are_allowed(no_network):
    css = settings.BASE_DIR / "static" / "css" / "portal.css"
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
        "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    content = pdf.render_pdf(
        PAGE.format(
            f'<link rel="stylesheet" href="file://{css}"><img src="{pixel}" alt="x"><p>ok</p>'
        )
    )
    assert content.startswith(b"%PDF-")


def test_check_url_allows_only_local_roots():
    pdf.check_url("data:text/plain,hello")
    pdf.check_url((settings.BASE_DIR / "templates" / "extract" / "extract.css").as_uri())
    for url in ("http://a", "https://a", "file:///etc/passwd", "gopher://a", "relative.css"):
        with pytest.raises(pdf.ResourceRefused):
            pdf.check_url(url)
