"""The one jurisdiction mechanism. Every worker-facing read goes through here.

A scoped model names the column that holds a region code in
``jurisdiction_field`` (e.g. ``Household.jurisdiction_field = "community__code"``)
or defines ``jurisdiction_q(codes)``; residents are limited by the model's
``resident_q(person)``. Because region codes are materialised paths, "in my
jurisdiction" is ``code LIKE 'prefix%'`` on an indexed column.

Out-of-scope objects answer 404, never 403, so their existence is not revealed.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from .roles import ROLE_CAPABILITIES, Capability


def _assignments(user) -> list[tuple[str, str]]:
    """(role, region_code) pairs of the user's active assignments, cached on the user object."""
    cached = getattr(user, "_ca_assignments", None)
    if cached is None:
        if not getattr(user, "is_authenticated", False) or getattr(user, "is_resident", False):
            cached = []
        else:
            cached = list(user.assignments.filter(is_active=True).values_list("role", "region_id"))
        user._ca_assignments = cached
    return cached


def _minimal(codes: set[str]) -> list[str]:
    """Drop codes already covered by a shorter prefix in the set."""
    result: list[str] = []
    for code in sorted(codes, key=len):
        if not any(code.startswith(p) for p in result):
            result.append(code)
    return sorted(result)


def user_roles(user) -> set[str]:
    return {role for role, _ in _assignments(user)}


def jurisdiction_codes(user, capability: str = Capability.VIEW_HOUSEHOLDS) -> list[str] | None:
    """Region-code prefixes where ``user`` holds ``capability``. ``None`` means everywhere
    (superusers); an empty list means nowhere."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return None
    codes = {region for role, region in _assignments(user) if capability in ROLE_CAPABILITIES.get(role, ())}
    return _minimal(codes)


def role_codes(user, roles) -> list[str] | None:
    """Region-code prefixes where ``user`` holds one of ``roles`` (for acts tied to a role rather
    than a capability, such as filing on a household's behalf). ``None`` means everywhere."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return None
    return _minimal({region for role, region in _assignments(user) if role in roles})


def user_can(user, capability: str, region_code: str | None = None) -> bool:
    """Does ``user`` hold ``capability`` — anywhere, or over ``region_code``?"""
    codes = jurisdiction_codes(user, capability)
    if codes is None:
        return True
    if region_code is None:
        return bool(codes)
    return any(region_code.startswith(c) for c in codes)


def region_q(field: str, codes: list[str]) -> Q:
    if not codes:
        return Q(pk__in=[])
    q = Q()
    for code in codes:
        q |= Q(**{f"{field}__startswith": code})
    return q


def scope_queryset(qs: QuerySet, user, *, capability: str = Capability.VIEW_HOUSEHOLDS, roles=None) -> QuerySet:
    """Limit ``qs`` to what ``user`` may see: their regions (staff) or their own records (residents).
    With ``roles``, staff see the regions where they hold one of those roles instead."""
    model = qs.model
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if getattr(user, "is_resident", False):
        resident_q = getattr(model, "resident_q", None)
        if resident_q is None or user.person_id is None:
            return qs.none()
        return qs.filter(resident_q(user.person_id))
    codes = jurisdiction_codes(user, capability) if roles is None else role_codes(user, roles)
    if codes is None:
        return qs
    if hasattr(model, "jurisdiction_q"):
        return qs.filter(model.jurisdiction_q(codes))
    return qs.filter(region_q(model.jurisdiction_field, codes))


def get_scoped_or_404(qs: QuerySet, user, *, capability: str = Capability.VIEW_HOUSEHOLDS, **lookup):
    try:
        return scope_queryset(qs, user, capability=capability).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def roles_over(user, region_code: str) -> set[str]:
    """Roles ``user`` holds over ``region_code`` (assignments at it or at an ancestor).
    Superusers hold every role everywhere."""
    from .roles import Role

    if getattr(user, "is_superuser", False) and user.is_active:
        return set(Role.values)
    return {role for role, region in _assignments(user) if region_code.startswith(region)}
