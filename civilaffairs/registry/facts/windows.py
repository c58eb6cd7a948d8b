"""The windows every rule, report and score reads department facts through (POLICY.md "Windows").

Defined once, here:

- **Income window** for a check on day D: the 12 whole calendar months before D's month
  (a check on 2024-07-31 or 2024-07-01 reads 2023-07-01 … 2024-06-30). A ``MONTHLY`` fact
  (income, pension) counts when the month its period starts in lies in the window; an
  ``EXPENSE`` fact counts when its date (``period_start``) does; a current-month record is
  never counted. Monthly income = the window's total ÷ 12, kept exact (never rounded before
  the last step).
- **Balance** (``BALANCE``, financial assets): per person, source and account, the latest
  balance dated (``period_end``) on or before D and not before the window's start.
- **Holding / status** (``HOLDING``, ``STATUS``: property, vehicles, certificates, illness,
  custody, missing, enrolment, employment): holds on D when ``period_start <= D <= period_end``
  (an open end is ``schema.OPEN_END``) — validity, not a 12-month window.
- **Recent** (a programme's look-back, e.g. 急难型's 90 days): ``recent_start < day <= D``.
- **Event** (death, court declaration): happened on ``period_start``, counts from that day.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MONTHS = 12


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Window:
    as_of: dt.date
    recent_days: int = 90

    @property
    def income_start(self) -> dt.date:
        return add_months(self.as_of, -MONTHS)

    @property
    def income_end(self) -> dt.date:
        """The last day of the window (the last day of the month before ``as_of``'s)."""
        return month_start(self.as_of) - dt.timedelta(days=1)

    @property
    def months(self) -> list[dt.date]:
        """The first day of each month of the income window, oldest first."""
        return [add_months(self.as_of, k) for k in range(-MONTHS, 0)]

    @property
    def recent_start(self) -> dt.date:
        return self.as_of - dt.timedelta(days=self.recent_days)

    def in_income_window(self, day: dt.date) -> bool:
        return self.income_start <= day <= self.income_end

    def holds(self, start: dt.date, end: dt.date) -> bool:
        return start <= self.as_of <= end

    def recent(self, day: dt.date) -> bool:
        return self.recent_start < day <= self.as_of

    def sql_params(self) -> dict:
        """The named parameters the SQL twins use for this window."""
        return {"on": self.as_of, "income_start": self.income_start, "income_end": self.income_end,
                "recent_start": self.recent_start}


def window(as_of: dt.date, *, recent_days: int = 90) -> Window:
    return Window(as_of=as_of, recent_days=recent_days)
