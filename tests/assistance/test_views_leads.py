from assistance.models import Application


def test_an_application_started_from_a_lead_is_filed_as_proactive(client, grid_worker, home_household):
    client.force_login(grid_worker)
    url = f"/assistance/households/{home_household.pk}/apply/"
    page = client.get(url + "?lead=1")
    assert page.status_code == 200
    assert page.context["form"].initial["channel"] == "proactive"
    response = client.post(url + "?lead=1", {"applicant": home_household.head_id, "channel": "proactive",
                                             "programmes": ["dibao"], "reason": "大数据预警，入户核实困难"})
    assert response.status_code == 302
    assert Application.objects.get(household=home_household).channel == "proactive"


def test_a_worker_of_another_district_cannot_start_one(client, other_district_worker, home_household):
    client.force_login(other_district_worker)
    assert client.get(f"/assistance/households/{home_household.pk}/apply/?lead=1").status_code == 404
