"""Codes of the record of processing in words, for pages that show many of them."""

from __future__ import annotations


class CodeNames:
    """The names of data categories and systems in the active language, read once.

    `names("category", code)` or `names("system", code)`; `names("connector", code)` is a
    system's connector kind. An unknown code is returned as it is. One instance per page:
    the first call reads both tables, later calls read none.
    """

    def __init__(self):
        self._names = None

    def __call__(self, key: str, code: str) -> str:
        if self._names is None:
            from .models import DataCategory, System

            systems = list(System.objects.all())
            self._names = {
                "category": {c.code: c.name for c in DataCategory.objects.all()},
                "system": {s.code: s.shown_name for s in systems},
                "connector": {s.code: s.connector for s in systems},
            }
        return self._names[key].get(code, code)
