"""Household pages for caseworkers, and a resident's own household."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import scope_queryset, user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.lib.pagination import CappedPaginator, link_rows

from .filters import HouseholdFilterSet
from .models import HOUSEHOLD_LIST_ORDER, Household, Person, UrbanRural
from .search import ID_DIGEST_PARAM, is_id_digest, names_an_id_number, search_redirect, searched_id_label
from .selectors import household_get_for_user, household_members, regions_for_user
from .services import person_reveal_id_number

PAGE_SIZE = 50
REGION_SUGGESTIONS = 200
URBAN_RURAL_LABELS = dict(UrbanRural.choices)


def _may_list_households(user) -> bool:
    return not user.is_resident and user_can(user, Capability.VIEW_HOUSEHOLDS)


def _searched_person(user, digest: str | None):
    """The person an ID-number search found, in the user's scope: the result links to their file."""
    if not digest or not is_id_digest(digest):
        return None
    return scope_queryset(Person.objects.filter(id_digest=digest), user, capability=Capability.VIEW_HOUSEHOLDS).first()


@login_required
def household_list(request):
    if not _may_list_households(request.user):
        raise PermissionDenied
    if request.method == "POST":  # the search form posts: no ID number in the URL (search.py)
        return search_redirect(request, request.POST)
    if names_an_id_number(request.GET):
        return search_redirect(request, request.GET)
    households = scope_queryset(Household.objects.select_related("community", "community__parent"), request.user,
                                capability=Capability.VIEW_HOUSEHOLDS)
    filterset = HouseholdFilterSet(request.GET or None, queryset=households.order_by(*HOUSEHOLD_LIST_ORDER))
    for field in filterset.form.fields.values():
        field.widget.attrs.setdefault("class", "form-select" if hasattr(field, "choices") else "form-control")
    filterset.form.fields["region"].widget.attrs["list"] = "region-options"
    page = CappedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    link_rows(page.object_list, "registry:household_detail")
    for household in page.object_list:
        household.urban_rural_label = URBAN_RURAL_LABELS.get(household.urban_rural, household.urban_rural)
    return render(request, "registry/household_list.html", {
        "filterset": filterset,
        "page": page,
        "id_search_label": searched_id_label(request, request.GET.get(ID_DIGEST_PARAM)),
        "id_searched": bool(request.GET.get(ID_DIGEST_PARAM)),
        "searched_person": _searched_person(request.user, request.GET.get(ID_DIGEST_PARAM)),
        "regions": regions_for_user(user=request.user).filter(level__gte=3).order_by("code")[:REGION_SUGGESTIONS],
    })


def _detail_context(request, household, *, revealed: dict[int, str] | None = None) -> dict:
    can_reveal = not request.user.is_resident and user_can(request.user, Capability.REVEAL_ID,
                                                           household.community_id)
    return {
        "household": household,
        "members": household_members(household=household),
        "today": timezone.localdate(),
        "can_reveal": can_reveal,
        "revealed": revealed or {},
    }


@never_cache
@login_required
def household_detail(request, pk: int):
    household = household_get_for_user(user=request.user, pk=pk)
    if not request.user.is_resident:
        # Reads of personal records by staff are audited.
        audit_log(actor=request.user, action="registry.household_viewed", obj=household,
                  region_code=household.community_id)
    return render(request, "registry/household_detail.html", _detail_context(request, household))


@never_cache
@require_POST
@login_required
def member_reveal_id(request, pk: int, person_pk: int):
    """Show one member's full ID number. The service checks the capability and audits."""
    household = household_get_for_user(user=request.user, pk=pk)
    member = household_members(household=household).filter(person_id=person_pk).first()
    if member is None:
        raise Http404
    try:
        number = person_reveal_id_number(actor=request.user, person=member.person,
                                         reason=request.POST.get("reason", "")[:200])
    except PermissionDenied as exc:
        context = {"message": str(exc), "household": household}
        template = "registry/_reveal_refused.html" if request.headers.get("HX-Request") else "registry/reveal_refused.html"
        return render(request, template, context, status=403)
    if request.headers.get("HX-Request"):
        return render(request, "registry/_revealed_id.html", {"number": number})
    return render(request, "registry/household_detail.html",
                  _detail_context(request, household, revealed={member.person_id: number}))
