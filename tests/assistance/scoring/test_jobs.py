"""The difficulty index on the proactive engine: full runs in chunks, redelivery, concurrent runs,
incremental re-scoring over the platform's dirty set, model versions."""
import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.db import connection

from assistance.scoring import services
from assistance.scoring.engine import RULE_KEY
from assistance.scoring.models import HouseholdScore, Lead, ModelStatus, ScoreHistory, ScoringModel
from civilaffairs.entitlements import services as engine
from civilaffairs.entitlements.models import DirtySubject, EntitlementChunk, RunStatus
from civilaffairs.worklist.models import WorkItem

from .conftest import ensure_model
from .helpers import ON, clear_dirty, household, incremental_run, leads_updated, monthly, record, run_all
from .helpers import start_full_run as start

ADULT = dt.date(1984, 1, 1)


def make_city(city, n=9):
    """n households: every third poor and uncovered (red, a lead), others comfortable."""
    result = []
    for i in range(n):
        hh, (a,) = household(city.community if i % 2 else city.neighbour, [ADULT], name=f"户{i}")
        monthly(a, "income", 500 if i % 3 == 0 else 6000)
        record(a, "employment", dt.date(2024, 6, 1), dt.date(2024, 6, 30))
        result.append(hh)
    clear_dirty()
    return result


def needs_full_run() -> bool:
    return RULE_KEY in [r.key for r in engine.rules_needing_full_run()]


def test_a_full_run_scores_every_household_once_in_chunks(city, model):
    households = make_city(city)
    run, created = start(on=ON, chunk_size=4)
    assert created and run.chunks_total >= 3
    run = run_all(run)
    assert run.status == RunStatus.DONE and run.finished_at
    assert (run.evaluated, run.changed, run.failed) == (9, 9, 0)
    assert run.rule_keys == [RULE_KEY] and run.rule_versions == {RULE_KEY: model.version}
    assert HouseholdScore.objects.count() == 9 == ScoreHistory.objects.count()
    assert run.gained == 3 == Lead.objects.count() == WorkItem.objects.filter(kind="scoring.discovery").count()
    assert all(lead.work_item_id for lead in Lead.objects.all())
    assert {h.pk for h in households} == set(HouseholdScore.objects.values_list("household_id", flat=True))
    assert set(HouseholdScore.objects.values_list("run_id", flat=True)) == {run.pk}
    assert set(Lead.objects.values_list("run_id", flat=True)) == {run.pk}


def test_a_second_start_on_the_same_day_returns_the_running_run(city, model):
    make_city(city, 2)
    first, _ = start(on=ON, chunk_size=4)
    second, created = start(on=ON, chunk_size=4)
    assert second.pk == first.pk and not created


def test_a_redelivered_chunk_changes_nothing_and_counts_once(city, model):
    make_city(city)
    run, _ = start(on=ON, chunk_size=100)
    chunk = EntitlementChunk.objects.get(run=run)
    engine.entitlement_chunk_process(chunk_id=chunk.pk)
    engine.entitlement_chunk_process(chunk_id=chunk.pk)
    run.refresh_from_db()
    chunk.refresh_from_db()
    assert (run.chunks_done, run.evaluated, run.gained) == (1, 9, 3)
    assert (chunk.attempts, chunk.evaluated, chunk.changed) == (1, 9, 9)
    assert ScoreHistory.objects.count() == 9 and Lead.objects.count() == 3


def test_a_rerun_writes_no_score_and_raises_no_lead(city, model):
    make_city(city)
    run_all(start(on=ON, chunk_size=4)[0])
    again = run_all(start(on=ON, chunk_size=4, force=True)[0])
    assert (again.evaluated, again.changed, again.gained, leads_updated(again)) == (9, 0, 0, 0)
    assert ScoreHistory.objects.count() == 9 and Lead.objects.count() == 3 and WorkItem.objects.count() == 3


def test_two_runs_at_once_interleaved_never_double_write(city, model):
    make_city(city)
    a, _ = start(on=ON, chunk_size=3)
    b, _ = start(on=ON, chunk_size=5, force=True)
    chunks = list(EntitlementChunk.objects.filter(run__in=[a, b]).order_by("lo", "run_id"))
    for chunk in chunks:
        engine.entitlement_chunk_process(chunk_id=chunk.pk)
    a.refresh_from_db(), b.refresh_from_db()
    assert a.status == b.status == RunStatus.DONE
    assert a.evaluated == b.evaluated == 9
    assert a.changed + b.changed == 9
    assert HouseholdScore.objects.count() == 9 == ScoreHistory.objects.count()
    assert Lead.objects.count() == 3 and WorkItem.objects.filter(kind="scoring.discovery").count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_same_chunk_delivered_to_two_workers_at_once_counts_once(city):
    model = ensure_model()
    make_city(city)
    run, _ = start(on=ON, chunk_size=100)
    chunk = EntitlementChunk.objects.get(run=run)
    errors = []

    def work():
        try:
            engine.entitlement_chunk_process(chunk_id=chunk.pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors
    run.refresh_from_db()
    assert (run.chunks_done, run.evaluated, run.gained) == (1, 9, 3)
    assert Lead.objects.count() == 3 and ScoreHistory.objects.count() == 9
    assert run.rule_versions == {RULE_KEY: model.version}


def test_a_failed_chunk_is_reported_and_a_resume_completes_the_run(city, model):
    make_city(city)
    run, _ = start(on=ON, chunk_size=4)
    first, *rest = EntitlementChunk.objects.filter(run=run).order_by("lo")
    engine.entitlement_chunk_fail(chunk_id=first.pk, error="OperationalError: server closed the connection")
    for chunk in rest:
        engine.entitlement_chunk_process(chunk_id=chunk.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE_WITH_FAILURES and run.chunks_failed == 1
    assert engine.entitlement_run_resume(run_id=run.pk, enqueue_chunks=False) == [first.pk]
    engine.entitlement_chunk_process(chunk_id=first.pk)
    run.refresh_from_db()
    assert (run.status, run.chunks_failed, run.evaluated) == (RunStatus.DONE, 0, 9)


def test_the_incremental_run_picks_up_a_new_department_record(city, model):
    households = make_city(city)
    run_all(start(on=ON, chunk_size=100)[0])
    assert incremental_run() is None            # nothing dirty
    rich = households[1]
    person = rich.head
    assert HouseholdScore.objects.get(household=rich).d_expense == 0
    record(person, "medical_expense", dt.date(2024, 5, 1), dt.date(2024, 5, 31), 60000)
    # the platform's trigger marks the person (the engine re-scores the person's household)
    assert list(DirtySubject.objects.values_list("subject_type", "subject_id", "reason")) == [
        ("person", person.pk, "facts")]
    run = incremental_run()
    assert (run.kind, run.evaluated, run.changed) == ("incremental", 1, 1)
    score = HouseholdScore.objects.get(household=rich)
    assert score.expense_12m == D("60000") and score.main_type == "emergency" and score.run_id == run.pk
    assert not DirtySubject.objects.exists()


def test_a_membership_change_and_a_benefit_mark_the_household_dirty(city, model):
    from assistance.models import Benefit
    from civilaffairs.registry.services import household_add_member
    from tests import factories as f

    hh, _ = household(city.community, [ADULT])
    newcomer = f.person(name="新成员")
    clear_dirty()
    household_add_member(actor=None, household=hh, person=newcomer, relation="child")
    assert set(DirtySubject.objects.values_list("subject_type", "subject_id", "reason")) == {
        ("household", hh.pk, "membership"), ("person", newcomer.pk, "membership")}
    clear_dirty()
    Benefit.objects.create(household=hh, programme="dibao", start_date=ON)
    assert list(DirtySubject.objects.values_list("subject_type", "subject_id", "reason")) == [
        ("household", hh.pk, "other")]


def test_publishing_a_new_version_keeps_old_score_rows(city, model):
    make_city(city)
    run_all(start(on=ON, chunk_size=100)[0])
    old = {h.household_id: h.difficulty_index for h in ScoreHistory.objects.all()}
    draft = services.scoring_model_draft_create(actor=None)
    ScoringModel.objects.filter(pk=draft.pk).update(w_income=D("0.40"), w_employment=D("0.00"))
    assert not needs_full_run()
    services.scoring_model_publish(actor=None, model_id=draft.pk, start_full_run=False)
    model.refresh_from_db()
    assert model.status == ModelStatus.RETIRED
    assert needs_full_run()
    run = run_all(start(on=ON, chunk_size=100)[0])
    assert run.rule_versions == {RULE_KEY: draft.version} and not needs_full_run()
    assert set(HouseholdScore.objects.values_list("model_version_id", flat=True)) == {draft.pk}
    v1_rows = ScoreHistory.objects.filter(model_version=model)
    assert v1_rows.count() == 9 and {h.household_id: h.difficulty_index for h in v1_rows} == old
    assert ScoreHistory.objects.filter(model_version_id=draft.pk).count() == 9
    # Open leads stay single: updated to the new version, not duplicated.
    assert Lead.objects.count() == 3 and set(Lead.objects.values_list("model_version", flat=True)) == {draft.pk}


def test_a_published_version_cannot_be_edited(city, model):
    from django.core.exceptions import ValidationError

    model.w_income = D("0.5")
    with pytest.raises(ValidationError):
        services.scoring_model_save_draft(actor=None, model=model)


def test_the_dry_run_counts_colour_changes_by_district(city, model):
    make_city(city)
    run_all(start(on=ON, chunk_size=100)[0])
    draft = services.scoring_model_draft_create(actor=None)
    ScoringModel.objects.filter(pk=draft.pk).update(red_threshold=D("10"), yellow_threshold=D("5"))
    rows = services.scoring_model_dry_run(actor=None, model_id=draft.pk, on=ON)
    assert rows == [{"district": city.district.code, "households": 9, "red": 9, "yellow": 0, "green": 0,
                     "changed": 6, "to_red": 6, "from_red": 0}]
    draft.refresh_from_db()
    assert draft.dry_run_result["changed"] == 6
    assert HouseholdScore.objects.filter(colour="red").count() == 3      # nothing written


def test_a_closed_false_alarm_is_not_raised_again_within_the_cool_down(city, model, grid_worker):
    make_city(city)
    run_all(start(on=ON, chunk_size=100)[0])
    lead = Lead.objects.filter(community_id=city.community.code).first()
    services.lead_record_outcome(actor=grid_worker, lead_id=lead.pk, outcome="false_alarm", reason="实际有稳定收入")
    lead.refresh_from_db()
    assert lead.work_item.status == "done"
    run = run_all(start(on=ON, chunk_size=100, force=True)[0])
    assert run.gained == 0 and Lead.objects.filter(household=lead.household).count() == 1


def test_a_recipient_whose_income_rose_gets_one_review_lead(city, model):
    from assistance.models import Benefit

    hh, (a,) = household(city.community, [ADULT])
    monthly(a, "income", 3000)
    Benefit.objects.create(household=hh, programme="dibao", start_date=dt.date(2023, 1, 1))
    for _ in range(2):
        services.household_rescore(household_id=hh.pk, on=ON)
    lead = Lead.objects.get(household=hh)
    assert lead.kind == "review" and lead.work_item.kind == "scoring.review"


def test_a_new_dibao_standard_calls_for_a_full_run_of_the_index(city, model):
    from civilaffairs.registry.services import parameter_set

    make_city(city, 2)
    run_all(start(on=ON, chunk_size=100)[0])
    assert not needs_full_run()
    parameter_set(actor=None, key="dibao_standard", region_code=city.district.code, value=D("1500"),
                  effective_from=ON)
    assert needs_full_run()
    run = run_all(start(on=ON, chunk_size=100, force=True)[0])
    assert not needs_full_run() and run.changed == 2
    assert set(HouseholdScore.objects.values_list("standard", flat=True)) == {D("1500")}
