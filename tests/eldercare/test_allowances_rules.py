"""The high-age and care allowances on the proactive engine: who gets them, from which month, in which
band, and when they stop — at the policy's lines — and the SQL rule equal to its Python explain twin."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from civilaffairs.entitlements import sql as engine_sql
from civilaffairs.entitlements.rules import get_rule
from civilaffairs.notifications.models import Notification
from civilaffairs.registry.models import DepartmentRecord, Person
from civilaffairs.worklist.models import WorkItem
from eldercare.models import Allowance, AllowanceKind, AllowanceStatus
from eldercare.rules import CARE, HIGH_AGE, NOT_REGISTERED
from eldercare.services.allowances import STOPPED_KIND
from tests import factories as f
from tests.eldercare import allowances_fixtures as fx
from tests.eldercare.allowances_fixtures import run_rule, sign_grade

elder = fx.elder  # fixture

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 12, 3)


def allowance(person, kind=AllowanceKind.HIGH_AGE):
    return Allowance.objects.filter(person=person, kind=kind).order_by("-id").first()


def test_the_day_before_the_80th_birthday_on_it_and_the_month_after(elder, city):
    tomorrow = elder(dt.date(1946, 12, 4))   # 80 tomorrow
    today = elder(dt.date(1946, 12, 3))      # 80 today
    last_month = elder(dt.date(1946, 11, 3))  # 80 a month ago
    resident = f.resident(person_obj=today, username="elder-80")
    run_rule(HIGH_AGE, ON)
    assert allowance(tomorrow) is None
    got = allowance(today)
    assert (got.band, got.amount, got.status) == ("80", Decimal("100.00"), AllowanceStatus.ACTIVE)
    assert got.from_month == dt.date(2026, 12, 1) == got.eligible_month  # from the month they turn 80
    assert got.reasons == ["户籍在第一社区", "1946年12月3日出生，年满 80 周岁", "80–89 周岁档，每月 100.00 元"]
    assert allowance(last_month).from_month == dt.date(2026, 11, 1)  # found late: back to the month of eligibility
    notice = Notification.objects.get(user=resident)
    assert "高龄津贴已为您办理" in notice.title and "2026 年 12 月" in notice.title

    run_rule(HIGH_AGE, ON + dt.timedelta(days=1))  # the next day: the one born on the 4th joins, nobody twice
    assert allowance(tomorrow).from_month == dt.date(2026, 12, 1)
    assert Allowance.objects.count() == 3


def test_a_29_february_birth_turns_90_on_1_march_in_a_common_year(elder):
    leap = elder(dt.date(1936, 2, 29))
    run_rule(HIGH_AGE, dt.date(2026, 2, 28))
    assert allowance(leap).band == "80"
    run_rule(HIGH_AGE, dt.date(2026, 3, 1))
    got = allowance(leap)
    assert (got.band, got.amount) == ("90", Decimal("200.00"))
    assert "1936年2月29日出生，年满 90 周岁" in got.reasons


def test_a_29_february_birth_gets_the_allowance_from_february_of_a_leap_80th_year(elder):
    leap = elder(dt.date(1948, 2, 29))
    run_rule(HIGH_AGE, dt.date(2028, 2, 28))
    assert allowance(leap) is None
    run_rule(HIGH_AGE, dt.date(2028, 2, 29))
    assert allowance(leap).eligible_month == dt.date(2028, 2, 1)


def test_the_band_moves_at_90_and_100_with_a_notice(elder):
    nearly_90 = elder(dt.date(1936, 12, 4))
    nearly_100 = elder(dt.date(1926, 12, 4))
    resident = f.resident(person_obj=nearly_90, username="elder-89")
    run_rule(HIGH_AGE, ON)
    assert (allowance(nearly_90).band, allowance(nearly_100).band) == ("80", "90")
    first = allowance(nearly_90).pk
    run_rule(HIGH_AGE, ON + dt.timedelta(days=1))
    a90, a100 = allowance(nearly_90), allowance(nearly_100)
    assert (a90.pk, a90.band, a90.amount) == (first, "90", Decimal("200.00"))  # the same allowance, re-banded
    assert (a100.band, a100.amount) == ("100", Decimal("500.00"))
    assert Notification.objects.filter(user=resident, title__contains="调整为每月 200.00 元").count() == 1


def test_a_death_record_stops_it_in_the_month_of_death_with_a_notice_and_an_item(elder, city):
    from civilaffairs.registry.imports import department_batch_import

    person = elder(dt.date(1940, 1, 1))
    run_rule(HIGH_AGE, ON)
    assert allowance(person).status == AllowanceStatus.ACTIVE
    day = dt.date(2026, 12, 1)
    batch = department_batch_import(actor=None, source="police", records=[
        {"id_number": person.reveal_id_number(), "kind": "death", "period_start": day.isoformat(),
         "period_end": day.isoformat()}])
    assert batch.loaded_rows == 1, batch.errors
    run_rule(HIGH_AGE, ON)
    got = allowance(person)
    assert (got.status, got.to_month) == (AllowanceStatus.STOPPED, dt.date(2026, 12, 1))
    assert got.stop_reason == "已去世（2026年12月1日）"
    item = WorkItem.objects.get(kind=STOPPED_KIND)
    assert item.region_id == city.community.code and item.subject_id == str(got.pk)


def test_a_move_out_of_the_city_stops_it_and_a_never_registered_elder_gets_none(elder, city):
    moved = elder(dt.date(1940, 1, 1))
    migrant = elder(dt.date(1940, 1, 1), registered=False)
    run_rule(HIGH_AGE, ON)
    assert allowance(migrant) is None
    hangzhou = f.region("3301", "杭州市", city.city.parent)
    Person.objects.filter(pk=moved.pk).update(registered_region=hangzhou)
    run_rule(HIGH_AGE, ON)
    got = allowance(moved)
    assert got.status == AllowanceStatus.STOPPED and got.stop_reason == NOT_REGISTERED
    assert got.to_month == dt.date(2026, 11, 1)  # paid through the month before the move was found


def test_the_care_allowance_follows_the_disabled_grade_in_force(elder, city):
    disabled = elder(dt.date(1950, 5, 5))
    intact = elder(dt.date(1950, 5, 5))
    sign_grade(disabled, 3, valid_from=dt.date(2026, 10, 10), valid_to=dt.date(2027, 10, 9),
               community_id=city.community.code)
    sign_grade(intact, 0, valid_from=dt.date(2026, 10, 10), valid_to=dt.date(2027, 10, 9))
    run_rule(CARE, ON)
    got = allowance(disabled, AllowanceKind.CARE)
    assert (got.band, got.amount, got.from_month) == ("3", Decimal("200.00"), dt.date(2026, 10, 1))
    assert "能力评估等级：重度失能" in got.reasons
    assert allowance(intact, AllowanceKind.CARE) is None
    run_rule(CARE, dt.date(2027, 10, 10))  # the assessment has run out
    assert allowance(disabled, AllowanceKind.CARE).status == AllowanceStatus.STOPPED


# --- the SQL rule equals its explain twin ----------------------------------------------------------

BIRTHS = st.sampled_from([dt.date(1946, 12, 3), dt.date(1946, 12, 4), dt.date(1936, 2, 29), dt.date(1948, 2, 29),
                          dt.date(1926, 12, 3), dt.date(1926, 12, 4), dt.date(1936, 3, 1), dt.date(1960, 1, 1),
                          dt.date(1966, 12, 3), dt.date(1944, 2, 29)])
DAYS = st.sampled_from([dt.date(2026, 12, 3), dt.date(2026, 2, 28), dt.date(2026, 3, 1), dt.date(2028, 2, 28),
                        dt.date(2028, 2, 29), dt.date(2024, 2, 29)])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(birth=BIRTHS, on=DAYS, registered=st.sampled_from(["home", "none", "away"]),
       death=st.sampled_from(["none", "date", "record", "later"]), grade=st.sampled_from([None, 0, 1, 2, 3, 4]))
def test_sql_equals_explain_for_both_rules(city, birth, on, registered, death, grade):
    from civilaffairs.registry.services import household_create, person_create

    away = f.region("3301", "杭州市", city.city.parent)
    code = {"home": city.community.code, "none": None, "away": away.code}[registered]
    person = person_create(actor=None, name="性质测试", id_number=f.id_number(birth=birth), registered_region_code=code)
    household_create(actor=None, community_code=city.community.code, head=person)
    if death == "date":
        Person.objects.filter(pk=person.pk).update(death_date=on - dt.timedelta(days=3))
    elif death == "later":
        Person.objects.filter(pk=person.pk).update(death_date=on + dt.timedelta(days=3))
    elif death == "record":
        from civilaffairs.registry.imports import department_batch_import

        day = (on - dt.timedelta(days=40)).isoformat()
        department_batch_import(actor=None, source="police", records=[
            {"id_number": person.reveal_id_number(), "kind": "death", "period_start": day, "period_end": day}])
        assert DepartmentRecord.objects.filter(person=person).exists()
    if grade is not None:
        sign_grade(person, grade, valid_from=on - dt.timedelta(days=30), valid_to=on + dt.timedelta(days=30))
    for key in (HIGH_AGE, CARE):
        rule = get_rule(key)
        assert engine_sql.evaluate_ids(rule, ids=[person.pk], on=on)[person.pk] == rule.explain(person.pk, on), key


def test_the_age_line_job_and_the_incremental_run_grant_on_the_birthday(elder):
    from civilaffairs.entitlements import services as engine

    person = elder(dt.date(1946, 12, 3))
    engine.age_lines_mark(on=ON - dt.timedelta(days=1))
    assert engine.age_lines_mark(on=ON) >= 1  # the person reaches the 80 line today
    engine.entitlement_incremental_run(on=ON)
    assert allowance(person).from_month == dt.date(2026, 12, 1)


def test_an_allowance_the_engine_stopped_cannot_be_resumed_by_hand(elder, city, township_officer):
    from django.core.exceptions import ValidationError

    from eldercare.services.allowances import allowance_resume

    person = elder(dt.date(1940, 1, 1))
    run_rule(HIGH_AGE, ON)
    Person.objects.filter(pk=person.pk).update(death_date=dt.date(2026, 11, 20))
    run_rule(HIGH_AGE, ON)
    got = allowance(person)
    assert (got.status, got.to_month) == (AllowanceStatus.STOPPED, dt.date(2026, 11, 1))
    with pytest.raises(ValidationError, match="自动停发"):
        allowance_resume(actor=township_officer, allowance_id=got.pk, reason="误操作")
