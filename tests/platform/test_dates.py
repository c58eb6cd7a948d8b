"""civilaffairs.lib.dates: a DateRule's bounds, message and validator, with no database."""
from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

from civilaffairs.lib.dates import DateRule, add_months

TODAY = dt.date(2026, 12, 2)
RULE = DateRule("核对基准日", past=30, future=0, why="不能晚于今天，最早为 30 天前")


@pytest.mark.parametrize("day, ok", [
    (TODAY - dt.timedelta(days=31), False), (TODAY - dt.timedelta(days=30), True),
    (TODAY - dt.timedelta(days=29), True), (TODAY, True), (TODAY + dt.timedelta(days=1), False),
    (dt.date.min, False), (dt.date.max, False),
])
def test_a_rule_accepts_exactly_its_range(day, ok):
    if ok:
        assert RULE.check(day, today=TODAY) == day
    else:
        with pytest.raises(ValidationError) as exc:
            RULE.check(day, field="as_of", today=TODAY)
        assert exc.value.message_dict["as_of"] == ["核对基准日应在 2026-11-02 至 2026-12-02 之间（不能晚于今天，最早为 30 天前）。"]


def test_the_case_narrows_a_rule_and_an_open_lower_bound_is_said_as_not_after():
    visit = DateRule("入户时间", past=None, future=0, why="不早于申请日期，不晚于今天")
    assert visit.check(dt.date(1, 1, 1), today=TODAY) == dt.date(1, 1, 1)  # the service adds the floor
    with pytest.raises(ValidationError, match="2026-12-01 至 2026-12-02"):
        visit.check(dt.date(2026, 11, 30), today=TODAY, not_before=dt.date(2026, 12, 1))
    with pytest.raises(ValidationError, match="入户时间不能晚于 2026-12-02"):
        visit.check(dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone.utc), today=TODAY)


def test_a_month_rule_counts_whole_months():
    month = DateRule("发放月份", past=12, future=1, months=True)
    assert month.bounds(today=TODAY) == (dt.date(2025, 12, 1), dt.date(2027, 1, 1))
    assert month.check(dt.date(2027, 1, 31), today=TODAY)
    with pytest.raises(ValidationError, match="2025-12 至 2027-01"):
        month.check(dt.date(2025, 11, 30), today=TODAY)
    assert add_months(dt.date(2026, 1, 31), -1) == dt.date(2025, 12, 1)


def test_one_validator_serves_a_form_and_a_serializer():
    rule = DateRule("公示开始日期", past=0, future=30)

    class Form(forms.Form):
        day = forms.DateField(validators=[rule.validator()])

    class Body(serializers.Serializer):
        day = serializers.DateField(validators=[rule.validator()])

    for value in ("9999-12-31", "0001-01-01"):
        form = Form({"day": value})
        assert not form.is_valid() and "公示开始日期应在" in form.errors["day"][0]
        body = Body(data={"day": value})
        assert not body.is_valid() and "公示开始日期应在" in str(body.errors["day"][0])
