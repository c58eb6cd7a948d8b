"""A resident's own applications, answering a request for more material, withdrawing,
and the access-checked download of materials (the inbox is the platform's, notifications:list)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civilaffairs.audit.services import audit_log
from civilaffairs.portal.access import resident_required
from civilaffairs.portal.selectors import resident_household
from civilaffairs.registry.selectors import ParameterMissing, parameter_value
from civilaffairs.worklist.selectors import workitems_open

from .. import services as svc
from ..forms import MaterialForm, MaterialReplaceForm, ResubmitForm, WithdrawForm
from ..materials import extension_for, path_of, sniff
from ..models import Application, ApplicationStatus, Benefit, Material
from ..selectors import application_get_for_user
from ..workflow import TRANSITIONS
from .apply import resume_url
from .common import add_errors, scoped_applications


HOME_LIMIT = 5


def resident_home_section(*, request, household):
    """The resident home's "我的申请" card (registered with the portal in AssistanceConfig.ready)."""
    if not request.user.is_resident:
        return None
    apps = scoped_applications(request.user).order_by("-created_at", "-id")
    total = apps.count()
    rows = [(a, resume_url(a) if a.status == ApplicationStatus.DRAFT
             else reverse("assistance:application_detail", args=[a.pk])) for a in apps[:HOME_LIMIT]]
    return "assistance/_resident_home_applications.html", {"rows": rows, "total": total, "more": total > len(rows)}


@resident_required
def my_applications(request):
    apps = list(scoped_applications(request.user).order_by("-created_at"))
    household = resident_household(user=request.user)
    benefits = Benefit.objects.filter(household=household).order_by("-start_date") if household else []
    return render(request, "assistance/my_applications.html", {
        "rows": [(a, resume_url(a) if a.status == ApplicationStatus.DRAFT else None) for a in apps],
        "benefits": benefits,
    })


@require_http_methods(["GET", "POST"])
@login_required
def application_withdraw(request, pk: int):
    """GET asks for confirmation; POST withdraws."""
    app = application_get_for_user(user=request.user, pk=pk)
    if not svc.may_act(request.user, "withdraw", app):
        raise PermissionDenied(_("您无权撤回该申请。"))
    if app.status not in TRANSITIONS["withdraw"].sources:
        messages.info(request, _("申请已办结，不能撤回。"))
        return redirect("assistance:application_detail", app.pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.application_withdraw(actor=request.user, application_id=app.pk, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("申请 %(no)s 已撤回。") % {"no": app.number})
            return redirect("assistance:application_detail", app.pk)
    return render(request, "assistance/withdraw_confirm.html", {"app": app, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_POST
@login_required
def material_upload(request, pk: int):
    """A resident (or worker) adds material to a returned or submitted application."""
    app = application_get_for_user(user=request.user, pk=pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            m = svc.material_add(actor=request.user, application_id=app.pk, uploaded=form.cleaned_data["file"],
                                 kind=form.cleaned_data["kind"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("已上传“%(name)s”。") % {"name": m.original_name})
            return redirect("assistance:application_detail", app.pk)
    for error in [e for errors in form.errors.values() for e in errors]:
        messages.error(request, error)
    return redirect("assistance:application_detail", app.pk)


@require_POST
@login_required
def application_resubmit(request, pk: int):
    """补正: one form with the note and an optional file. "上传" stores the file and keeps the typed
    note as a draft; "重新提交" (with or without a file) sends the application back to the township."""
    from .casework import _render_detail

    app = application_get_for_user(user=request.user, pk=pk)
    form = ResubmitForm(request.POST, request.FILES)
    sending = request.POST.get("do") != "upload"
    if sending and not svc.may_act(request.user, "resubmit", app):
        raise PermissionDenied(_("您无权补正该申请。"))
    if app.status != ApplicationStatus.RETURNED:  # a double click, or the township took it back meanwhile
        messages.info(request, _("该申请当前状态为“%(s)s”，不需要补正。") % {"s": app.get_status_display()})
        return redirect("assistance:application_detail", app.pk)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if app.status == ApplicationStatus.RETURNED and data["note"].strip() != app.draft_data.get(
                    "resubmit_note", ""):
                svc.application_save_draft(actor=request.user, application_id=app.pk,
                                           data={"resubmit_note": data["note"].strip()})
            if data.get("file"):
                m = svc.material_add(actor=request.user, application_id=app.pk, uploaded=data["file"],
                                     kind=data["kind"])
                messages.success(request, _("已上传“%(name)s”。") % {"name": m.original_name})
            if sending:
                svc.application_resubmit(actor=request.user, application_id=app.pk, note=data["note"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if sending:
                messages.success(request, _("补正材料已提交，请等待工作人员审核。"))
            elif not data.get("file"):
                messages.info(request, _("补正说明已暂存，尚未提交。"))
            return redirect("assistance:application_detail", app.pk)
    app.refresh_from_db()
    return _render_detail(request, app, bound={"resubmit": form}, status=400)


def _material_for_change(request, pk: int):
    """(material, None) when this user may change it now; (material, redirect) when its application
    no longer allows it; 404 outside the user's reach, 403 for someone who is not its owner."""
    material = get_object_or_404(Material.objects.filter(application__in=scoped_applications(request.user))
                                 .select_related("application"), pk=pk)
    if not svc.may_change_material(request.user, material, any_status=True):
        raise PermissionDenied(_("您无权删除或替换该材料。"))
    if material.application.status not in svc.MATERIAL_CHANGE_STATUSES:
        messages.error(request, _("申请当前状态为“%(s)s”，材料不能再删除或替换；如需更正请联系经办工作人员。")
                       % {"s": material.application.get_status_display()})
        return material, _back_to(material.application)
    return material, None


def _back_to(app: Application):
    if app.status == ApplicationStatus.DRAFT:
        return redirect("assistance:apply_materials", app.pk)
    return redirect("assistance:application_detail", app.pk)


@require_http_methods(["GET", "POST"])
@login_required
def material_remove(request, pk: int):
    """GET asks for confirmation; POST removes (only a draft's or a returned application's, by its owner)."""
    material, refused = _material_for_change(request, pk)
    if refused is not None:
        return refused
    app = material.application
    if request.method == "POST":
        try:
            svc.material_remove(actor=request.user, material_id=material.pk)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已删除“%(name)s”。") % {"name": material.original_name})
        app.refresh_from_db()
        return _back_to(app)
    return render(request, "assistance/material_remove_confirm.html", {"material": material, "app": app,
                                                                       "back": _back_to(app)["Location"]})


@require_POST
@login_required
def material_replace(request, pk: int):
    material, refused = _material_for_change(request, pk)
    if refused is not None:
        return refused
    form = MaterialReplaceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            new = svc.material_replace(actor=request.user, material_id=material.pk, uploaded=form.cleaned_data["file"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("已将“%(old)s”替换为“%(new)s”。") % {"old": material.original_name,
                                                                       "new": new.original_name})
            return _back_to(material.application)
    for error in [e for errors in form.errors.values() for e in errors]:
        messages.error(request, error)
    return _back_to(material.application)


@never_cache
@login_required
def material_download(request, pk: int):
    """Materials are never served by a public URL: only people who may see the application get the file."""
    material = get_object_or_404(Material.objects.filter(application__in=scoped_applications(request.user))
                                 .select_related("application"), pk=pk)
    try:
        path = path_of(material.storage_name)
        handle = open(path, "rb")
    except (ValidationError, OSError):
        raise Http404 from None
    if not request.user.is_resident:
        audit_log(actor=request.user, action="assistance.material_downloaded", obj=material.application,
                  region_code=material.application.community_id, after={"material": material.pk})
    # Served under a generated name with the type sniffed from the content at upload (never the
    # resident's file name: "收入证明.html" that begins with %PDF- must not open as a page).
    found = sniff(handle.read(16))
    handle.seek(0)
    content_type = found[0] if found and found[0] == material.content_type else "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=material_download_name(material),
                            content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def material_download_name(material: Material) -> str:
    return f"{material.application.number}-{material.kind}-{material.pk}{extension_for(material.content_type)}"


# What happens to a submitted application, in order: the status it waits in, the step that ends the
# wait, and the dated region parameter that sets the step's time limit (the same limit the worker's
# to-do item is due by: services.applications._worklist_follow).
PATH = (
    (ApplicationStatus.SUBMITTED, _lazy("受理"), "decision_days"),
    (ApplicationStatus.ACCEPTED, _lazy("家庭经济状况核对"), "decision_days"),
    (ApplicationStatus.VERIFIED, _lazy("入户调查"), "decision_days"),
    (ApplicationStatus.VISITED, _lazy("发布公示"), "decision_days"),
    (ApplicationStatus.NOTICE, _lazy("公示"), "public_notice_days"),
    (ApplicationStatus.DECISION, _lazy("区县审批"), "decision_days"),
)
PATH_STATUSES = [status for status, _label, _key in PATH]


def _days(app: Application, key: str, on) -> int | None:
    try:
        return int(parameter_value(key=key, region_code=app.community_id, on=on))
    except (ParameterMissing, ValueError, TypeError):
        return None


def application_progress(app: Application) -> dict:
    """The resident's progress panel: the steps done (with their date), the current one (with the
    due time of its to-do item), the steps to come with their time limits; nothing to come once
    the application is closed."""
    today = timezone.localdate()
    finished = {}
    for event in app.events.order_by("created_at"):
        if event.from_status in PATH_STATUSES and event.to_status != event.from_status:
            finished[event.from_status] = event.created_at
    if app.status in PATH_STATUSES:
        position = PATH_STATUSES.index(app.status)
    else:
        position = len(PATH) if app.is_final else -1
    due = None
    if app.status in PATH_STATUSES:
        due = (workitems_open(keys=[f"assistance.application:{app.pk}:{app.status}"])
               .values_list("due_at", flat=True).first())
    notice = getattr(app, "notice", None) if app.status != ApplicationStatus.DRAFT else None
    steps = []
    if position == -1:  # a draft or a return for 补正: the next move is the resident's
        steps.append({"label": _("提交申请") if app.status == ApplicationStatus.DRAFT else _("补正后重新提交"),
                      "state": "current", "limit": _("由您办理"), "due": None})
    for i, (status, label, key) in enumerate(PATH):
        if app.is_final:
            break
        days = _days(app, key, today)
        if key == "public_notice_days":
            limit = _("公示 %(n)d 天") % {"n": days} if days else ""
        else:
            limit = _("办理时限 %(n)d 天") % {"n": days} if days else ""
        step = {"label": label, "limit": limit, "due": None, "done_at": None, "until": None}
        if i < position:
            step["state"], step["done_at"] = "done", finished.get(status)
        elif i == position:
            step["state"], step["due"] = "current", due
            if status == ApplicationStatus.NOTICE and notice is not None:
                step["until"] = notice.ends_on
        else:
            step["state"] = "todo"
        steps.append(step)
    return {"steps": steps, "closed": app.is_final}


def owned_application_context(request, app: Application, *, bound: dict | None = None) -> dict:
    """What the resident's detail page shows beyond the application itself."""
    # A proposal awaiting its second approver (or declined) is not yet a decision the resident is told of.
    decision = (app.decisions.filter(outcome__in=["approved", "rejected"], state="effective")
                .order_by("-decided_at").first())
    return {
        "progress": application_progress(app),
        "resubmit_form": (bound or {}).get("resubmit") or ResubmitForm(
            initial={"note": app.draft_data.get("resubmit_note", "")}),
        "changeable_ids": changeable_material_ids(request.user, app),
        "replace_form": MaterialReplaceForm(),
        "benefits": app.benefits.order_by("programme"),
        "decision": decision,
        "can_withdraw": app.status in TRANSITIONS["withdraw"].sources and svc.may_act(request.user, "withdraw", app),
        "can_upload": app.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED),
        "can_resubmit": app.status == ApplicationStatus.RETURNED and svc.may_act(request.user, "resubmit", app),
        "material_form": MaterialForm(),
        "resume": resume_url(app) if app.status == ApplicationStatus.DRAFT else None,
    }


def changeable_material_ids(user, app: Application) -> set[int]:
    if app.status not in svc.MATERIAL_CHANGE_STATUSES:
        return set()
    return {m.pk for m in app.materials.filter(visit__isnull=True).select_related("application")
            if svc.may_change_material(user, m)}


@login_required
def index(request):
    if request.user.is_resident:
        return redirect("assistance:my_applications")
    return redirect("assistance:application_list")
