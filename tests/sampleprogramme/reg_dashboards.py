"""The sample programme's dashboard indicator: households per region, from the platform's registry
(the sample programme has no tables of its own). Registering it is all a programme does to appear
on the dashboard: no platform file names it."""
from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import Left

from civilaffairs.accounts.scoping import region_q
from civilaffairs.portal.dashboards import (
    Figures, Indicator, Series, by_category, region_categories, register_indicator, unregister_indicator,
)

NAME = "sampleprogramme.households"


def households(*, regions, period, breakdown) -> Figures:
    from civilaffairs.registry.models import Household

    categories = region_categories(regions, breakdown)
    counts = dict(Household.objects.filter(region_q("community__code", list(regions)))
                  .annotate(area=Left("community_id", breakdown)).values("area").annotate(n=Count("id"))
                  .order_by().values_list("area", "n"))
    return Figures(category_label="区域", categories=categories,
                   series=[Series("households", "家庭数", by_category(categories, counts))])


def register() -> None:
    register_indicator(Indicator(name=NAME, title="样例项目：登记家庭数", unit="户", kind="bar",
                                 programme="样例项目", query=households, order=999))


def unregister() -> None:
    unregister_indicator(NAME)
