"""The platform marks, the engine re-scores: what a change to the register or a department delivery
marks dirty (platform triggers, entitlements migration 0002; benefits: scoring migration 0008), and the
difficulty index re-scored incrementally after a corrected re-delivery and a revoked fact, through the
import service and the engine's incremental run (issue 11 acceptance)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from assistance.scoring.models import HouseholdScore, Lead, ScoreHistory
from civilaffairs.entitlements.models import DirtySubject
from civilaffairs.registry.facts.windows import window
from civilaffairs.registry.imports import department_batch_import, department_facts_revoke
from civilaffairs.registry.models import DepartmentRecord, FactStatus, Person
from tests import factories as f

from .helpers import ON, clear_dirty, incremental_run, run_all, start_full_run

pytestmark = pytest.mark.django_db

HEADER = "id_number,name,kind,period_start,period_end,amount,attributes"


def _csv(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def _month_end(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _incomes(number: str, amount: str, months) -> bytes:
    return _csv(*(f"{number},,income,{m.isoformat()},{_month_end(m).isoformat()},{amount}," for m in months))


def dirty() -> set[tuple[str, int, str]]:
    return set(DirtySubject.objects.values_list("subject_type", "subject_id", "reason"))


def test_a_new_member_a_birth_and_a_death_fact_mark_the_right_subjects_dirty(city, home_household, data_provider):
    from civilaffairs.registry.services import household_add_member

    head = home_household.head
    clear_dirty()
    baby = f.person(name="新生儿", birth=dt.date(2026, 11, 1))          # a birth: a new person
    assert dirty() == {("person", baby.pk, "person")}
    clear_dirty()
    household_add_member(actor=None, household=home_household, person=baby, relation="child")
    assert dirty() == {("household", home_household.pk, "membership"), ("person", baby.pk, "membership")}
    clear_dirty()
    department_batch_import(actor=data_provider, source="hrss", content=_csv(
        f"{head.reveal_id_number()},,death,2026-11-20,2026-11-20,,"))
    assert DepartmentRecord.objects.get(person=head).kind == "death"
    assert ("person", head.pk, "facts") in dirty()
    assert {s for s in dirty() if s[2] == "facts"} == {("person", head.pk, "facts")}
    clear_dirty()
    Person.objects.filter(pk=head.pk).update(death_date=dt.date(2026, 11, 20))  # the register records it
    assert dirty() == {("person", head.pk, "person")}
    clear_dirty()
    Person.objects.filter(pk=head.pk).update(name="王小明")                    # not an input of any rule
    assert dirty() == set()


def test_the_engine_rescores_the_households_of_dirty_persons(city, home_household, model):
    run_all(start_full_run()[0])
    child = (Person.objects.filter(memberships__household=home_household, memberships__is_active=True)
             .exclude(pk=home_household.head_id).first())
    clear_dirty()
    Person.objects.filter(pk=child.pk).update(death_date=ON - dt.timedelta(days=3))
    before = HouseholdScore.objects.get(household=home_household).member_count
    run = incremental_run()
    assert (run.evaluated, run.changed) == (1, 1)
    assert HouseholdScore.objects.get(household=home_household).member_count == before - 1


def test_a_corrected_re_delivery_replaces_a_revoked_fact_stops_counting_and_the_household_is_rescored(
        city, home_household, data_provider, model):
    head = home_household.head
    number = head.reveal_id_number()
    months = window(ON).months                                        # the 12 months the score counts
    department_batch_import(actor=data_provider, source="hrss", content=_incomes(number, "500", months))
    run_all(start_full_run()[0])
    score = HouseholdScore.objects.get(household=home_household)
    assert (score.income_12m, score.colour) == (D("6000.00"), "red")
    assert Lead.objects.get(household=home_household).status == "open"
    history = ScoreHistory.objects.filter(household=home_household).count()

    clear_dirty()
    corrected = department_batch_import(actor=data_provider, source="hrss", content=_incomes(number, "6000", months))
    assert corrected.superseded_rows == 12
    assert {s for s in dirty() if s[2] == "facts"} == {("person", head.pk, "facts")}
    run = incremental_run()
    assert (run.kind, run.evaluated, run.changed) == ("incremental", 1, 1)
    score = HouseholdScore.objects.get(household=home_household)
    assert score.income_12m == D("72000.00")                          # replaced, not 6000 + 72000
    assert score.colour != "red" and score.run_id == run.pk
    assert ScoreHistory.objects.filter(household=home_household).count() == history + 1
    assert not DirtySubject.objects.exists()

    revoked = department_facts_revoke(actor=data_provider, source="hrss", records=[
        {"id_number": number, "kind": "income", "period_start": m.isoformat()} for m in months[:6]])
    assert revoked.revoked_rows == 6
    assert DepartmentRecord.objects.filter(person=head, status=FactStatus.REVOKED).count() == 6
    run = incremental_run()
    assert (run.evaluated, run.changed) == (1, 1)
    assert HouseholdScore.objects.get(household=home_household).income_12m == D("36000.00")  # revoked stop counting
    assert ScoreHistory.objects.filter(household=home_household).count() == history + 2
    assert incremental_run() is None                                   # nothing left dirty
