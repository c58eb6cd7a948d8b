"""Caseworker pages of the allowances (area C): the list (scoped, filtered, paginated), one allowance
with its payments, and stop (proposed by the township, confirmed by a second person at the district) /
resume with a reason. Out of jurisdiction → 404; without the capability → 403."""
from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civilaffairs.accounts.scoping import user_can
from civilaffairs.lib.pagination import CappedPaginator
from civilaffairs.payments.models import PaymentLine
from civilaffairs.portal.access import user_passes

from .. import capabilities as caps
from ..allowance_selectors import allowance_get_for_user, allowance_list, sees_money
from ..models import Allowance, AllowanceKind, AllowanceStatus
from ..services import allowances as svc

PAGE_SIZE = 25
allowance_viewer_required = user_passes(lambda user: sees_money(user) and user_can(user, caps.VIEW))


class AllowanceFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=gettext_lazy("待遇"), choices=AllowanceKind.choices)
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=AllowanceStatus.choices)
    community = django_filters.CharFilter(label=gettext_lazy("区划代码"), method="filter_community", max_length=12)

    class Meta:
        model = Allowance
        fields = ["kind", "status", "community"]

    def filter_community(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(community_id__startswith=value)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=svc.REASON_MAX, strip=True,
                             widget=forms.Textarea(attrs={"rows": 2}))


@allowance_viewer_required
def allowance_list_view(request):
    filters = AllowanceFilterSet(request.GET, queryset=allowance_list(user=request.user))
    rows = filters.qs if filters.is_valid() else Allowance.objects.none()
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "eldercare/allowances/list.html", {"filters": filters, "page": page})


def _lines(allowance: Allowance) -> list[PaymentLine]:
    return list(PaymentLine.objects.filter(programme="eldercare",
                                           entitlement__startswith=f"eldercare.allowance:{allowance.pk}:")
                .order_by("-period", "-entitlement", "-id")[:24])


@allowance_viewer_required
def allowance_detail(request, pk: int):
    allowance = allowance_get_for_user(user=request.user, pk=pk)
    return render(request, "eldercare/allowances/detail.html", {
        "allowance": allowance, "lines": _lines(allowance), "form": ReasonForm(),
        "may_verify": svc.may_verify(request.user, allowance), "may_confirm": svc.may_confirm(request.user, allowance),
    })


def _act(request, pk: int, capability: str, action, *, needs_reason: bool = True):
    allowance = allowance_get_for_user(user=request.user, pk=pk)  # 404 outside the jurisdiction
    if not user_can(request.user, capability, allowance.community_id or None):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if needs_reason and not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("eldercare:allowance_detail", pk=pk)
    try:
        done = action(allowance, form.cleaned_data.get("reason", "") if needs_reason else "")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已办理：%(kind)s，当前状态：%(status)s。") % {
            "kind": done.get_kind_display(), "status": done.get_status_display()})
    return redirect("eldercare:allowance_detail", pk=pk)


@require_POST
@allowance_viewer_required
def allowance_stop(request, pk: int):
    return _act(request, pk, caps.VERIFY_ALLOWANCE, lambda a, reason: svc.allowance_stop_propose(
        actor=request.user, allowance_id=a.pk, reason=reason))


@require_POST
@allowance_viewer_required
def allowance_confirm_stop(request, pk: int):
    return _act(request, pk, caps.CONFIRM_ALLOWANCE, lambda a, _r: svc.allowance_stop_confirm(
        actor=request.user, allowance_id=a.pk), needs_reason=False)


@require_POST
@allowance_viewer_required
def allowance_resume(request, pk: int):
    return _act(request, pk, caps.VERIFY_ALLOWANCE, lambda a, reason: svc.allowance_resume(
        actor=request.user, allowance_id=a.pk, reason=reason))
