"""Benefit arithmetic, checked by hand from POLICY.md defaults."""
from decimal import Decimal

from assistance.calculations import MemberFacts, compute

PARAMS = {k: {"value": v, "region": "3302", "effective_from": "2023-09-01"} for k, v in {
    "dibao_standard": "1135", "dibian_multiplier": "2", "tekun_basic_standard": "1838", "tekun_care_full": "1135",
    "tekun_care_partial": "568", "tekun_care_self": "114", "temporary_aid_default": "5000"}.items()}


def m(income, **kw):
    return MemberFacts(name=kw.pop("name", "成员"), monthly_income=Decimal(income), **kw)


def test_dibao_tops_up_the_household_to_the_standard():
    c = compute("dibao", [m("1500"), m("0"), m("0")], PARAMS)
    assert c.eligible and c.per_capita_income == Decimal("500.00")
    assert c.monthly_amount == Decimal("1905.00") and c.members_covered == 3
    assert any("（1135.00 − 500.00）× 3 人 = 1905.00" in line for line in c.lines)


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
