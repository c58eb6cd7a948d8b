"""The ability-assessment pages: start a draft, fill it one dimension per step (phone-sized), the
result with its explanation, the two signatures, voiding. Reads are scoped with VIEW (another
community's assessment is a 404); writes need ASSESS over the elder's community (else 403)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civilaffairs.accounts.scoping import get_scoped_or_404, user_can

from .. import services
from ..capabilities import ASSESS, VIEW
from ..forms import FactsForm, ItemsForm, VoidForm
from ..models import Assessment, AssessmentStatus
from ..services.assessment import valid_qualification
from .elders import _add_errors, _elder_for


def _assessment_for(user, pk: int, capability: str = VIEW) -> Assessment:
    assessment = get_scoped_or_404(Assessment.objects.select_related("person", "detail__instrument"), user,
                                   capability=VIEW, pk=pk)
    if capability != VIEW and not user_can(user, capability, assessment.community_id):
        raise PermissionDenied
    return assessment


def _fill_url(assessment: Assessment, step: int) -> str:
    return reverse("eldercare:assessment_fill", args=[assessment.pk]) + f"?step={step}"


@require_POST
@login_required
def assessment_start(request, pk: int):
    person, _community = _elder_for(request.user, pk, ASSESS)
    try:
        assessment = services.assessment_start(actor=request.user, person_id=person.pk)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(reverse("portal:person_file", args=[person.pk]))
    return redirect(_fill_url(assessment, 1))


@never_cache
@login_required
def assessment_fill(request, pk: int):
    """Step 1..n: one dimension's items; step n+1: the facts the adjustments read and the submit."""
    assessment = _assessment_for(request.user, pk, ASSESS)
    if assessment.status != AssessmentStatus.DRAFT or assessment.signatures.exists():
        return redirect("eldercare:assessment_detail", pk=assessment.pk)
    dimensions = list(assessment.detail.instrument.dimensions.prefetch_related("items__options"))
    try:
        step = min(max(int(request.GET.get("step", 1)), 1), len(dimensions) + 1)
    except ValueError:
        step = 1
    answered = dict(assessment.answers.values_list("item_id", "option_id"))
    total_items = sum(len(d.items.all()) for d in dimensions)
    context = {"assessment": assessment, "person": assessment.person, "dimensions": dimensions, "step": step,
               "steps": len(dimensions) + 1, "answered_count": len(answered), "total_items": total_items}
    status = 200
    if step <= len(dimensions):
        dimension = dimensions[step - 1]
        form = ItemsForm(request.POST if request.method == "POST" else None, dimension=dimension, answered=answered)
        if request.method == "POST" and form.is_valid():
            try:
                services.assessment_answer(actor=request.user, assessment_id=assessment.pk, answers=form.answers())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect(_fill_url(assessment, step + 1))
        status = 400 if form.errors else 200
        context.update(form=form, dimension=dimension)
        return render(request, "eldercare/assessment/fill_items.html", context, status=status)
    detail = assessment.detail
    form = FactsForm(request.POST if request.method == "POST" else None, initial={
        "assessed_on": assessment.assessed_on, "diagnosed_dementia": detail.diagnosed_dementia,
        "diagnosed_psychiatric": detail.diagnosed_psychiatric, "risk_events_30d": detail.risk_events_30d})
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_set_facts(actor=request.user, assessment_id=assessment.pk, **form.cleaned_data)
            services.assessment_submit(actor=request.user, assessment_id=assessment.pk)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("评估结果已计算，请两名评估员确认并签名。"))
            return redirect("eldercare:assessment_detail", pk=assessment.pk)
    context.update(form=form)
    return render(request, "eldercare/assessment/fill_facts.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
def assessment_detail(request, pk: int):
    assessment = _assessment_for(request.user, pk)
    detail = assessment.detail
    answers = {a.item_id: a.option for a in assessment.answers.select_related("option")}
    dimensions = list(detail.instrument.dimensions.prefetch_related("items"))
    for dim in dimensions:
        dim.rows = [(item, answers.get(item.pk)) for item in dim.items.all()]
        dim.result = (detail.dimension_scores or {}).get(dim.code)
    signatures = list(assessment.signatures.select_related("assessor", "qualification"))
    may_assess = user_can(request.user, ASSESS, assessment.community_id)
    signed_by_me = any(s.assessor_id == request.user.pk for s in signatures)
    return render(request, "eldercare/assessment/detail.html", {
        "assessment": assessment, "detail": detail, "person": assessment.person, "dimensions": dimensions,
        "signatures": signatures, "may_assess": may_assess, "signed_by_me": signed_by_me,
        "qualified": bool(valid_qualification(request.user, timezone.localdate())) if may_assess else False,
        "void_form": VoidForm(), "is_draft": assessment.status == AssessmentStatus.DRAFT,
        "may_void": may_assess and assessment.status in (AssessmentStatus.DRAFT, AssessmentStatus.SIGNED),
    })


@require_POST
@login_required
def assessment_sign(request, pk: int):
    assessment = _assessment_for(request.user, pk, ASSESS)
    try:
        assessment = services.assessment_sign(actor=request.user, assessment_id=assessment.pk)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("评估已生效。") if assessment.status == AssessmentStatus.SIGNED
                         else _("已签名，待第二名评估员签名。"))
    return redirect("eldercare:assessment_detail", pk=assessment.pk)


@require_POST
@login_required
def assessment_void(request, pk: int):
    assessment = _assessment_for(request.user, pk, ASSESS)
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("eldercare:assessment_detail", pk=assessment.pk)
    try:
        services.assessment_void(actor=request.user, assessment_id=assessment.pk, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("评估已作废。"))
    return redirect("eldercare:assessment_detail", pk=assessment.pk)
