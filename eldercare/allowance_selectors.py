"""Scoped reads of the allowances and service credit (area C): every worker-facing query goes through
``scope_queryset`` with ``eldercare.view``. Organisation staff (care homes, providers) hold ``view`` for
their organisation's elders, not for the community's money: they see no allowance and no account."""
from __future__ import annotations

from django.db.models import QuerySet

from civilaffairs.accounts.scoping import get_scoped_or_404, organisation_ids, scope_queryset

from . import capabilities as caps
from .models import Allowance, CreditAccount, CreditEntry

LATEST_ENTRIES = 10


def sees_money(user) -> bool:
    """Civil-affairs staff with ``view`` (not organisation staff, not residents)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_resident", False):
        return False
    return not organisation_ids(user, caps.VIEW)


def allowance_list(*, user) -> QuerySet[Allowance]:
    if not sees_money(user):
        return Allowance.objects.none()
    return (scope_queryset(Allowance.objects.all(), user, capability=caps.VIEW)
            .select_related("person").order_by("community_id", "person_id", "kind", "-id"))


def allowance_get_for_user(*, user, pk: int, capability: str = caps.VIEW) -> Allowance:
    from django.http import Http404

    if not sees_money(user):
        raise Http404
    return get_scoped_or_404(Allowance.objects.select_related("person"), user, capability=capability, pk=pk)


def person_allowances(*, user, person) -> list[Allowance]:
    return list(allowance_list(user=user).filter(person=person).order_by("kind", "-from_month", "-id"))


def person_credit(*, user, person) -> tuple[CreditAccount | None, list[CreditEntry]]:
    if not sees_money(user):
        return None, []
    account = scope_queryset(CreditAccount.objects.filter(person=person), user, capability=caps.VIEW).first()
    if account is None:
        return None, []
    entries = list(account.entries.select_related("organisation").order_by("-created_at", "-id")[:LATEST_ENTRIES])
    return account, entries


def credit_account_list(*, user) -> QuerySet[CreditAccount]:
    if not sees_money(user):
        return CreditAccount.objects.none()
    return scope_queryset(CreditAccount.objects.all(), user, capability=caps.VIEW).select_related("person")


def credit_entry_list(*, user) -> QuerySet[CreditEntry]:
    if not sees_money(user):
        return CreditEntry.objects.none()
    return scope_queryset(CreditEntry.objects.all(), user, capability=caps.VIEW).select_related("account")
