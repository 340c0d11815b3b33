"""Personal numbers: validation, encryption at rest, look-up hash, masking in logs."""

import datetime as dt
import logging

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from datamap import pii
from datamap.pii import InvalidPersonalNumber, parse_personal_number

TODAY = dt.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("198112189876", "198112189876"),
        ("19811218-9876", "198112189876"),
        ("811218-9876", "198112189876"),
        ("8112189876", "198112189876"),
        (" 19811218 - 9876 ", "198112189876"),
        ("121212+1212", "191212121212"),  # over 100 years old
        ("121212-1212", "201212121212"),
        ("19701063-2391", "197010632391"),  # samordningsnummer: day + 60
    ],
)
def test_valid_numbers_normalise_to_twelve_digits(text, digits):
    assert parse_personal_number(text, today=TODAY).digits == digits


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "19811218-9875",
        "19811318-9874",
        "19810230-1234",
        "1981121898765",
        "20301218-9874",
        "19811218+9876",
        "198112189876\x00",
        "١٩٨١١٢١٨٩٨٧٦",
    ],
)
def test_invalid_numbers_are_refused_with_a_message(text):
    with pytest.raises(InvalidPersonalNumber) as excinfo:
        parse_personal_number(text, today=TODAY)
    assert str(excinfo.value)


def test_coordination_number_gives_the_real_birth_date():
    number = parse_personal_number("19701063-2391", today=TODAY)
    assert number.is_coordination_number
    assert number.birth_date == dt.date(1970, 10, 3)


@given(st.text(max_size=40))
def test_the_parser_never_fails_other_than_with_invalid_personal_number(text):
    try:
        parse_personal_number(text, today=TODAY)
    except InvalidPersonalNumber:
        pass


def test_str_and_repr_never_show_the_full_number():
    number = parse_personal_number("19811218-9876")
    assert "9876" not in str(number) and "9876" not in repr(number)
    assert number.masked() == "19811218-****"


def test_encryption_round_trips_and_is_not_deterministic():
    first, second = pii.encrypt("198112189876"), pii.encrypt("198112189876")
    assert first != second
    assert "198112189876" not in first
    assert pii.decrypt(first) == "198112189876"


def test_lookup_hash_is_keyed_and_stable(settings):
    number = parse_personal_number("19811218-9876")
    first = pii.lookup_hash(number)
    assert first == pii.lookup_hash(parse_personal_number("811218-9876"))
    settings.PII_HASH_KEY = "another key"
    assert pii.lookup_hash(number) != first


def test_key_rotation_reencrypts_under_the_new_key(settings):
    old_token = pii.encrypt("198112189876")
    new_key = Fernet.generate_key().decode()
    settings.PII_ENCRYPTION_KEYS = [new_key, *settings.PII_ENCRYPTION_KEYS]
    rotated = pii.reencrypt(old_token)
    settings.PII_ENCRYPTION_KEYS = [new_key]
    assert pii.decrypt(rotated) == "198112189876"
    with pytest.raises(ValueError):
        pii.decrypt(old_token)


def test_log_filter_masks_personal_numbers_in_messages_and_arguments(caplog):
    logger = logging.getLogger("test.pii")
    logger.addFilter(pii.PersonalNumberLogFilter())
    with caplog.at_level(logging.INFO, logger="test.pii"):
        logger.info("looked up %s and 811218-9876 for invoice 12345678", "198112189876")
    assert "9876" not in caplog.text
    assert "19811218-****" in caplog.text
    assert "12345678" in caplog.text  # not a personal number: left alone


def test_the_configured_logging_masks_on_every_handler(settings):
    handler = settings.LOGGING["handlers"]["console"]
    assert "mask_pii" in handler["filters"]
