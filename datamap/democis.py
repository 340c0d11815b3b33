"""The demo customer information system (CIS): an outside database the SQL connector reaches.

It lives in the Django alias "cis" (settings.DATABASES["cis"]; CIS_DATABASE_URL), is
built with plain SQL that runs on SQLite and PostgreSQL, and is never migrated by
Django. Like a real utility's CIS it keeps the personal number in its own column; the
portal finds a customer by the keyed look-up hash (`pii.lookup_hash`), which the CIS
stores beside it.

Each customer record belongs to one company (legal entity slug in `company`): the three
Kalmar companies and Landskrona Energi are separate controllers sharing one system.

Functions:
- `create_schema()` creates the tables (idempotent);
- `seed(customers, years_of_readings=1)` adds customers with contracts, metering points,
  hourly readings, invoices, cases and subscriptions (idempotent per customer);
- `seed_for_demo(subjects)` does that for the demo DataSubjects (called by seed_demo);
- `generate(n_customers, ...)` bulk-loads synthetic customers for benchmarks;
- `connector_config(categories)` is the SQL connector configuration for the System rows.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db import connections, transaction
from django.utils.translation import gettext_noop as N_

from datamap import pii

ALIAS = "cis"
UTC = datetime.UTC

KALMAR = ("kalmar-energi-forsaljning", "kalmar-energi-varme", "kalmar-energi-elnat")
LANDSKRONA = ("landskrona-energi",)
# What each company sells: contract kinds (a grid company meters by law, ellagen 1997:857).
PRODUCTS = {
    "kalmar-energi-forsaljning": [("electricity_supply", "Kalmar Energi Rörligt pris")],
    "kalmar-energi-varme": [("district_heating", "Fjärrvärme villa")],
    "kalmar-energi-elnat": [("grid", "Elnät säkring 20 A")],
    "landskrona-energi": [
        ("grid", "Elnät säkring 16 A"),
        ("electricity_supply", "Fast pris 12 mån"),
    ],
}
# Companies that film their sites (the camera-index system).
CAMERA_COMPANIES = ("kalmar-energi-varme", "kalmar-energi-elnat")


def _types(vendor: str) -> dict[str, str]:
    if vendor == "postgresql":
        return {
            "ts": "TIMESTAMP WITH TIME ZONE",
            "bool": "BOOLEAN",
            "money": "NUMERIC(12,2)",
            "energy": "NUMERIC(12,3)",
        }
    return {"ts": "TEXT", "bool": "bool", "money": "NUMERIC", "energy": "REAL"}


SCHEMA = [
    """CREATE TABLE IF NOT EXISTS customers (
        customer_no VARCHAR(20) PRIMARY KEY,
        company VARCHAR(50) NOT NULL,
        personal_number VARCHAR(12),
        lookup_hash VARCHAR(64),
        first_name VARCHAR(100),
        last_name VARCHAR(100),
        street_address VARCHAR(200),
        postal_code VARCHAR(10),
        city VARCHAR(100),
        email VARCHAR(200),
        phone VARCHAR(40),
        language VARCHAR(2),
        customer_since DATE,
        ended_on DATE,
        anonymised_on DATE,
        restricted {bool} NOT NULL DEFAULT FALSE
    )""",
    "CREATE INDEX IF NOT EXISTS customers_lookup ON customers (lookup_hash, company)",
    """CREATE TABLE IF NOT EXISTS contracts (
        contract_no VARCHAR(20) PRIMARY KEY,
        company VARCHAR(50) NOT NULL,
        customer_no VARCHAR(20),
        kind VARCHAR(30) NOT NULL,
        product VARCHAR(100),
        start_date DATE NOT NULL,
        end_date DATE,
        settled_on DATE,
        restricted {bool} NOT NULL DEFAULT FALSE
    )""",
    "CREATE INDEX IF NOT EXISTS contracts_customer ON contracts (customer_no)",
    """CREATE TABLE IF NOT EXISTS metering_points (
        id VARCHAR(18) PRIMARY KEY,
        company VARCHAR(50) NOT NULL,
        customer_no VARCHAR(20),
        contract_no VARCHAR(20),
        kind VARCHAR(30) NOT NULL,
        street_address VARCHAR(200),
        postal_code VARCHAR(10),
        city VARCHAR(100),
        restricted {bool} NOT NULL DEFAULT FALSE,
        readings_restricted {bool} NOT NULL DEFAULT FALSE
    )""",
    "CREATE INDEX IF NOT EXISTS metering_points_customer ON metering_points (customer_no)",
    """CREATE TABLE IF NOT EXISTS meter_readings (
        metering_point_id VARCHAR(18) NOT NULL,
        hour {ts} NOT NULL,
        kwh {energy} NOT NULL,
        PRIMARY KEY (metering_point_id, hour)
    )""",
    """CREATE TABLE IF NOT EXISTS invoices (
        invoice_no VARCHAR(20) PRIMARY KEY,
        company VARCHAR(50) NOT NULL,
        customer_no VARCHAR(20),
        issued_on DATE NOT NULL,
        due_on DATE NOT NULL,
        amount {money} NOT NULL,
        paid_on DATE,
        financial_year_end DATE NOT NULL,
        restricted {bool} NOT NULL DEFAULT FALSE
    )""",
    "CREATE INDEX IF NOT EXISTS invoices_customer ON invoices (customer_no)",
    """CREATE TABLE IF NOT EXISTS cases (
        case_no VARCHAR(20) PRIMARY KEY,
        company VARCHAR(50) NOT NULL,
        customer_no VARCHAR(20),
        opened_on DATE NOT NULL,
        closed_on DATE,
        channel VARCHAR(20),
        topic VARCHAR(200),
        notes TEXT,
        restricted {bool} NOT NULL DEFAULT FALSE
    )""",
    "CREATE INDEX IF NOT EXISTS cases_customer ON cases (customer_no)",
    """CREATE TABLE IF NOT EXISTS subscriptions (
        id VARCHAR(40) PRIMARY KEY,
        company VARCHAR(50) NOT NULL,
        customer_no VARCHAR(20),
        kind VARCHAR(30) NOT NULL,
        email VARCHAR(200),
        phone VARCHAR(40),
        started_on DATE NOT NULL,
        ended_on DATE,
        restricted {bool} NOT NULL DEFAULT FALSE
    )""",
    "CREATE INDEX IF NOT EXISTS subscriptions_customer ON subscriptions (customer_no)",
    """CREATE TABLE IF NOT EXISTS camera_footage (
        id VARCHAR(30) PRIMARY KEY,
        company VARCHAR(50) NOT NULL,
        recorded_at {ts} NOT NULL,
        location VARCHAR(200) NOT NULL,
        camera VARCHAR(50),
        customer_no VARCHAR(20),
        restricted {bool} NOT NULL DEFAULT FALSE
    )""",
    "CREATE INDEX IF NOT EXISTS camera_footage_recorded ON camera_footage (recorded_at)",
]
TABLES = (
    "customers",
    "contracts",
    "metering_points",
    "meter_readings",
    "invoices",
    "cases",
    "subscriptions",
    "camera_footage",
)


def connection(alias: str = ALIAS):
    return connections[alias]


def create_schema(alias: str = ALIAS) -> None:
    """Create the demo CIS tables if they are missing."""
    conn = connection(alias)
    types = _types(conn.vendor)
    with transaction.atomic(using=alias), conn.cursor() as cursor:
        for statement in SCHEMA:
            cursor.execute(statement.format(**types))


def drop_schema(alias: str = ALIAS) -> None:
    conn = connection(alias)
    with transaction.atomic(using=alias), conn.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def counts(alias: str = ALIAS) -> dict[str, int]:
    with connection(alias).cursor() as cursor:
        result = {}
        for table in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            result[table] = cursor.fetchone()[0]
        return result


# --- Seeding ---------------------------------------------------------------------------------


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _gsrn(company: str, number: int) -> str:
    """An 18-digit metering point id in the Swedish GS1 style (735999...)."""
    prefix = {
        "kalmar-energi-elnat": "7359990",
        "kalmar-energi-varme": "7359991",
        "kalmar-energi-forsaljning": "7359992",
        "landskrona-energi": "7359993",
    }[company]
    return f"{prefix}{number:011d}"


def hourly_kwh(rng: random.Random, hour: datetime.datetime, kind: str) -> float:
    """A plausible hourly consumption: higher in winter and in the morning and evening."""
    winter = 1.0 + 0.8 * abs(6.5 - hour.month) / 5.5
    daily = 1.4 if hour.hour in (7, 8, 17, 18, 19, 20) else (0.6 if hour.hour < 6 else 1.0)
    base = 1.8 if kind == "district_heating" else 0.7
    return round(base * winter * daily * (0.7 + 0.6 * rng.random()), 3)


def readings(
    point_id: str, kind: str, *, start: datetime.datetime, hours: int, seed: int
) -> Iterator[tuple[str, str, float]]:
    rng = random.Random(seed)
    step = datetime.timedelta(hours=1)
    moment = start
    for _ in range(hours):
        yield point_id, moment.strftime("%Y-%m-%dT%H:%M:%SZ"), hourly_kwh(rng, moment, kind)
        moment += step


class _Numbers:
    """Allocates the next customer, contract, invoice, case and metering point numbers."""

    def __init__(self, cursor):
        self.next = {}
        for table, column, prefix in (
            ("customers", "customer_no", "K"),
            ("contracts", "contract_no", "A"),
            ("invoices", "invoice_no", "F"),
            ("cases", "case_no", "C"),
        ):
            cursor.execute(f"SELECT MAX({column}) FROM {table}")
            last = cursor.fetchone()[0]
            self.next[prefix] = int(last[1:]) + 1 if last else 1
        cursor.execute("SELECT MAX(SUBSTR(id, 8)) FROM metering_points")
        last = cursor.fetchone()[0]
        self.next[""] = int(last) + 1 if last else 1

    def take(self, prefix: str) -> int:
        value = self.next[prefix]
        self.next[prefix] += 1
        return value

    def number(self, prefix: str) -> str:
        return f"{prefix}{self.take(prefix):07d}"


def _insert(cursor, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(f'%({c})s' for c in columns)})"
    )
    cursor.executemany(sql, rows)


def _copy_readings(alias: str, rows: Iterable[tuple[str, str, float]]) -> None:
    """Load readings fast: COPY on PostgreSQL, executemany in one transaction on SQLite."""
    conn = connection(alias)
    if conn.vendor == "postgresql":
        conn.ensure_connection()
        with (
            conn.connection.cursor() as raw,
            raw.copy("COPY meter_readings (metering_point_id, hour, kwh) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO meter_readings (metering_point_id, hour, kwh) VALUES (%s, %s, %s)", rows
        )


def _customer_rows(
    person: dict,
    company: str,
    numbers: _Numbers,
    *,
    today: datetime.date,
    years_of_readings: int,
    rng: random.Random,
    with_history: bool = True,
):
    """Build the rows of one customer at one company; readings come back as a generator."""
    number: pii.PersonalNumber = person["personal_number"]
    customer_no = numbers.number("K")
    # A former customer: every contract ended on `ended_on` and was settled 30 days later.
    ended = person.get("ended_on")
    settled = ended + datetime.timedelta(days=30) if ended else None
    until = ended or today
    since = person.get("customer_since") or _years_before(until, years_of_readings + 1)
    rows: dict[str, list] = {t: [] for t in TABLES if t != "meter_readings"}
    rows["customers"].append(
        {
            "customer_no": customer_no,
            "company": company,
            "personal_number": number.digits,
            "lookup_hash": pii.lookup_hash(number),
            "first_name": person.get("first_name", ""),
            "last_name": person.get("last_name", ""),
            "street_address": person.get("street_address", "Storgatan 1"),
            "postal_code": person.get("postal_code", "392 31"),
            "city": person.get("city", "Kalmar" if company in KALMAR else "Landskrona"),
            "email": person.get("email", ""),
            "phone": person.get("phone", ""),
            "language": person.get("language", "sv"),
            "customer_since": since.isoformat(),
            "ended_on": _iso(settled),
            "anonymised_on": None,
        }
    )
    reading_streams = []
    start_hour = datetime.datetime.combine(
        _years_before(until, years_of_readings), datetime.time(0), tzinfo=UTC
    )
    hours = int(
        (
            datetime.datetime.combine(until, datetime.time(0), tzinfo=UTC) - start_hour
        ).total_seconds()
        // 3600
    )
    for kind, product in PRODUCTS[company]:
        contract_no = numbers.number("A")
        rows["contracts"].append(
            {
                "contract_no": contract_no,
                "company": company,
                "customer_no": customer_no,
                "kind": kind,
                "product": product,
                "start_date": since.isoformat(),
                "end_date": _iso(ended),
                "settled_on": _iso(settled),
            }
        )
        if with_history:
            # An earlier contract, ended and settled years ago (its retention has run).
            old_start = _years_before(since, 9)
            old_end = since - datetime.timedelta(days=1)
            rows["contracts"].append(
                {
                    "contract_no": numbers.number("A"),
                    "company": company,
                    "customer_no": customer_no,
                    "kind": kind,
                    "product": product + " (tidigare)",
                    "start_date": old_start.isoformat(),
                    "end_date": old_end.isoformat(),
                    "settled_on": (old_end + datetime.timedelta(days=60)).isoformat(),
                }
            )
        point_id = _gsrn(company, numbers.take(""))
        rows["metering_points"].append(
            {
                "id": point_id,
                "company": company,
                "customer_no": customer_no,
                "contract_no": contract_no,
                "kind": kind,
                "street_address": person.get("street_address", "Storgatan 1"),
                "postal_code": person.get("postal_code", "392 31"),
                "city": person.get("city", "Kalmar" if company in KALMAR else "Landskrona"),
            }
        )
        if years_of_readings and kind in ("grid", "district_heating"):
            reading_streams.append(
                readings(point_id, kind, start=start_hour, hours=hours, seed=rng.randrange(1 << 30))
            )
    # Monthly invoices for the last year, and one from an old financial year.
    invoice_months = [(until.year, until.month)]
    for _ in range(11):
        y, m = invoice_months[-1]
        invoice_months.append((y - 1, 12) if m == 1 else (y, m - 1))
    if with_history:
        invoice_months.append((until.year - 9, 6))
    for y, m in invoice_months:
        issued = datetime.date(y, m, 1)
        due = issued + datetime.timedelta(days=30)
        rows["invoices"].append(
            {
                "invoice_no": numbers.number("F"),
                "company": company,
                "customer_no": customer_no,
                "issued_on": issued.isoformat(),
                "due_on": due.isoformat(),
                "amount": str(Decimal(rng.randrange(30000, 250000)) / 100),
                "paid_on": (due - datetime.timedelta(days=3)).isoformat() if due < today else None,
                "financial_year_end": datetime.date(y, 12, 31).isoformat(),
            }
        )
    rows["cases"].append(
        {
            "case_no": numbers.number("C"),
            "company": company,
            "customer_no": customer_no,
            "opened_on": (today - datetime.timedelta(days=40)).isoformat(),
            "closed_on": (today - datetime.timedelta(days=38)).isoformat(),
            "channel": "phone",
            "topic": "Fråga om faktura",
            "notes": "Kunden undrade över en hög faktura i januari; förklarat med kall månad.",
        }
    )
    for kind in ("newsletter", "outage_info"):
        rows["subscriptions"].append(
            {
                "id": f"{customer_no}-{kind}",
                "company": company,
                "customer_no": customer_no,
                "kind": kind,
                "email": person.get("email", "") if kind == "newsletter" else None,
                "phone": person.get("phone", "") if kind == "outage_info" else None,
                "started_on": since.isoformat(),
                "ended_on": _iso(ended),
            }
        )
    if company in CAMERA_COMPANIES and with_history:
        at = datetime.datetime.combine(
            today - datetime.timedelta(days=3), datetime.time(10), tzinfo=UTC
        )
        rows["camera_footage"].append(
            {
                "id": f"V-{customer_no}",
                "company": company,
                "recorded_at": _iso(at),
                "location": "Kundmottagningen, Tjärhovsgatan 2",
                "camera": "CAM-03",
                "customer_no": customer_no,
            }
        )
    return rows, reading_streams


def _has_customer(cursor, number: pii.PersonalNumber, company: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM customers WHERE lookup_hash = %s AND company = %s",
        [pii.lookup_hash(number), company],
    )
    return cursor.fetchone() is not None


def seed(
    customers: list[dict],
    *,
    years_of_readings: int = 1,
    today: datetime.date | None = None,
    alias: str = ALIAS,
    with_history: bool = True,
) -> int:
    """Add each person as a customer of their companies, unless already there; return rows added.

    A person is a dict: personal_number (PersonalNumber or text), first_name, last_name,
    email, phone, street_address, postal_code, city, language, companies (entity slugs;
    default all three Kalmar companies), and for a former customer ended_on (a date: every
    contract ended then and was settled 30 days later; readings and invoices stop then).
    """
    create_schema(alias)
    today = today or datetime.datetime.now(pii.STOCKHOLM).date()
    conn = connection(alias)
    added = 0
    with transaction.atomic(using=alias), conn.cursor() as cursor:
        numbers = _Numbers(cursor)
        for raw in customers:
            person = dict(raw)
            if isinstance(person["personal_number"], str):
                person["personal_number"] = pii.parse_personal_number(person["personal_number"])
            rng = random.Random(f"{person['personal_number'].digits}")
            for company in person.get("companies", KALMAR):
                if _has_customer(cursor, person["personal_number"], company):
                    continue
                rows, streams = _customer_rows(
                    person,
                    company,
                    numbers,
                    today=today,
                    years_of_readings=years_of_readings,
                    rng=rng,
                    with_history=with_history,
                )
                for table, table_rows in rows.items():
                    _insert(cursor, table, table_rows)
                    added += len(table_rows)
                for stream in streams:
                    batch = list(stream)
                    _copy_readings(alias, batch)
                    added += len(batch)
    return added


DEMO_COMPANIES = (
    KALMAR,  # data in all three Kalmar companies
    LANDSKRONA,
    ("kalmar-energi-forsaljning", "landskrona-energi"),
)


def seed_for_demo(subjects, *, companies: dict | None = None, years_of_readings: int = 1) -> int:
    """Seed the CIS for the demo DataSubjects; return the number of rows added.

    By default the first subject is a customer of all three Kalmar companies, the second
    of Landskrona Energi, the third of Kalmar Energi Försäljning and Landskrona, and so on
    in turn. `companies` maps a subject's pk to its entity slugs (an empty tuple: no data).
    """
    people = []
    for index, subject in enumerate(subjects):
        chosen = (companies or {}).get(subject.pk, DEMO_COMPANIES[index % len(DEMO_COMPANIES)])
        if not chosen:
            continue
        people.append(
            {
                "personal_number": subject.personal_number,
                "first_name": subject.first_name,
                "last_name": subject.last_name,
                "email": subject.email,
                "phone": subject.phone or "070-123 45 67",
                "street_address": subject.street_address or "Storgatan 1",
                "postal_code": subject.postal_code or "392 31",
                "city": subject.city or "",
                "language": subject.preferred_language,
                "companies": chosen,
            }
        )
    for person in people:
        if not person["city"]:
            del person["city"]
    return seed(people, years_of_readings=years_of_readings)


def synthetic_number(index: int) -> pii.PersonalNumber:
    """The index-th synthetic personal number (born 1950-1999; serials from 900)."""
    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=index % 18250)
    serial = 900 + index // 18250
    nine = f"{born:%y%m%d}{serial:03d}"
    return pii.PersonalNumber(f"{born:%Y%m%d}{serial:03d}{pii.luhn_check_digit(nine)}")


def generate(
    n_customers: int,
    *,
    years_of_readings: int = 1,
    points_per_customer: int = 2,
    company: str = "kalmar-energi-elnat",
    today: datetime.date | None = None,
    alias: str = ALIAS,
    seed_value: int = 1,
) -> dict[str, int]:
    """Bulk-load synthetic customers for benchmarks; return rows added per table.

    Each customer gets `points_per_customer` metering points with hourly readings
    (10 years × 2 points = 175 200 rows per customer), loaded with COPY on PostgreSQL.
    Idempotent: customer i has the personal number synthetic_number(i), and customers
    already present are skipped, so the call ensures that n customers exist.
    """
    create_schema(alias)
    today = today or datetime.datetime.now(pii.STOCKHOLM).date()
    rng = random.Random(seed_value)
    conn = connection(alias)
    added = dict.fromkeys(TABLES, 0)
    start_hour = datetime.datetime.combine(
        _years_before(today, years_of_readings), datetime.time(0), tzinfo=UTC
    )
    hours = int(
        (
            datetime.datetime.combine(today, datetime.time(0), tzinfo=UTC) - start_hour
        ).total_seconds()
        // 3600
    )
    with transaction.atomic(using=alias), conn.cursor() as cursor:
        numbers = _Numbers(cursor)
        customers, contracts, points, invoices = [], [], [], []
        streams = []
        cursor.execute("SELECT lookup_hash FROM customers WHERE company = %s", [company])
        existing = {row[0] for row in cursor.fetchall()}
        for index in range(n_customers):
            number = synthetic_number(index)
            if pii.lookup_hash(number) in existing:
                continue  # idempotent: the index-th synthetic customer is already there
            serial = index + 1
            customer_no = numbers.number("K")
            customers.append(
                {
                    "customer_no": customer_no,
                    "company": company,
                    "personal_number": number.digits,
                    "lookup_hash": pii.lookup_hash(number),
                    "first_name": "Test",
                    "last_name": f"Kund {serial}",
                    "street_address": f"Provgatan {serial % 90 + 1}",
                    "postal_code": "392 31",
                    "city": "Kalmar",
                    "email": f"kund{serial}@example.org",
                    "phone": "",
                    "language": "sv",
                    "customer_since": "2010-01-01",
                }
            )
            contract_no = numbers.number("A")
            contracts.append(
                {
                    "contract_no": contract_no,
                    "company": company,
                    "customer_no": customer_no,
                    "kind": "grid",
                    "product": "Elnät",
                    "start_date": "2010-01-01",
                }
            )
            for _p in range(points_per_customer):
                point_id = _gsrn(company, numbers.take(""))
                points.append(
                    {
                        "id": point_id,
                        "company": company,
                        "customer_no": customer_no,
                        "contract_no": contract_no,
                        "kind": "grid",
                    }
                )
                streams.append(
                    readings(
                        point_id, "grid", start=start_hour, hours=hours, seed=rng.randrange(1 << 30)
                    )
                )
            invoices.append(
                {
                    "invoice_no": numbers.number("F"),
                    "company": company,
                    "customer_no": customer_no,
                    "issued_on": today.replace(day=1).isoformat(),
                    "due_on": (today.replace(day=1) + datetime.timedelta(days=30)).isoformat(),
                    "amount": "1234.50",
                    "financial_year_end": f"{today.year}-12-31",
                }
            )
        for table, rows in (
            ("customers", customers),
            ("contracts", contracts),
            ("metering_points", points),
            ("invoices", invoices),
        ):
            _insert(cursor, table, rows)
            added[table] += len(rows)
        for stream in streams:
            batch = list(stream)
            _copy_readings(alias, batch)
            added["meter_readings"] += len(batch)
    return added


# --- The SQL connector's configuration for the demo CIS ----------------------------------------

# The subject's customer records at the connector's company.
_CUSTOMER = "company = :company AND lookup_hash = :lookup_hash"
_OF_CUSTOMER = (
    "customer_no IN (SELECT customer_no FROM customers "
    "WHERE company = :company AND lookup_hash = :lookup_hash)"
)
_OF_POINTS = (
    "metering_point_id IN (SELECT id FROM metering_points WHERE company = :company AND "
    + _OF_CUSTOMER
    + ")"
)


def _fact(table: str, event: str, where: str = _OF_CUSTOMER) -> str:
    """The date the retention period runs from: the latest event, or NULL while one is pending."""
    return (
        f"SELECT COUNT(*), CASE WHEN COUNT(*) = COUNT({event}) THEN MAX({event}) END "
        f"FROM {table} WHERE {where}"
    )


# The customer relationship ends when every contract has ended and been settled.
_CONTRACTS_FACT = _fact("contracts", "settled_on")


def _customer_columns(columns: list[tuple[str, str, str]], *, clear: str) -> dict:
    """A category held in columns of the customers row (identity, contact, addresses)."""
    names = ", ".join(c for c, _d, _t in columns)
    return {
        "key": "customer_no",
        "keys": f"SELECT customer_no FROM customers WHERE {_CUSTOMER} ORDER BY customer_no",
        "read": f"SELECT customer_no, {names} FROM customers WHERE {_CUSTOMER} ORDER BY customer_no",
        "fields": [
            ["customer_no", N_("Customer number"), "str"],
            *[[c, d, t] for c, d, t in columns],
        ],
        "rectify": {
            c: f"UPDATE customers SET {c} = :value WHERE {_CUSTOMER}"
            for c, _d, _t in columns
            if c != "personal_number"
        },
        "erase": f"UPDATE customers SET {clear} WHERE {_CUSTOMER}",
        "restrict": f"UPDATE customers SET restricted = TRUE WHERE {_CUSTOMER}",
        "lift": f"UPDATE customers SET restricted = FALSE WHERE {_CUSTOMER}",
        # Retention: the customer relationship ended before the cutoff.
        "expire": {
            "select": "SELECT customer_no FROM customers WHERE company = :company "
            "AND ended_on < :cutoff AND anonymised_on IS NULL ORDER BY customer_no",
            "erase": f"UPDATE customers SET {clear} WHERE customer_no = :key",
        },
    }


def _table(
    table: str,
    key: str,
    columns: list[tuple[str, str, str]],
    *,
    event: str,
    anonymise: str | None = None,
) -> dict:
    """A category that is the subject's rows of one table."""
    names = ", ".join(c for c, _d, _t in columns)
    config = {
        "key": key,
        "keys": f"SELECT {key} FROM {table} WHERE {_OF_CUSTOMER} ORDER BY {key}",
        "read": f"SELECT {key}, {names} FROM {table} WHERE {_OF_CUSTOMER} ORDER BY {key}",
        "fields": [[key, N_("Number"), "str"], *[[c, d, t] for c, d, t in columns]],
        "rectify": {},
        "erase": f"DELETE FROM {table} WHERE {_OF_CUSTOMER}",
        "restrict": f"UPDATE {table} SET restricted = TRUE WHERE {_OF_CUSTOMER}",
        "lift": f"UPDATE {table} SET restricted = FALSE WHERE {_OF_CUSTOMER}",
        "expire": {
            "select": f"SELECT {key} FROM {table} WHERE company = :company "
            f"AND {event} < :cutoff ORDER BY {key}",
            "erase": f"DELETE FROM {table} WHERE {key} = :key",
        },
    }
    if anonymise:
        config["anonymise"] = f"UPDATE {table} SET {anonymise} WHERE {_OF_CUSTOMER}"
        config["expire"]["anonymise"] = f"UPDATE {table} SET {anonymise} WHERE {key} = :key"
    return config


_IDENTITY_CLEAR = (
    "first_name = NULL, last_name = NULL, personal_number = NULL, "
    "lookup_hash = NULL, anonymised_on = CURRENT_DATE"
)

CIS_CATEGORIES = {
    "identity": _customer_columns(
        [
            ("first_name", N_("First name"), "str"),
            ("last_name", N_("Last name"), "str"),
            ("personal_number", N_("Personal identity number"), "str"),
        ],
        clear=_IDENTITY_CLEAR,
    ),
    "contact": _customer_columns(
        [
            ("email", N_("E-mail address"), "str"),
            ("phone", N_("Phone number"), "str"),
            ("language", N_("Language"), "str"),
        ],
        clear="email = NULL, phone = NULL",
    ),
    "addresses": _customer_columns(
        [
            ("street_address", N_("Billing address"), "str"),
            ("postal_code", N_("Postal code"), "str"),
            ("city", N_("City"), "str"),
        ],
        clear="street_address = NULL, postal_code = NULL, city = NULL",
    ),
    "contracts": _table(
        "contracts",
        "contract_no",
        [
            ("kind", N_("Kind of contract"), "str"),
            ("product", N_("Product"), "str"),
            ("start_date", N_("Start date"), "date"),
            ("end_date", N_("End date"), "date"),
            ("settled_on", N_("Finally settled on"), "date"),
        ],
        event="settled_on",
        anonymise="customer_no = NULL",
    ),
    "metering-points": _table(
        "metering_points",
        "id",
        [
            ("kind", N_("Kind"), "str"),
            ("contract_no", N_("Contract number"), "str"),
            ("street_address", N_("Installation address"), "str"),
            ("postal_code", N_("Postal code"), "str"),
            ("city", N_("City"), "str"),
        ],
        event="NULL",
        anonymise="customer_no = NULL, street_address = NULL",
    ),
    "meter-readings": {
        "key": "metering_point_id",
        # One audit line per metering point, with the number of hourly values.
        "keys": "SELECT metering_point_id, COUNT(*) AS hours, MIN(hour) AS first, "
        f"MAX(hour) AS last FROM meter_readings WHERE {_OF_POINTS} "
        "GROUP BY metering_point_id ORDER BY metering_point_id",
        "read": "SELECT metering_point_id, hour, kwh FROM meter_readings "
        f"WHERE {_OF_POINTS} ORDER BY metering_point_id, hour",
        "fields": [
            ["metering_point_id", N_("Metering point"), "str"],
            ["hour", N_("Hour starting (UTC)"), "datetime"],
            ["kwh", N_("Consumption (kWh)"), "decimal3"],
        ],
        "rectify": {},
        "erase": f"DELETE FROM meter_readings WHERE {_OF_POINTS}",
        "restrict": "UPDATE metering_points SET readings_restricted = TRUE "
        f"WHERE company = :company AND {_OF_CUSTOMER}",
        "lift": "UPDATE metering_points SET readings_restricted = FALSE "
        f"WHERE company = :company AND {_OF_CUSTOMER}",
        "expire": {
            "select": "SELECT metering_point_id, COUNT(*) AS hours FROM meter_readings "
            "WHERE metering_point_id IN (SELECT id FROM metering_points "
            "WHERE company = :company) AND hour < :cutoff "
            "GROUP BY metering_point_id ORDER BY metering_point_id",
            "erase": "DELETE FROM meter_readings WHERE metering_point_id = :key AND hour < :cutoff",
        },
    },
    "invoices": _table(
        "invoices",
        "invoice_no",
        [
            ("issued_on", N_("Invoice date"), "date"),
            ("due_on", N_("Due date"), "date"),
            ("amount", N_("Amount (SEK)"), "decimal2"),
            ("paid_on", N_("Paid on"), "date"),
            ("financial_year_end", N_("End of financial year"), "date"),
        ],
        event="financial_year_end",
    ),
    "customer-cases": _table(
        "cases",
        "case_no",
        [
            ("opened_on", N_("Opened on"), "date"),
            ("closed_on", N_("Closed on"), "date"),
            ("channel", N_("Channel"), "str"),
            ("topic", N_("Topic"), "str"),
            ("notes", N_("Notes"), "str"),
        ],
        event="closed_on",
        anonymise="customer_no = NULL, notes = NULL",
    ),
    "subscriptions": _table(
        "subscriptions",
        "id",
        [
            ("kind", N_("Subscription"), "str"),
            ("email", N_("E-mail address"), "str"),
            ("phone", N_("Phone number"), "str"),
            ("started_on", N_("Started on"), "date"),
            ("ended_on", N_("Ended on"), "date"),
        ],
        event="ended_on",
    ),
}
# Customer service's notes may name others: read by staff before release (Art. 15(4)).
CIS_CATEGORIES["customer-cases"]["review"] = ["notes"]
CIS_CATEGORIES["subscriptions"]["rectify"] = {
    c: f"UPDATE subscriptions SET {c} = :value WHERE {_OF_CUSTOMER}" for c in ("email", "phone")
}
# Retention facts (SqlConnector.retention_facts): the date each category's period runs from.
for _code in ("identity", "contact", "addresses", "contracts"):
    CIS_CATEGORIES[_code]["fact"] = _CONTRACTS_FACT
CIS_CATEGORIES["metering-points"]["fact"] = _fact(
    "contracts",
    "settled_on",
    "contract_no IN (SELECT contract_no FROM metering_points WHERE company = :company AND "
    + _OF_CUSTOMER
    + ")",
)
CIS_CATEGORIES["meter-readings"]["fact"] = _fact("meter_readings", "hour", _OF_POINTS)
CIS_CATEGORIES["invoices"]["fact"] = _fact("invoices", "financial_year_end")
CIS_CATEGORIES["customer-cases"]["fact"] = _fact("cases", "closed_on")
CIS_CATEGORIES["subscriptions"]["fact"] = _fact("subscriptions", "ended_on")

# Metering points have no retention event of their own: they go with their contract.
CIS_CATEGORIES["metering-points"]["expire"] = {
    "select": "SELECT id FROM metering_points WHERE company = :company AND contract_no IN "
    "(SELECT contract_no FROM contracts WHERE settled_on < :cutoff) ORDER BY id",
    "erase": "DELETE FROM metering_points WHERE id = :key",
    "anonymise": "UPDATE metering_points SET customer_no = NULL, street_address = NULL "
    "WHERE id = :key",
}

CAMERA_CATEGORIES = {
    "camera-footage": {
        "key": "id",
        "keys": f"SELECT id FROM camera_footage WHERE {_OF_CUSTOMER} ORDER BY id",
        "read": "SELECT id, recorded_at, location, camera FROM camera_footage "
        f"WHERE {_OF_CUSTOMER} ORDER BY recorded_at",
        "fields": [
            ["id", N_("Recording"), "str"],
            ["recorded_at", N_("Recorded at"), "datetime"],
            ["location", N_("Location"), "str"],
            ["camera", N_("Camera"), "str"],
        ],
        "rectify": {},
        "erase": f"DELETE FROM camera_footage WHERE {_OF_CUSTOMER}",
        "restrict": f"UPDATE camera_footage SET restricted = TRUE WHERE {_OF_CUSTOMER}",
        "lift": f"UPDATE camera_footage SET restricted = FALSE WHERE {_OF_CUSTOMER}",
        # Recordings are kept 21 days (the camera-surveillance activity's retention).
        "expire": {
            "select": "SELECT id FROM camera_footage WHERE company = :company "
            "AND recorded_at < :cutoff ORDER BY id",
            "erase": "DELETE FROM camera_footage WHERE id = :key",
        },
    },
}


CAMERA_CATEGORIES["camera-footage"]["fact"] = _fact("camera_footage", "recorded_at")


def connector_config(system_code: str) -> dict:
    """The SQL connector configuration of the demo systems ("cis", "camera-index")."""
    categories = CAMERA_CATEGORIES if system_code == "camera-index" else CIS_CATEGORIES
    return {"database": ALIAS, "categories": categories}


def configure_systems() -> int:
    """Bring the demo systems' connector configuration up to date; return systems changed."""
    from datamap.models import System

    changed = 0
    for code in ("cis", "camera-index"):
        changed += System.objects.filter(code=code).update(
            connector=System.Connector.SQL, connector_config=connector_config(code)
        )
    return changed
