"""Capabilities are the one permission vocabulary: the platform's and those programmes register."""
import pytest

from assistance import capabilities as C
from assistance.workflow import DECISION_TRANSITIONS, TRANSITIONS
from civilaffairs.accounts.roles import (
    ROLE_CAPABILITIES, Capability, Role, capability_choices, capability_register, capability_unregister,
    is_capability, roles_holding,
)
from civilaffairs.accounts.scoping import get_scoped_or_404, scope_queryset, user_can
from civilaffairs.payments.workflow import PAYMENT_TRANSITIONS, ROLL_TRANSITIONS
from civilaffairs.registry.models import Household
from tests import factories as f
from tests.sampleprogramme import reg_capabilities

INTAKE = {Role.GRID_WORKER, Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_OFFICER}
TOWNSHIP = {Role.TOWNSHIP_OFFICER}
DISTRICT = {Role.DISTRICT_APPROVER}

# Who made each step when transitions named roles: moving to capabilities changed nobody's rights.
BEFORE = {
    "submit": INTAKE, "resubmit": INTAKE, "return": TOWNSHIP, "accept": TOWNSHIP, "verify": TOWNSHIP,
    "record_visit": INTAKE, "start_notice": TOWNSHIP, "close_notice": TOWNSHIP, "approve": DISTRICT,
    "propose": DISTRICT, "confirm": DISTRICT, "reject": DISTRICT, "withdraw": TOWNSHIP,
}


def test_every_workflow_transition_names_a_registered_capability_held_by_the_roles_that_acted_before():
    for action, roles in BEFORE.items():
        capability = TRANSITIONS[action].capability
        assert is_capability(capability) and capability.startswith("assistance."), action
        assert roles_holding(capability) == roles, action
    assert {a for a, t in TRANSITIONS.items() if t.owner} == {"submit", "resubmit", "withdraw"}
    for table in (ROLL_TRANSITIONS, PAYMENT_TRANSITIONS, DECISION_TRANSITIONS):
        for action, t in table.items():
            assert roles_holding(t.capability) == DISTRICT, action


def test_the_resident_holds_no_capability_and_may_not_be_given_one():
    assert ROLE_CAPABILITIES[Role.RESIDENT] == frozenset()
    with pytest.raises(ValueError):
        capability_register("sample.thing", "x", roles=[Role.RESIDENT])


def test_a_registered_capability_reaches_its_roles_and_goes_with_unregister(city, grid_worker):
    capability_register("sample.visit_elders", "走访老人", roles=[Role.GRID_WORKER])
    try:
        assert "sample.visit_elders" in ROLE_CAPABILITIES[Role.GRID_WORKER]
        assert "sample.visit_elders" not in ROLE_CAPABILITIES[Role.TOWNSHIP_OFFICER]
        assert ("sample.visit_elders", "走访老人") in capability_choices()
        grid_worker._ca_assignments = None
        assert user_can(grid_worker, "sample.visit_elders", city.community.code)
        assert not user_can(grid_worker, "sample.visit_elders", city.neighbour.code)
        capability_register("sample.visit_elders", "走访老人", roles=[Role.GRID_WORKER])  # the same again: no-op
        with pytest.raises(ValueError):
            capability_register("sample.visit_elders", "走访老人", roles=[Role.TOWNSHIP_OFFICER])
    finally:
        capability_unregister("sample.visit_elders")
    assert "sample.visit_elders" not in ROLE_CAPABILITIES[Role.GRID_WORKER]
    with pytest.raises(ValueError):  # a capability nobody registered is a programming error, not "nobody"
        user_can(grid_worker, "sample.visit_elders", city.community.code)


@pytest.mark.parametrize("code", ["visit", ".visit", "sample.", Capability.VIEW_HOUSEHOLDS.value])
def test_codes_are_namespaced_and_cannot_shadow_the_platform(code):
    with pytest.raises(ValueError):
        capability_register(code, "x", roles=[Role.GRID_WORKER])


def test_unknown_roles_are_refused():
    with pytest.raises(ValueError):
        capability_register("sample.x", "x", roles=["janitor"])


def test_scoping_needs_a_capability_named_explicitly(grid_worker, home_household):
    with pytest.raises(TypeError):
        scope_queryset(Household.objects.all(), grid_worker)  # noqa: the missing keyword is the point
    with pytest.raises(TypeError):
        get_scoped_or_404(Household.objects.all(), grid_worker, pk=home_household.pk)
    with pytest.raises(ValueError):
        scope_queryset(Household.objects.all(), grid_worker, capability="view_everything")
    assert scope_queryset(Household.objects.all(), grid_worker, capability=Capability.VIEW_HOUSEHOLDS).count() == 1


def test_a_capability_of_another_step_does_not_open_this_one(city, home_household):
    township = f.staff(username="t1", role="township_officer", region=city.township)
    district = f.staff(username="d1", role="district_approver", region=city.district)
    assert user_can(township, C.ACCEPT, city.community.code) and not user_can(township, C.DECIDE, city.community.code)
    assert user_can(district, C.DECIDE, city.community.code) and not user_can(district, C.ACCEPT, city.community.code)


@pytest.fixture
def sample_programme():
    reg_capabilities.register()
    yield
    reg_capabilities.unregister()


def test_the_sample_programme_registers_a_capability_without_platform_changes(sample_programme, city):
    worker = f.staff(username="sp-grid", role="grid_worker", region=city.community)
    assert reg_capabilities.CAPABILITY in dict(capability_choices())
    assert user_can(worker, reg_capabilities.CAPABILITY, city.community.code)
    assert not user_can(worker, reg_capabilities.CAPABILITY, city.other_community.code)
