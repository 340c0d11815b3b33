"""retention.periods: the boundaries of the 21-day and the Bokföringslagen rules, and the cutoff."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from retention.periods import Period, add_months, cutoff, expires_on, is_expired, keep_until

CAMERA = (Period(days=21), "recording")
BFL = (Period(years=7), "financial_year_end")


def test_camera_footage_is_kept_21_days_counting_the_day_of_recording():
    recorded = dt.date(2026, 11, 1)
    assert keep_until(recorded, *CAMERA) == dt.date(2026, 11, 21)
    assert not is_expired(recorded, *CAMERA, today=dt.date(2026, 11, 21))
    assert is_expired(recorded, *CAMERA, today=dt.date(2026, 11, 22))


def test_accounting_records_are_kept_to_31_december_of_the_seventh_year():
    # BFL 7 kap. 2 §, legal-rules.md R28: FY 2026 -> kept to 2033-12-31.
    assert keep_until(dt.date(2026, 12, 31), *BFL) == dt.date(2033, 12, 31)
    assert not is_expired(dt.date(2026, 12, 31), *BFL, today=dt.date(2033, 12, 31))
    assert is_expired(dt.date(2026, 12, 31), *BFL, today=dt.date(2034, 1, 1))


def test_a_broken_financial_year_ending_in_june_is_kept_to_the_same_31_december():
    # FY 2025-07-01..2026-06-30 -> also 2033-12-31 (R28).
    assert keep_until(dt.date(2026, 6, 30), *BFL) == dt.date(2033, 12, 31)


def test_months_end_on_the_same_date_or_the_last_day_of_the_month():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 3, 5), -12) == dt.date(2025, 3, 5)
    assert expires_on(dt.date(2026, 8, 31), Period(months=1), "collection") == dt.date(2026, 9, 30)


def test_the_camera_cutoff_on_the_day_of_expiry_takes_the_first_day_of_recording():
    # On 22 November the footage of 1 November goes, that of 2 November stays.
    assert cutoff(dt.date(2026, 11, 22), *CAMERA) == dt.date(2026, 11, 2)
    assert cutoff(dt.date(2026, 11, 21), *CAMERA) == dt.date(2026, 11, 1)


def test_the_accounting_cutoff_moves_a_whole_year_on_1_january():
    assert cutoff(dt.date(2033, 12, 31), *BFL) == dt.date(2026, 1, 1)  # FY 2025 and earlier
    assert cutoff(dt.date(2034, 1, 1), *BFL) == dt.date(2027, 1, 1)  # now FY 2026 too


def test_a_rule_without_a_period_expires_on_the_day_of_the_event():
    settled = dt.date(2026, 5, 4)
    assert is_expired(settled, Period(), "contract_end_settled", today=settled)
    assert not is_expired(settled, Period(), "contract_end_settled", today=dt.date(2026, 5, 3))


_dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2060, 12, 31))
_periods = st.builds(
    Period,
    years=st.integers(0, 10),
    months=st.integers(0, 24),
    days=st.integers(0, 400),
)
_runs_from = st.sampled_from(["collection", "recording", "financial_year_end", "matter_closed"])


@given(event=_dates, today=_dates, period=_periods, runs_from=_runs_from)
def test_exactly_the_events_before_the_cutoff_have_expired(event, today, period, runs_from):
    assert (event < cutoff(today, period, runs_from)) == is_expired(event, period, runs_from, today)


@given(event=_dates, period=_periods, runs_from=_runs_from)
def test_data_are_kept_on_their_last_day_and_gone_the_day_after(event, period, runs_from):
    last = keep_until(event, period, runs_from)
    assert not is_expired(event, period, runs_from, last)
    assert is_expired(event, period, runs_from, last + dt.timedelta(days=1))
