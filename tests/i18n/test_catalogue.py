"""The Swedish catalogue: complete, faithful to placeholders, and used by the pages.

Swedish is the portal's default language and English the source language of the msgids.
The catalogue is `locale/sv/LC_MESSAGES/django.po` (made by `makemessages`) merged with
every `parts/*.po` by `manage.py compiletranslations`. These tests read the .po sources,
not a compiled .mo, and find the messages in the code with Babel and Django's own
template-to-gettext conversion, so no GNU gettext is needed.
"""

import html
import io
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation.template import templatize

from portal.management.commands.compiletranslations import merged_catalogue, sources_of
from rights_requests import roles
from rights_requests.models import Status
from tests.portal.conftest import sign_in
from tests.rights_requests.factories import request_in
from tests.staff.conftest import make_staff, verified_client

BASE = Path(settings.BASE_DIR)
MESSAGES_DIR = BASE / "locale" / "sv" / "LC_MESSAGES"
MAKEMESSAGES = (
    "DEBUG=true .venv/bin/python manage.py makemessages -l sv --no-obsolete --ignore=.venv "
    "--ignore=var --ignore=tests --ignore=bench --ignore=staticfiles"
)
# The directories makemessages is told to ignore, and those that hold data, not code.
IGNORED_DIRS = {
    ".venv",
    "var",
    "tests",
    "bench",
    "staticfiles",
    "locale",
    "node_modules",
    "media",
    "test-artifacts",
}
# xgettext's Python keywords as makemessages passes them (Django's makemessages.py).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
CONTEXT_FUNCTIONS = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}
PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|\{[A-Za-z_]\w*\}"
)
HTML_TAG = re.compile(r"</?(?:a|abbr|b|br|code|em|i|li|p|span|strong|ul|ol)\b[^>]*>")


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale="sv")


def is_translated(message: Message) -> bool:
    if message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return bool(strings) and all(strings)


def label(message_id) -> str:
    return message_id if isinstance(message_id, str) else " / ".join(message_id)


def code_files(base: Path):
    for root, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith((".py", ".html", ".txt")):
                yield Path(root) / name


def messages_in_code(base: Path = BASE) -> dict[tuple[str | None, str | tuple[str, str]], str]:
    """Return every (context, msgid) that makemessages would extract, with its first file."""
    found: dict = {}
    for path in code_files(base):
        if path.suffix == ".py":
            source = path.read_bytes()
        else:
            # Django's own conversion of a template for xgettext; its indentation is noise.
            text = templatize(path.read_text(encoding="utf-8"), origin=str(path))
            source = "\n".join(line.strip() for line in text.splitlines()).encode()
        for _lineno, function, strings, _comments in extract_python(
            io.BytesIO(source), KEYWORDS, [], {}
        ):
            if strings is None:
                continue  # not a literal, e.g. gettext(variable): nothing to extract
            strings = (strings,) if isinstance(strings, str) else tuple(strings)
            context = None
            if function in CONTEXT_FUNCTIONS:
                context, strings = strings[0], strings[1:]
            if not strings or not strings[0]:
                continue
            message_id = strings[0] if len(strings) == 1 else strings[:2]
            found.setdefault((context, message_id), str(path.relative_to(base)))
    return found


@pytest.fixture(scope="module")
def merged() -> Catalog:
    return merged_catalogue("sv", sources_of(MESSAGES_DIR))


@pytest.fixture(scope="module")
def main_catalogue() -> Catalog:
    return read_catalogue(MESSAGES_DIR / "django.po")


def all_translations():
    """Yield (file name, message) for every translated message of django.po and parts."""
    for path in sources_of(MESSAGES_DIR):
        for message in read_catalogue(path):
            if message.id and is_translated(message):
                yield path.name, message


def test_the_catalogue_declares_swedish_and_its_plural_forms(main_catalogue):
    assert str(main_catalogue.locale) == "sv"
    assert main_catalogue.num_plurals == 2
    assert main_catalogue.plural_expr.replace(" ", "") == "(n!=1)"


def test_every_message_of_the_catalogue_has_a_swedish_translation(main_catalogue, merged):
    missing = [
        label(message.id)
        for message in main_catalogue
        if message.id
        and not is_translated(merged.get(message.id, context=message.context) or Message(""))
    ]
    assert not missing, f"{len(missing)} message(s) of django.po without Swedish:\n" + "\n".join(
        missing
    )


def test_every_message_in_the_code_has_a_swedish_translation(merged):
    missing = []
    for (context, message_id), path in sorted(messages_in_code().items(), key=lambda item: item[1]):
        message = merged.get(
            message_id if isinstance(message_id, str) else message_id[0], context=context
        )
        if message is None or not is_translated(message):
            missing.append(f"{path}: {label(message_id)}")
    assert not missing, (
        f"{len(missing)} message(s) in the code without Swedish; run `{MAKEMESSAGES}` and translate "
        "them in django.po (or in your parts/<part>.po):\n" + "\n".join(missing)
    )


def test_the_message_extraction_finds_what_makemessages_finds(tmp_path):
    # Guards the test above with every form of marking a message that the portal uses.
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "texts.py").write_text(
        "from django.utils.translation import gettext_lazy as _, ngettext, pgettext\n"
        "A = _('Lazy text')\n"
        "B = ngettext('%(n)d day left', '%(n)d days left', 2)\n"
        "C = pgettext('month', 'May')\n"
        "D = _(variable)\n"
    )
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        '{% load i18n %}\n  <h1>{% translate "Heading" %}</h1>\n'
        "    {% blocktranslate trimmed with name=org.name %}\n      Hello\n      {{ name }}\n"
        "    {% endblocktranslate %}\n"
        "{% blocktranslate count n=items|length %}One item{% plural %}{{ n }} items{% endblocktranslate %}\n"
    )
    (tmp_path / "templates" / "mail.txt").write_text(
        "{% load i18n %}{% translate 'Mail subject' %}"
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("_('Not for the catalogue')\n")

    assert set(messages_in_code(tmp_path)) == {
        (None, "Lazy text"),
        (None, ("%(n)d day left", "%(n)d days left")),
        ("month", "May"),
        (None, "Heading"),
        (None, "Hello %(name)s"),
        (None, ("One item", "%(n)s items")),
        (None, "Mail subject"),
    }


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text)) + Counter(HTML_TAG.findall(text))


def test_translations_keep_placeholders_and_html_exactly():
    wrong = []
    for name, message in all_translations():
        if isinstance(message.id, str):
            if placeholders(message.id) != placeholders(message.string):
                wrong.append(f"{name}: {message.id!r} -> {message.string!r}")
            continue
        singular, plural = message.id
        one, other = message.string[0], message.string[1]
        # The Swedish singular may leave out the count, as the English singular often does.
        if not placeholders(one) <= placeholders(singular) | placeholders(plural) or not (
            placeholders(singular) - placeholders(plural) <= placeholders(one)
        ):
            wrong.append(f"{name}: {singular!r} -> {one!r}")
        if placeholders(other) != placeholders(plural):
            wrong.append(f"{name}: {plural!r} -> {other!r}")
    assert not wrong, "placeholders or HTML differ:\n" + "\n".join(wrong)


ARTICLE_LIST = re.compile(
    r"\bArt(?:icles?|\.)\s+(\d+(?:\(\w+\))*(?:(?:,\s*|\s+and\s+)\d+(?:\(\w+\))*)*)"
)


def article_numbers(text: str) -> list[str]:
    """Return the GDPR references of an English text in Swedish form: 'Article 12(3)' -> '12.3'."""
    return [
        number + (f".{paragraph}" if paragraph else "")
        for listed in ARTICLE_LIST.findall(text)
        for number, paragraph in re.findall(r"\b(\d+)(?:\((\d+)\))?", listed)
    ]


def test_gdpr_references_are_in_swedish_form():
    wrong = []
    for name, message in all_translations():
        pairs = (
            zip(message.id, message.string, strict=True)
            if isinstance(message.id, tuple)
            else [(message.id, message.string)]
        )
        for english, swedish in pairs:
            if re.search(r"\bArticles?\b", swedish):
                wrong.append(f"{name}: English article reference in {swedish!r}")
            for reference in article_numbers(english):
                if reference not in swedish:
                    wrong.append(f"{name}: {reference} missing from {swedish!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("english", "swedish"),
    [
        ("Access (register extract)", "Tillgång (registerutdrag)"),
        ("Rectification", "Rättelse"),
        ("Erasure", "Radering"),
        ("Restriction of processing", "Begränsning av behandling"),
        ("Objection", "Invändning"),
        ("Data portability", "Dataportabilitet"),
        ("Data protection officer", "Dataskyddsombud"),
        ("Personal identity number", "Personnummer"),
        ("Customer service", "Kundtjänst"),
    ],
)
def test_the_rights_use_the_vocabulary_of_the_swedish_authorities(merged, english, swedish):
    assert merged.get(english).string == swedish


def test_the_complaint_names_the_swedish_authority_for_privacy_protection(merged):
    text = merged.get(
        "You have the right to lodge a complaint with the Swedish Authority for Privacy Protection "
        "(IMY), www.imy.se, and to bring an action before a court."
    ).string
    assert "Integritetsskyddsmyndigheten (IMY)" in text


@pytest.fixture
def compiled_locale(tmp_path, settings, merged):
    """Compile the committed sources into a fresh locale directory and use only that."""
    messages_dir = tmp_path / "sv" / "LC_MESSAGES"
    messages_dir.mkdir(parents=True)
    with (messages_dir / "django.mo").open("wb") as handle:
        write_mo(handle, merged, use_fuzzy=False)
    settings.LOCALE_PATHS = [tmp_path]  # the setting_changed signal empties Django's cache
    return tmp_path


def visible_text(response) -> str:
    page = response.content.decode()
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def sentences(catalogue: Catalog, *, swedish: bool) -> set[str]:
    """Return texts of one language that cannot be the other's: no placeholders, three words or more."""
    found = set()
    for message in catalogue:
        if not isinstance(message.id, str) or not message.string or message.string == message.id:
            continue
        text = message.string if swedish else message.id
        if not PLACEHOLDER.search(message.id) and len(text.split()) >= 3:
            found.add(text)
    return found


CUSTOMER_PAGES = ["/", "/identity/", "/identity/code/", "/org/kalmar-energi/"]


@pytest.mark.parametrize("path", CUSTOMER_PAGES)
def test_customer_pages_are_in_swedish_by_default(client, compiled_locale, merged, db, path):
    response = client.get(path)
    text = visible_text(response)

    assert response.status_code == 200
    assert '<html lang="sv"' in response.content.decode()
    assert len([sentence for sentence in sentences(merged, swedish=True) if sentence in text]) >= 3
    assert (
        sorted(sentence for sentence in sentences(merged, swedish=False) if sentence in text) == []
    )


@pytest.mark.parametrize("path", CUSTOMER_PAGES)
def test_customer_pages_under_en_are_in_english(client, compiled_locale, merged, db, path):
    response = client.get(f"/en{path}")
    text = visible_text(response)

    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()
    assert len([sentence for sentence in sentences(merged, swedish=False) if sentence in text]) >= 3
    assert (
        sorted(sentence for sentence in sentences(merged, swedish=True) if sentence in text) == []
    )


@pytest.fixture
def signed_in_pages(client, make_subject, elnat):
    """Alice, signed in with e-identification, with one request waiting for her answer."""
    alice = make_subject("Alice", "Andersson")
    rights_request = request_in(Status.AWAITING_CUSTOMER, alice, elnat)
    sign_in(
        client,
        alice.personal_number,
        email=alice.email,
        given_name="Alice",
        family_name="Andersson",
    )
    return [
        "/requests/",
        f"/requests/{rights_request.reference}/",
        f"/requests/{rights_request.reference}/withdraw/",
        f"/org/{elnat.organisation.slug}/file/",
        "/consent/",
    ]


def test_signed_in_customer_pages_are_in_swedish(client, compiled_locale, merged, signed_in_pages):
    for path in signed_in_pages:
        response = client.get(path)
        text = visible_text(response)

        assert response.status_code == 200, path
        assert (
            len([sentence for sentence in sentences(merged, swedish=True) if sentence in text]) >= 3
        ), path
        assert (
            sorted(sentence for sentence in sentences(merged, swedish=False) if sentence in text)
            == []
        ), path


def test_the_staff_pages_are_in_swedish(compiled_locale, merged, make_subject, elnat):
    dpo = make_staff("dora.dpo", roles.DPO, organisations=[elnat.organisation])
    rights_request = request_in(Status.IN_PROGRESS, make_subject("Elin", "Ek"), elnat)
    client = verified_client(dpo)
    for path in [
        "/admin/",
        "/admin/rights_requests/rightsrequest/",
        f"/admin/rights_requests/rightsrequest/{rights_request.pk}/change/",
        "/admin/rights_requests/rightsrequest/register/",
        "/admin/dashboard/",
    ]:
        response = client.get(path)
        text = visible_text(response)

        assert response.status_code == 200, path
        assert (
            len([sentence for sentence in sentences(merged, swedish=True) if sentence in text]) >= 3
        ), path
        assert (
            sorted(sentence for sentence in sentences(merged, swedish=False) if sentence in text)
            == []
        ), path


def test_the_start_page_speaks_of_the_rights_in_swedish(client, compiled_locale, db):
    text = visible_text(client.get("/"))

    assert "Dina rättigheter till dina personuppgifter" in text
    assert "Your rights to your personal data" not in text


def test_the_sign_in_code_email_is_in_swedish(compiled_locale):
    with translation.override("sv"):
        subject = render_to_string("identity/email/code_subject.txt").strip()
        body = render_to_string("identity/email/code_body.txt", {"code": "123456", "minutes": 10})

    assert subject == "Din inloggningskod"
    assert "Din inloggningskod är 123456" in body
    assert "Lämna aldrig ut koden" in body


def test_a_plural_message_follows_the_swedish_plural_rule(compiled_locale):
    one = "The code is not right. You can try %(count)d more time."
    other = "The code is not right. You can try %(count)d more times."
    with translation.override("sv"):
        assert (
            translation.ngettext(one, other, 1) % {"count": 1}
            == "Koden är inte rätt. Du kan försöka 1 gång till."
        )
        assert (
            translation.ngettext(one, other, 3) % {"count": 3}
            == "Koden är inte rätt. Du kan försöka 3 gånger till."
        )
