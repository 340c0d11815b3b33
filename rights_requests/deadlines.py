"""Legal deadlines for data-subject requests. Pure functions, no database.

The rules and their sources are in legal-rules.md, part A and the worked examples in F:

1. The clock starts on the date of receipt in Europe/Stockholm (GDPR Art. 12(3); R2).
2. One month ends on the same date of the next month, or on that month's last day when
   there is no such date (Reg. 1182/71 Art. 3(2)(c); EDPB-GL §160; R3).
3. Days paused while waiting for identity or clarification are added (EDPB-GL §159; R9).
4. A deadline on a Saturday, Sunday or Swedish public holiday (Lag 1989:253) moves to the
   next working day (Reg. 1182/71 Art. 3(4); R4). The three eves count as working days
   unless the entity's flag says otherwise (R5).
5. An extension runs to receipt + 3 months at most (Art. 12(3); IMY; R7), and its notice
   is due by the unpaused one-month date.
"""

import calendar
import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MAX_MONTHS = 3  # Art. 12(3): one month, extendable by two further months.


def receipt_date(received_at: datetime.datetime) -> datetime.date:
    """Return the Stockholm calendar date of a receipt instant (R2)."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    return received_at.astimezone(STOCKHOLM).date()


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return the same date `months` later, or that month's last day (R3)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=64)
def _non_working_days(year: int, with_eves: bool) -> frozenset[datetime.date]:
    categories = ("public", "de_facto") if with_eves else ("public",)
    return frozenset(holidays.Sweden(years=year, categories=categories).keys())


def is_working_day(day: datetime.date, *, extend_over_eves: bool = False) -> bool:
    """Return False on Saturdays, Sundays and Swedish public holidays (R4, R35).

    With `extend_over_eves`, midsommarafton, julafton and nyårsafton are non-working too (R5).
    """
    return day.weekday() < 5 and day not in _non_working_days(day.year, extend_over_eves)


def roll_forward(day: datetime.date, *, extend_over_eves: bool = False) -> datetime.date:
    """Return `day`, or the next working day if it is not one (R4)."""
    while not is_working_day(day, extend_over_eves=extend_over_eves):
        day += datetime.timedelta(days=1)
    return day


def add_working_days(
    day: datetime.date, count: int, *, extend_over_eves: bool = False
) -> datetime.date:
    """Return the date `count` working days after `day`."""
    while count > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day, extend_over_eves=extend_over_eves):
            count -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Count working days after `start` up to and including `end` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_working_day(day)
    return count


def due_date(
    received_on: datetime.date,
    months: int = 1,
    *,
    paused_days: int = 0,
    extend_over_eves: bool = False,
) -> datetime.date:
    """Return the last day on which a request received on `received_on` may be answered.

    `months` is 1 for the ordinary deadline, up to 3 for an extended one (R7);
    `paused_days` are the days spent waiting for identity or clarification (R9).
    """
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be between 1 and {MAX_MONTHS} (GDPR Art. 12(3))")
    if paused_days < 0:
        raise ValueError("paused_days cannot be negative")
    raw = add_months(received_on, months) + datetime.timedelta(days=paused_days)
    return roll_forward(raw, extend_over_eves=extend_over_eves)


def extension_notice_due(
    received_on: datetime.date, *, extend_over_eves: bool = False
) -> datetime.date:
    """Return the last day to send a reasoned extension or refusal notice (R7, R8).

    It is the one-month date, not moved by a pause (legal-rules.md H.3, the conservative
    reading).
    """
    return due_date(received_on, 1, extend_over_eves=extend_over_eves)


def internal_target(received_on: datetime.date, working_days: int = 10) -> datetime.date:
    """Return the internal target date: "without undue delay" (R6) as a policy number."""
    return add_working_days(received_on, working_days)


def falls_on_eve(day: datetime.date) -> str | None:
    """Name the eve (midsommarafton, julafton, nyårsafton) a date falls on, if any (R5)."""
    if day in _non_working_days(day.year, True) and day not in _non_working_days(day.year, False):
        return holidays.Sweden(years=day.year, categories=("de_facto",), language="sv").get(day)
    return None


def deadline_end(day: datetime.date) -> datetime.datetime:
    """Return the instant a deadline day ends: 23:59:59.999999 in Stockholm (R3)."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=STOCKHOLM)
