"""Scoped reads of the engine's results (a candidate outside the user's jurisdiction is never listed)."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from civilaffairs.accounts.scoping import scope_queryset

from .apps import VIEW_ENTITLEMENTS
from .models import CandidateStatus, EntitlementCandidate, EntitlementRun


def candidates_for_user(*, user, rule_key: str, status: str = "") -> QuerySet[EntitlementCandidate]:
    qs = EntitlementCandidate.objects.filter(rule_key=rule_key)
    if status:
        qs = qs.filter(status=status)
    return scope_queryset(qs, user, capability=VIEW_ENTITLEMENTS).order_by("-updated_at", "-id")


def candidate_counts_for_user(*, user) -> dict[str, dict[str, int]]:
    """{rule key: {"eligible": n, "lost": n}} within the user's jurisdiction."""
    rows = (scope_queryset(EntitlementCandidate.objects.all(), user, capability=VIEW_ENTITLEMENTS)
            .values("rule_key")
            .annotate(eligible=Count("id", filter=Q(status=CandidateStatus.ELIGIBLE)),
                      lost=Count("id", filter=Q(status=CandidateStatus.LOST))))
    return {r["rule_key"]: {"eligible": r["eligible"], "lost": r["lost"]} for r in rows}


def recent_runs(*, limit: int = 20) -> QuerySet[EntitlementRun]:
    """Runs are city-wide and hold no personal data: every holder of the capability sees them."""
    return EntitlementRun.objects.order_by("-started_at", "-id")[:limit]
