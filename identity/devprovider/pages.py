"""The demonstration provider's pages: its login form, in Swedish or English.

Only the demo provider uses this; its text is not in the portal's catalogue because
it is not a page of the portal, and it exists only in demonstration installations.
Numbers are shown masked; the markup has no inline script or style (CSP).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from datamap import pii


@dataclass(frozen=True)
class DemoPerson:
    personal_number: str  # twelve digits; fictitious test numbers only
    given_name: str
    family_name: str


# Fictitious people with valid check digits (191212121212 is Skatteverket's well-known
# test number, "Tolvan Tolvansson").
DEMO_PEOPLE = (
    DemoPerson("191212121212", "Tolvan", "Tolvansson"),
    DemoPerson("198504122394", "Alice", "Andersson"),
    DemoPerson("197311054584", "Bertil", "Berg"),
    DemoPerson("195207083840", "Cecilia", "Carlsson"),
)


TEXT = {
    "en": {
        "title": "Test e-identification (demo only)",
        "warning": "This is not BankID or Freja eID+. It signs you in as whichever person you "
        "choose, and exists only in demonstration installations. Never use real personal data here.",
        "intro": "A service asks you to sign in.",
        "choose": "Sign in as",
        "other": "Another personal identity number (enter it below)",
        "pn": "Personal identity number",
        "pn_help": "12 digits, YYYYMMDD-NNNN. Used only when you choose another number above.",
        "given": "Given name (optional)",
        "family": "Family name (optional)",
        "approve": "Sign in",
        "cancel": "Cancel",
        "error": "There is a problem",
        "pn_missing": "Enter a personal identity number, or choose one of the demo people.",
        "bad_request": "The sign-in request is not valid",
    },
    "sv": {
        "title": "Test-e-legitimering (endast demo)",
        "warning": "Det här är inte BankID eller Freja eID+. Du loggas in som den person du väljer, "
        "och tjänsten finns bara i demonstrationsinstallationer. Använd aldrig riktiga personuppgifter här.",
        "intro": "En tjänst ber dig logga in.",
        "choose": "Logga in som",
        "other": "Ett annat personnummer (skriv det nedan)",
        "pn": "Personnummer",
        "pn_help": "12 siffror, ÅÅÅÅMMDD-NNNN. Används bara om du väljer ett annat nummer ovan.",
        "given": "Förnamn (frivilligt)",
        "family": "Efternamn (frivilligt)",
        "approve": "Logga in",
        "cancel": "Avbryt",
        "error": "Det finns ett problem",
        "pn_missing": "Skriv ett personnummer eller välj en av demopersonerna.",
        "bad_request": "Inloggningsbegäran är inte giltig",
    },
}


def page(status: int, title: str, content: str, language: str, *, stylesheet: str | None = None):
    """Return (status, headers, body) of an HTML page without inline script or style."""
    stylesheet = f'<link rel="stylesheet" href="{html.escape(stylesheet)}">' if stylesheet else ""
    body = (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>{stylesheet}</head><body>"
        f'<main id="main" class="wrap">{content}</main></body></html>'
    ).encode()
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
        (
            "Content-Security-Policy",
            "default-src 'self'; form-action 'self' http: https:; frame-ancestors 'none'",
        ),
        ("X-Frame-Options", "DENY"),
        ("Content-Length", str(len(body))),
    ]
    return status_line(status), headers, body


def login_form(
    *, action: str, transaction_id: str, language: str, people, error: str, form: dict
) -> str:
    """Return the login form: choose a demo person or enter a number (errors tied to the field)."""
    text = TEXT[language]
    action = html.escape(action)
    chosen = form.get("person", "0")
    choices = []
    for index, person in enumerate(people):
        masked = pii.PersonalNumber(person.personal_number).masked()
        checked = " checked" if chosen == str(index) else ""
        choices.append(
            f'<li><input type="radio" name="person" id="person-{index}" value="{index}"{checked}>'
            f' <label for="person-{index}">{html.escape(person.given_name)} '
            f"{html.escape(person.family_name)} ({masked})</label></li>"
        )
    other_checked = " checked" if chosen == "other" else ""
    choices.append(
        f'<li><input type="radio" name="person" id="person-other" value="other"{other_checked}>'
        f' <label for="person-other">{html.escape(text["other"])}</label></li>'
    )
    summary, described, invalid = "", "pn-help", ""
    if error:
        summary = (
            f'<div class="message message-error" role="alert"><h2>{html.escape(text["error"])}</h2>'
            f'<p><a href="#pn">{html.escape(error)}</a></p></div>'
        )
        described, invalid = "pn-error pn-help", ' aria-invalid="true"'
    field_error = f'<p class="errorlist" id="pn-error">{html.escape(error)}</p>' if error else ""
    content = (
        f"<h1>{html.escape(text['title'])}</h1>"
        f'<p class="message">{html.escape(text["warning"])}</p>{summary}'
        f"<p>{html.escape(text['intro'])}</p>"
        f'<form method="post" action="{action}">'
        f'<input type="hidden" name="txn" value="{html.escape(transaction_id)}">'
        f'<fieldset><legend>{html.escape(text["choose"])}</legend><ul class="choices">{"".join(choices)}</ul></fieldset>'
        f'<label for="pn">{html.escape(text["pn"])}</label>{field_error}'
        f'<input id="pn" name="personal_number" inputmode="numeric" autocomplete="off"'
        f' aria-describedby="{described}"{invalid}>'
        f'<p id="pn-help" class="help">{html.escape(text["pn_help"])}</p>'
        f'<label for="given">{html.escape(text["given"])}</label>'
        f'<input id="given" name="given_name" autocomplete="off" value="{html.escape(form.get("given_name", ""))}">'
        f'<label for="family">{html.escape(text["family"])}</label>'
        f'<input id="family" name="family_name" autocomplete="off" value="{html.escape(form.get("family_name", ""))}">'
        f'<p><button type="submit" name="action" value="approve">{html.escape(text["approve"])}</button> '
        f'<button type="submit" name="action" value="cancel" class="secondary">{html.escape(text["cancel"])}</button></p>'
        "</form>"
    )
    return content


def status_line(code: int) -> str:
    reasons = {
        200: "OK",
        302: "Found",
        400: "Bad Request",
        401: "Unauthorized",
        404: "Not Found",
        405: "Method Not Allowed",
    }
    return f"{code} {reasons.get(code, 'Status')}"
