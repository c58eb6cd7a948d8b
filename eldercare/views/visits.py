"""Visit pages (area D): my visits due, the plan list of a community, a plan with its visits and
its assignment, the visit form (phone-sized)."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civilaffairs.accounts.scoping import user_can
from civilaffairs.lib.errors import StateConflict
from civilaffairs.lib.pagination import CappedPaginator
from civilaffairs.portal.access import user_passes

from .. import selectors_visits as sel
from ..capabilities import PLAN_VISITS, VISIT
from ..forms_visits import AssignForm, PlanCommunityForm, PlanFilterForm, VisitForm
from ..models import PlanStatus
from ..services import visits as svc

PAGE_SIZE = 50


def capability_page(*capabilities):
    """Sign-in, then 403 unless the user holds one of ``capabilities`` somewhere."""
    return user_passes(lambda user: any(user_can(user, c) for c in capabilities))


def add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                for message in error.messages:
                    form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@capability_page(VISIT)
def visits_due(request):
    plans = sorted(sel.plans_due_for(user=request.user, capability=VISIT).order_by("community_id", "person_id")[:500],
                   key=lambda p: (p.visited_week, p.next_due_on(), p.pk))
    return render(request, "eldercare/visits/due.html", {"plans": plans})


@capability_page(VISIT, PLAN_VISITS)
def plan_list(request):
    form = PlanFilterForm(request.GET or None)
    plans = sel.plans_for_user(user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["community"]:
            plans = plans.filter(community_id__startswith=data["community"])
        plans = plans.filter(status=data["status"] or PlanStatus.ACTIVE)
        if data["risk_level"]:
            plans = plans.filter(risk_level=data["risk_level"])
        if data["not_visited"]:
            plans = plans.filter(visited_week=False)
    else:
        plans = plans.filter(status=PlanStatus.ACTIVE)
    page = CappedPaginator(plans.order_by("community_id", "person_id", "id"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "eldercare/visits/plan_list.html", {
        "form": form, "page": page, "plan_form": PlanCommunityForm(),
        "can_plan": user_can(request.user, PLAN_VISITS)})


@require_POST
@capability_page(PLAN_VISITS)
def plan_community(request):
    form = PlanCommunityForm(request.POST)
    if form.is_valid():
        try:
            counts = svc.visit_plans_create_for_community(actor=request.user, community_code=form.cleaned_data["community"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已新建巡访计划 %(created)d 个，结束 %(ended)d 个。") % counts)
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect(reverse("eldercare:visit_plan_list") + "?" + urlencode({"community": form.data.get("community", "")}))


def _visitors(plan):
    """Workers who may visit in the plan's community (a role holding VISIT at it or above)."""
    from civilaffairs.accounts.roles import ROLE_CAPABILITIES

    roles = [role for role, caps in ROLE_CAPABILITIES.items() if VISIT in caps]
    ancestors = [plan.community_id[:n] for n in range(2, len(plan.community_id) + 1)]
    return list(get_user_model().objects.filter(
        is_active=True, assignments__is_active=True, assignments__organisation__isnull=True,
        assignments__role__in=roles, assignments__region_id__in=ancestors).distinct().order_by("username")[:200])


@capability_page(VISIT, PLAN_VISITS)
def plan_detail(request, pk: int):
    plan = sel.plan_get_for_user(user=request.user, pk=pk)
    can_assign = user_can(request.user, PLAN_VISITS, plan.community_id) and plan.status == PlanStatus.ACTIVE
    form = None
    if can_assign:
        form = AssignForm(visitors=_visitors(plan), initial={"visitor": plan.visitor_id,
                                                             "volunteer_name": plan.volunteer_name,
                                                             "risk_level": plan.risk_level})
    return render(request, "eldercare/visits/plan_detail.html", {
        "plan": plan, "visits": list(sel.visits_of_plan(user=request.user, plan=plan)[:100]), "form": form,
        "can_visit": user_can(request.user, VISIT, plan.community_id) and plan.status == PlanStatus.ACTIVE})


@require_POST
@capability_page(PLAN_VISITS)
def plan_assign(request, pk: int):
    plan = sel.plan_get_for_user(user=request.user, pk=pk, capability=PLAN_VISITS)
    form = AssignForm(request.POST, visitors=_visitors(plan))
    if form.is_valid():
        try:
            svc.visit_plan_assign(actor=request.user, plan_id=plan.pk, visitor_id=form.cleaned_data["visitor"],
                                  volunteer_name=form.cleaned_data["volunteer_name"],
                                  risk_level=form.cleaned_data["risk_level"])
        except ValidationError as exc:
            add_errors(form, exc)
        except StateConflict as exc:
            messages.error(request, str(exc))
            return redirect("eldercare:visit_plan_detail", pk=plan.pk)
        else:
            messages.success(request, _("已保存巡访指派。"))
            return redirect("eldercare:visit_plan_detail", pk=plan.pk)
    return render(request, "eldercare/visits/plan_detail.html", {
        "plan": plan, "visits": list(sel.visits_of_plan(user=request.user, plan=plan)[:100]), "form": form,
        "can_visit": user_can(request.user, VISIT, plan.community_id)}, status=400)


@capability_page(VISIT)
def visit_record(request, pk: int):
    plan = sel.plan_get_for_user(user=request.user, pk=pk, capability=VISIT)
    form = VisitForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                svc.visit_record(actor=request.user, plan_id=plan.pk, mode=data["mode"], visited_at=data["visited_at"],
                                 health=data["health"], safety=data["safety"], needs=data["needs"],
                                 risks=data["risks"], note=data["note"])
            except ValidationError as exc:
                add_errors(form, exc)
            except StateConflict as exc:
                messages.error(request, str(exc))
                return redirect("eldercare:visit_plan_detail", pk=plan.pk)
            else:
                messages.success(request, _("已登记巡访记录。"))
                return redirect("eldercare:visits_due")
        status = 400
    return render(request, "eldercare/visits/visit_form.html", {"plan": plan, "form": form}, status=status)
