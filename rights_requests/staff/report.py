"""HTML to PDF with WeasyPrint, refusing every URL that is not a local file or inline data.

WeasyPrint is imported on first use: importing it parses its stylesheets and logs, which
every management command would otherwise pay for.
"""

import functools

from django.conf import settings

LOCAL_SCHEMES = ("file:", "data:")


def _refuse_remote(url: str) -> None:
    if not url.lower().startswith(LOCAL_SCHEMES):
        raise ValueError(f"refusing to fetch a {url.split(':', 1)[0]} URL from a report")


@functools.cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class LocalOnlyURLFetcher(URLFetcher):
        """WeasyPrint's fetcher limited to file: and data: URLs; never the network."""

        def __init__(self):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, timeout=1)

        def fetch(self, url, headers=None):
            _refuse_remote(url)
            return super().fetch(url, headers)

    return LocalOnlyURLFetcher


def local_only_fetcher(url: str):
    """Fetch `url` the way a report may: only file: and data: URLs."""
    return _fetcher_class()()(url)


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(
        string=html, base_url=str(settings.BASE_DIR), url_fetcher=_fetcher_class()()
    ).write_pdf()
