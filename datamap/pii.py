"""Swedish personal identity numbers: parsing, encryption at rest, keyed look-up hash.

This is the bottom layer that every part may call: `identity`, `consent` and
`rights_requests` all key personal data by `lookup_hash()`, and nothing stores or
logs a personal number in clear.

Personnummer (Folkbokföringslagen 1991:481, 18 §) is YYMMDD-NNNC with a Luhn check
digit C over the ten digits; the separator turns to '+' from the year the person
turns 100. A samordningsnummer (18 a §) adds 60 to the day of birth.
"""

import datetime
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.translation import gettext_lazy as _

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# ASCII digits only: \d would also accept Arabic-Indic and other Unicode digits.
_PATTERN = re.compile(
    r"^(?P<century>\d{2})?(?P<yymmdd>\d{6})(?P<sep>[-+]?)(?P<serial>\d{3})(?P<check>\d)$", re.ASCII
)


class InvalidPersonalNumber(ValueError):
    """The text is not a valid personnummer or samordningsnummer."""


def luhn_check_digit(nine_digits: str) -> int:
    """Return the Luhn check digit for the nine digits YYMMDDNNN."""
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


@dataclass(frozen=True)
class PersonalNumber:
    """A validated personal number, normalised to twelve digits YYYYMMDDNNNC."""

    digits: str

    @property
    def is_coordination_number(self) -> bool:
        return int(self.digits[6:8]) > 60

    @property
    def birth_date(self) -> datetime.date:
        day = int(self.digits[6:8])
        if day > 60:
            day -= 60
        return datetime.date(int(self.digits[:4]), int(self.digits[4:6]), day)

    def formatted(self) -> str:
        return f"{self.digits[:8]}-{self.digits[8:]}"

    def masked(self) -> str:
        """Show the date of birth only, as staff lists do (YYYYMMDD-****)."""
        return f"{self.digits[:8]}-****"

    def __str__(self) -> str:  # never print the number by accident
        return self.masked()

    def __repr__(self) -> str:
        return f"PersonalNumber({self.masked()})"


def parse_personal_number(text: str, *, today: datetime.date | None = None) -> PersonalNumber:
    """Parse and validate a personnummer or samordningsnummer; raise InvalidPersonalNumber.

    Accepts 10 or 12 digits, with or without '-' (or '+' for those aged 100 or more),
    and surrounding or inner spaces.
    """
    if not isinstance(text, str):
        raise InvalidPersonalNumber(_("Enter a personal identity number."))
    if len(text) > 40:
        raise InvalidPersonalNumber(
            _("Enter the personal identity number as YYYYMMDD-NNNN (12 digits).")
        )
    cleaned = re.sub(r"\s+", "", text)
    match = _PATTERN.match(cleaned)
    if not match or len(cleaned) > 13:
        raise InvalidPersonalNumber(
            _("Enter the personal identity number as YYYYMMDD-NNNN (12 digits).")
        )
    yymmdd, serial, check = match["yymmdd"], match["serial"], match["check"]
    if luhn_check_digit(yymmdd + serial) != int(check):
        raise InvalidPersonalNumber(_("The personal identity number has a wrong check digit."))
    today = today or datetime.datetime.now(STOCKHOLM).date()
    if match["century"]:
        if match["sep"] == "+":
            raise InvalidPersonalNumber(_("Write a 12-digit number without '+'."))
        year = int(match["century"] + yymmdd[:2])
    else:
        year = _infer_year(int(yymmdd[:2]), plus=match["sep"] == "+", today=today)
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    if day > 60:
        day -= 60
    try:
        born = datetime.date(year, month, day)
    except ValueError:
        raise InvalidPersonalNumber(
            _("The personal identity number has no valid date of birth.")
        ) from None
    if born > today:
        raise InvalidPersonalNumber(_("The date of birth lies in the future."))
    return PersonalNumber(f"{year:04d}{yymmdd[2:]}{serial}{check}")


def _infer_year(yy: int, *, plus: bool, today: datetime.date) -> int:
    year = today.year - today.year % 100 + yy
    if year > today.year:
        year -= 100
    if plus:
        year -= 100
    return year


# --- Encryption at rest ---------------------------------------------------------------


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _cipher() -> MultiFernet:
    return _fernet(tuple(settings.PII_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    """Encrypt with the newest key (Fernet: AES-128-CBC + HMAC-SHA256)."""
    return _cipher().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("cannot decrypt: no configured key matches") from None


def reencrypt(token: str) -> str:
    """Re-encrypt a token under the newest key (key rotation)."""
    return _cipher().rotate(token.encode()).decode()


def lookup_hash(number: PersonalNumber) -> str:
    """Return the keyed hash (HMAC-SHA256) by which a person is looked up."""
    return hmac.new(
        settings.PII_HASH_KEY.encode(), number.digits.encode(), hashlib.sha256
    ).hexdigest()


# --- Logs --------------------------------------------------------------------------------

_IN_TEXT = re.compile(r"(?<!\d)(\d{2})?(\d{6})[-+ ]?(\d{4})(?!\d)", re.ASCII)


def mask_personal_numbers(text: str) -> str:
    """Replace anything shaped like a personal number with its masked form."""

    def replace(match: re.Match) -> str:
        candidate = match.group(0)
        digits = re.sub(r"\D", "", candidate)
        if luhn_check_digit(digits[-10:-1]) != int(digits[-1]):
            return candidate
        return f"{(match.group(1) or '')}{match.group(2)}-****"

    return _IN_TEXT.sub(replace, text)


class PersonalNumberLogFilter(logging.Filter):
    """Mask personal numbers in every log record before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logged as it is
            return True
        masked = mask_personal_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
