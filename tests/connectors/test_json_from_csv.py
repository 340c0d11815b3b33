"""The export's JSON made from COPY's CSV bytes (datamap.connectors.sql._JsonFromCsv).

The rows against PostgreSQL are in test_copy.py; here the bytes, cut anywhere.
"""

import io
import json

from datamap.connectors.sql import CopyPlan, _JsonFromCsv

HEADER = ["point", "hour", "kwh", 'odd "key", too', "count"]
DERIVE = ("string", "string", "string", "string", "raw")


def plan() -> CopyPlan:
    return CopyPlan(
        header=HEADER, empty_header=HEADER, csv_sql="", json_sql="", params={}, derive=DERIVE
    )


def derive(chunks: list[bytes]) -> tuple[bool, list[dict]]:
    out = io.BytesIO()
    made = _JsonFromCsv(plan(), out)
    for chunk in chunks:
        made.feed(chunk)
    ok = made.finish()
    lines = out.getvalue().decode().splitlines()
    return ok, [json.loads(line) for line in lines]


def expected(rows: list[list]) -> list[dict]:
    return [dict(zip(HEADER, row, strict=True)) for row in rows]


PLAIN = b"".join(
    b"735999%012d,2024-01-01T%02d:00:00+00:00,%d.%03d,x,%d\n" % (n, n % 24, n % 5, n, n)
    for n in range(300)
)


def test_rows_without_nulls_are_joined_and_cut_anywhere_read_the_same():
    rows = [
        [f"735999{n:012d}", f"2024-01-01T{n % 24:02d}:00:00+00:00", f"{n % 5}.{n:03d}", "x", n]
        for n in range(300)
    ]
    for size in (1, 7, 64, 1000, len(PLAIN)):
        chunks = [PLAIN[i : i + size] for i in range(0, len(PLAIN), size)]
        assert derive(chunks) == (True, expected(rows)), size


def test_nulls_escapes_and_unicode_go_row_by_row():
    data = (
        "1,,0.5,tab\there,\n"
        "2,2024-01-01T00:00:00+00:00,,back\\slash,7\n"
        "3,2024-01-01T01:00:00+00:00,1.000,Åsa – \x07 \x1f 😀,-3\n"
    ).encode()
    ok, rows = derive([PLAIN[:200].rsplit(b"\n", 1)[0] + b"\n", data])
    assert ok
    assert rows[-3:] == expected(
        [
            ["1", None, "0.5", "tab\there", None],
            ["2", "2024-01-01T00:00:00+00:00", None, "back\\slash", 7],
            ["3", "2024-01-01T01:00:00+00:00", "1.000", "Åsa – \x07 \x1f 😀", -3],
        ]
    )


def test_a_quoted_field_stops_the_derivation():
    ok, _rows = derive([PLAIN, b'1,2024-01-01T00:00:00+00:00,0.5,"a, b",1\n', PLAIN])
    assert not ok


def test_a_last_row_without_its_line_feed_is_still_read():
    assert derive([b"1,2,3,4,5"]) == (True, expected([["1", "2", "3", "4", 5]]))


def test_a_row_of_the_wrong_width_stops_the_derivation():
    assert derive([b"1,2,3\n"])[0] is False
