"""Scoped reads of the registry, and the one answer to "value of X for region R on date D"."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.db.models.functions import Length

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import get_scoped_or_404, scope_queryset
from civilaffairs.lib.crypto import blind_index
from civilaffairs.lib.idnumber import normalize_id_number

from .models import DepartmentRecord, FactStatus, Household, HouseholdMember, Person, PolicyParameter, Region, ancestor_codes


class ParameterMissing(LookupError):
    pass


def parameter_row(*, key: str, region_code: str, on: dt.date) -> PolicyParameter:
    """The row in force for ``key`` at ``region_code`` on ``on``: the region's own value,
    else the nearest ancestor's."""
    row = (PolicyParameter.objects
           .filter(key=key, region_id__in=ancestor_codes(region_code), effective_from__lte=on)
           .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
           .order_by(Length("region_id").desc(), "-effective_from")
           .first())
    if row is None:
        raise ParameterMissing(f"no value of {key!r} for region {region_code} on {on}")
    return row


def parameter_rows(*, keys: tuple[str, ...] | list[str], region_code: str, on: dt.date) -> dict[str, PolicyParameter]:
    """``parameter_row`` for several keys in one query (DISTINCT ON the key, same order)."""
    rows = {row.key: row for row in (
        PolicyParameter.objects
        .filter(key__in=keys, region_id__in=ancestor_codes(region_code), effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("key", Length("region_id").desc(), "-effective_from")
        .distinct("key"))}
    for key in keys:
        if key not in rows:
            raise ParameterMissing(f"no value of {key!r} for region {region_code} on {on}")
    return rows


def parameter_value(*, key: str, region_code: str, on: dt.date) -> Decimal:
    return parameter_row(key=key, region_code=region_code, on=on).value


def id_digest(id_number: str) -> str:
    return blind_index(normalize_id_number(id_number), purpose="id")


def phone_digest(phone: str) -> str:
    return blind_index(phone.strip(), purpose="phone")


def person_find_by_id_number(id_number: str) -> Person | None:
    return Person.objects.filter(id_digest=id_digest(id_number)).first()


def household_get_for_user(*, user, pk: int) -> Household:
    return get_scoped_or_404(Household.objects.select_related("community", "community__parent", "head"), user,
                             capability=Capability.VIEW_HOUSEHOLDS, pk=pk)


def household_members(*, household: Household) -> QuerySet[HouseholdMember]:
    return (household.members.filter(is_active=True).select_related("person")
            .order_by("id"))


def person_get_for_user(*, user, pk: int, capability: str = Capability.VIEW_HOUSEHOLDS) -> Person:
    return get_scoped_or_404(Person.objects.all(), user, capability=capability, pk=pk)


def person_memberships(*, person: Person) -> QuerySet[HouseholdMember]:
    """Every household the person belongs or belonged to, the current one first."""
    return (person.memberships.select_related("household", "household__community", "household__community__parent")
            .order_by("-is_active", "-joined_on", "-id"))


def person_region_code(person: Person) -> str:
    """The community code of the person's current household (their registered region without one):
    where a read of their records is counted in the audit and the access log."""
    membership = person.memberships.filter(is_active=True).select_related("household").first()
    return membership.household.community_id if membership else (person.registered_region_id or "")


def department_records_for_person(*, user, person: Person, history: bool = False) -> QuerySet[DepartmentRecord]:
    """The person's current facts; with ``history`` also the superseded and revoked ones (shown as such,
    never counted)."""
    records = DepartmentRecord.objects.filter(person=person)
    if not history:
        records = records.filter(status=FactStatus.CURRENT)
    return (scope_queryset(records, user, capability=Capability.VIEW_DEPARTMENT_DATA)
            .order_by("-period_end", "kind", "-id"))


def region_subtree(code: str) -> QuerySet[Region]:
    return Region.objects.filter(code__startswith=code)


def regions_for_user(*, user) -> QuerySet[Region]:
    from civilaffairs.accounts.scoping import jurisdiction_codes, region_q

    codes = jurisdiction_codes(user, Capability.VIEW_HOUSEHOLDS)
    qs = Region.objects.all()
    if codes is None:
        return qs
    return qs.filter(region_q("code", codes))
