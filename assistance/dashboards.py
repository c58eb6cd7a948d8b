"""Social assistance's dashboard indicators (POLICY.md "Indicators the dashboards must show"),
registered from ``AssistanceConfig.ready``. Every figure is one aggregate query in PostgreSQL,
grouped by the first ``breakdown`` characters of the region code (a code-prefix, no join to regions).
Every query reads through ``regions.filter`` (``civilaffairs.portal.dashboards.ScopedRegions``): the
platform's scoping helper with the indicator's capability for the user who asked, within the page's
regions — so a figure never counts what its reader may not see, whatever regions it is handed.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Avg, Count, F, Q, Sum
from django.db.models.functions import Left
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civilaffairs.portal.dashboards import (
    Figures, Indicator, Median, Period, Series, by_category, days_between, month_label, region_categories,
    register_indicator,
)

from . import payables
from .models import Application, ApplicationStatus, Benefit, Channel, Programme

PROGRAMME_LABEL = _("社会救助")
REGION_LABEL = _("区域")
DECIDED = (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)
INCLUSION_HOURS = 48  # POLICY.md: proactive discovery to inclusion within 48 hours
COLOURS = {"red": "#c0392b", "yellow": "#e6b800", "green": "#2e8b57"}


def _list_url(name: str, params: list[tuple[str, str]]) -> str:
    return reverse(name) + "?" + urlencode(params)


def _region_param(category: str) -> list[tuple[str, str]]:
    return [("region", category)] if category.isdigit() else []


# --- recipients by programme and region ------------------------------------------------------------

def recipients(*, regions, period: Period, breakdown: int) -> Figures:
    """Households with a benefit of each programme in force at some time in the period."""
    categories = region_categories(regions, breakdown)
    counts = {}
    rows = (regions.filter(Benefit.objects.all(), "household__community__code").filter(start_date__lte=period.end_date)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.first))
            .annotate(area=Left("household__community_id", breakdown))
            .values("area", "programme").annotate(n=Count("household_id", distinct=True)).order_by())
    for row in rows:
        counts.setdefault(row["programme"], {})[row["area"]] = row["n"]
    series = [Series(p.value, p.label, by_category(categories, counts.get(p.value, {}))) for p in Programme]
    return Figures(category_label=REGION_LABEL, categories=categories, series=series)


def recipients_drilldown(*, category, series, regions, period) -> str:
    return _list_url("assistance:application_list",
                     _region_param(category) + [("programme", series), ("status", ApplicationStatus.APPROVED)])


# --- funds paid by month ---------------------------------------------------------------------------

def paid_by_month(*, regions, period: Period) -> dict[tuple[dt.date, str], Decimal]:
    """The sums paid (ledger lines marked paid; a paid reversal is a negative line) per month of
    entitlement and assistance programme. Lines live in the platform ledger (civilaffairs.payments);
    an assistance line's entitlement key ends in its benefit's id (``assistance.benefit:<id>``,
    ``assistance.one_off:<id>``, ``assistance.subsidy:<round>:<id>``), which names the programme."""
    from civilaffairs.payments.models import LineStatus, PaymentLine

    lines = (regions.filter(PaymentLine.objects.all(), "region__code")
             .filter(programme=payables.PROGRAMME, status=LineStatus.PAID, period__gte=period.first,
                     period__lte=period.last))
    sql, params = lines.values("id").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(f"""
            SELECT l.period, b.programme, sum(l.amount)
              FROM payments_paymentline l
              JOIN assistance_benefit b ON b.id = regexp_replace(l.entitlement, '^.*:', '')::bigint
             WHERE l.id IN ({sql})
             GROUP BY l.period, b.programme""", params)
        return {(period_, programme): total for period_, programme, total in cur.fetchall()}


def funds_paid(*, regions, period: Period, breakdown: int) -> Figures:
    sums = paid_by_month(regions=regions, period=period)
    months = period.months()
    categories = [(m.isoformat(), month_label(m)) for m in months]
    series = [Series(p.value, p.label, [sums.get((m, p.value), Decimal("0")) for m in months]) for p in Programme]
    return Figures(category_label=_("月份"), categories=categories, series=series)


# --- online-application share ----------------------------------------------------------------------

def applications_by_channel(*, regions, period: Period, breakdown: int) -> Figures:
    """Applications submitted in the period, by the channel they came in through."""
    counts = dict(regions.filter(Application.objects.all(), "community__code")
                  .filter(submitted_at__gte=period.start, submitted_at__lt=period.end)
                  .values("channel").annotate(n=Count("id")).order_by().values_list("channel", "n"))
    categories = [(c.value, str(c.label)) for c in Channel]
    return Figures(category_label=_("申请渠道"), categories=categories,
                   series=[Series("applications", _("申请件数"), by_category(categories, counts))])


def channel_drilldown(*, category, series, regions, period) -> str:
    params = [("region", regions[0])] if len(regions) == 1 else []
    return _list_url("assistance:application_list", params + [
        ("channel", category), ("submitted_from", period.first.isoformat()),
        ("submitted_to", period.end_date.isoformat())])


# --- time to decision ------------------------------------------------------------------------------

def decision_days(*, regions, period: Period, breakdown: int) -> Figures:
    """Days from submission to the decision, for applications decided (approved or rejected) in the period."""
    categories = region_categories(regions, breakdown)
    rows = (regions.filter(Application.objects.all(), "community__code").filter(status__in=DECIDED,
                                       submitted_at__isnull=False, decided_at__gte=period.start,
                                       decided_at__lt=period.end)
            .annotate(area=Left("community_id", breakdown), days=days_between("decided_at", "submitted_at"))
            .values("area").annotate(median=Median("days"), average=Avg("days"), n=Count("id")).order_by())
    by_area = {row["area"]: row for row in rows}

    def column(name):
        return [by_area[key][name] if key in by_area else None for key, _label in categories]

    return Figures(category_label=REGION_LABEL, categories=categories, series=[
        Series("median", _("中位数"), column("median")),
        Series("average", _("平均数"), column("average")),
        Series("decided", _("审结件数"), [by_area[key]["n"] if key in by_area else 0 for key, _l in categories],
               chart=False, decimals=0),
    ])


def decision_drilldown(*, category, series, regions, period) -> str:
    return _list_url("assistance:application_list",
                     _region_param(category) + [("status", s) for s in DECIDED])


# --- discovery leads -------------------------------------------------------------------------------

def discovery_leads(*, regions, period: Period, breakdown: int) -> Figures:
    """Discovery leads raised in the period: found, verified at home (included, referred or not
    eligible), and included within 48 hours of being raised."""
    from .scoring.models import Lead, LeadKind, LeadOutcome

    visited = [LeadOutcome.INCLUDED, LeadOutcome.REFERRED, LeadOutcome.NOT_ELIGIBLE]
    categories = region_categories(regions, breakdown)
    in_time = Q(outcome=LeadOutcome.INCLUDED, closed_at__lte=F("raised_at") + dt.timedelta(hours=INCLUSION_HOURS))
    rows = (regions.filter(Lead.objects.all(), "community_id").filter(kind=LeadKind.DISCOVERY,
                                raised_at__gte=period.start, raised_at__lt=period.end)
            .annotate(area=Left("community_id", breakdown)).values("area")
            .annotate(found=Count("id"), verified=Count("id", filter=Q(outcome__in=visited)),
                      included=Count("id", filter=in_time))
            .order_by())
    by_area = {row["area"]: row for row in rows}
    return Figures(category_label=REGION_LABEL, categories=categories, series=[
        Series(name, label, [by_area[key][name] if key in by_area else 0 for key, _l in categories])
        for name, label in (("found", _("发现线索")), ("verified", _("入户核实")), ("included", _("48小时内纳入救助")))
    ])


def leads_drilldown(*, category, series, regions, period) -> str:
    return _list_url("scoring:lead_list", [("kind", "discovery"), ("status", "" if series == "found" else "closed")])


# --- red / yellow / green ----------------------------------------------------------------------------

def colour_bands(*, regions, period: Period, breakdown: int) -> Figures:
    """Households by the colour of their current difficulty index (POLICY.md "三色")."""
    from .scoring.models import Colour, HouseholdScore

    categories = region_categories(regions, breakdown)
    counts: dict[str, dict[str, int]] = {}
    for row in (regions.filter(HouseholdScore.objects.all(), "community_id")
                .annotate(area=Left("community_id", breakdown)).values("area", "colour")
                .annotate(n=Count("household_id")).order_by()):
        counts.setdefault(row["colour"], {})[row["area"]] = row["n"]
    return Figures(category_label=REGION_LABEL, categories=categories, series=[
        Series(c.value, c.label, by_category(categories, counts.get(c.value, {})), color=COLOURS[c.value])
        for c in Colour])


def colour_drilldown(*, category, series, regions, period) -> str:
    return reverse("scoring:dashboard")


INDICATORS = (
    Indicator(name="assistance.recipients", title=_("救助对象（按项目和区域）"), unit=_("户"), kind="bar",
              programme=PROGRAMME_LABEL, query=recipients, drilldown=recipients_drilldown, order=10,
              note=_("期间内任一时间享受该项待遇的家庭数（临时救助按救助当日计）。")),
    Indicator(name="assistance.funds_paid", title=_("救助资金发放（按月）"), unit=_("元"), kind="line",
              programme=PROGRAMME_LABEL, query=funds_paid, decimals=2, order=20,
              note=_("按所属月份统计已确认到账的发放金额。")),
    Indicator(name="assistance.online_share", title=_("网上申请占比"), unit=_("件"), kind="pie",
              programme=PROGRAMME_LABEL, query=applications_by_channel, drilldown=channel_drilldown, order=30,
              note=_("期间内提交的申请，按申请渠道统计。")),
    Indicator(name="assistance.decision_days", title=_("审批用时（提交至审批决定）"), unit=_("天"), kind="bar",
              programme=PROGRAMME_LABEL, query=decision_days, drilldown=decision_drilldown, decimals=1, order=40,
              note=_("期间内作出批准或不予批准决定的申请。")),
    Indicator(name="assistance.discovery_leads", title=_("主动发现线索：发现、核实与48小时内纳入"), unit=_("户"),
              kind="bar", programme=PROGRAMME_LABEL, query=discovery_leads, drilldown=leads_drilldown, order=50,
              note=_("期间内生成的主动发现线索；纳入指生成后48小时内核实纳入救助。")),
    Indicator(name="assistance.colour_bands", title=_("困难家庭红黄绿分布"), unit=_("户"), kind="stacked",
              programme=PROGRAMME_LABEL, query=colour_bands, drilldown=colour_drilldown, uses_period=False,
              order=60, note=_("红色：困难指数≥70或应保未保；黄色：50–69.99；绿色：<50。")),
)


def register() -> None:
    for indicator in INDICATORS:
        register_indicator(indicator)
