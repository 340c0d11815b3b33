"""Private files stay private; PDFs are rendered without touching the network."""

import ast
import http.server
import threading
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.api.conftest import sign_in_customer
from tests.rights_requests.factories import file_request
from tests.security.conftest import make_artifact
from tests.security.production import production_settings

BASE_DIR = Path(settings.BASE_DIR)
PROJECT_PACKAGES = ["portal", "datamap", "identity", "consent", "retention", "rights_requests"]


# --- Files outside the web root ---------------------------------------------------------------


def test_private_files_live_outside_every_served_directory(tmp_path):
    """As production configures it (the tests move files to a directory of their own)."""
    values = production_settings(
        tmp_path, "PRIVATE_MEDIA_ROOT", "STATIC_ROOT", "STATICFILES_DIRS", "STORAGES", "BASE_DIR"
    )
    private = Path(values["PRIVATE_MEDIA_ROOT"]).resolve()
    served = [Path(values["STATIC_ROOT"]), *map(Path, values["STATICFILES_DIRS"])]
    served.append(Path(values["BASE_DIR"]) / "templates")

    assert values["STORAGES"]["default"]["OPTIONS"]["location"] == str(private)
    assert values["STORAGES"]["default"]["OPTIONS"]["base_url"] is None
    for directory in served:
        directory = directory.resolve()
        assert not private.is_relative_to(directory), directory
        assert not directory.is_relative_to(private), directory
    assert not getattr(settings, "WHITENOISE_ROOT", None)


def test_no_url_pattern_serves_a_directory():
    from django.urls import URLResolver, get_resolver
    from django.views import static

    def callbacks(patterns):
        for item in patterns:
            if isinstance(item, URLResolver):
                yield from callbacks(item.url_patterns)
            else:
                yield item.callback

    assert static.serve not in set(callbacks(get_resolver().url_patterns))


def test_a_stored_file_cannot_be_fetched_by_any_address_but_the_checked_views(make_subject, elnat):
    subject = make_subject()
    artifact = make_artifact(file_request(subject, elnat))
    name = artifact.file.name  # e.g. artifacts/7/registerutdrag.pdf
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / name).exists()
    owner = sign_in_customer(Client(), subject)

    for prefix in [
        "/static/",
        "/media/",
        "/private/",
        "/",
        "/var/private/",
        "/static/../var/private/",
    ]:
        response = owner.get(prefix + name)
        assert response.status_code == 404, prefix + name
        assert b"%PDF" not in response.content
    # The file's bytes are reachable through the customer's checked download only.
    download = owner.get(f"/requests/{artifact.request.reference}/files/{artifact.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_uploaded_files_are_readable_by_the_service_only(make_subject, elnat):
    artifact = make_artifact(file_request(make_subject(), elnat))
    path = Path(settings.PRIVATE_MEDIA_ROOT) / artifact.file.name

    assert path.stat().st_mode & 0o077 == 0
    assert path.parent.stat().st_mode & 0o077 == 0


# --- WeasyPrint never fetches from the network -----------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server():
    """A web server on 127.0.0.1 that records every request made to it."""
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    server.shutdown()
    server.server_close()


def hostile_html(base: str) -> str:
    return f"""<!DOCTYPE html><html lang="sv"><head><title>t</title>
    <link rel="stylesheet" href="{base}/style.css">
    <style>@import url("{base}/import.css"); body {{ background: url("{base}/bg.png"); }}
    @font-face {{ font-family: x; src: url("{base}/font.woff"); }}</style></head>
    <body><img src="{base}/pixel.png" alt=""><img src="//127.0.0.1:1/x.png" alt="">
    <object data="{base}/object.svg"></object><iframe src="{base}/frame.html"></iframe>
    <p>Hej</p></body></html>"""


def test_the_extract_renderer_refuses_every_remote_resource(loopback_server):
    from rights_requests.fulfilment import pdf

    base, hits = loopback_server
    with pytest.raises(pdf.ResourceRefused):
        pdf.render_pdf(hostile_html(base), tagged=False)

    assert hits == []
    assert_recorder_works(base, hits)


def test_the_extract_renderer_refuses_files_outside_templates_and_static(tmp_path):
    from rights_requests.fulfilment import pdf

    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(pdf.ResourceRefused):
        pdf.check_url(secret.as_uri())
    with pytest.raises(pdf.ResourceRefused):
        pdf.check_url("file:///etc/passwd")
    pdf.check_url("data:image/png;base64,iVBORw0KGgo=")


def test_the_report_renderer_fetches_nothing_remote(loopback_server):
    from rights_requests.staff import report

    base, hits = loopback_server
    try:
        report.render_pdf(hostile_html(base))
    except Exception:  # noqa: BLE001 - refusing loudly is as good as refusing quietly
        pass

    assert hits == []
    with pytest.raises(ValueError):
        report.local_only_fetcher(f"{base}/pixel.png")
    assert hits == []
    assert_recorder_works(base, hits)


def assert_recorder_works(base, hits):
    """The control: a plain request does reach the recording server."""
    with urllib.request.urlopen(f"{base}/control", timeout=5) as answer:
        assert answer.status == 200
    assert hits == ["/control"]


def _weasyprint_calls():
    """Every call of WeasyPrint's HTML, CSS or Attachment in the project's own code."""
    for package in PROJECT_PACKAGES:
        for path in (BASE_DIR / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            imported = {
                alias.asname or alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module == "weasyprint"
                for alias in node.names
            }
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    if node.func.id in imported & {"HTML", "CSS", "Attachment"}:
                        yield path.relative_to(BASE_DIR), node


def test_every_weasyprint_document_in_the_code_uses_a_local_only_fetcher():
    calls = list(_weasyprint_calls())
    without = [
        f"{path}:{node.lineno}"
        for path, node in calls
        if not any(keyword.arg == "url_fetcher" for keyword in node.keywords)
    ]

    assert calls, "no WeasyPrint call found: has the renderer moved?"
    assert not without, "WeasyPrint used without a url_fetcher: " + ", ".join(without)
