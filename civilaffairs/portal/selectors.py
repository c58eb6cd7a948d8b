"""Reads for the portal pages: the policy guide, a worker's regional numbers,
a resident's household, and the admin sections an administrator may open."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import admin
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import scope_queryset
from civilaffairs.registry.models import Household, Person
from civilaffairs.registry.selectors import ParameterMissing, parameter_value
from civilaffairs.worklist.selectors import worklist_for_user

CITY_REGION_CODE = "3302"


@dataclass(frozen=True)
class Policy:
    key: str
    name: str
    who: str
    what: str
    amount: Decimal | None
    amount_label: str
    unit: str


def _param(key: str, on: dt.date) -> Decimal | None:
    try:
        return parameter_value(key=key, region_code=CITY_REGION_CODE, on=on)
    except ParameterMissing:
        return None


def _whole(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("1")) if value == value.to_integral() else value


def policy_guide(*, on: dt.date) -> list[Policy]:
    """The four assistance programmes in plain words, with the city's values in force on ``on``."""
    dibao = _param("dibao_standard", on)
    multiplier = _param("dibian_multiplier", on)
    dibian_line = dibao * multiplier if dibao is not None and multiplier is not None else None
    return [
        Policy("dibao", _("最低生活保障（低保）"),
               _("家庭人均月收入低于当地低保标准，且家庭财产（存款、房产、车辆等）符合规定的城乡居民家庭。"),
               _("按“低保标准减去家庭人均收入”的差额按月发放保障金，并可享受医疗、教育、住房等专项救助。"),
               _whole(dibao), _("本市低保标准"), _("元/人·月")),
        Policy("dibian", _("低保边缘家庭"),
               _("家庭人均月收入高于低保标准、但不超过低保标准一定倍数，且家庭财产符合规定的家庭。"),
               _("不发放低保金，但可以申请医疗、教育、住房、就业等专项救助，遇到困难优先帮扶。"),
               _whole(dibian_line), _("收入上限（低保标准×%(m)s）") % {"m": _whole(multiplier) or "—"},
               _("元/人·月")),
        Policy("tekun", _("特困人员救助供养"),
               _("无劳动能力、无生活来源，且没有法定赡养、抚养、扶养义务人（或义务人无能力履行）的老年人、残疾人和未满16周岁的未成年人。"),
               _("按月发放基本生活费，并根据生活自理能力发放照料护理补贴；可以选择在家分散供养或到供养机构集中供养。"),
               _whole(_param("tekun_basic_standard", on)), _("基本生活标准"), _("元/人·月")),
        Policy("linshi", _("临时救助"),
               _("因火灾、交通事故、突发重大疾病等意外，或生活必需支出突然增加，导致基本生活暂时出现严重困难的家庭或个人。"),
               _("根据困难情况一次性给予资金或实物帮助，紧急情况可以先救助、后补办手续。"),
               _whole(_param("temporary_aid_default", on)), _("一般救助金额"), _("元")),
    ]


def resident_household(*, user) -> Household | None:
    return (scope_queryset(Household.objects.select_related("community", "community__parent"), user,
                           capability=Capability.VIEW_HOUSEHOLDS)
            .order_by("id").first())


def resident_policy_hints(*, household: Household | None, members, on: dt.date) -> list[tuple[Policy, str]]:
    """Which programmes a resident's household may look into, and why, from facts we hold
    (ages). Incomes are checked by the caseworker when they apply, so every hint is a "may"."""
    guide = {p.key: p for p in policy_guide(on=on)}
    ages = [m.person.age_on(on) for m in members]
    hints: list[tuple[Policy, str]] = []
    standard = guide["dibao"].amount
    hints.append((guide["dibao"], _("如果您家庭人均月收入低于 %(amount)s 元，可以申请低保。")
                  % {"amount": standard if standard is not None else "—"}))
    hints.append((guide["dibian"], _("如果家庭人均月收入略高于低保标准，可以申请认定为低保边缘家庭，享受专项救助。")))
    if any(age >= 60 or age < 16 for age in ages):
        hints.append((guide["tekun"], _("您家中有老年人或未满16周岁的孩子；如果他们无人赡养或抚养、没有收入来源，可以申请特困供养。")))
    hints.append((guide["linshi"], _("遇到突发事件、重病等急难情况时，可以随时申请临时救助。")))
    return hints


def caseworker_numbers(*, user) -> dict[str, int]:
    """"My region's numbers", each counted through the jurisdiction scope."""
    open_items = worklist_for_user(user=user)
    return {
        "households": scope_queryset(Household.objects.all(), user, capability=Capability.VIEW_HOUSEHOLDS).count(),
        "persons": scope_queryset(Person.objects.all(), user, capability=Capability.VIEW_HOUSEHOLDS).count(),
        "open_items": open_items.count(),
        "overdue_items": open_items.filter(due_at__lt=timezone.now()).count(),
    }


def caseworker_worklist(*, user, limit: int = 10) -> QuerySet:
    return worklist_for_user(user=user)[:limit]


def admin_sections() -> list[dict]:
    """Registered admin models grouped by app, with their change-list URLs."""
    groups: dict[str, dict] = {}
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        try:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            continue
        group = groups.setdefault(opts.app_label, {"label": opts.app_config.verbose_name, "models": []})
        group["models"].append({"label": opts.verbose_name_plural, "url": url})
    for group in groups.values():
        group["models"].sort(key=lambda m: str(m["label"]))
    return [groups[k] for k in sorted(groups)]
