"""Layout rules found missing at 375 px and on the desktop (exploratory test of the customer
pages). The stylesheet is checked as text: the browser tests that measure boxes run only on the
PostgreSQL pass, and these rules are what they would measure."""

import re
from pathlib import Path

from django.conf import settings

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_text(encoding="utf-8")


def rule(selector: str, block: str = CSS) -> str:
    """The declarations of `selector` (exactly that selector list), or "" if it has no rule."""
    match = re.search(r"(?:^|[}\s])" + re.escape(selector) + r"\s*\{([^}]*)\}", block)
    return match.group(1) if match else ""


def media(query: str) -> str:
    """Every rule inside `@media (query)` blocks, concatenated."""
    blocks = []
    for match in re.finditer(r"@media\s*\(" + re.escape(query) + r"\)\s*\{", CSS):
        depth, index = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(CSS[index], 0)
            index += 1
        blocks.append(CSS[match.end() : index - 1])
    return "\n".join(blocks)


def test_cards_stacked_on_the_sign_in_page_do_not_touch():
    assert "margin-top" in rule("section.card + section.card")


def test_a_reference_in_a_table_does_not_break_over_two_lines():
    assert "white-space: nowrap" in rule('tbody th[scope="row"]')


def test_on_a_phone_each_request_in_a_table_is_set_apart_and_the_caption_is_full_width():
    phone = media("max-width: 40rem")
    assert "border-top" in rule("tbody tr", phone)
    assert "display: block" in rule("caption", phone)


def test_the_demo_e_identification_puts_each_radio_button_beside_its_name():
    assert "list-style: none" in rule("ul.choices")
    assert "display: inline" in rule("ul.choices label")
    assert "border" in rule("button.secondary")
