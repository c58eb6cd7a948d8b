"""Pages: the household score explained, leads and their outcome, the dashboard."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.portal.access import caseworker_required

from . import selectors
from .forms import LeadOutcomeForm
from .models import LeadKind, LeadOutcome, LeadStatus

# The casework module's "file on behalf of a household" page (assistance issue); the
# button is shown only while that named URL exists.
APPLICATION_START_URL = "assistance:apply_on_behalf"


def _application_start_url(lead) -> str | None:
    try:
        return reverse(APPLICATION_START_URL, args=[lead.household_id]) + f"?lead={lead.pk}"
    except NoReverseMatch:
        return None


@never_cache
@caseworker_required
def household_detail(request, pk: int):
    household = selectors.household_for_user(user=request.user, pk=pk)
    score = selectors.score_for_household(household_id=household.pk)
    history = list(selectors.score_history(household_id=household.pk))
    context = {"household": household, "score": score, "history": history,
               "colour_changes": selectors.colour_changes(history),
               "leads": selectors.household_leads(household_id=household.pk)}
    if score is not None:
        context["lines"] = selectors.explain(score, score.model_version)
        context["verdict"] = selectors.verdict(score)
        # The explain path recomputes today's score from current data: a difference
        # means new data arrived since the last run.
        try:
            model = selectors.current_model()
            fresh = selectors.household_explain_score(household=household, model=model, on=selectors.today())
        except selectors.NoPublishedModel:
            fresh = None
        context["stale"] = fresh is not None and (fresh.difficulty_index != score.difficulty_index
                                                  or fresh.colour != score.colour
                                                  or model.pk != score.model_version_id)
        context["fresh"] = fresh
    audit_log(actor=request.user, action="scoring.household_score_viewed", obj=household,
              region_code=household.community_id)
    return render(request, "scoring/household_detail.html", context)


@caseworker_required
def lead_list(request):
    status = request.GET.get("status", LeadStatus.OPEN)
    if status not in LeadStatus.values and status != "":
        status = LeadStatus.OPEN
    kind = request.GET.get("kind", "")
    if kind not in LeadKind.values:
        kind = ""
    page = Paginator(selectors.lead_list(user=request.user, status=status, kind=kind), 50).get_page(
        request.GET.get("page"))
    return render(request, "scoring/lead_list.html", {"page": page, "status": status, "kind": kind,
                                                      "statuses": LeadStatus.choices, "kinds": LeadKind.choices})


@never_cache
@caseworker_required
def lead_detail(request, pk: int):
    from .services import lead_record_outcome

    lead = selectors.lead_for_user(user=request.user, pk=pk)
    can_manage = user_can(request.user, Capability.MANAGE_WORKLIST, lead.community_id)
    form = LeadOutcomeForm(request.POST or None, lead=lead)
    if request.method == "POST":
        if not can_manage or not lead.is_open:
            raise PermissionDenied
        if form.is_valid():
            try:
                lead_record_outcome(actor=request.user, lead_id=lead.pk, outcome=form.cleaned_data["outcome"],
                                    reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        for e in errors:
                            form.add_error(field if field in form.fields else None, e)
                else:
                    form.add_error(None, exc)
            else:
                messages.success(request, _("核实结果“%(o)s”已记录，线索及其待办事项已办结。")
                                 % {"o": LeadOutcome(form.cleaned_data["outcome"]).label})
                return redirect("scoring:lead_detail", pk=lead.pk)
    score = selectors.score_for_household(household_id=lead.household_id)
    applications = list(selectors.lead_applications(lead=lead)[:10]) if lead.kind == LeadKind.DISCOVERY else []
    return render(request, "scoring/lead_detail.html", {
        "lead": lead, "form": form, "can_manage": can_manage, "score": score,
        "lines": selectors.explain(score, score.model_version) if score else [],
        "verdict": selectors.verdict(score) if score else "",
        "applications": applications,
        # One application in progress at a time: the button would only meet the service's refusal.
        "application_url": None if any(not a.is_final for a in applications) else _application_start_url(lead),
        "included": LeadOutcome.INCLUDED,
    })


@caseworker_required
def dashboard(request):
    return render(request, "scoring/dashboard.html", selectors.dashboard(user=request.user))
