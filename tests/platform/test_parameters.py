import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from civilaffairs.registry.models import PolicyParameter
from civilaffairs.registry.selectors import ParameterMissing, parameter_row, parameter_rows, parameter_value
from civilaffairs.registry.services import parameter_set


def test_the_seeded_city_standard_applies_to_a_community(city):
    assert parameter_value(key="dibao_standard", region_code=city.community.code,
                           on=dt.date(2024, 1, 1)) == Decimal("1135")


def test_a_township_inherits_its_district_value_unless_it_has_its_own(city):
    parameter_set(actor=None, key="dibao_standard", region_code=city.district.code, value=Decimal("1200"),
                  effective_from=dt.date(2024, 7, 1))
    day = dt.date(2024, 8, 1)
    assert parameter_value(key="dibao_standard", region_code=city.community.code, on=day) == Decimal("1200")
    parameter_set(actor=None, key="dibao_standard", region_code=city.township.code, value=Decimal("1250"),
                  effective_from=dt.date(2024, 7, 1))
    assert parameter_value(key="dibao_standard", region_code=city.community.code, on=day) == Decimal("1250")
    assert parameter_value(key="dibao_standard", region_code=city.neighbour.code, on=day) == Decimal("1250")
    assert parameter_value(key="dibao_standard", region_code=city.other_community.code, on=day) == Decimal("1135")


def test_values_are_dated_and_a_new_value_closes_the_old_one(city):
    parameter_set(actor=None, key="dibao_standard", region_code=city.city.code, value=Decimal("1190"),
                  effective_from=dt.date(2025, 1, 1))
    code = city.community.code
    assert parameter_value(key="dibao_standard", region_code=code, on=dt.date(2024, 12, 31)) == Decimal("1135")
    assert parameter_value(key="dibao_standard", region_code=code, on=dt.date(2025, 1, 1)) == Decimal("1190")
    old = PolicyParameter.objects.get(key="dibao_standard", region=city.city, value=Decimal("1135"))
    assert old.effective_to == dt.date(2024, 12, 31)


def test_before_the_first_value_there_is_no_answer(city):
    with pytest.raises(ParameterMissing):
        parameter_value(key="dibao_standard", region_code=city.community.code, on=dt.date(2000, 1, 1))


def test_several_keys_in_one_read_give_what_each_key_alone_gives(city):
    parameter_set(actor=None, key="dibao_standard", region_code=city.township.code, value=Decimal("1250"),
                  effective_from=dt.date(2024, 7, 1))
    parameter_set(actor=None, key="decision_days", region_code=city.district.code, value=Decimal("5"),
                  effective_from=dt.date(2024, 1, 1), effective_to=dt.date(2024, 6, 30))
    keys = ("dibao_standard", "decision_days", "dibian_multiplier")
    for code in (city.community.code, city.other_community.code, city.township.code):
        for day in (dt.date(2024, 3, 1), dt.date(2024, 7, 1), dt.date(2025, 1, 1)):
            rows = parameter_rows(keys=keys, region_code=code, on=day)
            assert {k: rows[k].pk for k in keys} == {k: parameter_row(key=k, region_code=code, on=day).pk
                                                     for k in keys}, (code, day)
    with pytest.raises(ParameterMissing):
        parameter_rows(keys=keys, region_code=city.community.code, on=dt.date(2000, 1, 1))


def test_the_database_refuses_overlapping_periods(city):
    PolicyParameter.objects.create(key="x_test", region=city.district, value=1, effective_from=dt.date(2024, 1, 1),
                                   effective_to=dt.date(2024, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyParameter.objects.create(key="x_test", region=city.district, value=2,
                                       effective_from=dt.date(2024, 6, 1))


def test_the_service_explains_an_overlap(city):
    parameter_set(actor=None, key="public_notice_days", region_code=city.district.code,
                  value=Decimal("5"), effective_from=dt.date(2024, 1, 1), effective_to=dt.date(2024, 12, 31))
    with pytest.raises(ValidationError) as exc:
        parameter_set(actor=None, key="public_notice_days", region_code=city.district.code, value=Decimal("6"),
                      effective_from=dt.date(2024, 6, 1), effective_to=dt.date(2024, 7, 1))
    assert "effective_from" in exc.value.message_dict


def test_only_a_city_administrator_may_set_parameters(township_officer, city_admin, city):
    with pytest.raises(PermissionDenied):
        parameter_set(actor=township_officer, key="dibao_standard", region_code=city.township.code,
                      value=Decimal("1300"), effective_from=dt.date(2025, 3, 1))
    row = parameter_set(actor=city_admin, key="dibao_standard", region_code=city.township.code,
                        value=Decimal("1300"), effective_from=dt.date(2025, 3, 1))
    assert row.created_by == city_admin
