"""The proactive engine, driven through the sample programme's two rules (tests/sampleprogramme/
reg_entitlements.py): what a resident turning 80 and a caseworker would notice."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from civilaffairs.audit.models import AuditEvent
from civilaffairs.entitlements import services as svc
from civilaffairs.entitlements import sql
from civilaffairs.entitlements.models import (
    AgeLineDay, CandidateStatus, ChunkStatus, DirtySubject, EntitlementCandidate, EntitlementChunk, EntitlementRun,
    RunStatus,
)
from civilaffairs.entitlements.rules import DirtyReason, get_rule, register_rule, rule_registry
from civilaffairs.notifications.models import Notification
from civilaffairs.worklist.models import ItemStatus, WorkItem
from tests import factories as f
from tests.sampleprogramme import reg_entitlements as sample

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 12, 3)


def candidates(rule_key=sample.AGE80, **filters):
    return EntitlementCandidate.objects.filter(rule_key=rule_key, **filters)


def full_run(rule_key=sample.AGE80, on=ON, chunk_size=3):
    run, _ = svc.entitlement_full_run_start(rule_key=rule_key, on=on, chunk_size=chunk_size, enqueue_chunks=False)
    for chunk in EntitlementChunk.objects.filter(run=run).order_by("lo"):
        svc.entitlement_chunk_process(chunk_id=chunk.pk)
    run.refresh_from_db()
    return run


def test_the_sample_rules_are_registered():
    assert {sample.AGE80, sample.ELDERLY_HOUSEHOLD} <= set(rule_registry())


def test_a_rule_key_outside_its_programme_is_refused():
    rule = get_rule(sample.AGE80)
    with pytest.raises(ValueError):
        register_rule(type(rule)(**{**rule.__dict__, "key": "other.age80"}))


# --- full runs ----------------------------------------------------------------------------------

def test_a_full_run_fans_out_over_chunks_and_grants_once(city, elder_in):
    elders = [elder_in(dt.date(1940, 1, 1)), elder_in(dt.date(1946, 12, 3)), elder_in(dt.date(1930, 5, 5))]
    young = elder_in(dt.date(1946, 12, 4))  # 80 tomorrow
    resident = f.resident(person_obj=elders[0], username="elder-resident")
    run = full_run()
    persons = run.chunks.filter(subject_type="person")
    assert persons.count() >= 2 and set(persons.values_list("status", flat=True)) == {ChunkStatus.DONE}
    assert run.status == RunStatus.DONE and run.chunks_done == run.chunks_total
    assert set(candidates(status=CandidateStatus.ELIGIBLE).values_list("subject_id", flat=True)) == \
        {p.pk for p in elders}
    assert not candidates(subject_id=young.pk).exists()
    oldest = candidates().get(subject_id=elders[2].pk)
    assert (oldest.category, oldest.amount, oldest.reasons) == ("90+", Decimal("200.00"), ["年满 90 周岁"])
    assert oldest.community_id == city.community.code and oldest.first_eligible_on == ON
    assert run.gained == 3 and sum(len(ids) for ids, _ in sample.GRANTED) == 3
    assert Notification.objects.filter(user=resident, title=sample.GRANT_TITLE).count() == 1
    event = AuditEvent.objects.filter(action="entitlements.candidates_changed", object_id=str(run.pk))
    assert sum(e.after["gained"] for e in event) == 3

    again = full_run()  # the next night, nothing changed
    assert again.changed == 0 and again.gained == 0
    assert sum(len(ids) for ids, _ in sample.GRANTED) == 3
    assert Notification.objects.filter(user=resident, title=sample.GRANT_TITLE).count() == 1
    assert not AuditEvent.objects.filter(action="entitlements.candidates_changed", object_id=str(again.pk)).exists()


def test_a_redelivered_chunk_changes_nothing(city, elder_in):
    elder_in(dt.date(1940, 1, 1))
    run, _ = svc.entitlement_full_run_start(rule_key=sample.AGE80, on=ON, enqueue_chunks=False)
    chunk = run.chunks.get()
    svc.entitlement_chunk_process(chunk_id=chunk.pk)
    svc.entitlement_chunk_process(chunk_id=chunk.pk)  # the task delivered twice
    run.refresh_from_db()
    chunk.refresh_from_db()
    assert (run.chunks_done, run.gained, chunk.attempts) == (1, 1, 1)
    assert len(sample.GRANTED) == 1


def test_a_chunk_claimed_by_a_worker_that_died_is_redone_after_the_stale_timeout(city, elder_in):
    elder_in(dt.date(1940, 1, 1))
    run, _ = svc.entitlement_full_run_start(rule_key=sample.AGE80, on=ON, enqueue_chunks=False)
    chunk = run.chunks.get()
    assert svc.entitlement_chunk_claim(chunk_id=chunk.pk) == 1  # claimed; the worker is killed before the commit
    # A redelivery right away finds a fresh claim and leaves it alone.
    svc.entitlement_chunk_process(chunk_id=chunk.pk)
    chunk.refresh_from_db()
    assert chunk.status == ChunkStatus.RUNNING and not candidates().exists()
    assert svc.entitlement_runs_sweep(enqueue_chunks=False) == []
    # After the stale timeout the sweep queues it again and it is done, once.
    EntitlementChunk.objects.filter(pk=chunk.pk).update(claimed_at=timezone.now() - svc.STALE_CLAIM
                                                        - dt.timedelta(seconds=1))
    assert svc.entitlement_runs_sweep(enqueue_chunks=False) == [chunk.pk]
    svc.entitlement_chunk_process(chunk_id=chunk.pk)
    chunk.refresh_from_db()
    run.refresh_from_db()
    assert (chunk.status, chunk.attempts, run.status, run.gained) == (ChunkStatus.DONE, 2, RunStatus.DONE, 1)
    assert candidates().count() == 1


def test_the_old_claim_cannot_finish_a_chunk_claimed_again(city, elder_in):
    elder_in(dt.date(1940, 1, 1))
    run, _ = svc.entitlement_full_run_start(rule_key=sample.AGE80, on=ON, enqueue_chunks=False)
    chunk = run.chunks.get()
    first = svc.entitlement_chunk_claim(chunk_id=chunk.pk)
    later = timezone.now() + svc.STALE_CLAIM + dt.timedelta(seconds=1)
    second = svc.entitlement_chunk_claim(chunk_id=chunk.pk, now=later)
    assert (first, second) == (1, 2)
    svc._chunk_evaluate(chunk.pk, first)  # the slow first worker wakes up: not its chunk any more
    assert not candidates().exists()
    svc._chunk_evaluate(chunk.pk, second)
    assert candidates().count() == 1


def test_a_new_rule_version_calls_for_a_full_run_that_rewrites_the_candidates(city, elder_in):
    elder_in(dt.date(1940, 1, 1))
    full_run(rule_key=None)
    assert get_rule(sample.AGE80) not in svc.rules_needing_full_run()
    rule = get_rule(sample.AGE80)
    register_rule(type(rule)(**{**rule.__dict__, "version": 2}))
    try:
        assert [r.key for r in svc.rules_needing_full_run()] == [sample.AGE80]
        run = full_run()
        assert run.rule_versions == {sample.AGE80: 2} and run.changed == 1 and run.gained == 0
        assert candidates().get().rule_version == 2 and len(sample.GRANTED) == 1
    finally:
        register_rule(rule)


# --- incremental runs ---------------------------------------------------------------------------

def test_an_incremental_run_evaluates_only_the_dirty_subjects(city, elder_in):
    dirty, clean = elder_in(dt.date(1940, 1, 1)), elder_in(dt.date(1941, 1, 1))
    svc.mark_dirty_persons([dirty.pk], DirtyReason.PERSON)
    svc.mark_dirty_persons([dirty.pk], DirtyReason.PERSON)  # marking twice adds nothing
    assert DirtySubject.objects.count() == 1
    run = svc.entitlement_incremental_run(on=ON)
    assert list(candidates().values_list("subject_id", flat=True)) == [dirty.pk]
    assert not candidates(subject_id=clean.pk).exists()
    # the allowance, and the household rule for the dirty person's (one-person, elderly) household
    assert run.gained == 2 and run.status == RunStatus.DONE and len(sample.GRANTED) == 1
    assert list(candidates(sample.ELDERLY_HOUSEHOLD).values_list("subject_id", flat=True)) == [
        dirty.memberships.get().household_id]
    assert not DirtySubject.objects.exists()
    assert svc.entitlement_incremental_run(on=ON) is None  # nothing dirty: no run


def test_household_rules_see_the_households_of_dirty_persons(city, elder_in):
    elder = elder_in(dt.date(1950, 6, 1))
    household = elder.memberships.get(is_active=True).household
    svc.mark_dirty_persons([elder.pk], DirtyReason.FACTS)  # the age rule ignores facts; the household rule not
    svc.entitlement_incremental_run(on=ON)
    assert not candidates().exists()
    cand = candidates(sample.ELDERLY_HOUSEHOLD).get()
    assert cand.subject_id == household.pk
    item = WorkItem.objects.get(kind=f"entitlement.{sample.ELDERLY_HOUSEHOLD}")
    assert (item.region_id, item.subject_id, item.status) == (city.community.code, str(cand.pk), ItemStatus.OPEN)
    assert item.link == f"/registry/households/{household.pk}/" and "家庭成员均年满 60 周岁" in item.detail
    svc.mark_dirty_households([household.pk], DirtyReason.MEMBERSHIP)
    svc.entitlement_incremental_run(on=ON)
    assert WorkItem.objects.filter(kind=f"entitlement.{sample.ELDERLY_HOUSEHOLD}").count() == 1
    assert AuditEvent.objects.filter(action="worklist.items_raised").count() == 1


def test_a_mark_made_after_the_batch_was_claimed_stays_for_the_next_run(city, elder_in):
    elder = elder_in(dt.date(1940, 1, 1))
    svc.mark_dirty_persons([elder.pk], DirtyReason.PERSON)
    from django.db import transaction

    with transaction.atomic():
        assert sql.claim_dirty(limit=100) == 1
        svc.mark_dirty_persons([elder.pk], DirtyReason.PERSON)  # a change arrives meanwhile
    assert DirtySubject.objects.count() == 1


def test_a_killed_incremental_batch_leaves_its_subjects_dirty(city, elder_in, monkeypatch):
    elder = elder_in(dt.date(1940, 1, 1))
    svc.mark_dirty_persons([elder.pk], DirtyReason.PERSON)

    def die(candidate_ids, on):
        raise RuntimeError("worker killed")

    rule = get_rule(sample.AGE80)
    register_rule(type(rule)(**{**rule.__dict__, "grant": die}))
    try:
        with pytest.raises(RuntimeError):
            svc.entitlement_incremental_run(on=ON)
    finally:
        register_rule(rule)
    assert DirtySubject.objects.count() == 1 and not candidates().exists()
    svc.entitlement_incremental_run(on=ON)
    assert candidates().count() == 1 and not DirtySubject.objects.exists()


def test_a_lost_candidate_is_stopped_with_a_notice_and_an_item(city, elder_in):
    elder = elder_in(dt.date(1940, 1, 1))
    resident = f.resident(person_obj=elder, username="elder-resident")
    full_run()
    type(elder).objects.filter(pk=elder.pk).update(death_date=ON)
    svc.mark_dirty_persons([elder.pk], DirtyReason.PERSON)
    run = svc.entitlement_incremental_run(on=ON)
    cand = candidates().get()
    assert (cand.status, cand.lost_on, cand.reasons) == (CandidateStatus.LOST, ON, ["已去世"])
    assert run.lost == 1 and sample.STOPPED == [([cand.pk], ON)]
    assert Notification.objects.filter(user=resident, title=sample.STOP_TITLE).count() == 1
    item = WorkItem.objects.get(kind="sample.allowance_stopped")
    assert item.subject_id == str(elder.pk) and item.region_id == city.community.code
    event = AuditEvent.objects.get(action="entitlements.candidates_changed", object_id=str(run.pk))
    assert event.after["lost"] == 1 and event.after["lost_ids"] == [cand.pk]
    # Lost stays lost: the next night stops nothing again.
    full_run()
    assert len(sample.STOPPED) == 1


def test_a_review_item_is_cancelled_when_its_candidate_is_lost_first(city, elder_in):
    elder = elder_in(dt.date(1950, 6, 1))
    household = elder.memberships.get(is_active=True).household
    svc.mark_dirty_households([household.pk], DirtyReason.MEMBERSHIP)
    svc.entitlement_incremental_run(on=ON)
    young = f.person(name="年轻人", birth=dt.date(1990, 1, 1))
    from civilaffairs.registry.services import household_add_member

    household_add_member(actor=None, household=household, person=young, relation="child")
    svc.mark_dirty_households([household.pk], DirtyReason.MEMBERSHIP)
    svc.entitlement_incremental_run(on=ON)
    assert candidates(sample.ELDERLY_HOUSEHOLD).get().status == CandidateStatus.LOST
    assert WorkItem.objects.get(kind=f"entitlement.{sample.ELDERLY_HOUSEHOLD}").status == ItemStatus.CANCELLED


# --- the age-line job ---------------------------------------------------------------------------

@pytest.mark.parametrize("on, births, crossing", [
    # the day before / the day / the day after turning 80
    (dt.date(2026, 12, 3), [dt.date(1946, 12, 2), dt.date(1946, 12, 3), dt.date(1946, 12, 4)], [dt.date(1946, 12, 3)]),
    # born on 29 February: 80 on 1 March of a common year (not on 28 February)
    (dt.date(2027, 2, 28), [dt.date(1947, 2, 28), dt.date(1948, 2, 29)], [dt.date(1947, 2, 28)]),
    (dt.date(2029, 3, 1), [dt.date(1949, 2, 28), dt.date(1949, 3, 1), dt.date(1948, 2, 29)], [dt.date(1949, 3, 1)]),
    (dt.date(2027, 3, 1), [dt.date(1947, 3, 1), dt.date(1947, 2, 28)], [dt.date(1947, 3, 1)]),
    # and on 29 February of a leap year
    (dt.date(2028, 2, 29), [dt.date(1948, 2, 28), dt.date(1948, 2, 29), dt.date(1948, 3, 1)], [dt.date(1948, 2, 29)]),
])
def test_the_age_line_job_marks_exactly_those_turning_80_today(city, elder_in, on, births, crossing):
    AgeLineDay.objects.all().delete()
    people = {b: elder_in(b) for b in births}
    assert svc.age_lines_mark(on=on) >= len(crossing)
    marked = set(DirtySubject.objects.filter(reason=DirtyReason.AGE_LINE).values_list("subject_id", flat=True))
    assert {b for b, p in people.items() if p.pk in marked} == set(crossing)
    assert all(p.age_on(on) == 80 for b, p in people.items() if b in crossing)
    assert svc.age_lines_mark(on=on) == 0  # the same day again marks nothing


def test_the_age_line_job_catches_up_the_days_it_missed(city, elder_in):
    AgeLineDay.objects.create(day=dt.date(2026, 11, 30), age_lines=[80])
    missed = [elder_in(dt.date(1946, 12, d)) for d in (1, 2, 3)]
    before, after = elder_in(dt.date(1946, 11, 30)), elder_in(dt.date(1946, 12, 4))
    dead = elder_in(dt.date(1946, 12, 2), death=dt.date(2026, 1, 1))
    svc.age_lines_mark(on=dt.date(2026, 12, 3))
    marked = set(DirtySubject.objects.values_list("subject_id", flat=True))
    assert {p.pk for p in missed} <= marked
    assert not {before.pk, after.pk, dead.pk} & marked
    event = AuditEvent.objects.get(action="entitlements.age_lines_marked")
    assert event.after["marked"] == len(marked) and event.after["lines"] == [60, 80, 90, 100]  # 100: eldercare.high_age
    svc.entitlement_incremental_run(on=dt.date(2026, 12, 3))
    assert set(candidates().values_list("subject_id", flat=True)) == {p.pk for p in missed}


def test_the_beat_runs_the_engine():
    from civilaffairs import celery_app

    tasks = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert {"entitlements.incremental_run", "entitlements.start_full_run", "entitlements.age_lines_mark"} <= tasks


def test_the_tasks_call_the_services(city, elder_in):
    from civilaffairs.entitlements import tasks

    elder = elder_in(dt.date(1940, 1, 1))
    svc.mark_dirty_persons([elder.pk], DirtyReason.PERSON)
    assert tasks.incremental_run() > 0  # first: full runs for rules never run (not enqueued here), then dirty
    assert candidates(subject_id=elder.pk).exists()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM entitlements_entitlementrun WHERE kind = 'full'")
        assert cur.fetchone()[0] == len(rule_registry())


def test_a_chunk_that_errors_is_given_back_and_then_reported_failed_once(city, elder_in):
    elder_in(dt.date(1940, 1, 1))
    rule = get_rule(sample.AGE80)

    def broken(target):
        return "SELECT 1/0, true, '', NULL::numeric, '[]'::jsonb"

    register_rule(type(rule)(**{**rule.__dict__, "sql": broken}))
    try:
        run, _ = svc.entitlement_full_run_start(rule_key=sample.AGE80, on=ON, enqueue_chunks=False)
        chunk = run.chunks.get()
        with pytest.raises(Exception):
            svc.entitlement_chunk_process(chunk_id=chunk.pk)
        chunk.refresh_from_db()
        assert chunk.status == ChunkStatus.PENDING  # the task's retry may take it at once
        svc.entitlement_chunk_fail(chunk_id=chunk.pk, error="DataError: division by zero")
        svc.entitlement_chunk_fail(chunk_id=chunk.pk, error="DataError: division by zero")
        run.refresh_from_db()
        assert (run.status, run.chunks_failed) == (RunStatus.DONE_WITH_FAILURES, 1)
        assert AuditEvent.objects.filter(action="entitlements.chunk_failed").count() == 1
    finally:
        register_rule(rule)
    svc.entitlement_chunk_process(chunk_id=chunk.pk)  # resumed once the rule is fixed
    run.refresh_from_db()
    assert (run.status, run.chunks_failed, run.chunks_done, run.gained) == (RunStatus.DONE, 0, 1, 1)
