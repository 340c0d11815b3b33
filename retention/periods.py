"""Retention date arithmetic: pure functions of dates, no database.

A rule keeps data for a period counted from an event. With `expires_on` the first day
on which the data may (and must) go, the data are kept up to and including
`keep_until = expires_on - 1 day`:

* camera footage, 21 days from recording: recorded 1 November, kept 1-21 November,
  erased from 22 November (Kalmar Energi's policy: "Lagring ... sker i 21 dagar");
* accounting records (Bokföringslagen 1999:1078, 7 kap. 2 §): kept "fram till och med det
  sjunde året efter utgången av det kalenderår då räkenskapsåret avslutades", so a
  financial year ending in 2026 is kept to 31 December 2033 and may go on 1 January 2034
  (legal-rules.md R28). The period is counted from the end of that calendar year.
"""

import calendar
import datetime
from dataclasses import dataclass

FINANCIAL_YEAR_END = "financial_year_end"


@dataclass(frozen=True)
class Period:
    years: int = 0
    months: int = 0
    days: int = 0

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Same day of the month `months` later, or that month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def anchor(event: datetime.date, runs_from: str) -> datetime.date:
    """Return the day the period starts running from.

    For accounting records it is the end of the calendar year in which the financial
    year ended (BFL 7 kap. 2 §), i.e. the 1 January after.
    """
    if runs_from == FINANCIAL_YEAR_END:
        return datetime.date(event.year + 1, 1, 1)
    return event


def expires_on(event: datetime.date, period: Period, runs_from: str) -> datetime.date:
    """Return the first day on which the data are no longer kept."""
    start = anchor(event, runs_from)
    return add_months(start, period.total_months) + datetime.timedelta(days=period.days)


def keep_until(event: datetime.date, period: Period, runs_from: str) -> datetime.date:
    """Return the last day on which the data are kept."""
    return expires_on(event, period, runs_from) - datetime.timedelta(days=1)


def is_expired(event: datetime.date, period: Period, runs_from: str, today: datetime.date) -> bool:
    return expires_on(event, period, runs_from) <= today


def cutoff(today: datetime.date, period: Period, runs_from: str) -> datetime.date:
    """Return the day such that exactly the events before it have expired on `today`.

    `expires_on` never decreases as the event moves later, so the boundary is found by
    bisection; a set-based sweep then deletes `WHERE event < cutoff`.
    """
    slack = period.years * 366 + period.months * 31 + period.days + 400
    lo = today.toordinal() - slack  # expired: expires_on(lo) <= today
    hi = today.toordinal() + 1  # not expired: expires_on(hi) > today
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if is_expired(datetime.date.fromordinal(mid), period, runs_from, today):
            lo = mid
        else:
            hi = mid
    return datetime.date.fromordinal(hi)
