"""The person file (一人一档): ``/people/<id>/``.

Who may open it: staff holding ``view_households`` over the person's current household (others in
that role elsewhere get 404; residents and staff without the capability anywhere, 403 — a resident's
own data is on the resident home).

Purpose of use. Every opening of the file writes an access-log row, as a sensitive read. The file
itself asks for a purpose only when the person is outside the worker's caseload — their caseload
being the communities where they hold a community-level assignment (the grid worker and village
assistant who serve the household day to day). A township, district or city worker, and a
superuser, states why they open a resident's file, as in the break-the-glass rule of health
records: wide rights, narrow reasons. Sensitive sections (``sensitive=True``) always need a stated
purpose, from everyone. One statement covers the person (the file and its sensitive sections) for
``PURPOSE_TTL``; each read while it lasts writes one row per sensitive section shown.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civilaffairs.accounts.roles import ROLE_CAPABILITIES, Capability
from civilaffairs.accounts.scoping import scope_queryset, user_can
from civilaffairs.audit.models import AccessPurpose
from civilaffairs.audit.purpose import (
    PURPOSE_TTL, PurposeForm, purpose_active, purpose_state_from_post, sensitive_access,
)
from civilaffairs.audit.services import access_log_write
from civilaffairs.registry.guardianship import guardians_of, wards_of
from civilaffairs.registry.models import Household, HouseholdMember
from civilaffairs.registry.selectors import person_get_for_user, person_memberships, person_region_code
from civilaffairs.registry.services import person_reveal_id_number

from .person_file import TimelineEvent, person_file_sections, render_section, section_timeline

PERSON = "registry.person"
FILE_SECTION = "person_file"
TIMELINE_PAGE_SIZE = 20
COMMUNITY_CODE_LENGTH = 12


def _may_open_person_files(user) -> bool:
    return not getattr(user, "is_resident", False) and user_can(user, Capability.VIEW_HOUSEHOLDS)


def in_caseload(user, region_code: str) -> bool:
    """Does ``user`` work at the person's community itself (an assignment at that community, in a role
    that sees households)? Superusers have no assignments, so nobody is in their caseload."""
    if len(region_code or "") != COMMUNITY_CODE_LENGTH:
        return False
    roles = [role for role, capabilities in ROLE_CAPABILITIES.items() if Capability.VIEW_HOUSEHOLDS in capabilities]
    return user.assignments.filter(is_active=True, region_id=region_code, role__in=roles).exists()


def _person_for(request, pk: int):
    if not _may_open_person_files(request.user):
        raise PermissionDenied
    person = person_get_for_user(user=request.user, pk=pk, capability=Capability.VIEW_HOUSEHOLDS)
    return person, person_region_code(person)


def _gate(request, person, region_code):
    """The purpose this request opens the file under, or None when the worker must state one first."""
    stated = purpose_active(request, object_type=PERSON, object_id=person.pk)
    if stated is not None:
        return stated.purpose, stated.note, stated
    if in_caseload(request.user, region_code):
        return AccessPurpose.CASELOAD, "", None
    return None


def _purpose_page(request, person, *, form=None, section="", for_section=False, status=200):
    """The form and nothing of the person: not even their name."""
    return render(request, "portal/person_purpose.html", {
        "person_pk": person.pk, "form": form or PurposeForm(), "section": section, "for_section": for_section,
        "ttl_minutes": int(PURPOSE_TTL.total_seconds() // 60),
    }, status=status)


def _households(request, person):
    """The person's households the worker may see (current first), and how many others exist."""
    memberships = list(person_memberships(person=person))
    visible = set(scope_queryset(Household.objects.filter(pk__in=[m.household_id for m in memberships]),
                                 request.user, capability=Capability.VIEW_HOUSEHOLDS).values_list("pk", flat=True))
    shown = [m for m in memberships if m.household_id in visible]
    return shown, len(memberships) - len(shown)


def _relations(current):
    """The other members of the current household, with their relation to its head."""
    if current is None:
        return []
    return list(HouseholdMember.objects.filter(household_id=current.household_id, is_active=True)
                .exclude(person_id=current.person_id).select_related("person").order_by("id"))


def _platform_timeline(memberships) -> list[TimelineEvent]:
    events = []
    for m in memberships:
        if m.joined_on:
            events.append(TimelineEvent(at=m.joined_on, title=_("加入家庭：%(h)s") % {"h": m.household},
                                        section="registry", section_title=_("家庭")))
        if m.left_on:
            events.append(TimelineEvent(at=m.left_on, title=_("离开家庭：%(h)s") % {"h": m.household},
                                        section="registry", section_title=_("家庭")))
    return events


def _sections(request, person, region_code) -> tuple[list[dict], list[TimelineEvent]]:
    """The registered sections this worker may see, rendered (a sensitive one as the purpose form
    until a purpose is stated, then logged per read), and their timeline events."""
    sections, timeline = [], []
    for section in person_file_sections():
        if not user_can(request.user, section.capability, region_code):
            continue  # a section the worker may not see is not mentioned at all
        entry = {"name": section.name, "title": section.title, "sensitive": section.sensitive, "html": None,
                 "form": None}
        if section.sensitive:
            access = sensitive_access(request, object_type=PERSON, object_id=person.pk, section=section.name,
                                      region_code=region_code, capability=section.capability)
            if not access.granted:
                entry["form"] = access.form
                sections.append(entry)
                continue
        entry["html"] = render_section(section, request=request, person=person)
        timeline += section_timeline(section, request=request, person=person)
        if entry["html"] is not None or section.sensitive:  # None: no card, but its events count
            sections.append(entry)
    return sections, timeline


@never_cache
@login_required
def person_file(request, pk: int):
    person, region_code = _person_for(request, pk)
    gate = _gate(request, person, region_code)
    if gate is None:
        return _purpose_page(request, person)
    purpose, note, stated = gate
    access_log_write(actor=request.user, object_type=PERSON, object_id=person.pk, section=FILE_SECTION,
                     purpose=purpose, note=note, region_code=region_code)

    memberships, hidden_households = _households(request, person)
    current = next((m for m in memberships if m.is_active), None)
    sections, timeline = _sections(request, person, region_code)
    timeline += _platform_timeline(memberships)
    timeline.sort(key=lambda e: e.sort_key, reverse=True)
    page = Paginator(timeline, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/person_file.html", {
        "person": person, "today": timezone.localdate(), "stated": stated,
        "memberships": memberships, "hidden_households": hidden_households, "current": current,
        "relations": _relations(current), "sections": sections, "page": page,
        "guardians": list(guardians_of(person)), "wards": list(wards_of(person)),
        "can_manage_guardians": bool(region_code) and user_can(request.user, Capability.MANAGE_GUARDIANSHIP,
                                                                region_code),
        "withheld": any(s["form"] is not None for s in sections),
        "can_reveal": user_can(request.user, Capability.REVEAL_ID, region_code) if region_code else False,
        "ttl_minutes": int(PURPOSE_TTL.total_seconds() // 60),
    })


@never_cache
@require_POST
@login_required
def person_purpose(request, pk: int):
    """State the purpose of use for this person's file; back to the file (at ``next``'s section)."""
    person, _region_code = _person_for(request, pk)
    anchor = request.POST.get("section", "")
    if not (anchor and len(anchor) <= 64 and all(c.isalnum() or c in "._-" for c in anchor)):
        anchor = ""
    stated, form = purpose_state_from_post(request, object_type=PERSON, object_id=person.pk)
    if stated is None:
        return _purpose_page(request, person, form=form, section=anchor, for_section=bool(anchor), status=400)
    target = reverse("portal:person_file", args=[person.pk])
    return redirect(target + (f"#section-{anchor}" if anchor else ""))


@never_cache
@require_POST
@login_required
def person_reveal_id(request, pk: int):
    """The full ID number, through the audited reveal service (which checks ``reveal_id``)."""
    person, region_code = _person_for(request, pk)
    if _gate(request, person, region_code) is None:
        return redirect("portal:person_file", person.pk)
    try:
        number = person_reveal_id_number(actor=request.user, person=person,
                                         reason=request.POST.get("reason", "")[:200])
    except PermissionDenied as exc:
        if request.headers.get("HX-Request"):
            return render(request, "registry/_reveal_refused.html", {"message": str(exc)}, status=403)
        return render(request, "portal/person_reveal_refused.html", {"message": str(exc), "person_pk": person.pk},
                      status=403)
    if request.headers.get("HX-Request"):
        return render(request, "registry/_revealed_id.html", {"number": number})
    return render(request, "portal/person_revealed.html", {"number": number, "person_pk": person.pk})


# --- guardianship links (监护关系) -------------------------------------------------------------------

def _guardianship_person(request, pk: int):
    """The ward, scoped (404 outside the worker's area), and the right to change their links (403)."""
    person, region_code = _person_for(request, pk)
    if not (region_code and user_can(request.user, Capability.MANAGE_GUARDIANSHIP, region_code)):
        raise PermissionDenied(_("您无权登记该人员的监护关系。"))
    return person, _gate(request, person, region_code) is not None


def _form_errors(form, exc) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for e in errors:
                for m in e.messages:
                    form.add_error(field if field in form.fields else None, m)
    else:
        for m in exc.messages:
            form.add_error(None, m)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def guardian_add(request, pk: int):
    from civilaffairs.registry.guardianship import guardianship_add
    from civilaffairs.registry.models import Person
    from civilaffairs.registry.selectors import id_digest

    from .forms import GuardianAddForm

    ward, purpose_stated = _guardianship_person(request, pk)
    if not purpose_stated:
        return redirect("portal:person_file", ward.pk)  # the file asks for the purpose first
    form = GuardianAddForm(request.POST or None, initial={"since": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        guardian = Person.objects.filter(id_digest=id_digest(data["id_number"])).first()
        if guardian is None:
            form.add_error("id_number", _("该身份证号尚未在人口信息中登记，请先登记该人员。"))
        else:
            try:
                guardianship_add(actor=request.user, ward=ward, guardian=guardian, role=data["role"],
                                 basis=data["basis"], since=data["since"], is_primary=data["is_primary"],
                                 note=data["note"])
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("监护关系已登记。"))
                return redirect(reverse("portal:person_file", args=[ward.pk]) + "#section-relations")
    if form.errors and "id_number" in form.data:
        form.data = form.data.copy()
        form.data["id_number"] = ""  # never echo an ID number back into the page
    return render(request, "portal/guardian_form.html", {"person": ward, "form": form, "mode": "add"},
                  status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def guardian_end(request, pk: int, link_pk: int):
    from civilaffairs.registry.guardianship import guardianship_end
    from civilaffairs.registry.models import Guardianship

    from .forms import GuardianEndForm

    ward, purpose_stated = _guardianship_person(request, pk)
    if not purpose_stated:
        return redirect("portal:person_file", ward.pk)
    link = Guardianship.objects.filter(ward=ward, pk=link_pk).select_related("guardian").first()
    if link is None:
        raise Http404
    form = GuardianEndForm(request.POST or None, initial={"until": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            guardianship_end(actor=request.user, guardianship_id=link.pk, until=form.cleaned_data["until"],
                             reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("监护关系已终止。"))
            return redirect(reverse("portal:person_file", args=[ward.pk]) + "#section-relations")
    return render(request, "portal/guardian_form.html", {"person": ward, "form": form, "mode": "end", "link": link},
                  status=400 if form.errors else 200)
