"""A new customer, in a real browser: sign in by e-mailed code, file, follow, write, withdraw.

Issue 3, "Done when": an access request against Kalmar Energi Elnät AB and an erasure
request against Landskrona Energi, seen with their deadlines under My requests, a message
sent and one request withdrawn; once in Swedish and once in English, every page scanned
with axe-core and kept as a screenshot.
"""

from pathlib import Path

import pytest

from datamap.models import LegalEntity
from identity.levels import IdentityLevel
from rights_requests import workflow
from rights_requests.models import Message, RequestEvent, Right, RightsRequest, Status
from tests.conftest import make_personal_number

from .conftest import last_code, make_extract

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TEXT = {
    "sv": {
        "make": "Gör en begäran",
        "send": "Skicka begäran",
        "withdrawn": "Återkallad",
        "awaiting": "Väntar på identitetsbekräftelse",
        "yes": "Ja, återkalla begäran",
    },
    "en": {
        "make": "Make a request",
        "send": "Send the request",
        "withdrawn": "Withdrawn",
        "awaiting": "Awaiting identity",
        "yes": "Yes, withdraw the request",
    },
}


def sign_in_by_code(visit, number, email):
    """From the sign-in page: ask for a code, read it from the e-mail, enter it."""
    page = visit.page
    visit.check("sign-in")
    page.click('a[href*="/identity/code/"]')
    page.fill("#id_personal_number", number.formatted())
    page.fill("#id_email", email)
    visit.check("code-start")
    page.click('form[action*="/identity/code/"] button[type="submit"]')
    page.wait_for_url("**/identity/code/verify/")
    visit.check("code-verify")
    page.fill("#id_code", last_code(email))
    page.click('form[action*="/identity/code/verify/"] button[type="submit"]')


def file_request(visit, organisation_slug, right, entity, name, prefix, text):
    page = visit.page
    assert f"{prefix}/org/{organisation_slug}/file/" in page.url
    page.check(f'input[name="rights"][value="{right}"]')
    page.check(f'input[name="entities"][value="{entity.pk}"]')
    page.fill("#id_first_name", "Nora")
    page.fill("#id_last_name", "Nyström")
    visit.check(f"form-{name}")
    page.click(f'button:has-text("{text["send"]}")')
    page.wait_for_url("**/submissions/*/")
    visit.check(f"confirmation-{name}")
    return RightsRequest.objects.get(legal_entity=entity, right=right)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_new_customer_files_follows_writes_and_withdraws(visit, language, private_media):
    text = TEXT[language]
    prefix = "" if language == "sv" else "/en"
    number = make_personal_number("19880808", "404" if language == "sv" else "405")
    email = f"nora.{language}@example.org"
    elnat = LegalEntity.objects.get(slug="kalmar-energi-elnat")
    landskrona = LegalEntity.objects.get(slug="landskrona-energi")
    page = visit.page

    visit.goto("/")
    visit.check("home")
    if language == "en":
        page.click('button[name="language"][value="en"]')
        page.wait_for_url("**/en/")
        visit.check("home-en")
    assert page.locator("html").get_attribute("lang") == language

    # The start page, then the form, which sends a stranger to sign in first.
    page.click(f'a[href="{prefix}/org/kalmar-energi/"] >> nth=0')
    visit.check("kalmar-start")
    page.click(f'a.button:has-text("{text["make"]}")')
    page.wait_for_url("**/identity/?next=*")
    sign_in_by_code(visit, number, email)

    # A form sent with nothing chosen shows the error summary, linked to the fields.
    page.wait_for_url(f"**{prefix}/org/kalmar-energi/file/")
    page.click(f'button:has-text("{text["send"]}")')
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    visit.check("form-errors")
    summary.locator('a[href="#id_rights_0"]').click()
    assert page.evaluate("document.activeElement.id") == "id_rights_0"

    access = file_request(visit, "kalmar-energi", Right.ACCESS, elnat, "kalmar", prefix, text)
    assert access.reference in page.content()
    # A code to an address not on record is level low: the download waits for identity.
    assert access.status == Status.AWAITING_IDENTITY
    assert text["awaiting"] in page.content()

    visit.goto(f"{prefix}/org/landskrona-energi/")
    visit.check("landskrona-start")
    page.click(f'a.button:has-text("{text["make"]}")')
    page.wait_for_url(f"**{prefix}/org/landskrona-energi/file/")
    erasure = file_request(
        visit, "landskrona-energi", Right.ERASURE, landskrona, "landskrona", prefix, text
    )
    assert erasure.reference.startswith("LE-")

    # My requests: both, each with its deadline.
    visit.goto(f"{prefix}/requests/")
    visit.check("my-requests")
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    listing = page.content()
    for request in (access, erasure):
        assert request.reference in listing
        assert f"{request.deadline_on.day} " in listing  # the date is written out in words

    # A message on the Kalmar request.
    page.click(f'a:has-text("{access.reference}")')
    page.wait_for_url(f"**/requests/{access.reference}/")
    visit.check("request")
    page.fill("#id_body", "Mitt mätpunkts-ID är 735999.")
    page.click(f'form[action$="/requests/{access.reference}/"] button[type="submit"]')
    page.wait_for_url(f"**/requests/{access.reference}/")
    assert "Mitt mätpunkts-ID är 735999." in page.content()
    visit.check("request-after-message")
    assert Message.objects.get(request=access).sender == Message.Sender.CUSTOMER

    # A file is shown, but a code to an address not on record is not enough to download it.
    artifact = make_extract(access)
    visit.goto(f"{prefix}/requests/{access.reference}/")
    assert f'/files/{artifact.pk}/"' not in page.content()
    visit.check("request-with-file")
    visit.goto(f"{prefix}/requests/{access.reference}/files/{artifact.pk}/")
    visit.check("download-needs-identity")
    assert page.locator(".ways-to-confirm").is_visible()
    assert not RequestEvent.objects.filter(kind="file.downloaded").exists()

    # Withdraw the Landskrona request, with a confirmation step.
    visit.goto(f"{prefix}/requests/{erasure.reference}/")
    page.click(f'a[href$="/requests/{erasure.reference}/withdraw/"]')
    visit.check("withdraw-confirm")
    page.click(f'button:has-text("{text["yes"]}")')
    page.wait_for_url(f"**/requests/{erasure.reference}/")
    visit.check("request-withdrawn")
    assert text["withdrawn"] in page.locator(".status").inner_text()
    erasure.refresh_from_db()
    access.refresh_from_db()
    assert erasure.status == Status.WITHDRAWN
    assert access.status == Status.AWAITING_IDENTITY

    visit.assert_accessible()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_known_customer_downloads_the_register_extract(
    visit, language, make_subject, private_media
):
    prefix = "" if language == "sv" else "/en"
    subject = make_subject("Klara", "Kund", email=f"klara.{language}@example.org")
    elnat = LegalEntity.objects.get(slug="kalmar-energi-elnat")
    request = workflow.file_submission(
        subject=subject,
        organisation=elnat.organisation,
        items=[workflow.RequestItem(elnat, Right.ACCESS, {"delivery": "download"})],
        identity_level=IdentityLevel.HIGH,
        identity_method="eid",
    ).requests.get()
    artifact = make_extract(request)
    workflow.request_complete(request)

    page = visit.page
    visit.goto(f"{prefix}/requests/")
    page.wait_for_url("**/identity/?next=*")
    # The address on record gives level substantial: enough to download (DESIGN.md §6).
    sign_in_by_code(visit, subject.personal_number, subject.email)
    page.wait_for_url(f"**{prefix}/requests/")
    visit.check("my-requests")
    page.click(f'a:has-text("{request.reference}")')
    visit.check("completed-request")
    with page.expect_download() as download_info:
        page.click(f'a[href$="/files/{artifact.pk}/"]')
    download = download_info.value
    assert download.suggested_filename == "registerutdrag.pdf"
    assert Path(download.path()).read_bytes() == b"%PDF-1.7 extract\n"
    assert RequestEvent.objects.filter(request=request, kind="file.downloaded").count() == 1

    visit.assert_accessible()
