"""Organisations: registration (credit code, grade by type), staff bound to one, and scoping —
organisation staff see their organisation only, region staff their jurisdiction's."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from civilaffairs.accounts.models import Organisation, RoleAssignment, User
from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import get_scoped_or_404, scope_queryset, user_can
from civilaffairs.accounts.services import (
    organisation_create, organisation_set_status, organisation_suspend, organisation_update, role_assign,
    staff_user_create,
)
from civilaffairs.audit.models import AuditEvent
from civilaffairs.lib.uscc import make_uscc, validate_uscc
from tests import factories as f

pytestmark = pytest.mark.django_db

VALID = "91110000600037341L"  # a real company's code (check character L)


# --- the credit code -----------------------------------------------------------------------------

def test_a_valid_code_passes_with_spaces_and_lower_case():
    validate_uscc(VALID)
    validate_uscc("9111 0000 6000 3734 1l")
    validate_uscc(make_uscc("52", "330203", 123))


@pytest.mark.parametrize("code, reason", [
    ("91110000600037341M", "校验位"),        # one character off: the check character is L
    ("91110000600037342L", "校验位"),        # a digit changed, check character kept
    ("91110000600037341", "18位"),           # one short
    ("91110000600037341LL", "18位"),         # one long
    ("9111000060003734IL", "格式"),          # I is not in the alphabet
    ("9111000A600037341L", "格式"),          # the first eight are digits
])
def test_a_bad_code_is_refused_with_its_reason_in_chinese(code, reason):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    assert reason in exc.value.messages[0]


def test_an_organisation_with_a_bad_code_is_not_registered(city):
    with pytest.raises(ValidationError) as exc:
        organisation_create(actor=None, type="care_home", name="某养老院", region_code=city.district.code,
                            uscc="91110000600037341M")
    assert "校验位" in exc.value.message_dict["uscc"][0]
    assert not Organisation.objects.exists() and not AuditEvent.objects.filter(
        action="accounts.organisation_created").exists()


def test_a_code_is_registered_once(city):
    organisation_create(actor=None, type="care_home", name="甲", region_code=city.district.code, uscc=VALID)
    with pytest.raises(ValidationError) as exc:
        organisation_create(actor=None, type="canteen", name="乙", region_code=city.district.code,
                            uscc=VALID.lower())
    assert "已登记" in exc.value.message_dict["uscc"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(type="canteen", name="乙", region=city.district, uscc=VALID)


# --- grade by type ----------------------------------------------------------------------------

@pytest.mark.parametrize("type_, grade, ok", [
    ("care_home", 1, True), ("care_home", 5, True), ("care_home", 0, False), ("care_home", 6, False),
    ("charity", 5, True), ("charity", 6, False), ("canteen", 1, False), ("service_provider", 3, False),
    ("day_care_centre", None, True),
])
def test_only_care_homes_and_charities_carry_a_grade_from_1_to_5(city, type_, grade, ok):
    call = lambda: organisation_create(actor=None, type=type_, name="机构", region_code=city.district.code,  # noqa: E731
                                       uscc=f.uscc(), grade=grade)
    if ok:
        assert call().grade == grade
    else:
        with pytest.raises(ValidationError) as exc:
            call()
        assert "grade" in exc.value.message_dict


def test_the_database_refuses_a_grade_where_the_type_has_none(city):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(type="canteen", name="食堂", region=city.district, uscc=f.uscc(), grade=3)


def test_grades_read_as_stars_and_a_ratings(city):
    home = f.organisation(region=city.district, type="care_home", grade=3)
    charity = f.organisation(region=city.city, type="charity", grade=4)
    assert (home.grade_display, charity.grade_display) == ("三星级", "4A")


# --- services: audited, permissioned ------------------------------------------------------------

def test_create_update_suspend_are_audited_and_need_a_reason_to_suspend(city, city_admin):
    org = organisation_create(actor=city_admin, type="care_home", name="福利院", region_code=city.district.code,
                              uscc=f.uscc(), grade=2)
    organisation_update(actor=city_admin, organisation_id=org.pk, grade=3, name="区福利院")
    with pytest.raises(ValidationError):
        organisation_suspend(actor=city_admin, organisation_id=org.pk, reason=" ")
    organisation_suspend(actor=city_admin, organisation_id=org.pk, reason="消防检查未通过")
    org.refresh_from_db()
    assert (org.name, org.grade, org.status, org.status_reason) == ("区福利院", 3, "suspended", "消防检查未通过")
    actions = list(AuditEvent.objects.filter(object_id=str(org.pk), action__startswith="accounts.organisation")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["accounts.organisation_created", "accounts.organisation_updated",
                       "accounts.organisation_status_changed"]
    update = AuditEvent.objects.get(action="accounts.organisation_updated")
    assert update.before == {"name": "福利院", "grade": 2} and update.after == {"name": "区福利院", "grade": 3}


def test_a_closed_organisation_stays_closed(city):
    org = f.organisation(region=city.district)
    organisation_set_status(actor=None, organisation_id=org.pk, status="closed", reason="停业")
    with pytest.raises(ValidationError):
        organisation_set_status(actor=None, organisation_id=org.pk, status="active")


def test_only_an_organisation_manager_may_register(city, grid_worker, district_approver):
    for actor in (grid_worker, district_approver):
        with pytest.raises(PermissionDenied):
            organisation_create(actor=actor, type="canteen", name="助餐点", region_code=city.community.code,
                                uscc=f.uscc())
    assert not Organisation.objects.exists()


# --- staff bound to an organisation ---------------------------------------------------------------

@pytest.mark.parametrize("role", ["facility_staff", "provider_staff", "charity_staff"])
def test_organisation_staff_without_an_organisation_are_refused(city, role):
    with pytest.raises(ValidationError) as exc:
        staff_user_create(actor=None, username="x", password=None, role=role, region_code=city.district.code)
    assert "必须选择所属机构" in exc.value.message_dict["organisation"][0]
    assert not User.objects.filter(username="x").exists()


def test_the_database_refuses_an_unbound_facility_assignment_and_a_bound_caseworker(city, grid_worker):
    org = f.organisation(region=city.community)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=grid_worker, role="facility_staff", region=city.community)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=grid_worker, role="township_officer", region=city.township,
                                      organisation=org)


def test_a_caseworker_takes_no_organisation(city, grid_worker):
    org = f.organisation(region=city.community)
    with pytest.raises(ValidationError) as exc:
        role_assign(actor=None, user=grid_worker, role="township_officer", region_code=city.township.code,
                    organisation=org)
    assert "不属于任何机构" in exc.value.message_dict["organisation"][0]


def test_the_organisation_must_lie_in_the_assignments_region(city):
    elsewhere = f.organisation(region=city.other_community)
    with pytest.raises(ValidationError) as exc:
        f.staff(username="fx", role="facility_staff", region=city.district, organisation=elsewhere)
    assert "不在该角色的辖区内" in exc.value.message_dict["organisation"][0]
    here = f.organisation(region=city.community)  # below the assignment's district: fine
    assert f.staff(username="fy", role="facility_staff", region=city.district, organisation=here)


def test_the_admin_form_says_why_an_unbound_facility_assignment_is_refused(client, admin_user, city, grid_worker):
    client.force_login(admin_user)
    user = User.objects.create(username="newstaff")
    response = client.post(reverse("admin:accounts_roleassignment_add"), {
        "user": user.pk, "role": "facility_staff", "region": city.community.code, "organisation": ""})
    assert response.status_code == 200
    assert "必须选择所属机构" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=user).exists()


# --- scoping -----------------------------------------------------------------------------------

@pytest.fixture
def homes(city):
    own = f.organisation(region=city.community, type="care_home", name="本院")
    other = f.organisation(region=city.community, type="care_home", name="隔壁院")
    far = f.organisation(region=city.other_community, type="canteen", name="江北食堂")
    return own, other, far


@pytest.fixture
def facility(city, homes):
    return f.staff(username="fac", role="facility_staff", region=city.community, organisation=homes[0])


def visible(user):
    return set(scope_queryset(Organisation.objects.all(), user, capability=Capability.VIEW_ORGANISATION)
               .values_list("name", flat=True))


def test_facility_staff_see_only_their_organisation_through_the_scoping_helper(facility, homes):
    own, other, _far = homes
    assert visible(facility) == {"本院"}
    assert get_scoped_or_404(Organisation.objects.all(), facility, capability=Capability.VIEW_ORGANISATION,
                             pk=own.pk) == own
    from django.http import Http404

    with pytest.raises(Http404):
        get_scoped_or_404(Organisation.objects.all(), facility, capability=Capability.VIEW_ORGANISATION, pk=other.pk)
    assert user_can(facility, Capability.VIEW_ORGANISATION, organisation_id=own.pk)
    assert not user_can(facility, Capability.VIEW_ORGANISATION, organisation_id=other.pk)
    # Their assignment's region grants nothing by itself: not its households, not its organisations.
    assert not user_can(facility, Capability.VIEW_ORGANISATION, own.region_id)
    assert not user_can(facility, Capability.VIEW_HOUSEHOLDS)


def test_staff_of_a_suspended_organisation_see_nothing_until_it_is_active_again(facility, homes, city_admin):
    from civilaffairs.accounts.models import User
    from civilaffairs.accounts.services import organisation_set_status, organisation_suspend

    own = homes[0]
    organisation_suspend(actor=city_admin, organisation_id=own.pk, reason="年检不合格，停业整顿")
    suspended = User.objects.get(pk=facility.pk)  # a fresh request: assignments are read again
    assert visible(suspended) == set()
    assert not user_can(suspended, Capability.VIEW_ORGANISATION, organisation_id=own.pk)
    organisation_set_status(actor=city_admin, organisation_id=own.pk, status="active")
    assert visible(User.objects.get(pk=facility.pk)) == {"本院"}


def test_a_model_names_its_organisation_path_and_organisation_staff_see_its_rows(facility, homes, grid_worker,
                                                                                 monkeypatch):
    """Any model with ``organisation_field`` is scoped the same way (here role assignments, by their organisation)."""
    monkeypatch.setattr(RoleAssignment, "organisation_field", "organisation", raising=False)
    monkeypatch.setattr(RoleAssignment, "jurisdiction_field", "region__code", raising=False)
    rows = scope_queryset(RoleAssignment.objects.all(), facility, capability=Capability.VIEW_ORGANISATION)
    assert set(rows.values_list("user__username", flat=True)) == {"fac"}
    by_region = scope_queryset(RoleAssignment.objects.all(), grid_worker, capability=Capability.VIEW_ORGANISATION)
    assert set(by_region.values_list("user__username", flat=True)) == {"fac", grid_worker.username}


def test_region_staff_see_the_organisations_of_their_jurisdiction(homes, grid_worker, other_district_worker,
                                                                  city_admin, data_provider):
    assert visible(grid_worker) == {"本院", "隔壁院"}
    assert visible(other_district_worker) == {"江北食堂"}
    assert visible(city_admin) == {"本院", "隔壁院", "江北食堂"}
    assert visible(data_provider) == set()


def test_the_list_page_shows_the_facility_worker_their_own_and_the_detail_of_another_is_404(client, facility, homes):
    own, other, far = homes
    client.force_login(facility)
    page = client.get(reverse("organisations:list")).content.decode()
    assert "本院" in page and "隔壁院" not in page and "江北食堂" not in page
    assert client.get(reverse("organisations:detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("organisations:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("organisations:detail", args=[far.pk])).status_code == 404


def test_the_list_searches_and_filters(client, city_admin, homes):
    client.force_login(city_admin)
    assert "江北食堂" not in client.get(reverse("organisations:list"), {"type": "care_home"}).content.decode()
    page = client.get(reverse("organisations:list"), {"q": homes[1].uscc}).content.decode()
    assert "隔壁院" in page and "本院" not in page
    page = client.get(reverse("organisations:list"), {"region": "330205"}).content.decode()
    assert "江北食堂" in page and "本院" not in page
    assert client.get(reverse("organisations:list"), {"region": "abc"}).status_code == 400
    assert client.get(reverse("organisations:list"), {"page": "999"}).status_code == 200


def test_residents_and_data_providers_have_no_organisation_pages(client, resident, data_provider):
    for user in (resident, data_provider):
        client.force_login(user)
        assert client.get(reverse("organisations:list")).status_code == 403


def test_on_a_phone_the_list_filters_fold_behind_the_filter_button(client, city_admin, homes):
    client.force_login(city_admin)
    page = client.get(reverse("organisations:list")).content.decode()
    assert 'data-bs-target="#filters"' in page and ">筛选</button>" in page
    assert 'class="card mb-4 collapse d-md-block" id="filters"' in page  # folded on a phone, open from md up
    assert 'name="type"' in page and 'name="status"' in page and 'name="region"' in page
