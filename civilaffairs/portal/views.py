"""The front door: one home per role, the public policy guide with its self-check and posters,
and the large-text switch."""
from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civilaffairs import programmes
from civilaffairs.accounts.roles import Role
from civilaffairs.accounts.scoping import user_roles
from civilaffairs.audit.views import may_view_audit
from civilaffairs.lib import ratelimit
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
from .forms import SelfCheckForm
from .guide import guide_entry, guide_sections, self_check, yuan
from .qr import qr_svg
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
    """The guide's index: every registered policy with the city's values in force today."""
    today = timezone.localdate()
    sections = [(section, [(entry, selectors.guide_figures(entry=entry, on=today)) for entry in entries])
                for section, entries in guide_sections()]
    return render(request, "portal/policy_guide.html", {"sections": sections, "today": today})


def _entry_or_404(slug: str):
    entry = guide_entry(slug)
    if entry is None:
        raise Http404
    return entry


def _policy_page(request, slug: str, template: str):
    today = timezone.localdate()
    entry = _entry_or_404(slug)
    url = request.build_absolute_uri(reverse("portal:guide_entry", args=[entry.slug]))
    return render(request, template, {
        "entry": entry,
        "figures": selectors.guide_figures(entry=entry, on=today),
        "district_figures": selectors.guide_district_figures(entry=entry, on=today),
        "today": today,
        "page_url": url,
        "qr": qr_svg(url, title=_("扫码查看：%(title)s") % {"title": entry.title}),
    })


def guide_entry_page(request, slug: str):
    """One policy in plain words, with a QR code of this page's address."""
    return _policy_page(request, slug, "portal/guide_entry.html")


def guide_poster(request, slug: str):
    """The same policy as an A4 poster for a community notice board (政策找人): big QR code, title,
    how to apply."""
    return _policy_page(request, slug, "portal/guide_poster.html")


@never_cache
@require_http_methods(["GET", "POST"])
def guide_self_check(request):
    """The anonymous self-check. Answers come by POST (never in the URL), are used for this one
    response and never stored or logged; the response is not cached."""
    today = timezone.localdate()
    if request.method == "POST":
        if not ratelimit.hit(request, scope="self_check", limit=settings.SELF_CHECK_RATE_LIMIT,
                             window_seconds=600):
            return render(request, "portal/guide_self_check.html", {
                "form": SelfCheckForm(request.POST),
                "rate_limited": True,
            }, status=429)
        form = SelfCheckForm(request.POST)
        if form.is_valid():
            answers = form.answers()
            return render(request, "portal/guide_self_check_result.html", {
                "answers": answers,
                "per_capita": yuan(answers.per_capita_income),
                "results": self_check(answers, on=today),
                "today": today,
            })
        return render(request, "portal/guide_self_check.html", {"form": form}, status=400)
    return render(request, "portal/guide_self_check.html", {"form": SelfCheckForm()})


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
        "cards": programmes.home_cards(audience=programmes.Audience.RESIDENT, user=request.user),
    })


@caseworker_required
def caseworker_home(request):
    return render(request, "portal/caseworker_home.html", {
        "items": selectors.caseworker_worklist(user=request.user),
        "numbers": selectors.caseworker_numbers(user=request.user),
        "now": timezone.now(),
        "show_admin": is_administrator(request.user),
        "cards": programmes.home_cards(audience=programmes.Audience.STAFF, user=request.user),
    })


@administrator_required
def admin_home(request):
    return render(request, "portal/admin_home.html", {
        "sections": selectors.admin_sections() if request.user.is_staff else [],
        "may_view_audit": may_view_audit(request.user),
        "numbers": selectors.caseworker_numbers(user=request.user),
        "cards": programmes.home_cards(audience=programmes.Audience.ADMIN, user=request.user),
    })


@data_provider_required
def data_provider_home(request):
    return render(request, "portal/data_provider_home.html", {
        "cards": programmes.home_cards(audience=programmes.Audience.DATA_PROVIDER, user=request.user)})


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
