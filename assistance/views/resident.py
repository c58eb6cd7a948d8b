"""A resident's own applications, answering a request for more material, withdrawing,
in-app notifications and the access-checked download of materials."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civilaffairs.audit.services import audit_log
from civilaffairs.notifications.models import Notification
from civilaffairs.notifications.services import notification_mark_read
from civilaffairs.portal.access import resident_required
from civilaffairs.portal.selectors import resident_household

from .. import services as svc
from ..forms import MaterialForm, WithdrawForm
from ..materials import path_of
from ..models import Application, ApplicationStatus, Benefit, Material
from ..selectors import application_get_for_user
from ..workflow import TRANSITIONS
from .apply import resume_url
from .common import add_errors, scoped_applications


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
    app = application_get_for_user(user=request.user, pk=pk)
    try:
        svc.application_resubmit(actor=request.user, application_id=app.pk, note=request.POST.get("note", "")[:2000])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("补正材料已提交，请等待工作人员审核。"))
    return redirect("assistance:application_detail", app.pk)


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
    response = FileResponse(handle, as_attachment=True, filename=material.original_name,
                            content_type=material.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def notification_list(request):
    notes = Notification.objects.filter(user=request.user)
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    return render(request, "assistance/notifications.html", {
        "page": page, "unread": notes.filter(read_at__isnull=True).count()})


@require_POST
@login_required
def notification_read(request, pk: int):
    note = get_object_or_404(Notification, user=request.user, pk=pk)  # someone else's: 404, not a silent no-op
    notification_mark_read(user=request.user, pk=pk)
    if request.POST.get("follow") and url_has_allowed_host_and_scheme(
            note.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(note.link)
    return redirect("assistance:notifications")


@require_POST
@login_required
def notification_read_all(request):
    for pk in Notification.objects.filter(user=request.user, read_at__isnull=True).values_list("pk", flat=True):
        notification_mark_read(user=request.user, pk=pk)
    messages.success(request, _("已全部标记为已读。"))
    return redirect("assistance:notifications")


def owned_application_context(request, app: Application) -> dict:
    """What the resident's detail page shows beyond the application itself."""
    decision = app.decisions.filter(outcome__in=["approved", "rejected"]).order_by("-decided_at").first()
    return {
        "benefits": app.benefits.order_by("programme"),
        "decision": decision,
        "can_withdraw": app.status in TRANSITIONS["withdraw"].sources and svc.may_act(request.user, "withdraw", app),
        "can_upload": app.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED),
        "can_resubmit": app.status == ApplicationStatus.RETURNED and svc.may_act(request.user, "resubmit", app),
        "material_form": MaterialForm(),
        "resume": resume_url(app) if app.status == ApplicationStatus.DRAFT else None,
    }


@login_required
def index(request):
    if request.user.is_resident:
        return redirect("assistance:my_applications")
    return redirect("assistance:application_list")
