"""HTML to PDF with WeasyPrint, refusing every URL that is not a local file."""

from django.conf import settings


def local_only_fetcher(url: str, *args, **kwargs):
    """WeasyPrint's url_fetcher: only files (and inline data:) load; the network never."""
    from weasyprint.urls import default_url_fetcher

    if url.startswith(("file:", "data:")):
        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"refusing to fetch {url.split(':', 1)[0]}: URL from a report")


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=local_only_fetcher).write_pdf()
