"""Scoped reads of rolls and lines (out of the user's jurisdiction: 404)."""
from __future__ import annotations

from django.db.models import QuerySet

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import get_scoped_or_404, scope_queryset

from .models import BankAccount, PaymentLine, PaymentRoll


def roll_list(*, user) -> QuerySet[PaymentRoll]:
    return (scope_queryset(PaymentRoll.objects.select_related("district"), user,
                           capability=Capability.VIEW_PAYMENTS)
            .order_by("-month", "district_id", "programme"))


def roll_get_for_user(*, user, pk: int) -> PaymentRoll:
    return get_scoped_or_404(PaymentRoll.objects.select_related("district"), user,
                             capability=Capability.VIEW_PAYMENTS, pk=pk)


def line_get_for_user(*, user, pk: int) -> PaymentLine:
    return get_scoped_or_404(PaymentLine.objects.select_related("roll"), user,
                             capability=Capability.VIEW_HOUSEHOLDS, pk=pk)


def lines_of_household(*, user, household_id: int, limit: int = 60) -> QuerySet[PaymentLine]:
    return (scope_queryset(PaymentLine.objects.filter(household_id=household_id), user,
                           capability=Capability.VIEW_HOUSEHOLDS)
            .select_related("roll").order_by("-period", "-id")[:limit])


def current_bank_account(*, person_id: int | None = None, household_id: int | None = None) -> BankAccount | None:
    """The current account (masked on screen: ``account_masked``)."""
    qs = BankAccount.objects.filter(is_current=True)
    qs = qs.filter(person_id=person_id) if person_id else qs.filter(household_id=household_id)
    return qs.first()
