"""Dashboard indicators of visits and device alarms (area D), registered from ``EldercareConfig.ready``.
Each is one aggregate query grouped by the first ``breakdown`` characters of the community code,
read through ``regions.filter`` (the scoping helper with the indicator's capability)."""
from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.db.models.functions import Left
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civilaffairs.portal.dashboards import Figures, Indicator, Period, Series, by_category, region_categories

from .capabilities import HANDLE_ALARM, VIEW
from .models import Alarm, AlarmOutcome, AlarmStatus, Device, DeviceStatus, PlanStatus, VisitPlan

PROGRAMME_LABEL = _("养老服务")
REGION_LABEL = _("区域")


def _rate(part: int, whole: int):
    return None if not whole else round(100.0 * part / whole, 1)


def weekly_visit_rate(*, regions, period: Period, breakdown: int) -> Figures:
    """This week's visit rate: plans in force since the week began that had a visit this week."""
    from .selectors_visits import visited_this_week
    from .services.visits import week_start

    today = timezone.localdate()
    categories = region_categories(regions, breakdown)
    rows = (regions.filter(VisitPlan.objects.all(), "community_id")
            .filter(status=PlanStatus.ACTIVE, starts_on__lte=week_start(today))
            .annotate(visited=visited_this_week(today), area=Left("community_id", breakdown))
            .values("area").annotate(plans=Count("id"), done=Count("id", filter=Q(visited=True))).order_by())
    by_area = {r["area"]: r for r in rows}
    plans = by_category(categories, {k: v["plans"] for k, v in by_area.items()})
    done = by_category(categories, {k: v["done"] for k, v in by_area.items()})
    return Figures(category_label=REGION_LABEL, categories=categories, series=[
        Series("rate", str(_("本周巡访率（%）")), [_rate(d, p) for d, p in zip(done, plans)], decimals=1),
        Series("plans", str(_("应巡访人数")), plans, chart=False, decimals=0),
        Series("done", str(_("已巡访人数")), done, chart=False, decimals=0),
    ])


def weekly_visit_drilldown(*, category, series, regions, period) -> str:
    params = [("not_visited", "on")] + ([("community", category)] if category.isdigit() else [])
    return reverse("eldercare:visit_plan_list") + "?" + urlencode(params)


def alarms_per_device(*, regions, period: Period, breakdown: int) -> Figures:
    """Alarms opened in the period per device in use, and how many of the closed were false alarms."""
    categories = region_categories(regions, breakdown)
    alarms = {r["area"]: r for r in (
        regions.filter(Alarm.objects.all(), "community_id").filter(opened_at__gte=period.start, opened_at__lt=period.end)
        .annotate(area=Left("community_id", breakdown)).values("area")
        .annotate(n=Count("id"), closed=Count("id", filter=Q(status=AlarmStatus.CLOSED)),
                  false=Count("id", filter=Q(outcome=AlarmOutcome.FALSE_ALARM))).order_by())}
    devices = {r["area"]: r["n"] for r in (
        regions.filter(Device.objects.all(), "community_id").filter(status=DeviceStatus.ACTIVE)
        .annotate(area=Left("community_id", breakdown)).values("area").annotate(n=Count("id")).order_by())}
    n = by_category(categories, {k: v["n"] for k, v in alarms.items()})
    closed = by_category(categories, {k: v["closed"] for k, v in alarms.items()})
    false = by_category(categories, {k: v["false"] for k, v in alarms.items()})
    dev = by_category(categories, devices)
    return Figures(category_label=REGION_LABEL, categories=categories, series=[
        Series("per_device", str(_("每台设备告警数")), [None if not d else round(a / d, 2) for a, d in zip(n, dev)],
               decimals=2),
        Series("false_rate", str(_("误报率（%）")), [_rate(f, c) for f, c in zip(false, closed)], decimals=1),
        Series("alarms", str(_("告警数")), n, chart=False, decimals=0),
        Series("devices", str(_("在用设备数")), dev, chart=False, decimals=0),
    ])


def alarms_drilldown(*, category, series, regions, period) -> str:
    return reverse("eldercare:alarm_list") + "?status=all"


INDICATORS = (
    Indicator(name="eldercare.weekly_visit_rate", title=_("独居/空巢老人本周巡访率（目标100%）"), unit="%", kind="bar",
              programme=PROGRAMME_LABEL, query=weekly_visit_rate, drilldown=weekly_visit_drilldown, capability=VIEW,
              uses_period=False, decimals=1, order=210,
              note=_("本周一前已在册的巡访计划中，本周（周一至周日）已登记巡访的比例。")),
    Indicator(name="eldercare.alarms_per_device", title=_("智能设备告警：每台设备告警数与误报率"), unit="", kind="bar",
              programme=PROGRAMME_LABEL, query=alarms_per_device, drilldown=alarms_drilldown,
              capability=HANDLE_ALARM, decimals=2, order=220,
              note=_("期间内产生的告警；误报率 = 处置结果为误报的告警 ÷ 已关闭告警。")),
)


def register_visits() -> None:
    from civilaffairs.portal.dashboards import register_indicator

    for indicator in INDICATORS:
        register_indicator(indicator)
