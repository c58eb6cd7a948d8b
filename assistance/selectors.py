"""Scoped reads of the assistance app."""
from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import get_scoped_or_404, scope_queryset, user_can
from civilaffairs.registry.filters import HouseholdFilterSet
from civilaffairs.registry.models import HOUSEHOLD_LIST_ORDER, Household
from civilaffairs.payments.models import PaymentLine

from .capabilities import FILE
from .models import Application, ApplicationEvent, Benefit, BenefitAdjustment, Review, VerificationReport


def application_list(*, user) -> QuerySet[Application]:
    return (scope_queryset(Application.objects.all(), user, capability=Capability.VIEW_HOUSEHOLDS)
            .select_related("community", "community__parent", "household", "applicant")
            .order_by("-submitted_at", "-id"))


def application_get_for_user(*, user, pk: int, related: bool = True) -> Application:
    """``related=False``: the application row alone (one query), for a view that only hands its id
    to a service (the service locks and reads what it needs)."""
    qs = Application.objects.all()
    if related:
        qs = qs.select_related("household", "community", "applicant", "created_by").prefetch_related(
            Prefetch("events", queryset=ApplicationEvent.objects.select_related("actor").order_by("created_at", "id")),
            "members__person", "materials", "visits", "decisions")
    return get_scoped_or_404(qs, user, capability=Capability.VIEW_HOUSEHOLDS, pk=pk)


def may_file_on_behalf(user) -> bool:
    """Intake workers (村社、乡镇街道) file for households in their regions; approvers do not."""
    return user_can(user, FILE)


def households_to_file_for(*, user, q: str = "", id_digest: str = "") -> QuerySet[Household]:
    """The 代为申请 search: households where ``user`` may file, found as the household list finds
    them (a full ID number or its digest, a name's first one or two characters, or three or more
    anywhere in it), in the list's index order."""
    households = scope_queryset(Household.objects.select_related("community", "community__parent"), user,
                                capability=FILE)
    data = {"id_digest": id_digest} if id_digest else {"q": q}
    return HouseholdFilterSet(data, queryset=households.order_by(*HOUSEHOLD_LIST_ORDER)).qs


def benefit_list(*, user) -> QuerySet[Benefit]:
    return scope_queryset(Benefit.objects.select_related("household", "household__community"), user,
                          capability=Capability.VIEW_HOUSEHOLDS)


def report_get_for_user(*, user, pk: int) -> VerificationReport:
    qs = VerificationReport.objects.select_related("household", "household__community", "application", "created_by")
    return get_scoped_or_404(qs, user, capability=Capability.VIEW_HOUSEHOLDS, pk=pk)


def household_assistance(*, household) -> dict:
    """Everything the household 360° page shows from this app."""
    return {
        "applications": household.applications.order_by("-created_at"),
        "benefits": household.benefits.order_by("-start_date"),
        "adjustments": BenefitAdjustment.objects.filter(benefit__household=household)
                       .select_related("benefit").order_by("-effective_month", "-id"),
        "payments": PaymentLine.objects.filter(household=household, programme="assistance")
                    .select_related("roll").order_by("-period", "-id")[:60],
        "reports": household.verification_reports.order_by("-created_at"),
        "reviews": Review.objects.filter(benefit__household=household).select_related("benefit").order_by("-id"),
    }
