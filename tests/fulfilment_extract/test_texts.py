"""Every fixed text of the extract and the export has its Swedish translation."""

from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation

from rights_requests.fulfilment import extract_texts as texts

PO = Path(settings.BASE_DIR) / "locale" / "sv" / "LC_MESSAGES" / "parts" / "extract.po"


def all_texts():
    yield from texts.LABELS.values()
    yield from texts.COVER.values()
    for heading, text in texts.RIGHTS:
        yield heading
        yield text
    for code, text in texts.LEGEND_GENERAL:
        if not isinstance(code, str):
            yield code
        yield text
    yield from texts.CODES.values()
    for name in (
        "RIGHTS_HOW",
        "COMPLAINT",
        "SOURCES_INTRO",
        "AUTOMATED_INTRO",
        "NO_TRANSFERS",
        "TRANSFERS_INTRO",
        "LEGEND_BASES",
        "ATTACHMENTS_INTRO",
        "EXPORT_README",
    ):
        yield getattr(texts, name)


def msgid(lazy) -> str:
    with translation.override(None):
        return str(lazy)


def test_every_text_has_a_swedish_translation_in_the_part_file():
    with PO.open("rb") as handle:
        catalogue = {m.id: m.string for m in read_po(handle) if m.id}
    missing = [msgid(t) for t in all_texts() if not catalogue.get(msgid(t))]
    assert missing == []


def test_the_compiled_catalogue_translates_them():
    with translation.override("sv"):
        untranslated = {msgid(t) for t in all_texts() if str(t) == msgid(t)}
    assert untranslated <= {"System"}  # the same word in Swedish


def test_imy_contact_is_complete():
    assert texts.IMY == {
        "name": "Integritetsskyddsmyndigheten (IMY)",
        "address": "Box 8114, 104 20 Stockholm",
        "email": "imy@imy.se",
        "web": "www.imy.se",
    }
