"""Money limits of social assistance: dated, region-scoped policy parameters (inherited down the
region tree like every parameter), each clamped to the hard cap the database enforces, so a
service always refuses with a clear message before a CheckConstraint would."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from civilaffairs.lib.money import to_money
from civilaffairs.registry.selectors import ParameterMissing, parameter_rows

from .models import DECLARED_INCOME_MAX, MONTHLY_AMOUNT_MAX, ONE_OFF_AMOUNT_MAX

HARD_CAPS = {
    "temporary_aid_ceiling": ONE_OFF_AMOUNT_MAX,
    "emergency_township_ceiling": ONE_OFF_AMOUNT_MAX,
    "decision_second_approval_monthly": MONTHLY_AMOUNT_MAX,
    "decision_second_approval_one_off": ONE_OFF_AMOUNT_MAX,
    "declared_income_max": DECLARED_INCOME_MAX,
}
LIMIT_KEYS = tuple(HARD_CAPS)


@dataclass(frozen=True)
class Limits:
    values: dict[str, Decimal]
    sources: dict[str, dict]  # key → {"value", "region", "effective_from"}: recorded with the decision

    def __getitem__(self, key: str) -> Decimal:
        return self.values[key]

    def as_dict(self) -> dict:
        return self.sources


def money_limits(*, region_code: str, on: dt.date) -> Limits:
    """The limits in force at ``region_code`` on ``on``. No value for that date is the caller's
    ValidationError (a date before the parameters' first effective date), never a 500."""
    try:
        rows = parameter_rows(keys=LIMIT_KEYS, region_code=region_code, on=on)
    except ParameterMissing:
        raise ValidationError(_("%(on)s 没有适用的救助金额上限参数，请联系管理员设置后再办理。")
                              % {"on": on.isoformat()}) from None
    values = {key: to_money(min(rows[key].value, HARD_CAPS[key])) for key in LIMIT_KEYS}
    sources = {key: {"value": str(values[key]), "region": rows[key].region_id,
                     "effective_from": rows[key].effective_from.isoformat()} for key in LIMIT_KEYS}
    return Limits(values=values, sources=sources)


def check_temporary_amount(amount: Decimal | None, limits: Limits, *, field: str | None = None) -> None:
    """A temporary-aid amount within [0, ceiling per case]."""
    if amount is None:
        return
    if not amount.is_finite() or amount < 0:
        message = _("临时救助金额必须是不小于零的有效金额。")
    elif amount > limits["temporary_aid_ceiling"]:
        source = limits.sources["temporary_aid_ceiling"]
        message = _("临时救助金额 %(a)s 元超过单次上限 %(max)s 元（%(region)s 自 %(since)s 起执行），不能办理。") % {
            "a": to_money(amount), "max": limits["temporary_aid_ceiling"], "region": source["region"],
            "since": source["effective_from"]}
    else:
        return
    raise ValidationError({field: message} if field else message)


def needs_second_approver(*, monthly_total: Decimal, one_off_total: Decimal, limits: Limits) -> bool:
    """A decision strictly above either threshold takes a second district approver."""
    return (monthly_total > limits["decision_second_approval_monthly"]
            or one_off_total > limits["decision_second_approval_one_off"])
