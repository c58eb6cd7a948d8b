"""The catalogue of policy parameters: key, label, unit and the default seeded
from shared/POLICY.md. Values live in ``PolicyParameter`` rows, never in code;
this catalogue only names them and gives the seed values."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ParameterSpec:
    key: str
    label: str
    unit: str
    default: Decimal
    note: str = ""


CATALOGUE: tuple[ParameterSpec, ...] = (
    ParameterSpec("dibao_standard", _("低保标准"), "元/人·月", Decimal("1135"), "平湖 2023-09 起"),
    ParameterSpec("dibian_multiplier", _("低保边缘倍数"), "倍", Decimal("2"), "宁波放宽至 2 倍"),
    ParameterSpec("tekun_basic_standard", _("特困基本生活标准"), "元/人·月", Decimal("1838"), "平湖 2023"),
    ParameterSpec("tekun_care_full", _("特困照料护理补贴（全护理）"), "元/人·月", Decimal("1135"), ""),
    ParameterSpec("tekun_care_partial", _("特困照料护理补贴（半护理）"), "元/人·月", Decimal("568"), ""),
    ParameterSpec("tekun_care_self", _("特困照料护理补贴（自理）"), "元/人·月", Decimal("114"), ""),
    ParameterSpec("temporary_aid_default", _("临时救助默认金额"), "元", Decimal("5000"), "慈溪案例"),
    ParameterSpec("medical_expense_trigger", _("支出型救助医疗支出占比触发线"), "比例", Decimal("0.5"), ""),
    ParameterSpec("asset_limit_multiplier", _("人均金融资产上限（年低保标准倍数）"), "倍", Decimal("2"), ""),
    ParameterSpec("phaseout_months", _("渐退期"), "月", Decimal("6"), "三快一缓"),
    ParameterSpec("public_notice_days", _("公示天数"), "天", Decimal("7"), ""),
    ParameterSpec("decision_days", _("审批时限"), "天", Decimal("3"), ""),
    ParameterSpec("discovery_lead_hours", _("主动发现线索办理时限"), "小时", Decimal("48"), ""),
    ParameterSpec("high_age_allowance_age", _("高龄津贴起始年龄"), "岁", Decimal("80"), ""),
    ParameterSpec("unsupported_child_allowance", _("事实无人抚养儿童基本生活费"), "元/人·月", Decimal("1500"), "宁波"),
    ParameterSpec("meal_subsidy_per_meal", _("助餐补贴"), "元/餐", Decimal("3"), "2–4 元"),
    # Money limits of social assistance (issue 9); POLICY.md gives none of these: documented defaults.
    ParameterSpec("temporary_aid_ceiling", _("临时救助单次金额上限"), "元/次", Decimal("20000"), "默认值，约 1.5 倍年低保标准"),
    ParameterSpec("emergency_township_ceiling", _("乡镇（街道）可独立先行救助的金额上限"), "元/次", Decimal("5000"),
                  "默认值，与临时救助默认金额相同；超过须区县审批"),
    ParameterSpec("decision_second_approval_monthly", _("须第二审批人确认的月救助金额"), "元/月", Decimal("5000"),
                  "默认值；高于此额的决定须另一名区县审批人确认"),
    ParameterSpec("decision_second_approval_one_off", _("须第二审批人确认的一次性救助金额"), "元/次", Decimal("10000"),
                  "默认值；高于此额的决定须另一名区县审批人确认"),
    ParameterSpec("declared_income_max", _("申报月收入合理上限"), "元/人·月", Decimal("100000"),
                  "默认值；超过视为填写错误"),
    # --- eldercare: allowances and service credit (issue 12, area C) ---
    # POLICY.md names the bands and the subsidy's two dimensions but no amounts: Ningbo-like demo defaults.
    ParameterSpec("high_age_allowance_80", _("高龄津贴（80–89 周岁）"), "元/人·月", Decimal("100"), "默认值（宁波类参考）"),
    ParameterSpec("high_age_allowance_90", _("高龄津贴（90–99 周岁）"), "元/人·月", Decimal("200"), "默认值（宁波类参考）"),
    ParameterSpec("high_age_allowance_100", _("高龄津贴（100 周岁以上）"), "元/人·月", Decimal("500"), "默认值（宁波类参考）"),
    ParameterSpec("eldercare_arrears_months", _("养老津贴补发最多月数"), "月", Decimal("12"),
                  "默认值；发现晚了的月份最多向前补发这么多个月"),
    ParameterSpec("care_allowance_mild", _("护理补贴（轻度失能）"), "元/人·月", Decimal("50"), "默认值"),
    ParameterSpec("care_allowance_moderate", _("护理补贴（中度失能）"), "元/人·月", Decimal("100"), "默认值"),
    ParameterSpec("care_allowance_severe", _("护理补贴（重度失能）"), "元/人·月", Decimal("200"), "默认值"),
    ParameterSpec("care_allowance_total", _("护理补贴（完全失能）"), "元/人·月", Decimal("300"), "默认值"),
    ParameterSpec("service_subsidy_tekun_mild", _("养老服务补贴：特困·轻度失能"), "元/人·月", Decimal("300"), "默认值"),
    ParameterSpec("service_subsidy_tekun_moderate", _("养老服务补贴：特困·中度失能"), "元/人·月", Decimal("500"), "默认值"),
    ParameterSpec("service_subsidy_tekun_severe", _("养老服务补贴：特困·重度及完全失能"), "元/人·月", Decimal("800"), "默认值"),
    ParameterSpec("service_subsidy_dibao_mild", _("养老服务补贴：低保·轻度失能"), "元/人·月", Decimal("200"), "默认值"),
    ParameterSpec("service_subsidy_dibao_moderate", _("养老服务补贴：低保·中度失能"), "元/人·月", Decimal("400"), "默认值"),
    ParameterSpec("service_subsidy_dibao_severe", _("养老服务补贴：低保·重度及完全失能"), "元/人·月", Decimal("600"), "默认值"),
    ParameterSpec("service_subsidy_dibian_mild", _("养老服务补贴：低边·轻度失能"), "元/人·月", Decimal("150"), "默认值"),
    ParameterSpec("service_subsidy_dibian_moderate", _("养老服务补贴：低边·中度失能"), "元/人·月", Decimal("300"), "默认值"),
    ParameterSpec("service_subsidy_dibian_severe", _("养老服务补贴：低边·重度及完全失能"), "元/人·月", Decimal("450"), "默认值"),
    ParameterSpec("service_subsidy_other_mild", _("养老服务补贴：其他·轻度失能"), "元/人·月", Decimal("0"), "默认值；0 表示不发"),
    ParameterSpec("service_subsidy_other_moderate", _("养老服务补贴：其他·中度失能"), "元/人·月", Decimal("100"), "默认值"),
    ParameterSpec("service_subsidy_other_severe", _("养老服务补贴：其他·重度及完全失能"), "元/人·月", Decimal("200"), "默认值"),
    ParameterSpec("service_credit_expiry_months", _("养老服务额度有效月数"), "月", Decimal("12"),
                  "默认值；发放满这么多个月仍未用完的额度过期"),
    # --- elder care: visits and device alarms (issue 12, area D); POLICY.md gives none: documented defaults ---
    ParameterSpec("visit_interval_days_normal", _("独居/空巢老人巡访间隔（一般）"), "天", Decimal("7"), "每周巡访，平湖"),
    ParameterSpec("visit_interval_days_high", _("独居/空巢老人巡访间隔（重点关注）"), "天", Decimal("3"),
                  "默认值：失能或80岁以上"),
    ParameterSpec("alarm_heart_rate_low", _("设备告警：心率下限"), "次/分", Decimal("40"), "默认值；低于此值告警"),
    ParameterSpec("alarm_heart_rate_high", _("设备告警：心率上限"), "次/分", Decimal("120"), "默认值；高于此值告警"),
    ParameterSpec("alarm_breathing_low", _("设备告警：呼吸频率下限"), "次/分", Decimal("8"), "默认值；低于此值告警"),
    ParameterSpec("alarm_breathing_high", _("设备告警：呼吸频率上限"), "次/分", Decimal("30"), "默认值；高于此值告警"),
    ParameterSpec("alarm_inactivity_hours", _("设备告警：无活动时长"), "小时", Decimal("12"), "默认值；达到此值告警"),
    ParameterSpec("alarm_leave_bed_minutes", _("设备告警：夜间离床时长"), "分钟", Decimal("30"), "默认值；达到此值告警"),
    ParameterSpec("alarm_response_minutes", _("设备告警响应时限"), "分钟", Decimal("30"), "社区响应，超时上报乡镇"),
)

BY_KEY = {spec.key: spec for spec in CATALOGUE}
KEY_CHOICES = [(spec.key, spec.label) for spec in CATALOGUE]
SEED_EFFECTIVE_FROM = dt.date(2023, 9, 1)


# --- who wants to know when a new value is set -----------------------------------------------------
# A programme that pays amounts derived from a parameter (the yearly raise of the 低保 standard)
# registers a listener in its AppConfig.ready; ``parameter_set`` calls it with the new row's id after
# the row is committed (so a Celery job it enqueues reads the row). The platform knows no programme.

_LISTENERS: dict[str, list] = {}


def register_parameter_listener(keys, callback) -> None:
    """Call ``callback(parameter_id=…)`` after a new value of any of ``keys`` is committed. Registering
    the same callback again (an app reloaded in tests) replaces it."""
    for key in keys:
        if key not in BY_KEY:
            raise ValueError(f"unknown policy parameter {key!r}")
        found = _LISTENERS.setdefault(key, [])
        found[:] = [c for c in found if getattr(c, "__qualname__", c) != getattr(callback, "__qualname__", callback)
                    or getattr(c, "__module__", None) != getattr(callback, "__module__", None)]
        found.append(callback)


def unregister_parameter_listener(keys, callback) -> None:
    for key in keys:
        if callback in _LISTENERS.get(key, []):
            _LISTENERS[key].remove(callback)


def parameter_listeners(key: str) -> list:
    return list(_LISTENERS.get(key, ()))
