"""SqlConnector.export's per-column converters do exactly what coerce() does."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from datamap.connectors.sql import coerce, converter

STOCKHOLM = ZoneInfo("Europe/Stockholm")
VALUES = [
    None,
    "",
    "text",
    "Åsa",
    7,
    0,
    True,
    False,
    1.5,
    0.1 + 0.2,
    Decimal("1.2345"),
    Decimal("0.500"),
    Decimal("-0"),
    Decimal("12"),
    "2016-11-27 00:00:00",
    "2016-11-27 00:00:00+00:00",
    "2016-11-27T01:00:00.250000+01:00",
    "2016-11-27T00:00:00Z",
    "2016-11-27",
    datetime.datetime(2024, 3, 31, 2, 30, tzinfo=datetime.UTC),
    datetime.datetime(2024, 3, 31, 3, 30, tzinfo=STOCKHOLM),
    datetime.datetime(2024, 3, 31, 3, 30, tzinfo=datetime.UTC).replace(tzinfo=None),
    datetime.date(2024, 2, 29),
]
KINDS = ["str", "int", "bool", "date", "datetime", "decimal", "decimal2", "decimal3"]


def outcome(function, value):
    try:
        result = function(value)
    except (ValueError, TypeError, ArithmeticError) as exc:
        return ("error", type(exc).__name__)
    return (type(result), result, str(result))


@pytest.mark.parametrize("kind", KINDS)
def test_converter_equals_coerce(kind):
    convert = converter(kind)
    for value in VALUES:
        assert outcome(convert, value) == outcome(lambda v: coerce(v, kind), value), (kind, value)
