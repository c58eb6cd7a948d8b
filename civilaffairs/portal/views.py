"""The front door: one home per role, the public policy guide, and the large-text switch."""
from __future__ import annotations

from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from civilaffairs.accounts.roles import Role
from civilaffairs.accounts.scoping import user_roles
from civilaffairs.audit.views import may_view_audit
from civilaffairs.registry.selectors import household_members

from . import selectors
from .access import (
    administrator_required,
    caseworker_required,
    data_provider_required,
    is_administrator,
    is_caseworker,
    is_data_provider,
    resident_required,
    staff_required,
)
from .registry import resident_sections

LARGE_TEXT_COOKIE_AGE = 365 * 24 * 3600


def home(request):
    user = request.user
    if not user.is_authenticated:
        return redirect("portal:policy_guide")
    if user.is_resident:
        return redirect("portal:resident_home")
    if user.is_superuser:
        return redirect("portal:admin_home")
    if is_caseworker(user):
        return redirect("portal:caseworker_home")
    if is_data_provider(user):
        return redirect("portal:data_provider_home")
    return redirect("portal:role_home")


def policy_guide(request):
    today = timezone.localdate()
    return render(request, "portal/policy_guide.html", {"policies": selectors.policy_guide(on=today),
                                                        "today": today})


@resident_required
def resident_home(request):
    today = timezone.localdate()
    household = selectors.resident_household(user=request.user)
    members = list(household_members(household=household)) if household else []
    return render(request, "portal/resident_home.html", {
        "household": household,
        "members": members,
        "today": today,
        "sections": resident_sections(request=request, household=household),  # what programmes register
        "hints": selectors.resident_policy_hints(household=household, members=members, on=today),
    })


@caseworker_required
def caseworker_home(request):
    return render(request, "portal/caseworker_home.html", {
        "items": selectors.caseworker_worklist(user=request.user),
        "numbers": selectors.caseworker_numbers(user=request.user),
        "now": timezone.now(),
        "show_admin": is_administrator(request.user),
    })


@administrator_required
def admin_home(request):
    return render(request, "portal/admin_home.html", {
        "sections": selectors.admin_sections() if request.user.is_staff else [],
        "may_view_audit": may_view_audit(request.user),
        "numbers": selectors.caseworker_numbers(user=request.user),
    })


@data_provider_required
def data_provider_home(request):
    return render(request, "portal/data_provider_home.html")


@staff_required
def role_home(request):
    roles = sorted(user_roles(request.user))
    return render(request, "portal/role_home.html", {"role_labels": [Role(r).label for r in roles]})


@require_POST
def large_text(request):
    """Switch large-text mode without JavaScript; portal.js does the same in the page."""
    turn_on = request.COOKIES.get("large_text") != "1"
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    # An explicit "0" (not a deleted cookie) so that switching off wins over an account preference.
    response.set_cookie("large_text", "1" if turn_on else "0", max_age=LARGE_TEXT_COOKIE_AGE, samesite="Lax")
    return response
