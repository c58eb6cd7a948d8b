"""The access log for auditors: holders of ``view_audit``, within their regions."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import scope_queryset, user_can
from civilaffairs.lib.pagination import CappedPaginator

from .filters import AccessLogFilterSet
from .models import AccessLogEntry

PAGE_SIZE = 50


def may_view_audit(user) -> bool:
    return not getattr(user, "is_resident", False) and user_can(user, Capability.VIEW_AUDIT)


@never_cache
@login_required
def access_log(request):
    if not may_view_audit(request.user):
        raise PermissionDenied
    entries = scope_queryset(AccessLogEntry.objects.all(), request.user, capability=Capability.VIEW_AUDIT)
    filterset = AccessLogFilterSet(request.GET or None, queryset=entries.order_by("-created_at", "-id"))
    for field in filterset.form.fields.values():
        field.widget.attrs.setdefault("class", "form-select" if hasattr(field, "choices") else "form-control")
    page = CappedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/access_log.html", {"filterset": filterset, "page": page})
