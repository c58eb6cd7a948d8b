import pytest
from django.http import Http404

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import get_scoped_or_404, scope_queryset, user_can
from civilaffairs.registry.models import Household, Person


def visible(user):
    households = scope_queryset(Household.objects.all(), user, capability=Capability.VIEW_HOUSEHOLDS)
    return set(households.values_list("pk", flat=True))


def test_a_grid_worker_sees_only_their_community(grid_worker, home_household, other_household, city):
    from tests import factories as f

    neighbour = f.household(community=city.neighbour, head_name="赵六")
    assert visible(grid_worker) == {home_household.pk}
    assert neighbour.pk not in visible(grid_worker)


def test_a_township_officer_sees_every_community_of_the_township(township_officer, home_household, city,
                                                                other_household):
    from tests import factories as f

    neighbour = f.household(community=city.neighbour, head_name="赵六")
    assert visible(township_officer) == {home_household.pk, neighbour.pk}


def test_a_district_approver_does_not_see_another_district(district_approver, home_household, other_household):
    assert visible(district_approver) == {home_household.pk}


def test_a_city_admin_sees_the_whole_city(city_admin, home_household, other_household):
    assert visible(city_admin) == {home_household.pk, other_household.pk}


def test_a_resident_sees_only_their_own_household(resident, home_household, other_household):
    assert visible(resident) == {home_household.pk}
    persons = set(scope_queryset(Person.objects.all(), resident, capability=Capability.VIEW_HOUSEHOLDS)
                  .values_list("pk", flat=True))
    assert persons == set(home_household.members.values_list("person_id", flat=True))


@pytest.mark.parametrize("persona", ["data_provider", "other_district_worker"])
def test_it_answers_404_outside_the_jurisdiction(request, persona, home_household):
    user = request.getfixturevalue(persona)
    with pytest.raises(Http404):
        get_scoped_or_404(Household.objects.all(), user, capability=Capability.VIEW_HOUSEHOLDS,
                          pk=home_household.pk)


def test_roles_without_household_rights_see_nothing(city, home_household):
    from tests import factories as f

    for role in ("facility_staff", "provider_staff", "charity_staff", "data_provider"):
        organisation = f.organisation(region=city.city, type="service_provider") if role != "data_provider" else None
        user = f.staff(username=f"u-{role}", role=role, region=city.city, organisation=organisation)
        assert visible(user) == set(), role


def test_an_inactive_assignment_grants_nothing(grid_worker, home_household):
    grid_worker.assignments.update(is_active=False)
    grid_worker._ca_assignments = None
    assert visible(grid_worker) == set()


def test_reveal_right_is_limited_to_the_region(township_officer, city):
    assert user_can(township_officer, "reveal_id", city.community.code)
    assert not user_can(township_officer, "reveal_id", city.other_community.code)


def test_an_anonymous_user_sees_nothing(home_household):
    from django.contrib.auth.models import AnonymousUser

    assert not scope_queryset(Household.objects.all(), AnonymousUser(), capability=Capability.VIEW_HOUSEHOLDS).exists()
