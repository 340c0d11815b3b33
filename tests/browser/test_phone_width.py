"""On a phone (375 CSS pixels wide) no page is wider than the screen.

Long e-mail addresses in the companies' contact cards once made the start page 588 px
wide, so a reader had to scroll sideways to read them.
"""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PAGES = [
    "/org/kalmar-energi/",
    "/org/landskrona-energi/",
    "/en/org/kalmar-energi/",
    "/en/org/landskrona-energi/",
    "/identity/",
    "/",
]


def test_no_page_is_wider_than_a_phone(chromium, live_server, seeded):
    context = chromium.new_context(locale="sv-SE", viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        widths = {}
        for path in PAGES:
            page.goto(live_server.url + path)
            widths[path] = page.evaluate("document.documentElement.scrollWidth")
    finally:
        context.close()
    assert widths == {path: 375 for path in PAGES}
