"""Price subsidy rounds and periodic reviews. Payment rolls moved to the platform (civilaffairs.payments.views)."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import get_scoped_or_404, scope_queryset
from civilaffairs.portal.access import administrator_required

from .. import services as svc
from ..forms import PriceSubsidyForm, ReviewCompleteForm
from ..models import PriceSubsidyRound, Review
from .common import PAGE_SIZE, add_errors, caseworker_required


@require_http_methods(["GET", "POST"])
@administrator_required
def subsidy_rounds(request):
    form = PriceSubsidyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            r = svc.price_subsidy_round_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("物价补贴批次“%(n)s”已设置，将在 %(m)s 的发放名册中发放。")
                             % {"n": r.name, "m": r.month.strftime("%Y-%m")})
            return redirect("assistance:subsidy_rounds")
    rounds = PriceSubsidyRound.objects.select_related("created_by").order_by("-month", "-id")[:50]
    return render(request, "assistance/subsidy_rounds.html", {"form": form, "rounds": rounds},
                  status=400 if form.errors else 200)


@caseworker_required
def review_list(request):
    reviews = (scope_queryset(Review.objects.filter(completed_at__isnull=True), request.user,
                               capability=Capability.VIEW_HOUSEHOLDS)
               .select_related("benefit", "benefit__household", "benefit__household__community")
               .order_by("due_on", "id"))
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assistance/review_list.html", {"page": page, "form": ReviewCompleteForm()})


@require_POST
@caseworker_required
def review_complete(request, pk: int):
    review = get_scoped_or_404(Review.objects.all(), request.user, capability=Capability.VIEW_HOUSEHOLDS, pk=pk)
    form = ReviewCompleteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        done = svc.review_complete(actor=request.user, review_id=review.pk, note=note)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("复核完成：%(o)s。") % {"o": done.get_outcome_display()})
    return redirect("assistance:review_list")


__all__ = ["subsidy_rounds", "review_list", "review_complete"]
