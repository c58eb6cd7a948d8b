"""The one reader of department facts: ``facts_for`` (Python) and ``person_facts_sql`` (its
set-based twin) say the same thing about random facts — every kind and shape, month-end and
month-start check dates, open ends, superseded and revoked rows, validity ending the day
before / on / after the check, text-typed attributes canonicalised as the import does — and
what they say is what POLICY.md "Windows" defines (the hand-computed cases below)."""
import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civilaffairs.registry.facts import schema
from civilaffairs.registry.facts.reader import derive, facts_for, facts_for_sql, plus_months
from civilaffairs.registry.facts.windows import add_months, month_start, window
from civilaffairs.registry.models import DepartmentRecord, ImportBatch, RecordKind
from tests import factories as f

pytestmark = pytest.mark.django_db

KINDS = [k.value for k in RecordKind]
# The kinds with the most rules (windows, balances, validity), drawn more often.
BUSY = ["income", "pension", "medical_expense", "financial_assets", "disability", "vehicle", "real_estate",
        "employment", "social_insurance"]
SOURCES = ["hrss", "bank", "civil_affairs"]
AS_OF = [dt.date(2024, 6, 30), dt.date(2024, 7, 1), dt.date(2024, 7, 31), dt.date(2024, 2, 29),
         dt.date(2024, 3, 1), dt.date(2023, 12, 31), dt.date(2024, 1, 1), dt.date(2024, 5, 15)]

# What departments send, before the import canonicalises it (labels, text, numbers).
RAW_ATTRIBUTES = {
    "disability": st.fixed_dictionaries({"等级": st.sampled_from(["二级", "2", 1, "一级", "4", 3, "三级"])},
                                        optional={"类别": st.sampled_from(["肢体", "visual", "精神", "多重"])}),
    "vehicle": st.fixed_dictionaries({}, optional={"是否豁免": st.sampled_from(["是", "否", "true", "false", True,
                                                                           False, "0", "1"]),
                                                   "plate": st.sampled_from(["浙B·***12", "浙B·***34"])}),
    "real_estate": st.fixed_dictionaries({}, optional={"自住": st.sampled_from(["是", "否", "false", True]),
                                                       "证号": st.sampled_from(["A1", "A2"])}),
    "financial_assets": st.fixed_dictionaries({}, optional={"账户": st.sampled_from(["6222***1", "6222***2"])}),
    "income": st.fixed_dictionaries({}, optional={"单位": st.sampled_from(["甲公司", "乙公司"])}),
    "custody": st.fixed_dictionaries({"type": st.sampled_from(["服刑", "羁押", "强制隔离戒毒", "other"])}),
    "school_enrolment": st.fixed_dictionaries({}, optional={"状态": st.sampled_from(["在读", "休学", "辍学"])}),
    "medical_expense": st.fixed_dictionaries({}, optional={"票据号": st.sampled_from(["B1", "B2", "B3"])}),
    "court_declaration": st.fixed_dictionaries({"宣告类型": st.sampled_from(["宣告死亡", "宣告失踪", "death", "missing"])}),
}
# A missing (失联) fact's police report: days from six months before the check day (the line).
POLICE = st.one_of(st.none(), st.sampled_from([-1, 0, 1]), st.integers(-400, 200))
# Rows loaded before attributes were canonical (never interpreted, by either twin).
LEGACY = st.sampled_from([{"grade": "2"}, {"grade": 2.5}, {"exempt": "true"}, {"is_home": "true"},
                          {"category": 3}, {"status": 1}, {"custody_kind": None}, {}])


def anchors(on: dt.date) -> list[dt.date]:
    w = window(on)
    return [on, on - dt.timedelta(days=1), on + dt.timedelta(days=1), month_start(on),
            month_start(on) - dt.timedelta(days=1), w.income_start, w.income_start - dt.timedelta(days=1),
            w.income_end, add_months(on, -11), w.recent_start, w.recent_start + dt.timedelta(days=1)]


@st.composite
def fact_st(draw):
    kind = draw(st.one_of(st.sampled_from(KINDS), st.sampled_from(BUSY)))
    if draw(st.integers(0, 5)) == 0:
        attrs = draw(LEGACY)
    elif kind in RAW_ATTRIBUTES:
        attrs = schema.canonical_attributes(kind, draw(RAW_ATTRIBUTES[kind]))
    else:
        attrs = {}
    police = draw(POLICE) if kind == "missing" and attrs == {} else None
    return {
        "kind": kind, "attrs": attrs, "police": police,
        "source": draw(st.sampled_from(SOURCES)),
        "anchor": draw(st.integers(0, 10)),
        "offset": draw(st.one_of(st.just(0), st.integers(-500, 40))),
        # ends on the check day's edges, on a window edge (``("at", k)``: anchor k) or some days on
        "end": draw(st.one_of(st.sampled_from(["open", "same", "day_before", "on", "day_after", "month_end"]),
                              st.tuples(st.just("at"), st.integers(0, 10)), st.integers(0, 400),
                              # a term of six months: a day short, exactly, a day more (custody)
                              st.tuples(st.just("m6"), st.integers(-1, 1)))),
        "amount": draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=90000, places=2))),
        "status": draw(st.sampled_from(["current", "current", "current", "superseded", "revoked"])),
    }


def _end(start: dt.date, on: dt.date, spec) -> dt.date:
    ends = {"open": schema.OPEN_END, "same": start, "day_before": on - dt.timedelta(days=1), "on": on,
            "day_after": on + dt.timedelta(days=1), "month_end": add_months(start, 1) - dt.timedelta(days=1)}
    if isinstance(spec, tuple) and spec[0] == "m6":
        end = plus_months(start, 6) + dt.timedelta(days=spec[1])
    elif isinstance(spec, tuple):
        end = anchors(on)[spec[1]]
    else:
        end = start + dt.timedelta(days=spec) if isinstance(spec, int) else ends[spec]
    return max(end, start)


def store(person, facts: list[dict], on: dt.date) -> None:
    batch = ImportBatch.objects.create(source="hrss", channel="api", content_sha256=uuid.uuid4().hex)
    current_keys = set()
    rows = []
    for spec in facts:
        start = anchors(on)[spec["anchor"]] + dt.timedelta(days=spec["offset"])
        end = _end(start, on, spec["end"])
        kind, attrs = spec["kind"], spec["attrs"]
        if spec.get("police") is not None:
            reported = plus_months(on, -6) + dt.timedelta(days=spec["police"])
            attrs = schema.canonical_attributes(kind, {"报案日期": reported.isoformat()})
        status = spec["status"]
        key = schema.natural_key(source=spec["source"], kind=kind, id_digest=person.id_digest, period_start=start,
                                 attributes=attrs)
        if status == "current":
            if key in current_keys:
                status = "superseded"  # one current fact per identity (the database holds it)
            current_keys.add(key)
        rows.append(DepartmentRecord(person=person, id_digest=person.id_digest, source=spec["source"], kind=kind,
                                     period_start=start, period_end=end, amount=spec["amount"], attributes=attrs,
                                     batch=batch, fingerprint=uuid.uuid4().hex, status=status))
    DepartmentRecord.objects.bulk_create(rows)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(on=st.one_of(st.sampled_from(AS_OF), st.dates(dt.date(2023, 1, 1), dt.date(2025, 12, 31))),
       people=st.lists(st.lists(fact_st(), min_size=0, max_size=14), min_size=1, max_size=3))
def test_python_and_sql_twins_agree(on, people):
    persons = [f.person(name=f"事实{i}") for i in range(len(people))]
    for person, facts in zip(persons, people):
        store(person, facts, on)
    w = window(on)
    ids = [p.pk for p in persons]
    python = {pid: pf.comparable() for pid, pf in facts_for(ids, w).items()}
    assert facts_for_sql(ids, w) == python


# --- hand-computed cases ------------------------------------------------------------------------

def _fact(person, kind, start, end=None, amount=None, status="current", source="hrss", **attrs):
    batch = ImportBatch.objects.create(source=source, channel="api", content_sha256=uuid.uuid4().hex)
    return DepartmentRecord.objects.create(
        person=person, id_digest=person.id_digest, source=source, kind=kind, period_start=start,
        period_end=end or start, amount=None if amount is None else Decimal(str(amount)),
        attributes=schema.canonical_attributes(kind, attrs), batch=batch, fingerprint=uuid.uuid4().hex,
        status=status)


def both(person, on):
    w = window(on)
    py = facts_for([person.pk], w)[person.pk]
    assert facts_for_sql([person.pk], w)[person.pk] == py.comparable()
    return py


@pytest.mark.parametrize("on", [dt.date(2024, 7, 31), dt.date(2024, 7, 1), dt.date(2024, 7, 15)])
def test_income_is_the_twelve_months_before_the_check_month(on):
    p = f.person()
    for k in range(-13, 1):  # July 2023 … July 2024 plus June 2023: 14 monthly records of 1000
        first = add_months(on, k)
        _fact(p, "income", first, add_months(first, 1) - dt.timedelta(days=1), 1000, employer="甲")
    facts = both(p, on)
    assert facts.income_12m == Decimal(12000)  # the current month and the 13th month back never count
    assert sorted(facts.income_by_month) == window(on).months
    assert facts.income_by_month[dt.date(2023, 7, 1)] == 1000 and dt.date(2024, 7, 1) not in facts.income_by_month


def test_income_sums_sources_and_employers_and_ignores_superseded_and_revoked():
    p, on = f.person(), dt.date(2024, 7, 31)
    _fact(p, "income", dt.date(2024, 6, 1), dt.date(2024, 6, 30), 1000, employer="甲")
    _fact(p, "income", dt.date(2024, 6, 1), dt.date(2024, 6, 30), 500, employer="乙")
    _fact(p, "pension", dt.date(2024, 6, 1), dt.date(2024, 6, 30), 300)
    _fact(p, "income", dt.date(2024, 6, 1), dt.date(2024, 6, 30), 9999, employer="甲", status="superseded")
    _fact(p, "income", dt.date(2024, 5, 1), dt.date(2024, 5, 31), 7777, employer="甲", status="revoked")
    facts = both(p, on)
    assert facts.income_12m == Decimal(1800) and facts.pension_12m == Decimal(300)
    assert facts.income_by_month[dt.date(2024, 6, 1)] == Decimal(1800)
    assert facts.income_by_month[dt.date(2024, 5, 1)] == 0


@pytest.mark.parametrize("ends, holds", [(-1, False), (0, True), (1, True)])
def test_a_certificate_holds_for_its_validity_not_a_window(ends, holds):
    p, on = f.person(), dt.date(2024, 6, 30)
    _fact(p, "disability", dt.date(2014, 1, 1), on + dt.timedelta(days=ends), grade="二级", category="肢体")
    _fact(p, "serious_illness", dt.date(2010, 1, 1), on + dt.timedelta(days=ends))
    facts = both(p, on)
    assert (facts.disability_grade, facts.severe, facts.serious_illness) == ((2, True, True) if holds
                                                                              else (None, False, False))
    assert facts.disability_category == ("physical" if holds else None)


def test_best_grade_wins_and_an_open_end_holds():
    p, on = f.person(), dt.date(2024, 6, 30)
    _fact(p, "disability", dt.date(2020, 1, 1), schema.OPEN_END, grade=3)
    _fact(p, "disability", dt.date(2021, 1, 1), dt.date(2030, 1, 1), grade="一级", category="视力")
    _fact(p, "disability", dt.date(2022, 1, 1), dt.date(2023, 1, 1), grade=1, category="听力")  # expired
    facts = both(p, on)
    assert (facts.disability_grade, facts.disability_category, facts.severe) == (1, "visual", True)


def test_assets_are_the_latest_balance_per_account_summed():
    p, on = f.person(), dt.date(2024, 6, 30)
    _fact(p, "financial_assets", dt.date(2024, 3, 31), amount=50000, source="bank", account="A")
    _fact(p, "financial_assets", dt.date(2024, 5, 31), amount=2000, source="bank", account="A")  # latest of A
    _fact(p, "financial_assets", dt.date(2024, 1, 31), amount=3000, source="bank", account="B")
    _fact(p, "financial_assets", dt.date(2024, 7, 1), amount=90000, source="bank", account="B")  # after D
    _fact(p, "financial_assets", dt.date(2023, 5, 31), amount=80000, source="bank", account="C")  # before window
    assert both(p, on).financial_assets == Decimal(5000)


def test_false_is_never_exempt_and_the_home_is_not_a_property():
    p, on = f.person(), dt.date(2024, 6, 30)
    _fact(p, "vehicle", dt.date(2018, 1, 1), schema.OPEN_END, 是否豁免="false", plate="浙B·1")
    _fact(p, "vehicle", dt.date(2018, 1, 1), schema.OPEN_END, 是否豁免="是", plate="浙B·2")
    _fact(p, "vehicle", dt.date(2018, 1, 1), on - dt.timedelta(days=1), plate="浙B·3")  # sold before D
    _fact(p, "real_estate", dt.date(2005, 1, 1), schema.OPEN_END, 自住="是", 证号="H")
    _fact(p, "real_estate", dt.date(2015, 1, 1), schema.OPEN_END, 证号="S")  # is_home absent: counts
    facts = both(p, on)
    assert (facts.vehicles, facts.exempt_vehicles, facts.properties, facts.home_count) == (1, 1, 1, 1)


def test_employed_means_a_job_or_contributions_in_the_recent_period():
    on = dt.date(2024, 6, 30)
    w = window(on)
    ended_before, ended_in = f.person(name="甲"), f.person(name="乙")
    _fact(ended_before, "employment", dt.date(2020, 1, 1), w.recent_start)
    _fact(ended_in, "social_insurance", dt.date(2020, 1, 1), w.recent_start + dt.timedelta(days=1))
    assert not both(ended_before, on).employed
    assert both(ended_in, on).employed


def test_nobody_without_facts_reads_as_empty():
    p = f.person()
    facts = both(p, dt.date(2024, 6, 30))
    assert facts == derive(p.pk, (), window(dt.date(2024, 6, 30)))
    assert facts.income_12m == 0 and facts.financial_assets is None and facts.disability_grade is None


EDGE_ATTRIBUTES = {"disability": {"grade": 2, "category": "mental"}, "vehicle": {"exempt": False},
                   "real_estate": {"is_home": False}, "custody": {"custody_kind": "prison"},
                   "school_enrolment": {"status": "suspended"}, "financial_assets": {"account": "A"}}


@pytest.mark.parametrize("on", [dt.date(2024, 6, 30), dt.date(2024, 7, 1), dt.date(2024, 2, 29)])
def test_twins_agree_on_every_edge(on):
    """One fact per (kind, start, end) over the window edges — the days random data rarely
    hits alone — each for its own person id (the column has no foreign key), and pairs of
    balances of one account dated the same day."""
    batch = ImportBatch.objects.create(source="hrss", channel="api", content_sha256=uuid.uuid4().hex)
    edges = sorted(set(anchors(on)))
    rows, pid = [], 50_000_000
    for kind in KINDS:
        for start in edges:
            for end in [e for e in edges if e >= start] + [schema.OPEN_END]:
                pid += 1
                rows.append(DepartmentRecord(person_id=pid, id_digest=f"edge{pid}", source="hrss", kind=kind,
                                             period_start=start, period_end=end, amount=Decimal("25000.50"),
                                             attributes=EDGE_ATTRIBUTES.get(kind, {}), batch=batch,
                                             fingerprint=uuid.uuid4().hex))
    for start in edges:
        pid += 1
        for k, s in enumerate((start, start - dt.timedelta(days=1))):
            rows.append(DepartmentRecord(person_id=pid, id_digest=f"edge{pid}", source="bank", kind="financial_assets",
                                         period_start=s, period_end=max(on, start),
                                         amount=Decimal(100 + k), attributes={"account": "A"}, batch=batch,
                                         fingerprint=uuid.uuid4().hex))
    DepartmentRecord.objects.bulk_create(rows)
    ids = list(range(50_000_001, pid + 1))
    w = window(on)
    python = {p: pf.comparable() for p, pf in facts_for(ids, w).items()}
    sql = facts_for_sql(ids, w)
    assert [p for p in ids if sql[p] != python[p]] == []


# --- what makes a parent unable to raise a child (民发〔2019〕62号) ----------------------------------

@pytest.mark.parametrize("end, counts", [(dt.date(2024, 6, 30), False),   # a day short of six months
                                         (dt.date(2024, 7, 1), True),     # exactly six months
                                         (dt.date(2024, 7, 2), True),
                                         (schema.OPEN_END, True)])        # expected release unknown
def test_custody_counts_for_a_term_of_six_months_or_more(end, counts):
    person = f.person(name="羁押")
    _fact(person, "custody", dt.date(2024, 1, 1), end, custody_kind="羁押")
    py = both(person, dt.date(2024, 3, 15))
    assert py.custody == "detention" and py.custody_6m is counts
    assert both(person, end + dt.timedelta(days=1) if end < schema.OPEN_END else dt.date(2030, 1, 1)).custody_6m \
        is (end == schema.OPEN_END)  # released: it stops counting


def test_custody_six_months_from_the_end_of_a_month_is_the_end_of_the_month_six_later():
    assert plus_months(dt.date(2023, 8, 31), 6) == dt.date(2024, 2, 29)
    assert plus_months(dt.date(2023, 8, 31), -6) == dt.date(2023, 2, 28)
    person = f.person(name="月末")
    _fact(person, "custody", dt.date(2023, 8, 31), dt.date(2024, 2, 29), custody_kind="服刑")
    assert both(person, dt.date(2023, 12, 1)).custody_6m


@pytest.mark.parametrize("reported, counts", [(dt.date(2024, 1, 15), False),   # exactly six months before
                                              (dt.date(2024, 1, 14), True),    # more than six months
                                              (dt.date(2024, 3, 1), False)])
def test_out_of_contact_counts_more_than_six_months_after_the_police_report(reported, counts):
    person = f.person(name="失联")
    _fact(person, "missing", dt.date(2023, 12, 1), schema.OPEN_END, police_report_on=reported.isoformat())
    py = both(person, dt.date(2024, 7, 15))
    assert py.missing and py.missing_6m is counts


def test_missing_without_a_police_report_does_not_count_the_six_months():
    person = f.person(name="未报案")
    _fact(person, "missing", dt.date(2020, 1, 1), schema.OPEN_END)
    py = both(person, dt.date(2024, 7, 15))
    assert py.missing and not py.missing_6m


def test_court_declarations_and_events_count_however_old():
    person = f.person(name="宣告")
    _fact(person, "court_declaration", dt.date(2015, 5, 1), declaration="宣告失踪")
    _fact(person, "guardianship_revoked", dt.date(2016, 1, 1), source="justice")
    _fact(person, "deported", dt.date(2017, 1, 1), source="police")
    py = both(person, dt.date(2024, 7, 15))
    assert py.declared_missing and not py.declared_dead and py.guardianship_revoked and py.deported
    assert set(py.sources) == {"hrss", "justice", "police"}
    assert not both(person, dt.date(2015, 4, 30)).declared_missing  # not before the declaration
