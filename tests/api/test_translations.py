"""Every message the API writes for people has its Swedish translation (Swedish is the default)."""

import ast
from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings

BASE = Path(settings.BASE_DIR)
SOURCES = [*sorted((BASE / "rights_requests" / "api").rglob("*.py"))]
CATALOGUE = BASE / "locale" / "sv" / "LC_MESSAGES" / "parts" / "api.po"


def messages_in(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "_"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(node.args[0].value)
    return found


def test_every_api_message_is_translated_to_swedish():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="sv")
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    wanted = set().union(*(messages_in(path) for path in SOURCES))

    assert wanted, "no messages found: has the API moved?"
    assert not wanted - translated, sorted(wanted - translated)


def test_placeholders_survive_translation():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="sv")
    import re

    for message in catalogue:
        if message.id:
            assert set(re.findall(r"%\(\w+\)s", message.id)) == set(
                re.findall(r"%\(\w+\)s", message.string)
            ), message.id
