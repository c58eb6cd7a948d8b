"""Child-welfare categories decided by rule from the parents' department facts: each category at its
boundaries (custody just under / at six months, out of contact just at / over six months, one parent
dead and the other healthy or unable, 16 and 18), the SQL and Python twins equal for random facts,
and the engine raising a new candidate to the child director and closing it when the facts end."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from childwelfare.categories import RULES, Category, explain
from civilaffairs.entitlements import services as engine
from civilaffairs.entitlements.models import CandidateStatus, EntitlementCandidate
from civilaffairs.entitlements.sql import evaluate_ids
from civilaffairs.registry.facts import schema
from civilaffairs.registry.facts.reader import plus_months
from civilaffairs.registry.guardianship import guardianship_add
from civilaffairs.registry.models import DepartmentRecord, ImportBatch, Person
from civilaffairs.registry.services import household_add_member, household_create
from civilaffairs.worklist.models import WorkItem
from tests import factories as f

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 6, 15)
RULE = {r.key.split(".", 1)[1]: r for r in RULES}


def fact(person, kind, start, end=None, source="police", **attrs):
    batch = ImportBatch.objects.create(source=source, channel="api", content_sha256=uuid.uuid4().hex)
    return DepartmentRecord.objects.create(
        person=person, id_digest=person.id_digest, source=source, kind=kind, period_start=start,
        period_end=end or start, attributes=schema.canonical_attributes(kind, attrs), batch=batch,
        fingerprint=uuid.uuid4().hex)


def family(city=None, *, birth=dt.date(2016, 3, 1), parents=2):
    """A child, their father and mother (guardianship links), the child in a household of the home community."""
    child = f.person(name="小宝", birth=birth)
    father = f.person(name="父亲", birth=dt.date(1985, 1, 1))
    mother = f.person(name="母亲", birth=dt.date(1987, 1, 1), female=True)
    if city is not None:
        grandma = f.person(name="奶奶", birth=dt.date(1958, 1, 1), female=True)
        hh = household_create(actor=None, community_code=city.community.code, head=grandma)
        household_add_member(actor=None, household=hh, person=child, relation="grandchild")
    for parent, role in ((father, "father"), (mother, "mother"))[:parents]:
        guardianship_add(actor=None, ward=child, guardian=parent, role=role, basis="statutory", since=birth)
    return child, father, mother


def decided(child, on=ON) -> set[str]:
    """The categories both twins give (asserting they agree)."""
    out = set()
    for name, rule in RULE.items():
        py = explain(name, child.pk, on)
        assert evaluate_ids(rule, ids=[child.pk], on=on)[child.pk] == py, name
        if py.eligible:
            out.add(name)
    return out


# --- boundaries ---------------------------------------------------------------------------------

@pytest.mark.parametrize("release, expected", [
    (plus_months(dt.date(2026, 1, 10), 6) - dt.timedelta(days=1), set()),   # a term a day short of six months
    (plus_months(dt.date(2026, 1, 10), 6), {Category.UNSUPPORTED}),            # exactly six months
    (plus_months(dt.date(2026, 1, 10), 6) + dt.timedelta(days=1), {Category.UNSUPPORTED}),
])
def test_a_father_in_custody_and_a_mother_out_of_contact(release, expected):
    child, father, mother = family()
    fact(father, "custody", dt.date(2026, 1, 10), release, custody_kind="服刑")
    fact(mother, "missing", dt.date(2025, 9, 1), schema.OPEN_END, police_report_on="2025-10-01")
    assert decided(child) == expected


@pytest.mark.parametrize("reported, expected", [
    (plus_months(ON, -6), set()),                                              # exactly six months ago
    (plus_months(ON, -6) - dt.timedelta(days=1), {Category.UNSUPPORTED}),      # more than six months
])
def test_out_of_contact_counts_only_after_six_months(reported, expected):
    child, father, mother = family()
    fact(father, "custody", dt.date(2025, 1, 1), schema.OPEN_END, custody_kind="羁押")
    fact(mother, "missing", dt.date(2025, 1, 1), schema.OPEN_END, police_report_on=reported.isoformat())
    assert decided(child) == expected


def test_one_parent_dead_and_the_other_healthy_is_no_category_the_other_unable_is_unsupported():
    child, father, mother = family()
    Person.objects.filter(pk=father.pk).update(death_date=dt.date(2024, 5, 1))
    assert decided(child) == set()
    fact(mother, "disability", dt.date(2020, 1, 1), schema.OPEN_END, source="dpf", grade="三级", category="肢体")
    assert decided(child) == set()  # grade 3 physical: not severe
    fact(mother, "disability", dt.date(2021, 1, 1), schema.OPEN_END, source="dpf", grade="四级", category="精神")
    assert decided(child) == set()  # the reader's best certificate is the grade 3 physical one
    fact(mother, "serious_illness", dt.date(2026, 1, 1), dt.date(2026, 12, 31), source="medins")
    assert decided(child) == {Category.UNSUPPORTED}


def test_both_parents_dead_or_declared_is_an_orphan():
    child, father, mother = family()
    fact(father, "death", dt.date(2023, 3, 1), source="civil_affairs")
    fact(mother, "court_declaration", dt.date(2019, 8, 1), source="justice", declaration="宣告失踪")
    assert decided(child) == {Category.ORPHAN}
    assert decided(child, on=dt.date(2023, 2, 28)) == set()  # before the father's death


def test_left_behind_is_under_16_and_ends_at_16_categories_end_at_18():
    child, father, mother = family(birth=dt.date(2010, 6, 15))  # 16 on ON
    for parent in (father, mother):
        fact(parent, "migrant_work", dt.date(2025, 1, 1), schema.OPEN_END, source="hrss", place="上海")
    assert decided(child, on=ON - dt.timedelta(days=1)) == {Category.LEFT_BEHIND}
    assert decided(child) == set()
    fact(father, "custody", dt.date(2026, 1, 1), schema.OPEN_END, custody_kind="服刑")
    fact(mother, "guardianship_revoked", dt.date(2026, 2, 1), source="justice")
    assert decided(child) == {Category.UNSUPPORTED}
    assert decided(child, on=dt.date(2028, 6, 14)) == {Category.UNSUPPORTED}
    assert decided(child, on=dt.date(2028, 6, 15)) == set()  # 18


def test_one_parent_away_and_the_other_unable_is_left_behind():
    child, father, mother = family()
    fact(father, "migrant_work", dt.date(2025, 1, 1), schema.OPEN_END, source="hrss")
    assert decided(child) == set()
    fact(mother, "deported", dt.date(2025, 3, 1))
    assert decided(child) == {Category.LEFT_BEHIND}


def test_a_child_with_one_registered_parent_is_not_decided_by_rule():
    child, father, _mother = family(parents=1)
    fact(father, "death", dt.date(2023, 3, 1), source="civil_affairs")
    assert decided(child) == set()
    assert explain(Category.ORPHAN, child.pk, ON).reasons == ()


def test_the_reasons_name_each_parents_situation():
    child, father, mother = family()
    fact(father, "custody", dt.date(2026, 1, 1), schema.OPEN_END, custody_kind="服刑")
    fact(father, "migrant_work", dt.date(2025, 1, 1), schema.OPEN_END, source="hrss")
    fact(mother, "deported", dt.date(2025, 3, 1))
    result = explain(Category.UNSUPPORTED, child.pk, ON)
    assert result.eligible and result.reasons == (
        "事实无人抚养：父母均不能履行抚养义务（或一方死亡、失踪，另一方不能履行）",
        "父亲：服刑或被限制人身自由 6 个月以上、外出务工", "母亲：被遣送出境")


# --- the twins on random facts ----------------------------------------------------------------------

PARENT_FACTS = st.lists(st.sampled_from([
    ("death", -400, 0, {}), ("death", 10, 0, {}), ("court_declaration", -3000, 0, {"declaration": "宣告死亡"}),
    ("court_declaration", -10, 0, {"declaration": "宣告失踪"}), ("court_declaration", 5, 0, {"declaration": "missing"}),
    ("disability", -900, None, {"grade": "二级"}), ("disability", -900, -1, {"grade": "一级"}),
    ("disability", -900, None, {"grade": "四级", "category": "智力"}),
    ("disability", -900, None, {"grade": "三级", "category": "肢体"}),
    ("serious_illness", -30, 30, {}), ("serious_illness", -30, -1, {}),
    ("custody", -100, "m6", {"custody_kind": "服刑"}), ("custody", -100, "m6-1", {"custody_kind": "羁押"}),
    ("custody", -10, None, {"custody_kind": "其他限制人身自由"}), ("custody", -400, -1, {"custody_kind": "服刑"}),
    ("missing", -400, None, {"police_report_on": "-6m"}), ("missing", -400, None, {"police_report_on": "-6m-1"}),
    ("missing", -30, None, {}), ("guardianship_revoked", -50, 0, {}), ("guardianship_revoked", 3, 0, {}),
    ("deported", -50, 0, {}), ("migrant_work", -200, None, {}), ("migrant_work", -200, -5, {}),
]), max_size=4, unique_by=lambda spec: (spec[0], spec[1]))  # one current fact per identity


def _store(person, specs, on):
    for kind, start_days, end, attrs in specs:
        start = on + dt.timedelta(days=start_days)
        if end is None:
            stop = schema.OPEN_END
        elif end == "m6":
            stop = plus_months(start, 6)
        elif end == "m6-1":
            stop = plus_months(start, 6) - dt.timedelta(days=1)
        else:
            stop = max(start, on + dt.timedelta(days=end)) if end else start
        attrs = dict(attrs)
        if attrs.get("police_report_on") == "-6m":
            attrs["police_report_on"] = plus_months(on, -6).isoformat()
        elif attrs.get("police_report_on") == "-6m-1":
            attrs["police_report_on"] = (plus_months(on, -6) - dt.timedelta(days=1)).isoformat()
        fact(person, kind, start, stop, **attrs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(on=st.sampled_from([ON, dt.date(2026, 2, 28), dt.date(2024, 2, 29), dt.date(2026, 8, 31)]),
       birth=st.sampled_from([dt.date(2010, 6, 15), dt.date(2010, 6, 16), dt.date(2008, 2, 29), dt.date(2016, 1, 1)]),
       father_facts=PARENT_FACTS, mother_facts=PARENT_FACTS, father_dead=st.booleans())
def test_sql_and_python_agree_for_random_parents(on, birth, father_facts, mother_facts, father_dead):
    child, father, mother = family(birth=birth)
    if father_dead:
        Person.objects.filter(pk=father.pk).update(death_date=on - dt.timedelta(days=40))
    _store(father, father_facts, on)
    _store(mother, mother_facts, on)
    decided(child, on)


# --- on the engine --------------------------------------------------------------------------------

def test_the_engine_raises_a_new_candidate_to_the_child_director_and_closes_it_when_the_father_is_released(city):
    child, father, mother = family(city)
    release = dt.date(2027, 3, 1)
    custody = fact(father, "custody", dt.date(2026, 1, 1), release, custody_kind="服刑")
    fact(mother, "missing", dt.date(2025, 6, 1), schema.OPEN_END, police_report_on="2025-06-02")
    run, _ = engine.entitlement_full_run_start(rule_key="childwelfare.unsupported", on=ON, enqueue_chunks=False)
    for chunk in run.chunks.all():
        engine.entitlement_chunk_process(chunk_id=chunk.pk)
    candidate = EntitlementCandidate.objects.get(rule_key="childwelfare.unsupported", subject_id=child.pk)
    assert candidate.status == CandidateStatus.ELIGIBLE and candidate.community_id == city.community.code
    assert "父亲：服刑或被限制人身自由 6 个月以上" in candidate.reasons
    item = WorkItem.objects.get(kind="entitlement.childwelfare.unsupported")
    assert item.region_id == city.community.code and item.status == "open"
    # the father is released early (the prison's corrected record): the child no longer qualifies
    DepartmentRecord.objects.filter(pk=custody.pk).update(period_end=dt.date(2026, 6, 1))
    engine.mark_dirty_persons([child.pk], "facts")
    engine.entitlement_incremental_run(on=ON)
    candidate.refresh_from_db()
    item.refresh_from_db()
    assert candidate.status == CandidateStatus.LOST and item.status == "cancelled"


def test_a_parents_record_arriving_through_the_import_re_decides_the_child_in_another_household(city, data_provider):
    """Only the father is marked dirty by the import; the engine evaluates his wards too."""
    from civilaffairs.entitlements.models import DirtySubject
    from civilaffairs.registry.imports import department_batch_import

    child, father, mother = family(city)
    household_create(actor=None, community_code=city.neighbour.code, head=father)  # he lives elsewhere
    fact(mother, "deported", dt.date(2025, 3, 1))
    DirtySubject.objects.all().delete()
    content = ("id_number,name,kind,period_start,period_end,amount,attributes\n"
               f"{father.reveal_id_number()},,custody,2026-01-01,2027-06-30,,\"{{\"\"custody_kind\"\": \"\"服刑\"\"}}\"\n")
    batch = department_batch_import(actor=data_provider, source="justice", content=content.encode())
    assert batch.loaded_rows == 1, batch.errors
    assert not DirtySubject.objects.filter(subject_type="person", subject_id=child.pk).exists()
    engine.entitlement_incremental_run(on=ON)
    candidate = EntitlementCandidate.objects.get(rule_key="childwelfare.unsupported", subject_id=child.pk)
    assert candidate.status == CandidateStatus.ELIGIBLE
