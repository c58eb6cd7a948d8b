"""Bounded dates: a date a person types is accepted only inside the range that makes sense
for that field, relative to today (and, where the caller knows it, to the case: the
application's filing date, the notice's start). One ``DateRule`` per field, defined once
by the app that owns the field and reused by its form, its API serializer and its service,
so the page, the API and a direct service call refuse the same dates with the same message.
Bounds are computed on ``date`` values a few days from today, so 0001-01-01 or 9999-12-31
are refused, never overflowed."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def as_local_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            return value.date()
        try:
            return timezone.localtime(value).date()
        except OverflowError:  # 0001-01-01 00:00 or 9999-12-31 23:59 in a zone far from ours
            return value.date()
    return value


@dataclass(frozen=True)
class DateRule:
    """The range of one date field: from ``past`` days (or months) before today to ``future``
    days (or months) after it; ``past=None``: no bound of its own before (the service gives one
    from the case). ``why`` says the rule in words; the message names the bounds."""

    label: str
    past: int | None
    future: int
    why: str = ""
    months: bool = False

    def bounds(self, *, today: dt.date | None = None, not_before: dt.date | None = None,
               not_after: dt.date | None = None) -> tuple[dt.date, dt.date]:
        today = today or timezone.localdate()
        if self.months:
            high = add_months(today, self.future)
            low = dt.date.min if self.past is None else add_months(today, -self.past)
        else:
            high = today + dt.timedelta(days=self.future)
            low = dt.date.min if self.past is None else today - dt.timedelta(days=self.past)
        if not_before is not None and not_before > low:
            low = not_before
        if not_after is not None and not_after < high:
            high = not_after
        return low, high

    def message(self, low: dt.date, high: dt.date, why: str = "") -> str:
        fmt = "%Y-%m" if self.months else "%Y-%m-%d"
        why = why or self.why
        if low == dt.date.min:
            text = _("%(label)s不能晚于 %(high)s") % {"label": self.label, "high": high.strftime(fmt)}
        else:
            text = _("%(label)s应在 %(low)s 至 %(high)s 之间") % {
                "label": self.label, "low": low.strftime(fmt), "high": high.strftime(fmt)}
        return f"{text}（{why}）。" if why else f"{text}。"

    def check(self, value: dt.date | dt.datetime, *, field: str | None = None, today: dt.date | None = None,
              not_before: dt.date | None = None, not_after: dt.date | None = None, why: str = ""):
        """``value`` if it lies in the range, else a ValidationError (keyed by ``field`` if given)."""
        low, high = self.bounds(today=today, not_before=not_before, not_after=not_after)
        day = as_local_date(value)
        if self.months:
            day = day.replace(day=1)
        if not low <= day <= high:
            message = self.message(low, high, why)
            raise ValidationError({field: message} if field else message, code="date_out_of_range")
        return value

    def validator(self):
        """A field validator (Django forms and DRF serializers both run it) for the bounds that
        need no context; the service adds the case's own bounds."""
        return _RuleValidator(self)


class _RuleValidator:
    def __init__(self, rule: DateRule):
        self.rule = rule

    def __call__(self, value) -> None:
        if value is not None:
            self.rule.check(value)

    def __eq__(self, other) -> bool:  # migrations and DRF compare validators
        return isinstance(other, _RuleValidator) and other.rule == self.rule
