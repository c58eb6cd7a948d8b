"""The one jurisdiction mechanism. Every worker-facing read goes through here.

A scoped model names the column that holds a region code in
``jurisdiction_field`` (e.g. ``Household.jurisdiction_field = "community__code"``)
or defines ``jurisdiction_q(codes)``; residents are limited by the model's
``resident_q(person)``. Because region codes are materialised paths, "in my
jurisdiction" is ``code LIKE 'prefix%'`` on an indexed column.

Every read names the capability it needs (``capability=`` is required): a user sees rows in
the regions where one of their roles holds it. Staff of an organisation (care home, provider,
charity…) hold their role *in that organisation*: their grants cover the rows of their
organisation, never a region. A model shows which rows belong to an organisation by naming
the path in ``organisation_field`` (``"organisation"``, ``"facility__organisation"``); a model
without one shows organisation staff nothing.

Out-of-scope objects answer 404, never 403, so their existence is not revealed.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from .roles import ROLE_CAPABILITIES, is_capability


def _assignments(user) -> list[tuple[str, str, int | None]]:
    """(role, region_code, organisation_id) of the user's active assignments, cached on the user object.
    An assignment in an organisation counts only while that organisation is active."""
    cached = getattr(user, "_ca_assignments", None)
    if cached is None:
        if not getattr(user, "is_authenticated", False) or getattr(user, "is_resident", False):
            cached = []
        else:
            # A role held in a suspended or closed organisation grants nothing until it is active again.
            cached = list(user.assignments.filter(is_active=True)
                          .filter(Q(organisation__isnull=True) | Q(organisation__status="active"))
                          .values_list("role", "region_id", "organisation_id"))
        user._ca_assignments = cached
    return cached


def _known(capability: str) -> str:
    if not is_capability(capability):
        raise ValueError(f"unknown capability {capability!r} (a programme registers its own in ready())")
    return capability


def _minimal(codes: set[str]) -> list[str]:
    """Drop codes already covered by a shorter prefix in the set."""
    result: list[str] = []
    for code in sorted(codes, key=len):
        if not any(code.startswith(p) for p in result):
            result.append(code)
    return sorted(result)


def user_roles(user) -> set[str]:
    return {role for role, _region, _org in _assignments(user)}


def jurisdiction_codes(user, capability: str) -> list[str] | None:
    """Region-code prefixes where ``user`` holds ``capability`` (not counting grants bound to an
    organisation). ``None`` means everywhere (superusers); an empty list means nowhere."""
    _known(capability)
    if getattr(user, "is_superuser", False) and user.is_active:
        return None
    codes = {region for role, region, org in _assignments(user)
             if org is None and capability in ROLE_CAPABILITIES.get(role, ())}
    return _minimal(codes)


def organisation_ids(user, capability: str) -> list[int]:
    """Organisations in which ``user`` holds ``capability`` (organisation staff)."""
    _known(capability)
    return sorted({org for role, _region, org in _assignments(user)
                   if org is not None and capability in ROLE_CAPABILITIES.get(role, ())})


def user_can(user, capability: str, region_code: str | None = None, *, organisation_id: int | None = None) -> bool:
    """Does ``user`` hold ``capability`` — anywhere, over ``region_code``, or (organisation staff)
    in ``organisation_id``?"""
    codes = jurisdiction_codes(user, capability)
    if codes is None:
        return True
    orgs = organisation_ids(user, capability)
    if region_code is None and organisation_id is None:
        return bool(codes or orgs)
    if organisation_id is not None and organisation_id in orgs:
        return True
    return region_code is not None and any(region_code.startswith(c) for c in codes)


def region_q(field: str, codes: list[str]) -> Q:
    if not codes:
        return Q(pk__in=[])
    q = Q()
    for code in codes:
        q |= Q(**{f"{field}__startswith": code})
    return q


def scope_queryset(qs: QuerySet, user, *, capability: str) -> QuerySet:
    """Limit ``qs`` to what ``user`` may see with ``capability``: the regions where they hold it,
    the organisations in which they hold it (organisation staff), or their own records (residents)."""
    _known(capability)
    model = qs.model
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if getattr(user, "is_resident", False):
        resident_q = getattr(model, "resident_q", None)
        if resident_q is None or user.person_id is None:
            return qs.none()
        return qs.filter(resident_q(user.person_id))
    codes = jurisdiction_codes(user, capability)
    if codes is None:
        return qs
    orgs = organisation_ids(user, capability)
    organisation_field = getattr(model, "organisation_field", None)
    if orgs and organisation_field:
        q = Q(**{f"{organisation_field}__in": orgs})
        return qs.filter(q | _region_scope(model, codes)) if codes else qs.filter(q)
    return qs.filter(_region_scope(model, codes))


def _region_scope(model, codes: list[str]) -> Q:
    if hasattr(model, "jurisdiction_q"):
        return model.jurisdiction_q(codes)
    return region_q(model.jurisdiction_field, codes)


def get_scoped_or_404(qs: QuerySet, user, *, capability: str, **lookup):
    try:
        return scope_queryset(qs, user, capability=capability).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def roles_over(user, region_code: str) -> set[str]:
    """Roles ``user`` holds over ``region_code`` (assignments at it or at an ancestor).
    Superusers hold every role everywhere. For display only: rights are checked with
    ``user_can`` / ``scope_queryset`` and a capability, never with a role set."""
    from .roles import Role

    if getattr(user, "is_superuser", False) and user.is_active:
        return set(Role.values)
    return {role for role, region, _org in _assignments(user) if region_code.startswith(region)}
