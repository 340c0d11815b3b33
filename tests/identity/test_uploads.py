"""identity.uploads: a representative's proof is judged by its content, not its name."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from identity.uploads import validate_proof_upload

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def image_bytes(fmt, size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_pdf_is_accepted_as_pdf():
    assert validate_proof_upload(upload("fullmakt.pdf", MINIMAL_PDF)) == ("application/pdf", "pdf")


def test_a_jpeg_is_accepted_as_jpeg():
    assert validate_proof_upload(upload("scan.jpeg", image_bytes("JPEG"))) == ("image/jpeg", "jpg")


def test_a_png_renamed_pdf_is_judged_png():
    proof = upload("fullmakt.pdf", image_bytes("PNG"), content_type="application/pdf")
    assert validate_proof_upload(proof) == ("image/png", "png")


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "PDF document or a JPEG or PNG image"),
        ("sv", "PDF-dokument eller en JPEG- eller PNG-bild"),
    ],
)
def test_a_text_file_named_pdf_is_refused(language, says):
    proof = upload(
        "fullmakt.pdf", b"I hereby authorise my neighbour.\n", content_type="application/pdf"
    )
    with translation.override(language), pytest.raises(ValidationError) as refused:
        validate_proof_upload(proof)
    assert refused.value.code == "wrong_type"
    assert says in refused.value.messages[0]


def test_a_file_over_the_limit_is_refused(settings):
    settings.IDENTITY_PROOF_MAX_BYTES = 10 * 1024 * 1024
    big = upload("big.pdf", MINIMAL_PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError) as refused:
        validate_proof_upload(big)
    assert refused.value.code == "too_large"
    assert re.search(r"10[.,]0\sMB", refused.value.messages[0])


def test_a_file_exactly_at_the_limit_is_accepted(settings):
    settings.IDENTITY_PROOF_MAX_BYTES = len(MINIMAL_PDF)
    assert validate_proof_upload(upload("a.pdf", MINIMAL_PDF))[1] == "pdf"


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as refused:
        validate_proof_upload(upload("a.png", b""))
    assert refused.value.code == "empty"


def test_a_file_that_only_starts_like_a_png_is_refused():
    fake = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    with pytest.raises(ValidationError) as refused:
        validate_proof_upload(upload("a.png", fake))
    assert refused.value.code == "broken_image"


def test_a_truncated_jpeg_is_refused():
    whole = image_bytes("JPEG", size=(400, 300))
    with pytest.raises(ValidationError):
        validate_proof_upload(upload("a.jpg", whole[: len(whole) // 3]))


def test_a_pdf_with_javascript_is_refused():
    active = MINIMAL_PDF.replace(
        b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /J#61vaScript /JS (x) >>"
    )
    with pytest.raises(ValidationError) as refused:
        validate_proof_upload(upload("a.pdf", active))
    assert refused.value.code == "active_pdf"


def test_a_truncated_pdf_is_refused():
    with pytest.raises(ValidationError) as refused:
        validate_proof_upload(upload("a.pdf", MINIMAL_PDF[:40]))
    assert refused.value.code == "broken_pdf"


def test_the_file_is_left_at_its_start():
    proof = upload("a.png", image_bytes("PNG"))
    validate_proof_upload(proof)
    assert proof.tell() == 0
    assert proof.read(4) == b"\x89PNG"


def test_the_form_field_reports_the_type_found_in_the_content():
    from django import forms

    from identity.forms import ProofFileField

    class ProofForm(forms.Form):
        proof = ProofFileField()

    png_as_pdf = upload("fullmakt.pdf", image_bytes("PNG"), content_type="application/pdf")
    form = ProofForm(data={}, files={"proof": png_as_pdf})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["proof"].proof_content_type == "image/png"
    assert form.cleaned_data["proof"].proof_extension == "png"

    text = upload("fullmakt.pdf", b"not a pdf at all")
    form = ProofForm(data={}, files={"proof": text})
    assert not form.is_valid()
    html = form.as_div()
    assert 'aria-describedby="id_proof_helptext id_proof_error"' in html
    assert 'id="id_proof_helptext"' in html and 'id="id_proof_error"' in html
    assert isinstance(form.fields["proof"], forms.FileField)
