"""Starting an application from a discovery lead (scoring: 从线索发起救助申请)."""
import pytest

from assistance.models import Application
from assistance.scoring import services as scoring
from assistance.scoring.models import Lead
from tests.assistance.scoring.conftest import ensure_model


@pytest.fixture
def lead(poor_household):
    ensure_model()
    scoring.household_rescore(household_id=poor_household.pk)
    return Lead.objects.get(household=poor_household, kind="discovery")


def test_an_application_started_from_a_lead_is_filed_as_proactive(client, grid_worker, poor_household, lead):
    client.force_login(grid_worker)
    url = f"/assistance/households/{poor_household.pk}/apply/?lead={lead.pk}"
    page = client.get(url)
    assert page.status_code == 200
    initial = page.context["form"].initial
    assert initial["channel"] == "proactive" and initial["programmes"] == ["dibao"]
    assert initial["reason"].startswith("经大数据比对主动发现：困难指数")
    assert "本申请来自主动发现线索" in page.content.decode()
    response = client.post(url, {"applicant": poor_household.head_id, "channel": "proactive",
                                 "programmes": ["dibao"], "reason": initial["reason"]})
    assert response.status_code == 302
    app = Application.objects.get(household=poor_household)
    assert (app.channel, app.status, app.created_by) == ("proactive", "draft", grid_worker)


def test_a_lead_that_is_not_this_households_is_ignored(client, grid_worker, home_household, other_household,
                                                        city):
    from tests.assistance.conftest import monthly_income
    from tests.factories import household

    ensure_model()
    neighbour = household(community=city.community, head_name="赵六", members=1)
    monthly_income(neighbour.head, "300.00")
    scoring.household_rescore(household_id=neighbour.pk)
    other = Lead.objects.get(household=neighbour)
    client.force_login(grid_worker)
    for value in (str(other.pk), "x", "999999"):
        page = client.get(f"/assistance/households/{home_household.pk}/apply/?lead={value}")
        assert page.status_code == 200
        assert page.context["form"].initial["channel"] == "walk_in"
        assert "programmes" not in page.context["form"].initial and page.context["lead"] is None


def test_a_worker_of_another_district_cannot_start_one(client, other_district_worker, poor_household, lead):
    client.force_login(other_district_worker)
    assert client.get(f"/assistance/households/{poor_household.pk}/apply/?lead={lead.pk}").status_code == 404


def test_a_grid_worker_of_another_community_cannot_start_one(client, neighbour_grid_worker, poor_household, lead):
    client.force_login(neighbour_grid_worker)
    assert client.get(f"/assistance/households/{poor_household.pk}/apply/?lead={lead.pk}").status_code == 404
