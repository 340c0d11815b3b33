"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against a live server.

The tests carry the `browser` marker; tests/conftest.py skips them, with the reason, where
Chromium or playwright is missing. Playwright's own browser download is never needed: the
browser is launched from CHROMIUM_PATH. Each page visited is screenshotted into
test-artifacts/browser/ and scanned with axe-core (WCAG 2.1 A and AA, best practices).
"""

import re
import shutil
from pathlib import Path

import pytest
from django.core import mail

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


class Visit:
    """A browser tab that keeps a screenshot and an axe-core result of every page it shows."""

    def __init__(self, page, base_url: str, folder: str):
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.base_url = base_url
        self.folder = ARTIFACTS / folder
        shutil.rmtree(self.folder, ignore_errors=True)  # only this run's pages
        self.folder.mkdir(parents=True, exist_ok=True)
        self.axe = Axe()
        self.count = 0
        self.violations: list[str] = []

    def goto(self, path: str):
        self.page.goto(self.base_url + path)
        return self.page

    def check(self, name: str) -> None:
        """Screenshot the page and scan it with axe-core; collect every violation."""
        self.count += 1
        self.page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=True)
        results = self.axe.run(self.page, options=AXE_OPTIONS)
        for violation in results.response["violations"]:
            targets = [", ".join(node["target"]) for node in violation["nodes"]][:3]
            self.violations.append(
                f"{name} {self.page.url}: {violation['id']} ({violation['impact']}) "
                f"{violation['help']} at {targets}"
            )

    def assert_accessible(self) -> None:
        assert not self.violations, "axe-core found:\n" + "\n".join(self.violations)


@pytest.fixture
def seeded(transactional_db):
    """The record of processing as the data migration seeds it.

    A transactional test empties the tables when it ends; serialized rollback puts the
    seed back, but not in every order of the suite, so the seed is made sure of here
    (the migration's own function, idempotent).
    """
    from importlib import import_module

    from django.apps import apps

    import_module("datamap.migrations.0002_seed_from_policies").seed(apps, None)


@pytest.fixture
def private_media(settings, tmp_path):
    """Generated files go to a temporary folder (the live server thread sees the setting)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    return tmp_path


def make_extract(request, content: bytes = b"%PDF-1.7 extract\n"):
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from rights_requests.models import Artifact

    artifact = Artifact(
        request=request,
        kind=Artifact.Kind.REGISTER_EXTRACT,
        filename="registerutdrag.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    artifact.file.save("registerutdrag.pdf", ContentFile(content), save=False)
    artifact.save()
    return artifact


@pytest.fixture
def visit(chromium, live_server, seeded, request):
    context = chromium.new_context(locale="sv-SE", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    folder = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    yield Visit(page, live_server.url, folder)
    context.close()


def last_code(address: str) -> str:
    """The six-digit sign-in code in the latest e-mail to `address` (locmem outbox)."""
    for message in reversed(mail.outbox):
        if address in message.to:
            match = re.search(r"\b(\d{6})\b", message.body)
            if match:
                return match.group(1)
    raise AssertionError(f"no code e-mailed to {address}: {[m.subject for m in mail.outbox]}")
