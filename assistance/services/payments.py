"""Price-subsidy rounds (物价补贴). Rolls and payment lines are the platform's ledger: see
civilaffairs.payments.services; assistance's lines come from its payable source (assistance.payables)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log

from .. import dates
from ..models import SUBSIDY_MULTIPLIER_MAX, SUBSIDY_PER_PERSON_MAX, PriceSubsidyRound, Programme

__all__ = ["price_subsidy_round_create", "first_of_month"]


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


@transaction.atomic
def price_subsidy_round_create(*, actor, name: str, month: dt.date, amount_per_person: Decimal,
                               multiplier: Decimal = Decimal("1"), programmes: list[str]) -> PriceSubsidyRound:
    if not (getattr(actor, "is_superuser", False) or user_can(actor, Capability.EDIT_PARAMETERS, "3302")):
        raise PermissionDenied(_("物价补贴由市级管理员设置。"))
    if not programmes or any(p not in Programme.values for p in programmes):
        raise ValidationError({"programmes": _("请选择适用的救助项目。")})
    if amount_per_person <= 0 or multiplier <= 0:
        raise ValidationError(_("金额和倍数必须大于零。"))
    if amount_per_person > SUBSIDY_PER_PERSON_MAX:
        raise ValidationError({"amount_per_person": _("每人金额不能超过 %(max)s 元。") % {"max": SUBSIDY_PER_PERSON_MAX}})
    if multiplier > SUBSIDY_MULTIPLIER_MAX:
        raise ValidationError({"multiplier": _("倍数不能超过 %(max)s。") % {"max": SUBSIDY_MULTIPLIER_MAX}})
    dates.SUBSIDY_MONTH.check(month, field="month")
    try:
        with transaction.atomic():
            r = PriceSubsidyRound.objects.create(name=name.strip(), month=first_of_month(month),
                                                 amount_per_person=amount_per_person, multiplier=multiplier,
                                                 programmes=sorted(set(programmes)), created_by=actor)
    except IntegrityError as exc:
        raise ValidationError(str(exc)) from exc
    audit_log(actor=actor, action="assistance.price_subsidy_created", obj=r,
              after={"month": r.month, "amount": amount_per_person, "multiplier": multiplier,
                     "programmes": r.programmes})
    return r
