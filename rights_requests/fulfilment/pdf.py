"""HTML to tagged PDF (PDF/UA-1) with WeasyPrint, which never reaches the network.

The register extract holds personal data, so rendering it must not leak anything
(a tracking pixel, a web font) and must not depend on a remote server. The URL fetcher
allows `data:` URLs and `file:` URLs under the template and static directories only;
anything else stops the rendering with `ResourceRefused`.

Fonts are the system's (Debian fonts-dejavu-core, fonts-liberation), found through
fontconfig and embedded as subsets by WeasyPrint; no web fonts are fetched.

WeasyPrint is imported on first use: importing it parses stylesheets, which every
management command would otherwise pay for.

Speed (bench/bench_extract.py): one fontconfig/Pango font configuration serves every
document of the process instead of a new one per document, and PDF streams are
deflated at level 6 instead of pydyf's level 9, which on the CSV and JSON attachments
of ten years of hourly readings took over a second for 10 % smaller files.
"""

import dataclasses
import functools
import logging
import threading
import zlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings

# PDF/UA-1 (ISO 14289-1): tagged structure, document language and title, embedded fonts.
PDF_VARIANT = "pdf/ua-1"
DEFLATE_LEVEL = 6


class ResourceRefused(Exception):
    """The document referred to something outside the allowed local directories."""


def allowed_roots() -> list[Path]:
    """Return the directories a PDF may read files from: templates and static files."""
    roots = [Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "static"]
    roots += [Path(p) for p in getattr(settings, "STATICFILES_DIRS", [])]
    for engine in settings.TEMPLATES:
        roots += [Path(p) for p in engine.get("DIRS", [])]
    return sorted({r.resolve() for r in roots})


def check_url(url: str) -> None:
    """Raise ResourceRefused unless `url` is inline data or a file under an allowed root."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "data":
        return
    if scheme == "file":
        path = Path(unquote(urlsplit(url).path)).resolve()
        if any(path.is_relative_to(root) for root in allowed_roots()):
            return
        raise ResourceRefused(
            f"refusing a file outside the template and static directories: {path.name}"
        )
    raise ResourceRefused(f"refusing to fetch a {scheme or 'relative'} URL from a PDF")


@functools.cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class LocalOnlyURLFetcher(URLFetcher):
        """WeasyPrint's fetcher limited to data: and local file: URLs; never the network."""

        def __init__(self):
            super().__init__(
                allowed_protocols={"file", "data"},
                allow_redirects=False,
                timeout=1,
                fail_on_errors=True,  # a refused or missing resource stops the rendering
            )

        def fetch(self, url, headers=None):
            check_url(url)
            return super().fetch(url, headers)

    return LocalOnlyURLFetcher


class _Deflate:
    """Stands in for the zlib module in pydyf: the same calls, at DEFLATE_LEVEL."""

    error = zlib.error

    @staticmethod
    def compressobj(level=-1, *args, **kwargs):
        return zlib.compressobj(DEFLATE_LEVEL, *args, **kwargs)

    @staticmethod
    def compress(data, level=-1, **kwargs):
        return zlib.compress(data, DEFLATE_LEVEL)

    def __getattr__(self, name):
        return getattr(zlib, name)


_local = threading.local()


def font_config():
    """This thread's font configuration, made once (fontconfig scans the system fonts).

    Per thread: Pango's font map is not meant to be shared between threads.
    """
    import pydyf
    from weasyprint.text.fonts import FontConfiguration

    if getattr(pydyf, "zlib", None) is zlib:
        pydyf.zlib = _Deflate()
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


def url_fetcher():
    """Return a new local-only URL fetcher for WeasyPrint."""
    return _fetcher_class()()


@dataclasses.dataclass(frozen=True)
class FileAttachment:
    """A file embedded in the PDF (its name inside the PDF, path on disk, description)."""

    name: str
    path: Path
    description: str = ""


def render_pdf(html: str, *, attachments: list[FileAttachment] = (), tagged: bool = True) -> bytes:
    """Render `html` to PDF bytes: PDF/UA-1 when tagged, with `attachments` embedded.

    The HTML must carry `<html lang=..>` and a `<title>`: PDF/UA takes the document's
    language and title from them.
    """
    from weasyprint import HTML, Attachment
    from weasyprint.urls import FatalURLFetchingError

    # WeasyPrint logs every rendering step at INFO; the worker's log needs none of it.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    fetcher = url_fetcher()
    options = {}
    if tagged:
        options["pdf_variant"] = PDF_VARIANT
    if attachments:
        options["attachments"] = [
            Attachment(
                filename=str(a.path), name=a.name, description=a.description, url_fetcher=fetcher
            )
            for a in attachments
        ]
    try:
        document = HTML(
            string=html,
            base_url=str(Path(settings.BASE_DIR) / "templates") + "/",
            url_fetcher=fetcher,
        )
        return document.write_pdf(font_config=font_config(), **options)
    except FatalURLFetchingError as exc:
        cause = exc.__cause__
        if isinstance(cause, ResourceRefused):
            raise cause from None
        raise ResourceRefused(str(exc)) from cause
