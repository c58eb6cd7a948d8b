"""What programmes show on the dashboards (数据看板): registered indicators.

The portal knows no programme: a programme registers each of its indicators from POLICY.md
("Indicators the dashboards must show") in its ``AppConfig.ready`` with ``register_indicator``,
the way ``portal.registry`` and ``worklist.sources`` work. The dashboard page draws one card per
registered indicator the user may see: an ECharts chart, its table and an Excel export.

An indicator's ``query(regions=…, period=…, breakdown=…)`` returns ``Figures``, computed with
aggregates in PostgreSQL (a handful of rows come back, never the records):
- ``regions``: a ``ScopedRegions``: region-code prefixes the figures are limited to (the user's
  jurisdiction for the indicator's capability, intersected with the region the page shows), never
  empty; ``regions.filter(qs)`` scopes a queryset through the scoping helper with that capability;
- ``period``: the whole months chosen on the page (an indicator that shows a state of today says
  so with ``uses_period=False``);
- ``breakdown``: the code length of the regions one level below the page's region (6 districts on
  the city page, 9 townships on a district's, 12 communities on a township's), for indicators
  broken down by region (``region_categories`` lists them).

``drilldown(category=…, series=…, regions=…, period=…)`` (optional) returns the URL of the list
behind one figure (with its filters as query parameters), or None.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Aggregate, F, FloatField, Func
from django.db.models.functions import Length
from django.db.models import QuerySet
from django.utils import timezone

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import jurisdiction_codes, region_q, scope_queryset

KINDS = ("bar", "line", "pie", "stacked")


@dataclass(frozen=True)
class ScopedRegions:
    """The region-code prefixes an indicator counts over, with whom they were scoped for and with which
    capability (``scoped_regions``). Reads like the tuple of codes it carries (old queries iterate it);
    ``filter`` limits a queryset through the platform's scoping helper *and* to these codes, so an
    indicator's query never depends on the page having limited the regions right."""

    user: object
    capability: str
    codes: tuple[str, ...]

    def __iter__(self):
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, index):
        return self.codes[index]

    def __bool__(self) -> bool:
        return bool(self.codes)

    def filter(self, qs: QuerySet, field: str | None = None) -> QuerySet:
        """``qs`` as ``user`` may see it with ``capability``, within ``codes`` (on ``field``, default the
        model's ``jurisdiction_field``)."""
        field = field or qs.model.jurisdiction_field
        return scope_queryset(qs, self.user, capability=self.capability).filter(region_q(field, list(self.codes)))


def scoped_regions(user, capability: str, region_code: str) -> ScopedRegions:
    """``region_code``'s page within the user's jurisdiction for ``capability`` (no codes: not theirs)."""
    codes = jurisdiction_codes(user, capability)
    if codes is None or any(region_code.startswith(c) for c in codes):
        found = (region_code,)
    else:
        found = tuple(c for c in codes if c.startswith(region_code))
    return ScopedRegions(user=user, capability=capability, codes=found)


@dataclass(frozen=True)
class Period:
    """Whole months from ``first`` to ``last`` (both the 1st of their month), both included."""

    first: dt.date
    last: dt.date

    def __post_init__(self):
        if self.first.day != 1 or self.last.day != 1 or self.last < self.first:
            raise ValueError("a period runs from the 1st of one month to the 1st of a later (or the same) month")

    @property
    def end_date(self) -> dt.date:
        """The period's last day."""
        return next_month(self.last) - dt.timedelta(days=1)

    @property
    def start(self) -> dt.datetime:
        """The period's first instant (local midnight), for half-open ``[start, end)`` filters on datetimes."""
        return timezone.make_aware(dt.datetime.combine(self.first, dt.time.min))

    @property
    def end(self) -> dt.datetime:
        """The first instant after the period."""
        return timezone.make_aware(dt.datetime.combine(next_month(self.last), dt.time.min))

    def months(self) -> list[dt.date]:
        months, month = [], self.first
        while month <= self.last:
            months.append(month)
            month = next_month(month)
        return months

    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first:%Y-%m}"
        return f"{self.first:%Y-%m} — {self.last:%Y-%m}"


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: list  # one number (int, Decimal or float) per category, None where there is no figure
    color: str = ""  # a CSS colour where the meaning has one (red / yellow / green bands)
    chart: bool = True  # False: a column of the table only (a count beside days, in another unit)
    decimals: int | None = None  # places shown, when not the indicator's


@dataclass(frozen=True)
class Figures:
    """What an indicator's query returns: categories (x axis, table rows) × series (table columns)."""

    category_label: str  # the header of the categories' column: 区县, 月份 …
    categories: list[tuple[str, str]]  # (key, label)
    series: list[Series]

    def __post_init__(self):
        for s in self.series:
            if len(s.values) != len(self.categories):
                raise ValueError(f"series {s.key} has {len(s.values)} values for {len(self.categories)} categories")

    @property
    def is_empty(self) -> bool:
        return not self.categories or all(not v for s in self.series for v in s.values)


@dataclass(frozen=True)
class Indicator:
    name: str  # "programme.what", unique
    title: str
    unit: str
    kind: str  # one of KINDS
    programme: str  # the programme's label, shown on the card
    query: Callable[..., Figures]
    capability: str = Capability.VIEW_HOUSEHOLDS
    order: int = 100
    drilldown: Callable[..., str | None] | None = None
    decimals: int = 0  # places the figures are shown with (money 2)
    uses_period: bool = True  # False: a state of today (scores), the period filter does not apply
    note: str = ""  # one sentence on how the figure is counted

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"indicator {self.name}: kind {self.kind!r} is not one of {KINDS}")


_INDICATORS: dict[str, Indicator] = {}


def register_indicator(indicator: Indicator) -> None:
    """Register (or replace, for an app reloaded in tests) the indicator ``indicator.name``."""
    _INDICATORS[indicator.name] = indicator


def unregister_indicator(name: str) -> None:
    _INDICATORS.pop(name, None)


def registered_indicators() -> list[Indicator]:
    return sorted(_INDICATORS.values(), key=lambda i: (i.order, i.name))


def indicator_named(name: str) -> Indicator | None:
    return _INDICATORS.get(name)


# --- helpers for the programmes' queries ----------------------------------------------------------

def region_categories(regions: Iterable[str], breakdown: int) -> list[tuple[str, str]]:
    """The active regions with a ``breakdown``-long code under ``regions``, as (code, name) in code
    order: the rows of an indicator broken down by region (a region with no figure shows 0)."""
    from civilaffairs.accounts.scoping import region_q
    from civilaffairs.registry.models import Region

    codes = list(regions)
    rows = []
    for code in codes:  # a prefix at or below the breakdown level is its own row
        if len(code) >= breakdown:
            rows.append(code[:breakdown])
    below = (Region.objects.filter(region_q("code", [c for c in codes if len(c) < breakdown]), is_active=True)
             .annotate(code_length=Length("code")).filter(code_length=breakdown).values_list("code", flat=True))
    names = dict(Region.objects.filter(code__in=set(rows) | set(below)).values_list("code", "name"))
    return [(code, names.get(code, code)) for code in sorted(set(rows) | set(below))]


def by_category(categories: list[tuple[str, str]], counts: dict, *, default=0) -> list:
    """``counts`` (keyed by category key) as one value per category."""
    return [counts.get(key, default) for key, _label in categories]


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``: the median of a numeric expression."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def days_between(later: str, earlier: str) -> Func:
    """``later - earlier`` in days (fractional), for two datetime columns."""
    return Func(F(later), F(earlier), template="EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0",
                arg_joiner=" - ", output_field=FloatField())


def as_number(value, decimals: int):
    """A figure as the chart draws it (a JSON number), rounded half up as the table shows it."""
    if value is None:
        return None
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return int(rounded) if decimals == 0 else float(rounded)


__all__ = ["Indicator", "Figures", "Series", "Period", "KINDS", "register_indicator", "unregister_indicator",
           "registered_indicators", "indicator_named", "region_categories", "by_category", "Median",
           "days_between", "as_number", "next_month", "month_label"]
