"""HTML to PDF with WeasyPrint, refusing every URL that is not a local file or inline data."""

from django.conf import settings
from weasyprint import HTML
from weasyprint.urls import URLFetcher

LOCAL_SCHEMES = ("file:", "data:")


class LocalOnlyURLFetcher(URLFetcher):
    """WeasyPrint's fetcher limited to file: and data: URLs; the network is never reached."""

    def __init__(self):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, timeout=1)

    def fetch(self, url, headers=None):
        if not url.lower().startswith(LOCAL_SCHEMES):
            raise ValueError(f"refusing to fetch a {url.split(':', 1)[0]} URL from a report")
        return super().fetch(url, headers)


local_only_fetcher = LocalOnlyURLFetcher()


def render_pdf(html: str) -> bytes:
    return HTML(
        string=html, base_url=str(settings.BASE_DIR), url_fetcher=LocalOnlyURLFetcher()
    ).write_pdf()
