"""Small text helpers shared by the customer pages and the staff pages."""

from __future__ import annotations

import unicodedata

# The Swedish alphabet ends ... x y z å ä ö (SFS / Svenska Akademiens ordlista); æ and ø
# sort as ä and ö, ü as y. The three last letters are mapped past "z" so that a plain
# string comparison puts them last; other accents (é, à) sort as their base letter.
_SWEDISH_LAST = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"})


def alphabetical(text: str) -> str:
    """A sort key that orders names as a Swedish dictionary does, ignoring case.

    Also right for English names, which hold none of å, ä, ö.
    """
    folded = text.casefold().translate(_SWEDISH_LAST)
    stripped = unicodedata.normalize("NFD", folded)
    return "".join(c for c in stripped if not unicodedata.combining(c))
