"""Sign-in with a one-time code by e-mail: levels, expiry, attempts, limits, no enumeration."""

import datetime
import logging
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from identity import email_code
from identity.levels import IdentityLevel, VerificationMethod
from identity.models import EmailChallenge
from identity.session import SESSION_KEY
from tests.conftest import make_personal_number

pytestmark = pytest.mark.django_db

START = "/en/identity/code/"
VERIFY = "/en/identity/code/verify/"


def ask(client, number, email, **extra):
    return client.post(START, {"personal_number": number.formatted(), "email": email, **extra})


def code_from_mail(index=-1):
    match = re.search(r"\b(\d{6})\b", mail.outbox[index].body)
    assert match, mail.outbox[index].body
    return match.group(1)


def enter(client, code):
    return client.post(VERIFY, {"code": code})


def at(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def alice(make_subject):
    return make_subject(first_name="Alice", email="alice@example.org")


def test_a_code_to_the_address_on_record_gives_level_substantial(client, alice):
    response = ask(client, alice.personal_number, "Alice@Example.org", next="/en/my/")
    assert response.status_code == 302
    assert response["Location"] == "/en/identity/code/verify/"
    assert mail.outbox[0].to == ["Alice@Example.org"]
    response = enter(client, code_from_mail())
    assert response.status_code == 302
    assert response["Location"] == "/en/my/"
    stored = client.session[SESSION_KEY]
    assert stored["level"] == IdentityLevel.SUBSTANTIAL
    assert stored["method"] == VerificationMethod.KNOWN_EMAIL_CODE
    assert stored["email"] == "Alice@Example.org"


def test_a_code_to_another_address_gives_level_low(client, alice):
    ask(client, alice.personal_number, "someone.else@example.net")
    enter(client, code_from_mail())
    stored = client.session[SESSION_KEY]
    assert stored["level"] == IdentityLevel.LOW
    assert stored["method"] == VerificationMethod.EMAIL_CODE


def test_a_person_not_on_record_signs_in_at_level_low(client):
    ask(client, make_personal_number("19900101", "555"), "new@example.org")
    enter(client, code_from_mail())
    assert client.session[SESSION_KEY]["level"] == IdentityLevel.LOW


def test_the_email_never_contains_the_personal_number(client, alice):
    number = alice.personal_number
    ask(client, number, "alice@example.org")
    message = mail.outbox[0]
    text = message.subject + message.body
    assert number.digits not in text
    assert number.digits[2:] not in text
    assert number.masked() not in text
    assert "10 minutes" in message.body


def test_the_answer_is_the_same_whether_or_not_the_person_exists(alice):
    def page_for(number):
        client = Client()
        first = ask(client, number, "alice@example.org")
        html = client.get(VERIFY).content.decode()
        return first.status_code, first["Location"], re.sub(r'value="[^"]{20,}"', "", html)

    known = page_for(alice.personal_number)
    unknown = page_for(make_personal_number("19700202", "444"))
    assert known == unknown
    assert len(mail.outbox) == 2, "a code goes out in both cases"


def test_signing_in_with_a_code_gives_a_new_session_key(client, alice):
    ask(client, alice.personal_number, "alice@example.org")
    before = client.cookies["sessionid"].value
    enter(client, code_from_mail())
    assert client.cookies["sessionid"].value != before


def test_a_code_signs_in_once_only(client, alice):
    ask(client, alice.personal_number, "alice@example.org")
    code = code_from_mail()
    enter(client, code)
    challenge = EmailChallenge.objects.get()
    other = Client()
    session = other.session
    session["identity.email_challenge"] = {"id": str(challenge.pk), "email": "a***@example.org"}
    session.save()
    response = enter(other, code)
    assert response.status_code == 400
    assert "can no longer be used" in response.content.decode()
    assert not other.session.get(SESSION_KEY)


def test_the_code_is_valid_until_just_before_ten_minutes(client, alice, monkeypatch):
    issued = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    at(monkeypatch, issued)
    ask(client, alice.personal_number, "alice@example.org")
    at(monkeypatch, issued + datetime.timedelta(minutes=10) - datetime.timedelta(microseconds=1))
    assert enter(client, code_from_mail()).status_code == 302
    assert client.session[SESSION_KEY]["level"] == IdentityLevel.SUBSTANTIAL


def test_the_code_has_expired_at_exactly_ten_minutes(client, alice, monkeypatch):
    issued = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    at(monkeypatch, issued)
    ask(client, alice.personal_number, "alice@example.org")
    at(monkeypatch, issued + datetime.timedelta(minutes=10))
    response = enter(client, code_from_mail())
    assert response.status_code == 400
    assert "The code has expired." in response.content.decode()
    assert "Get a new code" in response.content.decode()
    assert not client.session.get(SESSION_KEY)


def wrong_code(right):
    return f"{(int(right) + 1) % 1_000_000:06d}"


def test_four_wrong_codes_leave_the_fifth_try(client, alice):
    ask(client, alice.personal_number, "alice@example.org")
    right = code_from_mail()
    for left in (4, 3, 2, 1):
        response = enter(client, wrong_code(right))
        assert response.status_code == 400
        expected = "1 more time." if left == 1 else f"{left} more times."
        assert expected in response.content.decode()
    assert enter(client, right).status_code == 302
    assert client.session[SESSION_KEY]["level"] == IdentityLevel.SUBSTANTIAL


def test_five_wrong_codes_void_the_code_even_for_the_right_code(alice):
    challenge = email_code.request_code(
        personal_number=alice.personal_number,
        email="alice@example.org",
        client_ip="192.0.2.1",
        language="en",
    )
    right = code_from_mail()
    for _ in range(5):
        with pytest.raises(email_code.CodeNotAccepted):
            email_code.verify_code(challenge.pk, wrong_code(right))
    assert EmailChallenge.objects.get().failed_attempts == 5
    with pytest.raises(email_code.CodeNotAccepted) as refused:
        email_code.verify_code(challenge.pk, right)
    assert refused.value.reason == email_code.CodeNotAccepted.VOID


def test_the_fifth_wrong_code_says_the_code_is_void(client, alice):
    ask(client, alice.personal_number, "alice@example.org")
    right = code_from_mail()
    for _ in range(4):
        enter(client, wrong_code(right))
    response = enter(client, wrong_code(right))
    assert "can no longer be used" in response.content.decode()
    assert enter(client, right).status_code == 302  # back to the start: no challenge left
    assert not client.session.get(SESSION_KEY)


def test_the_code_is_stored_only_as_a_hash(client, alice):
    ask(client, alice.personal_number, "alice@example.org")
    code = code_from_mail()
    challenge = EmailChallenge.objects.get()
    row = " ".join(str(value) for value in EmailChallenge.objects.values().get().values())
    assert code not in challenge.code_hash
    assert alice.personal_number.digits not in row
    assert "alice@example.org" not in row


def test_codes_are_rate_limited_per_personal_number(client, alice, settings):
    settings.IDENTITY_CODE_RATE_LIMITS = {
        "personal_number": (3, 3600),
        "email": (100, 3600),
        "ip": (100, 3600),
    }
    for n in range(3):
        assert ask(client, alice.personal_number, f"a{n}@example.org").status_code == 302
    response = ask(client, alice.personal_number, "a9@example.org")
    assert response.status_code == 429
    assert "Too many codes" in response.content.decode()
    assert len(mail.outbox) == 3


def test_codes_are_rate_limited_per_email_address(client, settings):
    settings.IDENTITY_CODE_RATE_LIMITS = {
        "personal_number": (100, 3600),
        "email": (3, 3600),
        "ip": (100, 3600),
    }
    for n in range(3):
        assert (
            ask(
                client, make_personal_number("19800101", f"{n:03d}"), "victim@example.org"
            ).status_code
            == 302
        )
    response = ask(client, make_personal_number("19800101", "999"), "VICTIM@example.org")
    assert response.status_code == 429
    assert len(mail.outbox) == 3


def test_codes_are_rate_limited_per_client_address(settings):
    settings.IDENTITY_CODE_RATE_LIMITS = {
        "personal_number": (100, 3600),
        "email": (100, 3600),
        "ip": (3, 3600),
    }
    bot = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(3):
        assert (
            ask(bot, make_personal_number("19800101", f"{n:03d}"), f"x{n}@example.org").status_code
            == 302
        )
    assert ask(bot, make_personal_number("19800101", "998"), "y@example.org").status_code == 429
    neighbour = Client(REMOTE_ADDR="203.0.113.8")
    assert (
        ask(neighbour, make_personal_number("19800101", "997"), "z@example.org").status_code == 302
    )


def test_a_filled_honeypot_sends_nothing_but_looks_the_same(client, alice):
    response = ask(
        client, alice.personal_number, "alice@example.org", website="http://spam.example"
    )
    assert response.status_code == 302
    assert response["Location"] == "/en/identity/code/verify/"
    assert mail.outbox == []
    assert not EmailChallenge.objects.exists()


def test_errors_are_tied_to_their_fields_and_the_number_is_not_echoed(client):
    response = client.post(START, {"personal_number": "19121212-1213", "email": "not-an-address"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-describedby="id_personal_number_helptext id_personal_number_error"' in html
    assert 'id="id_personal_number_helptext"' in html
    assert 'id="id_personal_number_error"' in html
    assert 'aria-describedby="id_email_helptext id_email_error"' in html
    assert html.count('aria-invalid="true"') == 2
    assert "19121212-1213" not in html
    assert "wrong check digit" in html


def test_the_code_page_without_a_request_sends_you_to_the_start(client):
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response["Location"] == "/en/identity/code/"


def test_the_code_pages_work_in_swedish_and_english(client):
    assert client.get("/identity/code/").status_code == 200
    page = client.get(START).content.decode()
    assert '<html lang="en">' in page
    assert 'for="id_personal_number"' in page


def test_no_personal_number_reaches_the_logs(client, alice, caplog, settings):
    caplog.set_level(logging.DEBUG)
    settings.IDENTITY_CODE_RATE_LIMITS = {"personal_number": (1, 3600)}
    ask(client, alice.personal_number, "alice@example.org")
    enter(client, wrong_code(code_from_mail()))
    enter(client, code_from_mail())
    ask(client, alice.personal_number, "alice@example.org")  # refused by the limit
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "signed in" in text and "rate limit" in text
    assert alice.personal_number.digits[2:] not in text
    assert "alice@example.org" not in text


class BrokenMailServer:
    """An e-mail backend whose server refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")

    def open(self):
        pass

    def close(self):
        pass


def test_a_mail_server_failure_is_explained_and_leaves_no_code(client, alice, settings):
    settings.EMAIL_BACKEND = "tests.identity.test_email_code.BrokenMailServer"
    response = ask(client, alice.personal_number, "alice@example.org")
    assert response.status_code == 503
    assert "could not send the e-mail" in response.content.decode()
    assert not EmailChallenge.objects.exists()
    assert client.get(VERIFY)["Location"] == "/en/identity/code/"


def test_an_unsafe_next_address_is_dropped(client, alice):
    ask(client, alice.personal_number, "alice@example.org", next="https://evil.example/")
    response = enter(client, code_from_mail())
    assert response["Location"] == "/en/"


def test_the_forms_need_a_csrf_token(alice):
    strict = Client(enforce_csrf_checks=True)
    assert ask(strict, alice.personal_number, "alice@example.org").status_code == 403
    assert mail.outbox == []
    assert strict.post("/en/identity/eid/start/", {"next": "/"}).status_code == 403
    assert strict.post("/en/identity/logout/").status_code == 403
