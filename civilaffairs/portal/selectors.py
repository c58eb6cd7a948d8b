"""Reads for the portal pages: the policy guide's figures, a worker's regional numbers,
a resident's household, and the admin sections an administrator may open."""
from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import scope_queryset
from civilaffairs.registry.models import Household, Person, Region, RegionLevel
from civilaffairs.worklist.selectors import worklist_for_user

from .guide import Figure, GuideEntry, resident_hints

CITY_REGION_CODE = "3302"


def guide_figures(*, entry: GuideEntry, on: dt.date, region_code: str = CITY_REGION_CODE) -> list[Figure]:
    """The amounts and thresholds of ``entry`` in force at ``region_code`` (the city by default) on ``on``."""
    return entry.figures(region_code=region_code, on=on)


def guide_district_figures(*, entry: GuideEntry, on: dt.date) -> list[tuple[Region, list[Figure]]]:
    """The districts whose own values for ``entry`` differ from the city's, with those values."""
    city = guide_figures(entry=entry, on=on)
    differing = []
    for district in Region.objects.filter(code__startswith=CITY_REGION_CODE, level=RegionLevel.DISTRICT,
                                          is_active=True).order_by("code"):
        figures = guide_figures(entry=entry, on=on, region_code=district.code)
        if [f.value for f in figures] != [f.value for f in city]:
            differing.append((district, figures))
    return differing


def resident_household(*, user) -> Household | None:
    return (scope_queryset(Household.objects.select_related("community", "community__parent"), user,
                           capability=Capability.VIEW_HOUSEHOLDS)
            .order_by("id").first())


def resident_policy_hints(*, household: Household | None, members, on: dt.date) -> list[tuple[GuideEntry, str]]:
    """Which policies a resident's household may look into, and why, from facts we hold (ages), as
    each registered policy words it. Incomes are checked when they apply, so every hint is a "may"."""
    ages = [m.person.age_on(on) for m in members]
    region_code = household.community_id if household is not None else CITY_REGION_CODE
    return resident_hints(ages=ages, region_code=region_code, on=on)


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
