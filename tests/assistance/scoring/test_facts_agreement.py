"""The verification report, the benefit computation and the difficulty index read the same
facts the same way and draw each line of POLICY.md at the same place: just below, at and just
above the 低保 standard, twice the standard (低边) and the asset limit, for a household the
three of them look at on the same day. Plus the acceptance property: for random facts (text
labels canonicalised as the import does, month-end scoring dates) the three agree on income,
assets, disability and vehicles."""
import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistance.calculations import compute, load_parameters, member_facts_from_report
from assistance.models import Benefit
from assistance.scoring import sql
from assistance.scoring.selectors import household_explain_score, lead_application_initial
from assistance.scoring.models import HouseholdScore, Lead, LeadKind
from assistance.services.applications import approval_blockers
from assistance.verification import build_report_content
from civilaffairs.registry.facts import schema
from civilaffairs.registry.facts.windows import add_months, window
from civilaffairs.registry.models import HouseholdMember
from civilaffairs.registry.selectors import parameter_value

from .helpers import ON, batch, household, record

ADULT = dt.date(1984, 1, 1)
_BIRTHS = itertools.count(1)
FEN = Decimal("0.01")


def annual(person, total: Decimal, on: dt.date = ON, kind: str = "income", employer: str = "甲"):
    """Monthly records over the income window adding up to exactly ``total``."""
    b = batch()
    months = window(on).months
    each = (total / 12).quantize(FEN, rounding="ROUND_DOWN")
    for k, first in enumerate(months):
        amount = each if k < 11 else total - each * 11
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        attrs = {"employer": employer} if kind == "income" else {}
        record(person, kind, first, last, amount, _batch=b, **attrs)


def views(hh, model, on: dt.date = ON):
    """(report summary, report content, 低保 computation, 低边 computation, stored score) of one household."""
    params = load_parameters(region_code=hh.community_id, on=on)
    params["asset_limit_multiplier"] = {"value": str(parameter_value(key="asset_limit_multiplier",
                                                                     region_code=hh.community_id, on=on))}
    members = [{"person_id": m.person_id, "name": m.person.name, "id_masked": "", "relation": m.relation,
                "declared_monthly_income": Decimal(0)}
               for m in HouseholdMember.objects.filter(household=hh, is_active=True).select_related("person")
               .order_by("id")]
    content = build_report_content(members=members, as_of=on, parameters=params)
    facts = [member_facts_from_report(v, name=v["name"]) for v in content["members"]]
    sql.score_ids(model=model, on=on, ids=[hh.pk], run_id=None)
    stored = HouseholdScore.objects.get(household=hh)
    fresh = household_explain_score(household=hh, model=model, on=on)
    for name, value in fresh.as_dict().items():
        assert getattr(stored, name) == value, name
    return content["summary"], content, compute("dibao", facts, params), compute("dibian", facts, params), stored


def standard(city) -> Decimal:
    return parameter_value(key="dibao_standard", region_code=city.community.code, on=ON)


@pytest.mark.parametrize("delta, below", [(-FEN, True), (Decimal(0), False), (FEN, False)])
def test_below_the_standard_just_below_at_and_just_above(city, model, delta, below):
    hh, (a, b) = household(city.community, [ADULT, ADULT])
    annual(a, 12 * 2 * standard(city) + delta)  # a household of two at the standard ± 1 分 a year
    summary, _content, dibao, _dibian, score = views(hh, model)
    assert summary["below_dibao_standard"] is below
    assert dibao.eligible is below
    assert score.eligible is below and (score.main_type == "income") is below
    assert (score.colour == "red") is below  # 应保未保 is red whatever its index
    # the displayed per-capita figure is the same rounded number either side of the line
    assert summary["per_capita_monthly_income"] == str(dibao.per_capita_income) == str(score.per_capita_income)


@pytest.mark.parametrize("delta, below", [(-FEN, True), (Decimal(0), False), (FEN, False)])
def test_below_twice_the_standard_just_below_at_and_just_above(city, model, delta, below):
    hh, (a, b) = household(city.community, [ADULT, ADULT])
    annual(a, 2 * 12 * 2 * standard(city) + delta)
    summary, _content, _dibao, dibian, score = views(hh, model)
    assert summary["below_dibian_line"] is below
    assert dibian.eligible is below
    # the lead form pre-fills 低边 only below the line (at exactly 2 × it is not 低边)
    lead = Lead(household=hh, community_id=hh.community_id, kind=LeadKind.DISCOVERY, model_version=model)
    assert ("dibian" in lead_application_initial(lead)["programmes"]) is below


@pytest.mark.parametrize("delta, review", [(-FEN, False), (Decimal(0), True), (FEN, True)])
def test_an_active_dibian_household_at_or_above_the_line_is_flagged_for_review(city, model, delta, review):
    hh, (a, b) = household(city.community, [ADULT, ADULT])
    Benefit.objects.create(household=hh, programme="dibian", status="active", start_date=dt.date(2023, 1, 1))
    annual(a, 2 * 12 * 2 * standard(city) + delta)
    *_rest, score = views(hh, model)
    assert score.review_needed is review


@pytest.mark.parametrize("delta, within", [(Decimal(-1), True), (Decimal(0), True), (Decimal(1), False)])
def test_assets_within_twice_the_annual_standard_per_head(city, model, delta, within):
    hh, (a, b) = household(city.community, [ADULT, ADULT])
    annual(a, Decimal(1000))  # well below the standard
    limit = 2 * 2 * 12 * standard(city)  # two members × 2 × the annual standard
    record(a, "financial_assets", ON - dt.timedelta(days=5), amount=limit + delta, 账户="6222***1")
    summary, content, dibao, _dibian, score = views(hh, model)
    assert summary["assets_within_limit"] is within
    assert score.eligible is within  # 1 元 over is over everywhere, not a ratio rounded to 1.0000
    assert score.asset_ratio == Decimal("1.0000")  # the displayed ratio is the same either side of the line
    report = type("R", (), {"content": content, "number": "HD-test"})
    assert (approval_blockers([dibao], report) == []) is within


def test_a_single_person_household_recipient_is_reviewed_on_the_members_own_income(city, model):
    hh, (father, mother, son) = household(city.community, [ADULT, ADULT, dt.date(2000, 1, 1)])
    annual(father, Decimal(80000))  # the household's per-capita income is far above the standard
    record(son, "disability", dt.date(2020, 1, 1), schema.OPEN_END, 等级="一级", 类别="肢体")
    annual(son, 12 * standard(city) - FEN, kind="pension")  # his own income: just below the standard
    _summary, _content, dibao, _dibian, _score = views(hh, model)
    assert dibao.eligible and dibao.single_person_ids == [son.pk]  # 单人户, as the approval records it
    Benefit.objects.create(household=hh, programme="dibao", status="active", start_date=dt.date(2023, 1, 1),
                           members_covered=1, calculation=dibao.as_dict())
    *_rest, score = views(hh, model)
    assert not score.review_needed  # not flagged for phase-out: his own income is below the line
    record(son, "income", window(ON).months[0], window(ON).months[0] + dt.timedelta(days=27), FEN, employer="乙")
    *_rest, score = views(hh, model)
    assert score.review_needed  # at the line: the 单人户 rule no longer holds


@pytest.mark.parametrize("on", [dt.date(2024, 7, 31), dt.date(2024, 7, 1), dt.date(2024, 6, 30)])
def test_on_the_last_or_first_day_of_a_month_all_three_count_twelve_months(city, model, on):
    hh, (a,) = household(city.community, [ADULT])
    b = batch()
    for k in range(-13, 1):  # 14 monthly records: the current month and the 13th back never count
        first = add_months(on, k)
        record(a, "income", first, first + dt.timedelta(days=27), 1000, _batch=b, employer="甲")
    summary, content, dibao, _dibian, score = views(hh, model, on)
    assert Decimal(summary["income_12m"]) == score.income_12m == 12000
    assert dibao.per_capita_income == Decimal("1000.00")


@pytest.mark.parametrize("raw", ["二级", "2", 2])
def test_a_grade_sent_as_text_counts_as_severe_everywhere(city, model, raw):
    hh, (a,) = household(city.community, [ADULT])
    record(a, "disability", dt.date(2020, 1, 1), schema.OPEN_END, grade=raw)
    _summary, content, _dibao, _dibian, score = views(hh, model)
    assert content["members"][0]["disability_grade"] == 2 and content["members"][0]["severe_disability"]
    assert score.severe_count == 1 and score.unable == 1


def test_false_is_not_exempt_anywhere(city, model):
    hh, (a,) = household(city.community, [ADULT])
    record(a, "vehicle", dt.date(2020, 1, 1), schema.OPEN_END, 是否豁免="false", 号牌="浙B·1")
    summary, _content, _dibao, _dibian, score = views(hh, model)
    assert summary["non_exempt_vehicles"] == 1 == score.vehicles and score.d_assets == 0


def test_a_certificate_that_expired_yesterday_counts_nowhere(city, model):
    hh, (a,) = household(city.community, [ADULT])
    record(a, "disability", dt.date(2014, 1, 1), ON - dt.timedelta(days=1), grade=1)
    _summary, content, _dibao, _dibian, score = views(hh, model)
    assert content["members"][0]["disability_grade"] is None and score.severe_count == 0


# --- acceptance: report, benefit and score agree for random facts -------------------------------

RAW = {
    "income": st.builds(lambda e: {"单位": e}, st.sampled_from(["甲", "乙"])),
    "pension": st.just({}),
    "financial_assets": st.builds(lambda a: {"账户": a}, st.sampled_from(["1", "2"])),
    "vehicle": st.builds(lambda x, p: {"是否豁免": x, "号牌": p},
                         st.sampled_from(["是", "否", "true", "false", True, False, "1", "0"]),
                         st.sampled_from(["浙B·1", "浙B·2"])),
    "disability": st.builds(lambda g: {"等级": g}, st.sampled_from(["一级", "二级", "三级", "四级", "1", "2", 3, 4])),
}
fact = st.fixed_dictionaries({
    "kind": st.sampled_from(sorted(RAW)),
    "raw": st.integers(0, 10 ** 6),
    "month": st.integers(-14, 1),          # months from the scoring month
    "days": st.sampled_from([0, 27, 30, 3000]),
    "valid_to": st.sampled_from([-1, 0, 1, None]),  # status/holding end relative to the scoring day
    "amount": st.decimals(min_value=0, max_value=9000, places=2),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(on=st.sampled_from([dt.date(2024, 6, 30), dt.date(2024, 7, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 1),
                           dt.date(2024, 7, 1)]),
       members=st.lists(st.lists(fact, max_size=8), min_size=1, max_size=3), data=st.data())
def test_report_benefit_and_score_agree_on_income_assets_disability_and_vehicles(city, model, on, members, data):
    # working-age adults, each born on another day (the examples share the database; the test
    # factory's ID numbers repeat for one birth date after 500 people)
    hh, people = household(city.community, [dt.date(1966, 1, 1) + dt.timedelta(days=next(_BIRTHS) % 13000)
                                            for _m in members])
    b = batch()
    used = set()
    for person, facts in zip(people, members):
        for spec in facts:
            raw = data.draw(RAW[spec["kind"]])
            start = add_months(on, spec["month"])
            if spec["kind"] == "financial_assets":
                start = start + dt.timedelta(days=spec["days"] % 28)
                end = start
            elif spec["kind"] in ("vehicle", "disability"):
                end = schema.OPEN_END if spec["valid_to"] is None else on + dt.timedelta(days=spec["valid_to"])
                start = min(start, end)
            else:
                end = start + dt.timedelta(days=27)
            attrs = schema.canonical_attributes(spec["kind"], raw)
            key = schema.natural_key(source="hrss", kind=spec["kind"], id_digest=person.id_digest,
                                     period_start=start, attributes=attrs)
            if key in used:
                continue
            used.add(key)
            record(person, spec["kind"], start, end, spec["amount"], _batch=b, **attrs)
    summary, content, dibao, dibian, score = views(hh, model, on)
    n = len(people)
    income = sum((Decimal(m["income_12m"]) for m in content["members"]), Decimal(0))
    assert income == score.income_12m  # income
    assert Decimal(summary["household_monthly_income"]) == (income / 12).quantize(FEN, rounding="ROUND_HALF_UP")
    assert dibao.per_capita_income == score.per_capita_income == Decimal(summary["per_capita_monthly_income"])
    line = 12 * n * score.standard
    assert summary["below_dibao_standard"] == (score.income_12m < line) == (score.d_income == 100 and income < line)
    assert Decimal(summary["financial_assets"]) == score.financial_assets  # assets
    limit = n * model.asset_multiplier * 12 * score.standard
    assert summary["assets_within_limit"] == (score.financial_assets <= limit)
    assert summary["non_exempt_vehicles"] == score.vehicles  # vehicles
    severe = sum(1 for m in content["members"] if m["severe_disability"])  # disability
    assert severe == score.severe_count == sum(1 for m in content["members"]
                                               if m["disability_grade"] is not None and m["disability_grade"] <= 2)
    eligible = summary["below_dibao_standard"] and summary["assets_within_limit"] and not (
        summary["non_exempt_properties"] or summary["non_exempt_vehicles"])
    assert score.eligible == eligible
    assert dibao.eligible == summary["below_dibao_standard"] or any(m.severely_disabled_or_ill for m in [
        member_facts_from_report(v, name="") for v in content["members"]])
    assert dibian.eligible == (not summary["below_dibao_standard"] and summary["below_dibian_line"])
