"""The deadline engine against legal-rules.md part F and properties over 2025–2040."""

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rights_requests.deadlines import (
    add_months,
    deadline_end,
    due_date,
    extension_notice_due,
    falls_on_eve,
    internal_target,
    is_working_day,
    receipt_date,
    roll_forward,
)

D = dt.date


# legal-rules.md F: received, due, due (+eves), ext due.
WORKED_EXAMPLES = [
    (D(2026, 1, 31), D(2026, 3, 2), D(2026, 3, 2), D(2026, 4, 30)),
    (D(2026, 3, 5), D(2026, 4, 7), D(2026, 4, 7), D(2026, 6, 5)),
    (D(2026, 8, 31), D(2026, 9, 30), D(2026, 9, 30), D(2026, 11, 30)),
    (D(2026, 11, 24), D(2026, 12, 24), D(2026, 12, 28), D(2027, 2, 24)),
    (D(2026, 11, 25), D(2026, 12, 28), D(2026, 12, 28), D(2027, 2, 25)),
]


@pytest.mark.parametrize(("received", "due", "due_eves", "ext"), WORKED_EXAMPLES)
def test_worked_examples_of_the_rulebook(received, due, due_eves, ext):
    assert due_date(received) == due
    assert due_date(received, extend_over_eves=True) == due_eves
    assert due_date(received, 3) == ext
    assert extension_notice_due(received) == due


def test_pause_example_of_the_rulebook_moves_the_deadline_by_the_paused_days():
    # Received Mon 2026-03-02, identity asked 03-03, answered 03-10: 7 days paused.
    assert due_date(D(2026, 3, 2), paused_days=7) == D(2026, 4, 9)


def test_the_extension_notice_date_is_not_moved_by_a_pause():
    assert extension_notice_due(D(2026, 3, 2)) == D(2026, 4, 2)


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (D(2026, 3, 5), D(2026, 4, 5)),
        (D(2026, 8, 31), D(2026, 9, 30)),
        (D(2026, 1, 31), D(2026, 2, 28)),
        (D(2028, 1, 31), D(2028, 2, 29)),
        (D(2026, 12, 31), D(2027, 1, 31)),
    ],
)
def test_one_month_is_the_same_date_or_the_last_day_of_the_month(received, expected):
    assert add_months(received, 1) == expected


def test_three_months_counts_from_receipt_not_chained():
    # R7: 31 Jan + 3 months is 30 Apr (chaining would give 28 Apr).
    assert add_months(D(2026, 1, 31), 3) == D(2026, 4, 30)


def test_holidays_package_gives_the_2026_weekday_holidays_of_the_rulebook():
    public = holidays.Sweden(years=2026, categories=("public",))
    weekday_public = sorted(d for d in public if d.weekday() < 5)
    assert weekday_public == [
        D(2026, 1, 1),
        D(2026, 1, 6),
        D(2026, 4, 3),
        D(2026, 4, 6),
        D(2026, 5, 1),
        D(2026, 5, 14),
        D(2026, 12, 25),
    ]
    eves = holidays.Sweden(years=2026, categories=("de_facto",))
    assert sorted(eves) == [D(2026, 6, 19), D(2026, 12, 24), D(2026, 12, 31)]


def test_eves_are_working_days_unless_the_flag_is_on():
    assert is_working_day(D(2026, 12, 24))
    assert not is_working_day(D(2026, 12, 24), extend_over_eves=True)
    assert falls_on_eve(D(2026, 6, 19)) == "Midsommarafton"
    assert falls_on_eve(D(2026, 6, 18)) is None


def test_midsummer_eve_deadline_stays_by_default():
    # 2027-06-25 is midsommarafton (a Friday): received 2027-05-25 (Tue).
    assert due_date(D(2027, 5, 25)) == D(2027, 6, 25)
    assert due_date(D(2027, 5, 25), extend_over_eves=True) == D(2027, 6, 28)


def test_deadline_rolls_over_easter_and_ascension():
    assert roll_forward(D(2026, 4, 3)) == D(2026, 4, 7)  # Långfredagen -> after Annandag påsk
    assert roll_forward(D(2026, 5, 14)) == D(2026, 5, 15)


STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (dt.datetime(2026, 3, 5, 23, 59, tzinfo=STOCKHOLM), D(2026, 3, 5)),
        (dt.datetime(2026, 3, 6, 0, 1, tzinfo=STOCKHOLM), D(2026, 3, 6)),
        (dt.datetime(2026, 7, 1, 23, 59, tzinfo=STOCKHOLM), D(2026, 7, 1)),
        (dt.datetime(2026, 7, 2, 0, 1, tzinfo=STOCKHOLM), D(2026, 7, 2)),
    ],
)
def test_receipt_date_is_the_stockholm_date_at_2359_and_0001(local, expected):
    assert receipt_date(local.astimezone(dt.UTC)) == expected


def test_receipt_on_the_night_of_the_daylight_saving_change():
    # 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET.
    spring = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # 01:30 CET
    autumn = dt.datetime(2026, 10, 24, 22, 30, tzinfo=dt.UTC)  # 00:30 CEST on the 25th
    assert receipt_date(spring) == D(2026, 3, 29)
    assert receipt_date(autumn) == D(2026, 10, 25)
    assert due_date(receipt_date(autumn)) == D(2026, 11, 25)


def test_naive_receipt_instant_is_refused():
    with pytest.raises(ValueError):
        receipt_date(dt.datetime(2026, 3, 5, 12, 0))  # noqa: DTZ001 - the point of the test


def test_months_outside_art_12_3_are_refused():
    with pytest.raises(ValueError):
        due_date(D(2026, 3, 5), 4)
    with pytest.raises(ValueError):
        due_date(D(2026, 3, 5), paused_days=-1)


def test_deadline_ends_at_the_last_instant_of_the_day_in_stockholm():
    end = deadline_end(D(2026, 4, 7))
    assert end.astimezone(STOCKHOLM).time() == dt.time.max
    assert end.utcoffset() == dt.timedelta(hours=2)


def test_internal_target_counts_working_days():
    assert internal_target(D(2026, 12, 21), 3) == D(2026, 12, 24)
    assert internal_target(D(2026, 12, 23), 2) == D(2026, 12, 28)


receipt_dates = st.dates(min_value=D(2025, 1, 1), max_value=D(2040, 12, 31))


@settings(max_examples=400, deadline=None)
@given(
    received=receipt_dates, months=st.integers(1, 3), paused=st.integers(0, 60), eves=st.booleans()
)
def test_due_date_is_a_working_day_never_before_the_raw_date(received, months, paused, eves):
    due = due_date(received, months, paused_days=paused, extend_over_eves=eves)
    raw = add_months(received, months) + dt.timedelta(days=paused)
    assert is_working_day(due, extend_over_eves=eves)
    assert raw <= due <= raw + dt.timedelta(days=5)  # at most a long Easter weekend
    assert all(
        not is_working_day(raw + dt.timedelta(days=n), extend_over_eves=eves)
        for n in range((due - raw).days)
    )


@settings(max_examples=300, deadline=None)
@given(
    received=receipt_dates, gap=st.integers(1, 400), months=st.integers(1, 3), eves=st.booleans()
)
def test_a_later_receipt_never_gets_an_earlier_deadline(received, gap, months, eves):
    later = received + dt.timedelta(days=gap)
    assert due_date(later, months, extend_over_eves=eves) >= due_date(
        received, months, extend_over_eves=eves
    )


@settings(max_examples=200, deadline=None)
@given(received=receipt_dates, paused=st.integers(0, 60))
def test_more_months_or_more_pause_never_give_an_earlier_deadline(received, paused):
    one, two, three = (due_date(received, m, paused_days=paused) for m in (1, 2, 3))
    assert one <= two <= three
    assert due_date(received, paused_days=paused) >= due_date(received)
    assert due_date(received, extend_over_eves=True) >= due_date(received)
