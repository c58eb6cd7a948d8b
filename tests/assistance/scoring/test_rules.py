"""Hand-computable cases from POLICY.md "Proactive identification", scored by both
the bulk SQL path and the explain path. Scoring date 2024-06-30, 低保标准 1135."""
import datetime as dt
from decimal import Decimal as D

import pytest

from assistance.models import Benefit
from assistance.scoring import sql
from assistance.scoring.models import HouseholdScore, Lead
from assistance.scoring.selectors import explain, household_explain_score

from .helpers import ON, household, monthly, record

ADULT = dt.date(1984, 1, 1)


def bulk_and_explain(hh, model):
    sql.score_ids(model=model, on=ON, ids=[hh.pk], run_id=None)
    stored = HouseholdScore.objects.get(household=hh)
    fresh = household_explain_score(household=hh, model=model, on=ON)
    for name, value in fresh.as_dict().items():
        assert getattr(stored, name) == value, name
    return stored


def test_a_household_under_the_standard_that_receives_dibao_is_income_type(city, model):
    hh, (a, b) = household(city.community, [ADULT, ADULT])
    monthly(a, "income", 1000)                     # 12 000 a year, 2 members: 500/month each
    record(a, "employment", dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    Benefit.objects.create(household=hh, programme="dibao", start_date=dt.date(2024, 1, 1))
    s = bulk_and_explain(hh, model)
    assert s.per_capita_income == D("500.00")
    assert s.income_ratio == D("0.4405")
    assert (s.d_income, s.d_expense, s.d_assets, s.d_health, s.d_dependency, s.d_employment) == (
        100, 0, 100, 0, 0, 50)
    assert s.difficulty_index == D("45.00")        # 0.3×100 + 0.1×100 + 0.1×50
    assert s.eligible and s.covered
    assert (s.colour, s.main_type) == ("green", "income")


def test_the_same_household_receiving_nothing_is_red_and_becomes_a_lead(city, model):
    hh, (a, b) = household(city.community, [ADULT, ADULT])
    monthly(a, "income", 1000)
    record(a, "employment", dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    s = bulk_and_explain(hh, model)
    assert s.difficulty_index == D("45.00")
    assert s.eligible and not s.covered and s.uncovered
    assert s.colour == "red"                        # 应保未保 is red whatever the index
    counts = sql.raise_leads_ids(model=model, on=ON, ids=[hh.pk], run_id=None, link_prefix="/scoring/leads/")
    assert (counts.raised, counts.items) == (1, 1)
    lead = Lead.objects.get(household=hh)
    assert lead.kind == "discovery" and lead.work_item.region_id == city.community.code
    assert (lead.due_at - lead.raised_at) == dt.timedelta(hours=48)
    assert "人均月收入 500.00 元" in lead.work_item.detail


def test_a_household_at_twice_the_standard_scores_a_third_on_income(city, model):
    hh, (a, b) = household(city.community, [ADULT, ADULT])
    monthly(a, "income", 2270)
    monthly(b, "income", 2270)
    for p in (a, b):
        record(p, "social_insurance", dt.date(2024, 6, 1), dt.date(2024, 6, 30))
    s = bulk_and_explain(hh, model)
    assert s.per_capita_income == D("2270.00") and s.income_ratio == D("2.0000")
    assert s.d_income == D("33.33")                 # 100 × (2.5 − 2) / 1.5
    assert s.d_employment == 0 and s.d_assets == 100
    assert s.difficulty_index == D("20.00")         # 0.3 × 33.33 + 0.1 × 100 = 19.999
    assert (s.colour, s.main_type, s.eligible) == ("green", "none", False)


def test_medical_bills_above_half_of_income_make_an_expenditure_household(city, model):
    hh, (a, b, c) = household(city.community, [ADULT, ADULT, dt.date(2014, 3, 1)])
    monthly(a, "income", 4000)                      # 48 000 a year, 3 members: 1333.33/month
    for p in (a, b):
        record(p, "employment", dt.date(2024, 5, 1), dt.date(2024, 6, 30))
    for month in (10, 11, 12):                      # 30 000 of bills, none "large" (< 20 000)
        record(b, "medical_expense", dt.date(2023, month, 1), dt.date(2023, month, 28), 10000)
    record(b, "chronic_illness", dt.date(2020, 1, 1), dt.date(2026, 1, 1))
    s = bulk_and_explain(hh, model)
    assert s.income_ratio == D("1.1747") and s.d_income == D("88.35")
    assert s.expense_share == D("0.6250") and s.d_expense == 100
    assert (s.d_health, s.d_dependency, s.d_employment) == (D("15"), D("33.33"), 0)
    # 0.3×88.35 + 0.2×100 + 0.1×100 + 0.15×15 + 0.15×33.33 = 63.7545
    assert s.difficulty_index == D("63.75")
    assert (s.colour, s.main_type) == ("yellow", "expenditure")


def test_a_single_elderly_person_with_a_severe_disability(city, model):
    hh, (old,) = household(city.community, [dt.date(1950, 3, 1)])
    monthly(old, "pension", 800)
    record(old, "disability", dt.date(2019, 1, 1), dt.date(2029, 1, 1), grade=2)
    record(old, "financial_assets", dt.date(2024, 3, 31), dt.date(2024, 3, 31), 10000)
    s = bulk_and_explain(hh, model)
    assert (s.member_count, s.elders, s.severe_count, s.disabled_elders) == (1, 1, 1, 0)
    assert s.asset_ratio == D("0.3671")             # 10 000 ÷ (2 × 12 × 1135)
    assert (s.d_income, s.d_assets, s.d_health, s.d_dependency, s.d_employment) == (
        100, D("63.29"), 40, 100, 0)
    assert s.difficulty_index == D("57.33")         # 30 + 6.329 + 6 + 15
    assert s.colour == "red" and s.main_type == "income"   # 应保未保

    Benefit.objects.create(household=hh, programme="tekun", start_date=dt.date(2024, 1, 1))
    s = bulk_and_explain(hh, model)
    assert (s.colour, s.covered) == ("yellow", True)


def test_an_elder_with_a_milder_disability_counts_as_a_disabled_elder(city, model):
    hh, (old,) = household(city.community, [dt.date(1940, 1, 1)])
    monthly(old, "pension", 3000)
    record(old, "disability", dt.date(2019, 1, 1), dt.date(2029, 1, 1), grade="3")
    s = bulk_and_explain(hh, model)
    assert (s.disabled_elders, s.d_health, s.main_type) == (1, 15, "care")


def test_a_large_recent_medical_bill_is_an_emergency(city, model):
    hh, (a,) = household(city.community, [ADULT])
    monthly(a, "income", 5000)
    record(a, "medical_expense", dt.date(2024, 6, 1), dt.date(2024, 6, 10), 25000)
    s = bulk_and_explain(hh, model)
    assert s.emergency and s.main_type == "emergency"


def test_a_non_exempt_vehicle_zeroes_the_asset_dimension_and_an_exempt_one_does_not(city, model):
    hh, (a,) = household(city.community, [ADULT])
    record(a, "vehicle", dt.date(2024, 1, 1), dt.date(2024, 12, 31), exempt=True, plate_masked="浙B·1")
    assert bulk_and_explain(hh, model).d_assets == 100
    record(a, "vehicle", dt.date(2024, 1, 1), dt.date(2024, 12, 31), plate_masked="浙B·2")
    s = bulk_and_explain(hh, model)
    assert s.d_assets == 0 and not s.eligible


def test_a_district_standard_overrides_the_city_standard(city, model):
    from civilaffairs.registry.services import parameter_set

    parameter_set(actor=None, key="dibao_standard", region_code=city.district.code, value=D("1000"),
                  effective_from=dt.date(2024, 1, 1))
    hh, (a,) = household(city.community, [ADULT])
    monthly(a, "income", 1500)
    s = bulk_and_explain(hh, model)
    assert s.standard == D("1000") and s.income_ratio == D("1.5000")
    other, (b,) = household(city.other_community, [ADULT])
    monthly(b, "income", 1500)
    assert bulk_and_explain(other, model).standard == D("1135")


def test_the_explanation_names_each_dimension_in_chinese(city, model):
    hh, (old,) = household(city.community, [dt.date(1950, 3, 1)])
    monthly(old, "pension", 800)
    s = bulk_and_explain(hh, model)
    lines = explain(s, model)
    assert [line.label for line in lines] == ["收入", "支出", "资产", "健康", "结构", "就业"]
    assert "人均月收入 800.00 元" in lines[0].text


@pytest.mark.parametrize("members", [0])
def test_a_household_with_no_living_member_is_not_scored_and_is_counted_as_failed(city, model, members):
    hh, (a,) = household(city.community, [ADULT])
    type(a).objects.filter(pk=a.pk).update(death_date=dt.date(2024, 1, 1))
    counts = sql.score_ids(model=model, on=ON, ids=[hh.pk], run_id=None)
    assert (counts.targeted, counts.scored, counts.failed) == (1, 0, 1)
