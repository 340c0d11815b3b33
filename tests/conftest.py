"""Fixtures shared by the whole suite: personas and a helper to make demo subjects."""

import pytest

from datamap import pii
from datamap.models import LegalEntity, Organisation


def make_personal_number(birth: str = "19811218", serial: str = "987") -> pii.PersonalNumber:
    """Return a valid personal number for a birth date YYYYMMDD and a 3-digit serial."""
    check = pii.luhn_check_digit(birth[2:] + serial)
    return pii.parse_personal_number(f"{birth}{serial}{check}")


@pytest.fixture
def kalmar(db) -> Organisation:
    return Organisation.objects.get(code="KE")


@pytest.fixture
def landskrona(db) -> Organisation:
    return Organisation.objects.get(code="LE")


@pytest.fixture
def elnat(db) -> LegalEntity:
    return LegalEntity.objects.get(slug="kalmar-energi-elnat")


@pytest.fixture
def make_subject(db):
    from rights_requests.models import DataSubject

    counter = {"n": 0}

    def make(first_name="Alice", last_name="Andersson", email=None, birth="19811218", **extra):
        counter["n"] += 1
        number = make_personal_number(birth, f"{counter['n']:03d}")
        subject = DataSubject(
            first_name=first_name,
            last_name=last_name,
            email=email if email is not None else f"{first_name.lower()}@example.org",
            **extra,
        )
        subject.set_personal_number(number)
        subject.save()
        return subject

    return make
