"""Checking a representative's proof of authority before staff see it (legal-rules.md R24).

The type is judged by the file's content, never by its name or the browser's claim:
a PDF starts with `%PDF-`, a JPEG with FF D8 FF, a PNG with its eight-byte signature.
Images are also opened and verified with Pillow, so a file that only starts like an
image is refused. PDFs that carry scripts, launch actions or embedded files are refused
too: staff open these files, and a proof of authority never needs active content.

This check is for representatives' proof only. Nobody who can sign in is asked for an
ID document (R22; EDPB-GL §73).
"""

from __future__ import annotations

import re
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

PDF = ("application/pdf", "pdf")
JPEG = ("image/jpeg", "jpg")
PNG = ("image/png", "png")

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_PDF_SIGNATURE = b"%PDF-"
# Pillow refuses larger images as decompression bombs; proofs are scans or photos.
_MAX_PIXELS = 60_000_000

# PDF names may hide letters as #xx escapes (ISO 32000-1, 7.3.5): /J#61vaScript.
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#]+)")
# A JavaScript action always names its type /S /JavaScript, so the short /JS key (three
# bytes, which compressed streams contain by chance) is not searched for.
_ACTIVE_PDF_NAMES = {b"JavaScript", b"Launch", b"EmbeddedFile", b"EmbeddedFiles"}


def max_upload_bytes() -> int:
    return int(getattr(settings, "IDENTITY_PROOF_MAX_BYTES", DEFAULT_MAX_BYTES))


def validate_proof_upload(uploaded_file) -> tuple[str, str]:
    """Return (content type, extension) of an acceptable proof; raise ValidationError.

    Accepts PDF, JPEG and PNG up to `IDENTITY_PROOF_MAX_BYTES` (default 10 MB).
    The file is left positioned at its start.
    """
    limit = max_upload_bytes()
    size = getattr(uploaded_file, "size", None)
    if size is None:
        uploaded_file.seek(0, 2)
        size = uploaded_file.tell()
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s). The largest allowed size is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    try:
        uploaded_file.seek(0)
        head = uploaded_file.read(16)
        if head.startswith(_PDF_SIGNATURE):
            _check_pdf(uploaded_file)
            return PDF
        if head.startswith(_PNG_SIGNATURE):
            _check_image(uploaded_file, "PNG")
            return PNG
        if head.startswith(_JPEG_SIGNATURE):
            _check_image(uploaded_file, "JPEG")
            return JPEG
    finally:
        uploaded_file.seek(0)
    raise ValidationError(
        _("The file must be a PDF document or a JPEG or PNG image."), code="wrong_type"
    )


def _check_image(uploaded_file, expected_format: str) -> None:
    from PIL import Image, ImageFile, UnidentifiedImageError

    # WeasyPrint, once imported, sets Pillow's process-wide LOAD_TRUNCATED_IMAGES, which
    # would let a truncated photo through; the check needs Pillow's strict default.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    uploaded_file.seek(0)
    broken = ValidationError(
        _("The image could not be read. Please upload the file again or choose another."),
        code="broken_image",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(uploaded_file) as image:
                if image.format != expected_format:
                    raise broken
                width, height = image.size
                if width * height > _MAX_PIXELS:
                    raise ValidationError(
                        _("The image has too many pixels. Please upload a smaller scan or photo."),
                        code="too_many_pixels",
                    )
                # verify() checks a PNG's chunk checksums but reads little of a JPEG.
                image.verify()
            if expected_format == "JPEG":
                # Decode the whole entropy-coded stream at 1/8 scale (cheap), so that a
                # truncated or corrupt photo is caught here rather than by staff.
                uploaded_file.seek(0)
                with Image.open(uploaded_file) as image:
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                    image.load()
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise broken from None


def _check_pdf(uploaded_file) -> None:
    uploaded_file.seek(0)
    content = uploaded_file.read()
    if b"%%EOF" not in content[-16384:]:  # tolerate trailing padding some scanners add
        raise ValidationError(
            _("The PDF document is incomplete. Please upload the file again."),
            code="broken_pdf",
        )
    for match in _PDF_NAME.finditer(content):
        name = _unescape_pdf_name(match.group(1))
        if name in _ACTIVE_PDF_NAMES:
            raise ValidationError(
                _(
                    "The PDF document contains scripts or attached files. Please save it "
                    "as a plain PDF (for example by printing it to PDF) and upload it again."
                ),
                code="active_pdf",
            )


def _unescape_pdf_name(raw: bytes) -> bytes:
    if b"#" not in raw:
        return raw
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
