"""Alphabetical order for the reader's language, without the C library's locales.

Shared by the customer pages (the filing form's lists) and the staff pages (the
rectification page's fields, the event filter).

The database orders names by code point (SQLite) or by its own collation, neither of
which is Swedish: å, ä and ö come after z in Swedish (in that order), and æ, ø and ü sort
as ä, ö and y. In English those letters are accented forms of a and o, so they sort with
them. Any other accent (é, à) sorts as its base letter in both; case is ignored.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import get_language

# Past "z" in code-point order: "{" < "|" < "}".
_SWEDISH = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"})
_ENGLISH = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe"})


def _without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def alphabetical(text: str, language: str | None = None) -> tuple[str, str]:
    """Return a key that sorts `text` alphabetically for `language` (the active one)."""
    language = language or get_language() or "sv"
    folded = unicodedata.normalize("NFC", str(text)).casefold()
    table = _ENGLISH if language.startswith("en") else _SWEDISH
    # The original breaks ties, so that equal keys still have one order.
    return _without_accents(folded.translate(table)), str(text)
