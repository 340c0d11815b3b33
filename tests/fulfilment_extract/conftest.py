"""Fixtures for the register extract, the data export and the print batch."""

import datetime
import io
import types
from decimal import Decimal

import pytest
from django.core.management import call_command

from datamap import democis
from identity.levels import IdentityLevel
from tests.rights_requests.factories import file_request

UTC = datetime.UTC


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """The Swedish catalogue, compiled from locale/*/parts/*.po as `make install` does."""
    from asgiref.local import Local
    from django.utils.translation import trans_real

    call_command("compiletranslations", stdout=io.StringIO())
    # What Django's own setting_changed handler does when LOCALE_PATHS change.
    trans_real._default = None
    trans_real._active = Local()
    trans_real._translations = {}


@pytest.fixture
def private_storage(settings, tmp_path):
    """Artifacts go to a temporary private directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    return tmp_path / "private"


class FakeConnector:
    """A connector over fixed rows, for the parts that need no customer database."""

    kind = "sql"

    def __init__(self, data: dict, fields: dict | None = None):
        self.data, self._fields = data, fields or {}

    def categories(self):
        return list(self.data)

    def fields(self, category):
        return self._fields.get(category, [])

    def export(self, subject, category):
        rows = self.data[category]
        yield from (rows() if callable(rows) else rows)


def fake_system(code="cis", name="Kundinformationssystem (CIS)"):
    return types.SimpleNamespace(code=code, name=name, shown_name=name)


def hourly_readings(point: str, start: datetime.datetime, hours: int):
    def rows():
        for i in range(hours):
            yield {
                "metering_point_id": point,
                "hour": start + datetime.timedelta(hours=i),
                "kwh": Decimal("0.500") + Decimal(i % 3) / 1000,
            }

    return rows


READING_FIELDS = [
    ("metering_point_id", "Metering point"),
    ("hour", "Hour starting (UTC)"),
    ("kwh", "Consumption (kWh)"),
]


@pytest.fixture
def demo_data():
    """A customer's rows: identity, invoices, and two months of hourly readings."""
    return {
        "identity": [{"customer_no": "K0000042", "first_name": "Alice", "last_name": "Andersson"}],
        "invoices": [
            {
                "invoice_no": "F0000007",
                "issued_on": datetime.date(2026, 1, 1),
                "amount": Decimal("1234.50"),
            },
            {
                "invoice_no": "F0000008",
                "issued_on": datetime.date(2026, 2, 1),
                "amount": Decimal("987.25"),
            },
        ],
        # 2026-01-01 00:00 Stockholm is 2025-12-31 23:00 UTC: 31 + 28 days of hours.
        "meter-readings": hourly_readings(
            "735999000000000123", datetime.datetime(2025, 12, 31, 23, tzinfo=UTC), (31 + 28) * 24
        ),
    }


@pytest.fixture
def demo_fields():
    return {
        "identity": [
            ("customer_no", "Customer number"),
            ("first_name", "First name"),
            ("last_name", "Last name"),
        ],
        "invoices": [
            ("invoice_no", "Number"),
            ("issued_on", "Invoice date"),
            ("amount", "Amount (SEK)"),
        ],
        "meter-readings": READING_FIELDS,
    }


@pytest.fixture
def fake_connectors(demo_data, demo_fields):
    return [(fake_system(), FakeConnector(demo_data, demo_fields))]


@pytest.fixture
def subject(make_subject):
    return make_subject(
        first_name="Alice",
        last_name="Andersson",
        street_address="Storgatan 1",
        postal_code="392 31",
        city="Kalmar",
    )


@pytest.fixture
def access_request(subject, elnat):
    return file_request(subject, elnat, level=IdentityLevel.HIGH)


@pytest.fixture
def postal_request(subject, elnat):
    return file_request(subject, elnat, level=IdentityLevel.LOW, details={"delivery": "post"})


@pytest.fixture
def customer(make_subject):
    """A DataSubject who is a demo CIS customer of the given companies (the real demo CIS)."""

    def make(companies=democis.KALMAR, *, years=1, **names):
        democis.create_schema()
        subject = make_subject(
            street_address="Storgatan 1", postal_code="392 31", city="Kalmar", **names
        )
        if companies:
            democis.seed(
                [
                    {
                        "personal_number": subject.personal_number,
                        "first_name": subject.first_name,
                        "last_name": subject.last_name,
                        "email": subject.email,
                        "phone": "070-111 22 33",
                        "companies": companies,
                    }
                ],
                years_of_readings=years,
            )
        return subject

    return make
