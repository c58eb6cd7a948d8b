"""The dashboards (数据看板): one page per level — the city, a district, a township (a grid worker
sees their community) — from the user's jurisdiction, with a region and period filter, one card per
registered indicator (chart, table, drill-down links) and Excel exports of one indicator or all.

Which region a user may look at is decided here, once: the regions where they hold
``DASHBOARD_CAPABILITY`` and the regions one level below. Any other region in the URL answers 404.
Each indicator's figures are further limited to where the user holds that indicator's capability.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import numberformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import jurisdiction_codes
from civilaffairs.registry.models import LEVEL_CODE_LENGTH, Region, RegionLevel

from .access import caseworker_required
from .dashboards import (
    Figures, Indicator, Period, ScopedRegions, as_number, indicator_named, registered_indicators, scoped_regions,
)

DASHBOARD_CAPABILITY = Capability.VIEW_HOUSEHOLDS
EARLIEST_MONTH = dt.date(2000, 1, 1)
MAX_MONTHS = 36
DEFAULT_MONTHS = 12
MONTH = re.compile(r"(\d{4})-(\d{2})")  # full-width digits from a Chinese IME count too

# The code length of the regions one level below a region's (a community has none below: its own).
BREAKDOWN = {2: 4, 4: 6, 6: 9, 9: 12, 12: 12}
BREAKDOWN_LABELS = {4: gettext_lazy("市"), 6: gettext_lazy("区县"), 9: gettext_lazy("乡镇（街道）"),
                    12: gettext_lazy("村（社区）")}
LEVEL_TITLES = {RegionLevel.PROVINCE: gettext_lazy("全省"), RegionLevel.CITY: gettext_lazy("市级"),
                RegionLevel.DISTRICT: gettext_lazy("区县级"), RegionLevel.TOWNSHIP: gettext_lazy("乡镇（街道）级"),
                RegionLevel.COMMUNITY: gettext_lazy("村（社区）级")}


# --- who sees which region -----------------------------------------------------------------------

def dashboard_roots(user) -> list[Region]:
    """The regions a user's dashboard opens on: where they hold the dashboard capability
    (superusers: the city)."""
    codes = jurisdiction_codes(user, DASHBOARD_CAPABILITY)
    if codes is None:
        return list(Region.objects.filter(level=RegionLevel.CITY, is_active=True).order_by("code"))
    return list(Region.objects.filter(code__in=codes).order_by("code"))


def region_choices(user) -> list[Region]:
    """The regions the filter offers: the user's own and those one level below (a city's districts,
    a district's townships)."""
    roots = dashboard_roots(user)
    below = Region.objects.filter(parent__in=[r.code for r in roots if r.level < RegionLevel.COMMUNITY],
                                  is_active=True).order_by("code")
    return roots + [r for r in below if r.code not in {root.code for root in roots}]


def indicator_regions(user, indicator: Indicator, region: Region) -> ScopedRegions:
    """The region-code prefixes ``indicator`` counts over for ``user`` on ``region``'s page: the page's
    region within the user's jurisdiction for the indicator's capability (empty: not theirs to see)."""
    return scoped_regions(user, indicator.capability, region.code)


# --- the filter ----------------------------------------------------------------------------------

def _month(value: str) -> dt.date | None:
    match = MONTH.fullmatch((value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        return None
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def months_between(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def months_back(month: dt.date, n: int) -> dt.date:
    """The 1st of the month ``n`` months before ``month``."""
    index = month.year * 12 + month.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def default_period(today: dt.date | None = None) -> Period:
    """The twelve months up to and including this one."""
    last = (today or timezone.localdate()).replace(day=1)
    return Period(months_back(last, DEFAULT_MONTHS - 1), last)


class PeriodForm(forms.Form):
    month_from = forms.CharField(label=gettext_lazy("起始月份"), required=False,
                                 widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"}))
    month_to = forms.CharField(label=gettext_lazy("截止月份"), required=False,
                               widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-12"}))

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def _clean_month(self, name: str) -> dt.date | None:
        raw = self.cleaned_data.get(name) or ""
        if not raw:
            return None
        month = _month(raw)
        if month is None:
            raise forms.ValidationError(_("请按“年-月”填写月份，例如 2026-03。"))
        if month < EARLIEST_MONTH:
            raise forms.ValidationError(_("月份不能早于 %(m)s。") % {"m": f"{EARLIEST_MONTH:%Y-%m}"})
        if month > self.today.replace(day=1):
            raise forms.ValidationError(_("月份不能晚于本月（%(m)s）。") % {"m": f"{self.today:%Y-%m}"})
        return month

    def clean_month_from(self):
        return self._clean_month("month_from")

    def clean_month_to(self):
        return self._clean_month("month_to")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        last = data.get("month_to") or self.today.replace(day=1)
        first = data.get("month_from") or max(EARLIEST_MONTH, months_back(last, DEFAULT_MONTHS - 1))
        if first > last:
            raise forms.ValidationError(_("起始月份不能晚于截止月份。"))
        if months_between(first, last) > MAX_MONTHS:
            raise forms.ValidationError(_("统计期间最长 %(n)d 个月，请缩短期间。") % {"n": MAX_MONTHS})
        data["period"] = Period(first, last)
        return data


# --- the cards -----------------------------------------------------------------------------------

@dataclass
class Cell:
    text: str
    value: object
    url: str | None = None
    chart_index: int | None = None  # the chart series this figure is drawn in (None: table only)


@dataclass
class Card:
    index: int
    indicator: Indicator
    figures: Figures
    regions: ScopedRegions
    rows: list[tuple[str, list[Cell], str | None]]  # (category label, cells, share of the total for a pie)
    payload: dict

    @property
    def script_id(self) -> str:
        return f"dashboard-chart-{self.index}"

    @property
    def shows_share(self) -> bool:
        return self.indicator.kind == "pie"


def format_figure(value, decimals: int) -> str:
    if value is None:
        return "—"
    return numberformat.format(value, ".", decimal_pos=decimals, grouping=3, thousand_sep=",", force_grouping=True)


def _card(index: int, indicator: Indicator, *, regions: ScopedRegions, period: Period, breakdown: int) -> Card:
    figures = indicator.query(regions=regions, period=period, breakdown=breakdown)
    links = []
    for s in figures.series:
        row = []
        for key, _label in figures.categories:
            url = indicator.drilldown(category=key, series=s.key, regions=regions, period=period) \
                if indicator.drilldown else None
            row.append(url)
        links.append(row)
    places = [indicator.decimals if s.decimals is None else s.decimals for s in figures.series]
    charted = [s for s in figures.series if s.chart]
    chart_index = {s.key: i for i, s in enumerate(charted)}
    total = sum(as_number(v, places[0]) or 0 for v in figures.series[0].values) if figures.series else 0
    rows = []
    for i, (_key, label) in enumerate(figures.categories):
        cells = [Cell(format_figure(as_number(s.values[i], places[j]), places[j]), as_number(s.values[i], places[j]),
                      links[j][i], chart_index.get(s.key))
                 for j, s in enumerate(figures.series)]
        share = None
        if indicator.kind == "pie":
            value = cells[0].value or 0
            share = format_figure(value * 100 / total, 1) + "%" if total else "—"
        rows.append((label, cells, share))
    payload = {
        "kind": indicator.kind,
        "title": str(indicator.title),
        "unit": str(indicator.unit),
        "decimals": indicator.decimals,
        "categories": [str(label) for _key, label in figures.categories],
        "series": [{"name": str(s.label), "color": s.color,
                    "data": [as_number(v, p) for v in s.values]}
                   for s, p in zip(figures.series, places) if s.chart],
        "links": [row for row, s in zip(links, figures.series) if s.chart],
    }
    return Card(index=index, indicator=indicator, figures=figures, regions=regions, rows=rows, payload=payload)


def dashboard_cards(*, user, region: Region, period: Period, only: str | None = None) -> list[Card]:
    """A card for every registered indicator the user may see on ``region``'s page (or only ``only``)."""
    breakdown = BREAKDOWN.get(len(region.code), LEVEL_CODE_LENGTH[RegionLevel.COMMUNITY])
    cards = []
    for indicator in registered_indicators():
        if only is not None and indicator.name != only:
            continue
        regions = indicator_regions(user, indicator, region)
        if not regions:
            continue
        cards.append(_card(len(cards) + 1, indicator, regions=regions, period=period, breakdown=breakdown))
    return cards


# --- views ---------------------------------------------------------------------------------------

def _resolve(request) -> tuple[Region, list[Region], PeriodForm]:
    """The region (404 when it is not one the user may choose) and the period form of a request."""
    choices = region_choices(request.user)
    if not choices:
        raise PermissionDenied(_("您的岗位没有可查看的统计区域。"))
    code = request.GET.get("region", "")
    if code:
        region = next((r for r in choices if r.code == code), None)
        if region is None:
            raise Http404(_("没有找到该统计区域。"))
    else:
        region = choices[0]
    return region, choices, PeriodForm(request.GET)


def _query(region: Region, period: Period) -> str:
    return urlencode({"region": region.code, "month_from": f"{period.first:%Y-%m}", "month_to": f"{period.last:%Y-%m}"})


@never_cache
@caseworker_required
def dashboard(request):
    region, choices, form = _resolve(request)
    context = {"region": region, "choices": choices, "form": form, "cards": [],
               "level_title": LEVEL_TITLES.get(region.level, ""),
               "breakdown_label": BREAKDOWN_LABELS.get(BREAKDOWN.get(len(region.code), 12), "")}
    if not form.is_valid():
        return render(request, "portal/dashboards.html", context, status=400)
    period = form.cleaned_data["period"]
    context.update(period=period, query=_query(region, period),
                   cards=dashboard_cards(user=request.user, region=region, period=period))
    return render(request, "portal/dashboards.html", context)


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


def _export(request, only: str | None):
    from .dashboard_exports import dashboard_export

    region, _choices, form = _resolve(request)
    if not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    period = form.cleaned_data["period"]
    cards = dashboard_cards(user=request.user, region=region, period=period, only=only)
    if only is not None and not cards:
        raise Http404
    content = dashboard_export(actor=request.user, region=region, period=period, cards=cards)
    return _xlsx(content, f"dashboard-{region.code}" + (f"-{only}" if only else ""))


@never_cache
@caseworker_required
def dashboard_export_view(request):
    return _export(request, None)


@never_cache
@caseworker_required
def dashboard_indicator_export(request, name: str):
    if indicator_named(name) is None:
        raise Http404
    return _export(request, name)


__all__ = ["dashboard", "dashboard_export_view", "dashboard_indicator_export", "dashboard_cards", "PeriodForm",
           "region_choices", "indicator_regions"]
