"""A form that comes back with an error tells the customer to choose their file again."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rights_requests.models import Artifact, RightsRequest
from tests.conftest import make_personal_number

from .test_filing import KALMAR_FILE, PNG, entity_ids, form

pytestmark = pytest.mark.django_db

AGAIN_SV = (
    "Välj filen ”beslut.png” igen. För att skydda dina uppgifter sparar vi inte en fil "
    "från ett formulär som har fel."
)
AGAIN_EN = (
    "Choose the file “beslut.png” again. To protect your data, we do not keep a file "
    "from a form that has errors."
)


def guardian_form(**overrides):
    return form(
        capacity="guardian",
        entities=entity_ids("kalmar-energi-elnat"),
        represented_personal_number=make_personal_number("20150505", "222").formatted(),
        represented_first_name="Kim",
        represented_last_name="Andersson",
        proof=SimpleUploadedFile("beslut.png", PNG, content_type="image/png"),
        **overrides,
    )


def proof_input(page: str) -> str:
    return re.search(r'<input type="file" name="proof"[^>]*>', page).group(0)


@pytest.mark.parametrize(("prefix", "text"), [("", AGAIN_SV), ("/en", AGAIN_EN)])
def test_an_error_elsewhere_says_the_proof_must_be_chosen_again(
    alice_client, private_media, prefix, text
):
    response = alice_client.post(prefix + KALMAR_FILE, guardian_form(last_name=""))
    assert response.status_code == 400
    page = response.content.decode()
    # Next to the file input, which it describes, and in the summary at the top.
    assert f'<p class="notice" id="id_proof_again">{text}</p>' in page
    assert 'aria-describedby="id_proof_helptext id_proof_again"' in proof_input(page)
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert '<a href="#id_proof">' in summary and f"{text}</a></li>" in summary
    # Nothing of the file is kept.
    assert RightsRequest.objects.count() == 0
    assert not Artifact.objects.exists()
    assert not any(private_media.rglob("*.png"))


def test_no_note_without_a_file_or_without_an_error(alice_client, private_media):
    page = alice_client.post(KALMAR_FILE, form(last_name="")).content.decode()
    assert "id_proof_again" not in page and "Välj filen" not in page
    page = alice_client.get(KALMAR_FILE).content.decode()
    assert "id_proof_again" not in page
    response = alice_client.post(KALMAR_FILE, guardian_form())
    assert response.status_code == 302


def test_a_refused_file_has_its_own_error_and_no_note(alice_client, private_media):
    data = guardian_form(last_name="")
    data["proof"] = SimpleUploadedFile("beslut.png", b"MZ not an image", content_type="image/png")
    page = alice_client.post(KALMAR_FILE, data).content.decode()
    assert 'id="id_proof_error"' in page
    assert "id_proof_again" not in page
