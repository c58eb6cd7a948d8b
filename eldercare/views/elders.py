"""Caseworkers' pages on elders: the list, and the profile / family-contact forms reached from the
elder's section of the person file (``portal:person_file``), which is the elder's page."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civilaffairs.accounts.scoping import get_scoped_or_404, user_can
from civilaffairs.lib.pagination import CappedPaginator
from civilaffairs.registry.models import Person
from civilaffairs.registry.search import ID_DIGEST_PARAM, is_id_digest, names_an_id_number, search_redirect, \
    searched_id_label

from .. import services
from ..capabilities import EDIT_PROFILE, VIEW
from ..elder_list import GRADE_LABELS, elder_rows, elders_queryset
from ..forms import ContactForm, ElderFilterForm, ProfileForm
from ..models import ElderProfile, FamilyContact
from ..selectors import Arrangement
from ..services.assessment import elder_community

PAGE_SIZE = 30
ARRANGEMENT_LABELS = dict(Arrangement.choices)


def _staff_can(user, capability: str) -> bool:
    return not getattr(user, "is_resident", False) and user_can(user, capability)


def person_file_url(person_id: int) -> str:
    return reverse("portal:person_file", args=[person_id]) + "#section-eldercare.elder"


def _elder_for(user, pk: int, capability: str = VIEW) -> tuple[Person, str]:
    """The person in ``user``'s VIEW scope (else 404); then ``capability`` over their community (else 403)."""
    person = get_scoped_or_404(Person.objects.all(), user, capability=VIEW, pk=pk)
    community = elder_community(person)
    if capability != VIEW and not user_can(user, capability, community):
        raise PermissionDenied
    return person, community


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@never_cache
@login_required
def elder_list(request):
    if not _staff_can(request.user, VIEW):
        raise PermissionDenied
    if request.method == "POST":  # an ID number never travels in the URL: it becomes its digest
        return search_redirect(request, request.POST)
    if names_an_id_number(request.GET):
        return search_redirect(request, request.GET)
    form = ElderFilterForm(request.GET or None)
    digest = request.GET.get(ID_DIGEST_PARAM, "")
    today = timezone.localdate()
    if form.is_bound and not form.is_valid():
        queryset = Person.objects.none()
    else:
        data = form.cleaned_data if form.is_bound else {}
        queryset = elders_queryset(
            user=request.user, on=today, community=data.get("community", ""), age_band=data.get("age_band", ""),
            grade=data.get("grade", ""), arrangement=data.get("arrangement", ""), group=data.get("group", ""),
            name="" if digest else data.get("q", "").strip(), id_digest=digest if is_id_digest(digest) else "",
            extra=form.extra_keys() if form.is_bound else ())
    page = CappedPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = elder_rows([p.pk for p in page.object_list], on=today)
    for person in page.object_list:
        row = rows.get(person.pk)
        person.elder = row
        person.url = person_file_url(person.pk)
        if row is not None:
            person.arrangement_label = ARRANGEMENT_LABELS.get(row.arrangement, "")
            person.grade_label = GRADE_LABELS.get(row.grade, "") if row.grade is not None else ""
    return render(request, "eldercare/elders/list.html", {
        "form": form, "page": page, "id_search_label": searched_id_label(request, digest),
    })


@never_cache
@login_required
def profile_edit(request, pk: int):
    person, _community = _elder_for(request.user, pk, EDIT_PROFILE)
    profile = ElderProfile.objects.filter(person=person).first()
    initial = {"lost_only_child": profile.lost_only_child, "community_doctor": profile.community_doctor,
               "note": profile.note} if profile else {}
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        phone = "" if data["clear_doctor_phone"] else (data["doctor_phone"].strip() or None)
        try:
            services.elder_profile_update(actor=request.user, person_id=person.pk,
                                          lost_only_child=data["lost_only_child"],
                                          community_doctor=data["community_doctor"], doctor_phone=phone,
                                          note=data["note"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("老人档案已保存。"))
            return redirect(person_file_url(person.pk))
    return render(request, "eldercare/elders/profile_form.html",
                  {"form": form, "person": person, "profile": profile}, status=400 if form.errors else 200)


@never_cache
@login_required
def contact_add(request, pk: int):
    person, _community = _elder_for(request.user, pk, EDIT_PROFILE)
    form = ContactForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.family_contact_add(actor=request.user, person_id=person.pk, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已添加家属联系人。"))
            return redirect(person_file_url(person.pk))
    return render(request, "eldercare/elders/contact_form.html", {"form": form, "person": person},
                  status=400 if form.errors else 200)


def _contact_for(user, pk: int) -> tuple[FamilyContact, Person]:
    """The contact of an elder in ``user``'s VIEW scope (else 404), with EDIT_PROFILE over them (else 403)."""
    contact = FamilyContact.objects.filter(pk=pk).first()
    if contact is None:
        raise Http404
    person, _community = _elder_for(user, contact.elder_id, EDIT_PROFILE)
    return contact, person


@never_cache
@login_required
def contact_edit(request, pk: int):
    contact, person = _contact_for(request.user, pk)
    form = ContactForm(request.POST if request.method == "POST" else None, editing=True, initial={
        "name": contact.name, "relation": contact.relation, "priority": contact.priority,
        "notify_alarms": contact.notify_alarms})
    if request.method == "POST" and form.is_valid():
        try:
            services.family_contact_update(actor=request.user, contact_id=contact.pk, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("联系人已更新。"))
            return redirect(person_file_url(person.pk))
    return render(request, "eldercare/elders/contact_form.html",
                  {"form": form, "person": person, "contact": contact}, status=400 if form.errors else 200)


@never_cache
@login_required
def contact_remove(request, pk: int):
    """GET: the confirmation page; POST: remove (a second POST finds nothing and says so)."""
    contact, person = _contact_for(request.user, pk)
    if request.method == "POST":
        services.family_contact_remove(actor=request.user, contact_id=contact.pk)
        messages.success(request, _("已删除联系人“%(n)s”。") % {"n": contact.name})
        return redirect(person_file_url(person.pk))
    return render(request, "eldercare/elders/contact_remove.html", {"contact": contact, "person": person})


@require_POST
@login_required
def reassessment_request(request, pk: int):
    person, community = _elder_for(request.user, pk)
    created = services.reassessment_request(actor=request.user, person_id=person.pk,
                                            note=request.POST.get("note", ""))
    messages.success(request, _("已申请复评，评估员的待办中已有该事项。") if created
                     else _("该老人已有待办的复评事项。"))
    return redirect(person_file_url(person.pk))
