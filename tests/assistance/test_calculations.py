"""Benefit arithmetic, checked by hand from POLICY.md defaults."""
from decimal import Decimal

from assistance.calculations import MemberFacts, compute

PARAMS = {k: {"value": v, "region": "3302", "effective_from": "2023-09-01"} for k, v in {
    "dibao_standard": "1135", "dibian_multiplier": "2", "tekun_basic_standard": "1838", "tekun_care_full": "1135",
    "tekun_care_partial": "568", "tekun_care_self": "114", "temporary_aid_default": "5000"}.items()}


def m(income, **kw):
    return MemberFacts(name=kw.pop("name", "成员"), monthly_income=Decimal(income), **kw)


def y(income_12m, **kw):
    """A member as the verification report found them: the exact 12-month income."""
    exact = Decimal(income_12m)
    return MemberFacts(name=kw.pop("name", "成员"), monthly_income=(exact / 12).quantize(Decimal("0.01")),
                       income_12m=exact, **kw)


def test_the_top_up_is_exact_and_rounded_once_not_a_rounded_per_capita_multiplied_back():
    # Household monthly income 1000.01 over 3: per capita 333.3366…; a per-capita figure rounded
    # to 333.34 and multiplied back gave (1135 − 333.34) × 3 = 2404.98, one fen short.
    c = compute("dibao", [y("12000.12"), y("0"), y("0")], PARAMS)
    assert c.monthly_amount == Decimal("2404.99")
    assert c.per_capita_income == Decimal("333.34")  # display only


def test_rounding_once_is_half_up_to_the_fen():
    # 3405 − 12000.06 / 12 = 2404.995 exactly: half up is 2405.00
    assert compute("dibao", [y("12000.06"), y("0"), y("0")], PARAMS).monthly_amount == Decimal("2405.00")


STANDARD_12M = Decimal("1135") * 12  # one person's income of a year at the standard


def test_below_the_standard_is_decided_on_the_exact_per_capita_income():
    at = [y(STANDARD_12M * 2), y("0")]  # per capita exactly the standard
    below = [y(STANDARD_12M * 2 - Decimal("0.01")), y("0")]  # 1134.99958…: rounds to 1135.00
    above = [y(STANDARD_12M * 2 + Decimal("0.01")), y("0")]
    c = compute("dibao", below, PARAMS)
    assert c.eligible and c.per_capita_income == Decimal("1135.00") and c.monthly_amount == Decimal("0.00")
    assert not compute("dibao", at, PARAMS).eligible
    assert not compute("dibao", above, PARAMS).eligible
    # 低边 starts at the standard
    assert compute("dibian", at, PARAMS).eligible and not compute("dibian", below, PARAMS).eligible


def test_below_twice_the_standard_is_decided_on_exact_values():
    twice = STANDARD_12M * 2 * 2  # a household of two at exactly 2 × the standard
    assert compute("dibian", [y(twice - Decimal("0.01")), y("0")], PARAMS).eligible  # rounds to 2270.00
    assert not compute("dibian", [y(twice), y("0")], PARAMS).eligible
    assert not compute("dibian", [y(twice + Decimal("0.01")), y("0")], PARAMS).eligible


def test_a_single_person_household_reads_the_members_own_exact_income():
    parents = [y("60000", name="父"), y("60000", name="母")]
    below = compute("dibao", [*parents, y(STANDARD_12M - Decimal("0.01"), name="子", severely_disabled_or_ill=True,
                                             person_id=7)], PARAMS)
    assert below.eligible and below.members_covered == 1 and below.single_person_ids == [7]
    assert below.as_dict()["single_person_ids"] == [7]
    at = compute("dibao", [*parents, y(STANDARD_12M, name="子", severely_disabled_or_ill=True)], PARAMS)
    assert not at.eligible


def test_dibao_tops_up_the_household_to_the_standard():
    c = compute("dibao", [m("1500"), m("0"), m("0")], PARAMS)
    assert c.eligible and c.per_capita_income == Decimal("500.00")
    assert c.monthly_amount == Decimal("1905.00") and c.members_covered == 3
    assert any("1135.00 × 3 人 − 家庭月收入 1500.00 = 1905.00" in line for line in c.lines)


def test_a_household_at_twice_the_standard_gets_neither_dibao_nor_dibian():
    members = [m("2270"), m("2270")]
    assert not compute("dibao", members, PARAMS).eligible
    assert not compute("dibian", members, PARAMS).eligible


def test_between_the_standard_and_twice_it_is_dibian():
    c = compute("dibian", [m("1500"), m("1500")], PARAMS)
    assert c.eligible and c.monthly_amount == 0


def test_a_severely_disabled_member_is_covered_as_a_single_person_household():
    # Household per capita 1600 > 1135, but the disabled son has no income of his own.
    members = [m("2400", name="父"), m("2400", name="母"), m("0", name="子", severely_disabled_or_ill=True)]
    c = compute("dibao", members, PARAMS)
    assert c.eligible and c.members_covered == 1
    assert c.monthly_amount == Decimal("1135.00")
    assert any("单人户" in line for line in c.lines)


def test_tekun_pays_the_basic_standard_plus_care_by_self_care_ability():
    c = compute("tekun", [m("0", can_work=False, self_care="full"), m("0", can_work=False, self_care="self")],
                PARAMS)
    assert c.members_covered == 2
    assert c.monthly_amount == Decimal("1838") + Decimal("1135") + Decimal("1838") + Decimal("114")


def test_a_member_who_can_work_is_not_tekun():
    assert not compute("tekun", [m("0", can_work=True)], PARAMS).eligible


def test_temporary_aid_defaults_to_the_parameter_and_accepts_a_requested_amount():
    assert compute("temporary", [m("0")], PARAMS).one_off_amount == Decimal("5000.00")
    assert compute("temporary", [m("0")], PARAMS, requested_temporary=Decimal("3200")).one_off_amount == \
        Decimal("3200.00")
