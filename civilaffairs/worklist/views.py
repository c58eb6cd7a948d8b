"""Caseworkers' worklist pages. Items come only through the scoped selectors
(out of jurisdiction → 404); every status change goes through ``workitem_transition``."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import user_can
from civilaffairs.portal.access import user_passes

from .forms import OPEN_FILTER, CancelForm, CompleteForm, WorklistFilterForm
from .models import OPEN_STATUSES, ItemStatus
from .selectors import workitem_get_for_user, worklist_for_user
from .services import workitem_transition
from .sources import close_hint_for, close_url_for, subject_url_for, subject_urls_for

PAGE_SIZE = 50

worker_required = user_passes(lambda user: not user.is_resident and user_can(user, Capability.MANAGE_WORKLIST))


@worker_required
def item_list(request):
    form = WorklistFilterForm(request.GET or None)
    status = OPEN_FILTER
    overdue = False
    if form.is_valid():
        status = form.cleaned_data["status"] or OPEN_FILTER
        overdue = form.cleaned_data["overdue"]
    items = worklist_for_user(user=request.user, include_closed=True)
    if status == OPEN_FILTER:
        items = items.filter(status__in=OPEN_STATUSES)
    elif status != "all":
        items = items.filter(status=status)
    if overdue:
        items = items.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    subject_urls = subject_urls_for(items)
    for item in items:
        item.subject_url = subject_urls.get(item.pk)
    return render(request, "worklist/item_list.html", {"form": form, "page": page, "items": items})


def _render_detail(request, item, *, complete_form=None, status=200):
    return render(request, "worklist/item_detail.html", {
        "item": item,
        "close_url": close_url_for(item) if item.is_open else None,
        "close_hint": close_hint_for(item) if item.is_open else None,
        "subject_url": subject_url_for(item),
        "complete_form": complete_form or CompleteForm(),
        "can_start": item.status == ItemStatus.OPEN,
        "can_release": item.status == ItemStatus.IN_PROGRESS,
        "can_close": item.is_open,
    }, status=status)


@worker_required
def item_detail(request, pk: int):
    return _render_detail(request, workitem_get_for_user(user=request.user, pk=pk))


def _transition(request, item, to_status: str, outcome: str = ""):
    """Run the service; returns the list of error messages (empty on success)."""
    try:
        workitem_transition(item_id=item.pk, actor=request.user, to_status=to_status, outcome=outcome)
    except ValidationError as exc:
        return exc.messages
    except PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    return []


@require_POST
@worker_required
def item_start(request, pk: int):
    item = workitem_get_for_user(user=request.user, pk=pk)
    errors = _transition(request, item, ItemStatus.IN_PROGRESS)
    for error in errors:
        messages.error(request, error)
    if not errors:
        messages.success(request, _("已开始办理。"))
    return redirect("worklist:detail", pk=item.pk)


@require_POST
@worker_required
def item_release(request, pk: int):
    item = workitem_get_for_user(user=request.user, pk=pk)
    errors = _transition(request, item, ItemStatus.OPEN)
    for error in errors:
        messages.error(request, error)
    if not errors:
        messages.success(request, _("已退回待处理。"))
    return redirect("worklist:detail", pk=item.pk)


def _closed_elsewhere(request, item):
    """Items whose programme records its own verdict (a lead's 核实结果) are closed on that
    programme's page, which closes the item with it: send the worker there."""
    url = close_url_for(item) if item.is_open else None
    if url is None:
        return None
    messages.info(request, close_hint_for(item) or _("该事项须在业务页面记录办理结果，记录后待办事项随之办结。"))
    return redirect(url)


@require_POST
@worker_required
def item_complete(request, pk: int):
    item = workitem_get_for_user(user=request.user, pk=pk)
    if (elsewhere := _closed_elsewhere(request, item)) is not None:
        return elsewhere
    form = CompleteForm(request.POST)
    if form.is_valid():
        errors = _transition(request, item, ItemStatus.DONE, form.cleaned_data["outcome"])
        if not errors:
            messages.success(request, _("事项已办结。"))
            return redirect("worklist:detail", pk=item.pk)
        for error in errors:
            form.add_error(None, error)
    item.refresh_from_db()
    return _render_detail(request, item, complete_form=form, status=400)


@require_http_methods(["GET", "POST"])
@worker_required
def item_cancel(request, pk: int):
    """GET asks for a reason and confirmation; POST cancels."""
    item = workitem_get_for_user(user=request.user, pk=pk)
    if (elsewhere := _closed_elsewhere(request, item)) is not None:
        return elsewhere
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        errors = _transition(request, item, ItemStatus.CANCELLED, form.cleaned_data["reason"])
        if not errors:
            messages.success(request, _("事项已撤销。"))
            return redirect("worklist:detail", pk=item.pk)
        for error in errors:
            form.add_error(None, error)
    status = 400 if request.method == "POST" else 200
    return render(request, "worklist/item_cancel.html", {"item": item, "form": form}, status=status)
