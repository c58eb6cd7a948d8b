import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import scope_queryset
from civilaffairs.accounts.services import role_revoke
from civilaffairs.audit.models import AuditEvent
from civilaffairs.registry.models import Household
from civilaffairs.registry.services import household_update
from civilaffairs.worklist.services import workitem_raise, workitem_update


def test_revoking_a_role_takes_the_jurisdiction_away_and_is_audited(grid_worker, home_household):
    role_revoke(actor=None, assignment_id=grid_worker.assignments.get().pk)
    grid_worker._ca_assignments = None
    assert scope_queryset(Household.objects.all(), grid_worker, capability=Capability.VIEW_HOUSEHOLDS).count() == 0
    assert AuditEvent.objects.filter(action="accounts.role_revoked").count() == 1


def test_a_household_update_changes_only_descriptive_fields(home_household, city_admin):
    household_update(actor=city_admin, household_id=home_household.pk, address="兴宁路 8 号")
    home_household.refresh_from_db()
    assert home_household.address == "兴宁路 8 号"
    with pytest.raises(ValidationError):
        household_update(actor=city_admin, household_id=home_household.pk, community_id="330205001001")
    assert AuditEvent.objects.filter(action="registry.household_updated").count() == 1


def test_an_item_is_rescheduled_only_within_the_jurisdiction(city, grid_worker, other_district_worker):
    item, _ = workitem_raise(kind="t", title="t", region_code=city.community.code)
    workitem_update(item_id=item.pk, actor=grid_worker, priority=3)
    with pytest.raises(PermissionDenied):
        workitem_update(item_id=item.pk, actor=other_district_worker, priority=1)
    with pytest.raises(ValidationError):
        workitem_update(item_id=item.pk, actor=grid_worker, status="done")


def test_switching_large_text_off_wins_over_the_account_preference(client, resident):
    resident.large_text = True
    resident.save(update_fields=["large_text"])
    client.force_login(resident)
    assert client.get("/", follow=True).context["large_text"] is True
    client.cookies["large_text"] = "1"
    client.post("/large-text/", {"next": "/"})
    assert client.cookies["large_text"].value == "0"
    assert client.get("/", follow=True).context["large_text"] is False
