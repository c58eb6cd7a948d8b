"""Scoped reads of visits, devices and alarms (area D): every list and object a page or endpoint
shows goes through here, with the capability it needs. Out of scope answers 404."""
from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from civilaffairs.accounts.scoping import get_scoped_or_404, scope_queryset  # noqa: F401 - re-exported

from .capabilities import HANDLE_ALARM, MANAGE_DEVICES, VIEW
from .models import Alarm, Device, DeviceToken, PlanStatus, Visit, VisitPlan  # noqa: F401 - Visit re-exported


def visited_this_week(day: dt.date | None = None):
    """An ``Exists`` for annotating plans: a visit in ``day``'s week (Monday–Sunday)."""
    from .services.visits import week_bounds

    start, end = week_bounds(day or timezone.localdate())
    return Exists(Visit.objects.filter(plan=OuterRef("pk"), visited_at__gte=start, visited_at__lt=end))


def plans_for_user(*, user, capability: str = VIEW):
    return (scope_queryset(VisitPlan.objects.all(), user, capability=capability)
            .select_related("person", "visitor").annotate(visited_week=visited_this_week()))


def plan_get_for_user(*, user, pk: int, capability: str = VIEW) -> VisitPlan:
    return get_scoped_or_404(VisitPlan.objects.select_related("person", "visitor"), user, capability=capability,
                             pk=pk)


def plans_due_for(*, user, capability: str):
    """Active plans the worker visits: assigned to them, or unassigned in their communities."""
    return (plans_for_user(user=user, capability=capability).filter(status=PlanStatus.ACTIVE)
            .filter(Q(visitor=user) | Q(visitor__isnull=True, volunteer_name="")))


def visits_of_plan(*, user, plan: VisitPlan):
    return (scope_queryset(Visit.objects.filter(plan=plan), user, capability=VIEW)
            .select_related("visitor").order_by("-visited_at", "-id"))


def devices_for_user(*, user, capability: str = MANAGE_DEVICES):
    return scope_queryset(Device.objects.all(), user, capability=capability).select_related("person", "provider")


def device_get_for_user(*, user, pk: int, capability: str = MANAGE_DEVICES) -> Device:
    return get_scoped_or_404(Device.objects.select_related("person", "provider"), user, capability=capability, pk=pk)


def tokens_for_user(*, user):
    return scope_queryset(DeviceToken.objects.all(), user, capability=MANAGE_DEVICES).select_related("provider")


def token_get_for_user(*, user, pk: int) -> DeviceToken:
    return get_scoped_or_404(DeviceToken.objects.select_related("provider"), user, capability=MANAGE_DEVICES, pk=pk)


def alarms_for_user(*, user, capability: str = HANDLE_ALARM):
    return (scope_queryset(Alarm.objects.all(), user, capability=capability)
            .select_related("person", "device", "provider"))


def alarm_get_for_user(*, user, pk: int, capability: str = HANDLE_ALARM) -> Alarm:
    return get_scoped_or_404(Alarm.objects.select_related("person", "device", "provider"), user,
                             capability=capability, pk=pk)


def providers_for_user(*, user):
    """The service providers a user may register devices of: their own organisation (provider
    staff), or any active provider serving their area — located in it or above it (a district's
    provider installs in its communities)."""
    from civilaffairs.accounts.models import Organisation, OrganisationType
    from civilaffairs.accounts.scoping import jurisdiction_codes, organisation_ids, region_q

    providers = Organisation.objects.filter(type=OrganisationType.SERVICE_PROVIDER, status="active").order_by("name")
    codes = jurisdiction_codes(user, MANAGE_DEVICES)
    if codes is None:
        return providers
    ancestors = {code[:n] for code in codes for n in range(2, len(code) + 1)}
    return providers.filter(region_q("region__code", codes) | Q(region_id__in=ancestors)
                            | Q(pk__in=organisation_ids(user, MANAGE_DEVICES)))
