"""Scoped reads of accounts data: organisations (region staff see their jurisdiction's,
organisation staff only their own — both through ``scope_queryset``)."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import Organisation
from .roles import Capability
from .scoping import get_scoped_or_404, scope_queryset


def organisation_list(*, user, q: str = "", type: str = "", status: str = "", region: str = "") -> QuerySet[Organisation]:
    qs = scope_queryset(Organisation.objects.select_related("region", "region__parent"), user,
                        capability=Capability.VIEW_ORGANISATION)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc=q.upper()))
    if type:
        qs = qs.filter(type=type)
    if status:
        qs = qs.filter(status=status)
    if region:
        qs = qs.filter(region__code__startswith=region)
    return qs.order_by("region_id", "name", "id")


def organisation_get_for_user(*, user, pk: int) -> Organisation:
    qs = Organisation.objects.select_related("region", "region__parent").annotate(
        staff_count=Count("assignments", filter=Q(assignments__is_active=True)))
    return get_scoped_or_404(qs, user, capability=Capability.VIEW_ORGANISATION, pk=pk)
