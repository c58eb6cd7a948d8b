"""The chunk path's shortcuts give the scores the plain computation gives: reading the
records of a chunk's person-id range (tight or not), and skipping the numeric stage for
households whose inputs did not change."""
import datetime as dt

import pytest

from assistance.models import Benefit
from assistance.scoring import sql
from assistance.scoring.models import HouseholdScore, ScoreHistory

from .helpers import ON, household, monthly, record

ADULT = dt.date(1984, 1, 1)
ELDER = dt.date(1950, 3, 1)


def stored(hh) -> dict:
    row = HouseholdScore.objects.filter(household=hh).values(*sql.SCORE_COLUMNS).get()
    return {k: row[k] for k in sql.SCORE_COLUMNS}


def computed(model, hh) -> dict:
    return sql.compute_rows(model=model, on=ON, ids=[hh.pk])[hh.pk]


def same(a: dict, b: dict) -> bool:
    return all(a[k] == b[k] for k in sql.SCORE_COLUMNS)


@pytest.mark.parametrize("slack", [0, 10**9], ids=["members-join", "record-range"])
def test_a_chunk_scores_the_same_whichever_way_it_reads_the_records(city, model, monkeypatch, slack):
    monkeypatch.setattr(sql, "RANGE_SLACK", slack)
    first, (a, b) = household(city.community, [ADULT, ELDER], name="甲")
    monthly(a, "income", 700)
    record(b, "disability", dt.date(2020, 1, 1), dt.date(2030, 1, 1), grade=3)
    # Persons of another household, created between the first household's members: inside
    # the chunk's person-id range but not members of the chunk. Their records must not count.
    other, (c,) = household(city.neighbour, [ADULT], name="乙")
    monthly(c, "income", 9000)
    record(c, "serious_illness", dt.date(2024, 1, 1), dt.date(2026, 1, 1))
    late, (d,) = household(city.community, [ADULT], name="丙")
    from civilaffairs.registry.models import HouseholdMember

    HouseholdMember.objects.filter(person=d).delete()
    from civilaffairs.registry.services import household_add_member

    household_add_member(actor=None, household=first, person=d, relation="other")
    monthly(d, "income", 300)

    counts = sql.score_range(model=model, on=ON, lo=first.pk, hi=first.pk, run_id=None)
    assert (counts.targeted, counts.scored, counts.changed) == (1, 1, 1)
    got = stored(first)
    assert same(got, computed(model, first))
    assert got["member_count"] == 3 and got["income_12m"] == (700 + 300) * 12
    assert got["severe_count"] == 0  # the other household's serious illness stayed out
    assert not HouseholdScore.objects.filter(household=other).exists()


def test_a_rescore_with_the_same_inputs_writes_nothing(city, model):
    hh, (a,) = household(city.community, [ADULT])
    monthly(a, "income", 800)
    assert sql.score_range(model=model, on=ON, lo=hh.pk, hi=hh.pk, run_id=None).changed == 1
    before = HouseholdScore.objects.get(household=hh).computed_at
    assert sql.score_range(model=model, on=ON, lo=hh.pk, hi=hh.pk, run_id=None).changed == 0
    assert HouseholdScore.objects.get(household=hh).computed_at == before
    assert ScoreHistory.objects.filter(household=hh).count() == 1


def test_a_benefit_entering_phase_out_clears_the_review_flag(city, model):
    """Only the 渐退 flag changes here (coverage and every number stay the same): the
    flag is one of the compared inputs, so the stored row follows."""
    hh, (a,) = household(city.community, [ADULT])
    monthly(a, "income", 3000)  # above the standard
    benefit = Benefit.objects.create(household=hh, programme="dibao", start_date=dt.date(2023, 1, 1))
    sql.score_range(model=model, on=ON, lo=hh.pk, hi=hh.pk, run_id=None)
    first = stored(hh)
    assert first["review_needed"] and first["covered"]

    Benefit.objects.filter(pk=benefit.pk).update(status="phaseout")
    assert sql.score_range(model=model, on=ON, lo=hh.pk, hi=hh.pk, run_id=None).changed == 1
    second = stored(hh)
    assert not second["review_needed"] and second["covered"]
    assert same(second, computed(model, hh))
    assert ScoreHistory.objects.filter(household=hh).count() == 2


def test_an_open_lead_follows_colour_and_type_changes_but_not_drifting_numbers(city, model):
    """A new standard moves every index a little: the open lead and its work item stay as
    they are (the lead page explains the current score). A change of type refreshes them."""
    from decimal import Decimal

    from assistance.scoring import services
    from assistance.scoring.models import Lead
    from civilaffairs.registry.models import PolicyParameter
    from civilaffairs.registry.services import parameter_set

    standard = PolicyParameter.objects.filter(key="dibao_standard", region_id="3302").latest("effective_from")
    hh, (a,) = household(city.community, [ADULT])
    monthly(a, "income", int(standard.value * Decimal("0.9")))  # under the standard: red, an income lead
    record(a, "financial_assets", ON - dt.timedelta(days=30), amount=5000)  # its dimension moves with the standard
    services.household_rescore(household_id=hh.pk, on=ON)
    lead = Lead.objects.select_related("work_item").get(household=hh, kind="discovery")
    before = (lead.difficulty_index, lead.main_type, lead.work_item.title, lead.work_item.detail)
    score_before = HouseholdScore.objects.get(household=hh).difficulty_index

    parameter_set(actor=None, key="dibao_standard", region_code="3302", value=standard.value + Decimal("37"),
                  effective_from=ON - dt.timedelta(days=3))
    services.household_rescore(household_id=hh.pk, on=ON)
    assert HouseholdScore.objects.get(household=hh).difficulty_index != score_before
    lead.refresh_from_db()
    lead.work_item.refresh_from_db()
    assert (lead.difficulty_index, lead.main_type, lead.work_item.title, lead.work_item.detail) == before

    record(a, "medical_expense", ON - dt.timedelta(days=20), ON - dt.timedelta(days=20), 90000)  # a large recent bill: now 急难型
    services.household_rescore(household_id=hh.pk, on=ON)
    lead.refresh_from_db()
    lead.work_item.refresh_from_db()
    assert Lead.objects.filter(household=hh, kind="discovery").count() == 1
    assert lead.main_type == "emergency" != before[1]
    assert lead.difficulty_index == HouseholdScore.objects.get(household=hh).difficulty_index
    assert lead.work_item.title != before[2]
