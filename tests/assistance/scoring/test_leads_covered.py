"""A discovery lead closes by itself once its household is covered (低保/特困/低边):
at once when an application is approved, and at the next re-score whatever way the
benefit arrived. What the caseworker sees: the lead closed as included, its work item
done, the dashboard counting it."""
import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from assistance import services as svc
from assistance.models import Benefit
from assistance.scoring import selectors, services
from assistance.scoring.models import Lead
from civilaffairs.audit.models import AuditEvent
from civilaffairs.worklist.models import WorkItem
from civilaffairs.worklist.selectors import worklist_for_user

from .helpers import ON, incremental_run, leads_updated, run_all
from .helpers import start_full_run as start
from .test_jobs import make_city


@pytest.fixture
def lead(poor_household, model):
    """王小明户 (500 元 a head, nothing received) scored red today: an open discovery lead."""
    services.household_rescore(household_id=poor_household.pk)
    lead = Lead.objects.get(household=poor_household)
    assert (lead.kind, lead.status, lead.work_item.status) == ("discovery", "open", "open")
    return lead


def test_approving_dibao_closes_the_discovery_lead_as_included_with_its_work_item(
        client, lead, at, grid_worker, district_approver):
    app = at("approved")
    lead.refresh_from_db()
    assert (lead.status, lead.outcome, lead.closed_by) == ("closed", "included", district_approver)
    assert app.number in lead.outcome_reason and "线索自动办结" in lead.outcome_reason
    item = lead.work_item
    assert item.status == "done" and item.closed_at and item.outcome.startswith("入户核实——已纳入救助：")
    assert not worklist_for_user(user=grid_worker).filter(pk=item.pk).exists()
    events = set(AuditEvent.objects.filter(actor=district_approver).values_list("action", "object_id"))
    assert {("scoring.lead_closed_covered", str(lead.pk)), ("worklist.item_done", str(item.pk))} <= events

    client.force_login(grid_worker)
    page = client.get(reverse("scoring:lead_detail", args=[lead.pk])).content.decode()
    assert "已办结" in page and "入户核实——已纳入救助" in page and app.number in page
    assert 'name="outcome"' not in page                       # nothing left to record
    listed = client.get(reverse("scoring:lead_list")).content.decode()
    assert lead.household.head_name not in listed              # the open list no longer shows it


def test_the_dashboard_counts_it_as_included_within_the_due_time(lead, at, district_approver):
    at("approved")
    row = selectors.dashboard(user=district_approver)["by_version"][0]
    assert (row["raised"], row["closed"], row["included"], row["included_in_time"]) == (1, 1, 1, 1)
    assert selectors.dashboard(user=district_approver)["totals"]["open"] == 0


def test_a_re_score_after_the_approval_raises_and_changes_nothing(lead, at):
    at("approved")
    closed_at = Lead.objects.get(pk=lead.pk).closed_at
    services.household_rescore(household_id=lead.household_id)
    assert Lead.objects.filter(household=lead.household).count() == 1
    assert Lead.objects.get(pk=lead.pk).closed_at == closed_at
    assert WorkItem.objects.filter(kind="scoring.discovery").count() == 1


def test_an_outcome_the_grid_worker_recorded_is_kept(lead, at, grid_worker):
    services.lead_record_outcome(actor=grid_worker, lead_id=lead.pk, outcome="referred", reason="转介慈善总会")
    at("approved")
    lead.refresh_from_db()
    assert (lead.outcome, lead.outcome_reason, lead.closed_by) == ("referred", "转介慈善总会", grid_worker)
    assert not AuditEvent.objects.filter(action="scoring.lead_closed_covered").exists()


def test_the_lead_stays_open_when_the_approval_rolls_back(lead, at, district_approver):
    app = at("decision")
    with pytest.raises(RuntimeError), transaction.atomic():
        svc.application_approve(actor=district_approver, application_id=app.pk)
        assert Lead.objects.get(pk=lead.pk).status == "closed"
        raise RuntimeError("the approval's transaction fails after the grant")
    lead.refresh_from_db()
    assert lead.status == "open" and lead.outcome == "" and lead.work_item.status == "open"
    assert not AuditEvent.objects.filter(action="scoring.lead_closed_covered").exists()


def test_a_temporary_aid_approval_leaves_the_lead_open(lead, poor_household, resident, staff):
    from tests.assistance.conftest import pdf, walk

    app = svc.application_create(actor=resident, household=poor_household, applicant=poor_household.head,
                                 programmes=["temporary"], reason="看病急需用钱。")
    svc.material_add(actor=resident, application_id=app.pk, uploaded=pdf(), kind="id_card")
    walk(app, "approved", resident=resident, **staff)
    lead.refresh_from_db()
    assert lead.status == "open"                                # one-off aid is not coverage


# --- the set-based path: a benefit that arrived without the services ------------------

def test_a_re_score_closes_the_lead_of_a_household_found_covered(city, model):
    households = make_city(city)
    run_all(start(on=ON, chunk_size=4)[0])
    assert Lead.objects.filter(status="open").count() == 3
    covered = households[3]                                     # a poor one (every third)
    # e.g. loaded by a department import or the demo loader, not through application_approve
    Benefit.objects.create(household=covered, programme="dibian", start_date=dt.date(2024, 6, 1))

    run = incremental_run()
    assert (run.gained, run.lost, leads_updated(run)) == (0, 1, 1)
    lead = Lead.objects.get(household=covered)
    assert (lead.status, lead.outcome, lead.closed_by) == ("closed", "included", None)
    assert lead.outcome_reason == "该家庭已享受低保、特困或低边，线索自动办结。"
    item = WorkItem.objects.get(dedupe_key=f"scoring.discovery:{covered.pk}")
    assert item.status == "done" and item.outcome == "入户核实——已纳入救助：该家庭已享受低保、特困或低边，线索自动办结。"
    assert Lead.objects.filter(status="open").count() == 2
    assert WorkItem.objects.filter(kind="scoring.discovery", status="open").count() == 2
    event = AuditEvent.objects.get(action="scoring.leads_closed_covered")
    assert event.after["leads"] == [lead.pk] and event.after["items"] == 1

    again = run_all(start(on=ON, chunk_size=4, force=True)[0])
    assert (again.changed, again.gained, again.lost, leads_updated(again)) == (0, 0, 0, 0)
    assert AuditEvent.objects.filter(action="scoring.leads_closed_covered").count() == 1


def test_a_full_run_closes_covered_leads_in_its_chunks(city, model):
    households = make_city(city)
    run_all(start(on=ON, chunk_size=4)[0])
    for hh in (households[0], households[6]):
        Benefit.objects.create(household=hh, programme="dibao", start_date=dt.date(2024, 6, 1))
    run = run_all(start(on=ON, chunk_size=4, force=True)[0])
    assert (run.gained, run.lost, leads_updated(run)) == (0, 2, 2)
    assert set(Lead.objects.filter(outcome="included").values_list("household_id", flat=True)) == {
        households[0].pk, households[6].pk}
    assert WorkItem.objects.filter(kind="scoring.discovery", status="done").count() == 2


def test_a_suspended_benefit_is_not_coverage(city, model):
    households = make_city(city, 3)
    run_all(start(on=ON, chunk_size=4)[0])
    Benefit.objects.create(household=households[0], programme="dibao", status="suspended",
                           start_date=dt.date(2024, 6, 1))
    services.household_rescore(household_id=households[0].pk, on=ON)
    assert Lead.objects.get(household=households[0]).status == "open"
