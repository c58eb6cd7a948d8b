"""The guided application (一件事): programmes and reason → members → materials →
review with the automatic pre-check → submit. The draft lives in the database, so a
resident (or a worker filing on their behalf) resumes where they left off."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from civilaffairs.accounts.scoping import user_can
from civilaffairs.portal.access import resident_required
from civilaffairs.portal.selectors import resident_household
from civilaffairs.registry.selectors import household_get_for_user, household_members

from .. import services as svc
from ..forms import MaterialForm, MemberFormSet, OnBehalfForm, ProgrammesForm, ReasonForm
from ..models import Application, ApplicationStatus, Channel
from ..scoring.selectors import lead_application_initial, lead_for_application
from ..selectors import application_get_for_user
from ..capabilities import FILE
from .common import add_errors, caseworker_required, label_members

STEPS = ("programmes", "members", "materials", "review")
# Lazy: a module-level gettext ran once, at import, in the default language (English pages showed Chinese).
STEP_LABELS = (gettext_lazy("1 申请项目"), gettext_lazy("2 家庭成员与收入"), gettext_lazy("3 上传材料"),
               gettext_lazy("4 确认提交"))


def _step_url(app: Application, step: str) -> str:
    return reverse(f"assistance:apply_{step}", args=[app.pk])


def resume_url(app: Application) -> str:
    """Where the draft was left off."""
    step = app.draft_data.get("step", "members")
    return _step_url(app, step if step in STEPS else "members")


def _draft_for(request, pk: int) -> Application:
    app = application_get_for_user(user=request.user, pk=pk)
    if not svc.may_act(request.user, "submit", app):
        raise PermissionDenied(_("您无权填写该申请。"))
    return app


def _remember(request, app: Application, step: str) -> None:
    if app.draft_data.get("step") != step:
        svc.application_save_draft(actor=request.user, application_id=app.pk, data={"step": step})


def _wizard(request, template: str, app: Application | None, step: str, context: dict, status: int = 200):
    return render(request, template, {
        "app": app, "step": step, "steps": list(zip(STEPS, STEP_LABELS)), "step_index": STEPS.index(step),
        **context}, status=status)


def _create(request, form, *, household, applicant, channel):
    data = form.cleaned_data
    try:
        app = svc.application_create(actor=request.user, household=household, applicant=applicant,
                                     programmes=data["programmes"], channel=channel, reason=data["reason"],
                                     emergency=data["emergency"],
                                     temporary_aid_amount=data.get("temporary_aid_amount"))
    except ValidationError as exc:
        add_errors(form, exc)
        return None
    svc.application_save_draft(actor=request.user, application_id=app.pk, data={"step": "members"})
    messages.success(request, _("申请草稿已保存（编号 %(no)s），请继续填写家庭成员情况。") % {"no": app.number})
    return redirect("assistance:apply_members", app.pk)


@require_http_methods(["GET", "POST"])
@resident_required
def apply_start(request):
    household = resident_household(user=request.user)
    if household is None:
        return render(request, "assistance/apply_no_household.html")
    drafts = Application.objects.filter(household=household, status=ApplicationStatus.DRAFT).order_by("-id")
    form = ProgrammesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _create(request, form, household=household, applicant=request.user.person,
                           channel=Channel.ONLINE)
        if response is not None:
            return response
    return _wizard(request, "assistance/apply_programmes.html", None, "programmes", {
        "form": form, "household": household, "drafts": [(d, resume_url(d)) for d in drafts]},
        status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@caseworker_required
def apply_on_behalf(request, household_pk: int):
    """A worker files for a household met at the window or on a home visit."""
    household = household_get_for_user(user=request.user, pk=household_pk)
    if not user_can(request.user, FILE, household.community_id):
        raise PermissionDenied(_("只有村（社区）、乡镇（街道）工作人员可以代为申请。"))
    members = list(household_members(household=household))
    # Started from a discovery lead (scoring: "从线索发起救助申请"): the channel says so, and the
    # programmes and reason are pre-filled from the household's score.
    lead = lead_for_application(user=request.user, household_id=household.pk, pk=request.GET.get("lead"))
    initial = {"applicant": household.head_id, "channel": Channel.PROACTIVE if lead else Channel.WALK_IN,
               **(lead_application_initial(lead) if lead else {})}
    form = OnBehalfForm(request.POST or None, members=members, initial=None if request.POST else initial)
    if request.method == "POST" and form.is_valid():
        applicant = next((m.person for m in members if m.person_id == form.cleaned_data["applicant"]), None)
        if applicant is None:
            raise Http404
        response = _create(request, form, household=household, applicant=applicant,
                           channel=form.cleaned_data["channel"])
        if response is not None:
            return response
    return _wizard(request, "assistance/apply_programmes.html", None, "programmes", {
        "form": form, "household": household, "on_behalf": True, "lead": lead},
        status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@login_required
def apply_programmes(request, pk: int):
    """Step 1 of an existing draft: the programmes are fixed once created; the reason can change."""
    app = _draft_for(request, pk)
    if app.status != ApplicationStatus.DRAFT:
        return redirect("assistance:application_detail", app.pk)
    form = ReasonForm(request.POST or None, initial={"reason": app.reason})
    if request.method == "POST" and form.is_valid():
        try:
            svc.application_save_draft(actor=request.user, application_id=app.pk, data={"step": "members"},
                                       reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return redirect("assistance:apply_members", app.pk)
    return _wizard(request, "assistance/apply_programmes.html", app, "programmes",
                   {"form": form, "household": app.household}, status=400 if request.method == "POST" else 200)


# Work ability is pre-filled only from a current record: what the person declared for this
# application within the last 12 months (the window the income question asks about). The model's
# default ("can work") is no record: a one-year-old must never appear pre-ticked as able to work.
DECLARATION_CURRENT_DAYS = 366


def members_declared_recently(app: Application) -> bool:
    declared_on = app.draft_data.get("members_declared_on")
    if not declared_on:
        return False
    try:
        day = dt.date.fromisoformat(declared_on)
    except (TypeError, ValueError):
        return False
    return (timezone.localdate() - day).days <= DECLARATION_CURRENT_DAYS


@require_http_methods(["GET", "POST"])
@login_required
def apply_members(request, pk: int):
    app = _draft_for(request, pk)
    if app.status != ApplicationStatus.DRAFT:
        return redirect("assistance:application_detail", app.pk)
    members = label_members(app.members.select_related("person").order_by("id"))
    declared = members_declared_recently(app)
    initial = [{"person_id": m.person_id, "declared_monthly_income": m.declared_monthly_income,
                "disability_grade": str(m.disability_grade or ""), "serious_illness": m.serious_illness,
                "self_care": m.self_care, "can_work": ("yes" if m.can_work else "no") if declared else None,
                "note": m.note} for m in members]
    formset = MemberFormSet(request.POST or None, initial=initial, prefix="m")
    if request.method == "POST" and formset.is_valid():
        rows = [{**f.cleaned_data, "disability_grade": f.cleaned_data["disability_grade"] or None}
                for f in formset.forms]
        try:
            svc.application_set_members(actor=request.user, application_id=app.pk, members=rows)
        except ValidationError as exc:
            formset._non_form_errors = formset.error_class([str(m) for m in exc.messages])
        else:
            _remember(request, app, "materials")
            return redirect("assistance:apply_materials", app.pk)
    _remember(request, app, "members")
    by_person = {m.person_id: m for m in members}
    rows = [(f, by_person.get(f.initial.get("person_id") if f.initial else None)) for f in formset.forms]
    return _wizard(request, "assistance/apply_members.html", app, "members",
                   {"formset": formset, "rows": rows}, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@login_required
def apply_materials(request, pk: int):
    app = _draft_for(request, pk)
    if app.status != ApplicationStatus.DRAFT:
        return redirect("assistance:application_detail", app.pk)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                material = svc.material_add(actor=request.user, application_id=app.pk,
                                            uploaded=form.cleaned_data["file"], kind=form.cleaned_data["kind"])
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("已上传“%(name)s”。") % {"name": material.original_name})
                return redirect("assistance:apply_materials", app.pk)
    else:
        _remember(request, app, "materials")
    from .resident import changeable_material_ids

    return _wizard(request, "assistance/apply_materials.html", app, "materials", {
        "form": form, "materials": app.materials.filter(visit__isnull=True),
        "changeable_ids": changeable_material_ids(request.user, app)},
        status=400 if form.errors else 200)


@require_http_methods(["GET"])
@login_required
def apply_review(request, pk: int):
    app = _draft_for(request, pk)
    if app.status != ApplicationStatus.DRAFT:
        return redirect("assistance:application_detail", app.pk)
    _remember(request, app, "review")
    return _review(request, app)


def _review(request, app, *, errors=(), status=200):
    return _wizard(request, "assistance/apply_review.html", app, "review", {
        "precheck": svc.application_precheck(app), "errors": errors,
        "members": label_members(app.members.select_related("person").order_by("id")),
        "materials": app.materials.filter(visit__isnull=True)}, status=status)


@require_POST
@login_required
def apply_submit(request, pk: int):
    # The scoped read first (404 outside the user's reach), as every object page; then the
    # service locks the row and checks the right to submit.
    app = application_get_for_user(user=request.user, pk=pk, related=False)
    try:
        app = svc.application_submit(actor=request.user, application_id=app.pk)
    except (ValidationError, PermissionDenied) as exc:
        app.refresh_from_db()
        if isinstance(exc, PermissionDenied) or not svc.may_act(request.user, "submit", app):
            raise PermissionDenied(_("您无权填写该申请。")) from None
        if app.status != ApplicationStatus.DRAFT:
            # A double click: the first request submitted it, the service refused the second.
            if app.status == ApplicationStatus.SUBMITTED:
                messages.info(request, _("申请已经提交，无需重复提交。"))
            else:
                messages.info(request, _("该申请当前状态为“%(s)s”，不能提交。") % {"s": app.get_status_display()})
            return redirect("assistance:application_detail", app.pk)
        return _review(request, app, errors=exc.messages, status=400)
    messages.success(request, _("申请已提交，编号 %(no)s。我们会在办理过程中通过站内消息和短信通知您。")
                     % {"no": app.number})
    return redirect("assistance:application_detail", app.pk)
