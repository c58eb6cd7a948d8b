"""The yearly raise: a new dated 低保 standard recomputes the benefits it governs from its month, pays
the difference for months already in the ledger at the old amount as one arrears line, and a second
run changes nothing."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assistance.models import Benefit, BenefitAdjustment, BenefitStatus, Programme
from assistance.services.adjustments import adjustment_month, arrears_key, benefits_recompute_for_parameter
from assistance.tasks import benefits_recompute, on_parameter_set
from civilaffairs.audit.models import AuditEvent
from civilaffairs.notifications.models import Notification
from civilaffairs.payments import services as pay
from civilaffairs.payments.models import LineStatus, PaymentLine
from civilaffairs.registry.parameters import parameter_listeners
from civilaffairs.registry.services import parameter_set
from tests import factories as f

pytestmark = pytest.mark.django_db

OLD = Decimal("1135")
NEW = Decimal("1168.37")  # + 33.37 per covered member and month


def month(offset: int) -> dt.date:
    first = dt.date.today().replace(day=1)
    index = first.year * 12 + first.month - 1 + offset
    return dt.date(index // 12, index % 12 + 1, 1)


def recorded(value: Decimal) -> dict:
    return {"parameters": {"dibao_standard": {"value": str(value), "region": "3302",
                                             "effective_from": "2023-09-01"}}, "lines": ["核算"]}


def benefit(household, *, amount: str, members: int, start: dt.date, standard: Decimal | None = OLD,
            programme: str = Programme.DIBAO, status: str = BenefitStatus.ACTIVE) -> Benefit:
    return Benefit.objects.create(household=household, programme=programme, status=status,
                                  monthly_amount=Decimal(amount), members_covered=members, start_date=start,
                                  calculation=recorded(standard) if standard is not None else {})


def rolls(city, *months: dt.date) -> None:
    for m in months:
        pay.payment_roll_generate(district_code=city.district.code, month=m, programme="assistance")


def raise_standard(value: Decimal = NEW, *, effective_from: dt.date, region: str = "3302"):
    return parameter_set(actor=None, key="dibao_standard", region_code=region, value=value,
                         effective_from=effective_from)


@pytest.mark.parametrize("effective_from, expected", [
    (dt.date(2026, 2, 28), dt.date(2026, 3, 1)),  # the day before a month: that month is the first at the new value
    (dt.date(2026, 3, 1), dt.date(2026, 3, 1)),
    (dt.date(2026, 3, 2), dt.date(2026, 4, 1)),  # March 1st was paid at the old value: from April
])
def test_a_month_is_paid_at_the_standard_in_force_on_its_first_day(effective_from, expected):
    assert adjustment_month(effective_from) == expected


@pytest.mark.parametrize("months_paid", [1, 2, 3])
def test_the_arrears_are_the_difference_for_each_month_already_in_the_ledger_to_the_fen(city, months_paid):
    hh = f.household(community=city.community, head_name="周补发", members=1)
    b = benefit(hh, amount="1270.00", members=2, start=month(-3))  # (1135 − 500) × 2
    rolls(city, month(-3), month(-2), month(-1))
    row = raise_standard(effective_from=month(-months_paid))
    result = benefits_recompute_for_parameter(parameter_id=row.pk)
    b.refresh_from_db()
    assert b.monthly_amount == Decimal("1336.74")  # 1270 + 33.37 × 2
    adj = BenefitAdjustment.objects.get(benefit=b)
    assert (adj.effective_month, adj.old_amount, adj.new_amount, adj.arrears_months) == (
        month(-months_paid), Decimal("1270.00"), Decimal("1336.74"), months_paid)
    assert adj.arrears_amount == Decimal("66.74") * months_paid
    line = PaymentLine.objects.get(entitlement=arrears_key(adj.pk))
    assert (line.amount, line.category, line.household_id, line.roll_id) == (
        Decimal("66.74") * months_paid, "arrears", hh.pk, None)
    assert result == {"adjusted": 1, "arrears_lines": 1, "decreased": 0}


def test_a_month_paid_before_the_effective_month_owes_nothing_and_a_suspended_one_is_not_counted(city):
    hh = f.household(community=city.community, head_name="吴暂停", members=1)
    b = benefit(hh, amount="635.00", members=1, start=month(-3))
    rolls(city, month(-3), month(-2), month(-1))
    PaymentLine.objects.filter(entitlement=f"assistance.benefit:{b.pk}", period=month(-1)).update(
        status=LineStatus.SUSPENDED)
    benefits_recompute_for_parameter(parameter_id=raise_standard(effective_from=month(-2) + dt.timedelta(days=1)).pk)
    adj = BenefitAdjustment.objects.get(benefit=b)
    # From the 2nd of month −2: month −1 is the first at the new value, and it was suspended (not paid).
    assert (adj.effective_month, adj.arrears_months, adj.arrears_amount) == (month(-1), 0, Decimal("0.00"))
    assert not PaymentLine.objects.filter(category="arrears").exists()


def test_the_next_roll_pays_the_new_amount_and_the_arrears_exactly_once(city):
    hh = f.household(community=city.community, head_name="郑下月", members=1)
    b = benefit(hh, amount="1270.00", members=2, start=month(-2))
    rolls(city, month(-2), month(-1))
    benefits_recompute_for_parameter(parameter_id=raise_standard(effective_from=month(-2)).pk)
    roll, created = pay.payment_roll_generate(district_code=city.district.code, month=month(0),
                                              programme="assistance")
    got = sorted((line.category, line.amount) for line in roll.lines.all())
    assert got == [("arrears", Decimal("133.48")), ("monthly", Decimal("1336.74"))] and created == 2
    assert pay.payment_roll_generate(district_code=city.district.code, month=month(0),
                                     programme="assistance")[1] == 0
    nxt, _ = pay.payment_roll_generate(district_code=city.district.code, month=month(1), programme="assistance")
    assert [(line.category, line.amount) for line in nxt.lines.all()] == [("monthly", Decimal("1336.74"))]
    assert PaymentLine.objects.filter(entitlement__startswith="assistance.arrears:").count() == 1
    assert b.pk


def test_a_second_run_changes_nothing(city):
    hh = f.household(community=city.community, head_name="王两次", members=1)
    b = benefit(hh, amount="1270.00", members=2, start=month(-1))
    rolls(city, month(-1))
    row = raise_standard(effective_from=month(-1))
    benefits_recompute_for_parameter(parameter_id=row.pk)
    before = (Benefit.objects.get(pk=b.pk).monthly_amount, Benefit.objects.get(pk=b.pk).calculation,
              PaymentLine.objects.count(), AuditEvent.objects.filter(action="assistance.benefits_recomputed").count())
    assert benefits_recompute(row.pk) == {"adjusted": 0, "arrears_lines": 0, "decreased": 0}  # the task body
    after = (Benefit.objects.get(pk=b.pk).monthly_amount, Benefit.objects.get(pk=b.pk).calculation,
             PaymentLine.objects.count(), AuditEvent.objects.filter(action="assistance.benefits_recomputed").count())
    assert before == after and BenefitAdjustment.objects.count() == 1


def test_another_district_and_a_district_with_its_own_standard_are_untouched(city):
    here = f.household(community=city.community, head_name="本区户", members=1)
    there = f.household(community=city.other_community, head_name="江北户", members=1)
    mine = benefit(here, amount="635.00", members=1, start=month(-1))
    theirs = benefit(there, amount="635.00", members=1, start=month(-1))
    benefits_recompute_for_parameter(parameter_id=raise_standard(effective_from=month(0),
                                                                 region=city.district.code).pk)
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert (mine.monthly_amount, theirs.monthly_amount) == (Decimal("668.37"), Decimal("635.00"))
    # A later city raise does not govern 海曙, which has its own value from that date on.
    benefits_recompute_for_parameter(parameter_id=raise_standard(Decimal("1200"), effective_from=month(1)).pk)
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert (mine.monthly_amount, theirs.monthly_amount) == (Decimal("668.37"), Decimal("700.00"))


def test_a_benefit_starting_after_the_effective_month_owes_only_its_own_months_and_one_decided_at_the_new_standard_is_untouched(city):
    late = f.household(community=city.community, head_name="后纳入", members=1)
    fresh = f.household(community=city.community, head_name="新标准", members=1)
    b_late = benefit(late, amount="635.00", members=1, start=month(-1))
    b_new = benefit(fresh, amount="668.37", members=1, start=month(-1), standard=NEW)
    rolls(city, month(-2), month(-1))
    benefits_recompute_for_parameter(parameter_id=raise_standard(effective_from=month(-2)).pk)
    adj = BenefitAdjustment.objects.get(benefit=b_late)
    assert (adj.effective_month, adj.arrears_months, adj.arrears_amount) == (month(-1), 1, Decimal("33.37"))
    assert not BenefitAdjustment.objects.filter(benefit=b_new).exists()
    assert Benefit.objects.get(pk=b_new.pk).monthly_amount == Decimal("668.37")


def test_a_one_person_household_moves_by_the_covered_members_share_and_ended_or_other_programmes_do_not(city):
    hh = f.household(community=city.community, head_name="单人户", members=2)
    single = benefit(hh, amount="835.00", members=1, start=month(-1))  # 1135 − 300, one member covered
    ended_hh = f.household(community=city.community, head_name="已退出", members=1)
    ended = benefit(ended_hh, amount="635.00", members=1, start=month(-6), status=BenefitStatus.ENDED)
    tekun = benefit(f.household(community=city.community, head_name="特困户"), amount="1952.00", members=1,
                    start=month(-1), programme=Programme.TEKUN)
    benefits_recompute_for_parameter(parameter_id=raise_standard(effective_from=month(0)).pk)
    assert Benefit.objects.get(pk=single.pk).monthly_amount == Decimal("868.37")
    assert Benefit.objects.get(pk=ended.pk).monthly_amount == Decimal("635.00")
    assert Benefit.objects.get(pk=tekun.pk).monthly_amount == Decimal("1952.00")


def test_a_decrease_applies_from_its_month_but_claws_nothing_back(city):
    hh = f.household(community=city.community, head_name="下调户", members=1)
    b = benefit(hh, amount="635.00", members=1, start=month(-2))
    rolls(city, month(-2), month(-1))
    result = benefits_recompute_for_parameter(
        parameter_id=raise_standard(Decimal("1100"), effective_from=month(-1)).pk)
    b.refresh_from_db()
    adj = BenefitAdjustment.objects.get(benefit=b)
    assert b.monthly_amount == Decimal("600.00") and adj.arrears_amount == Decimal("-35.00")  # overpaid, for review
    assert not PaymentLine.objects.filter(category="arrears").exists() and result["decreased"] == 1


def test_each_change_is_audited_with_old_and_new_amounts_the_calculation_says_so_and_the_household_is_told(city):
    hh = f.household(community=city.community, head_name="陈通知", members=1)
    f.resident(person_obj=hh.head)
    b = benefit(hh, amount="635.00", members=1, start=month(-1))
    rolls(city, month(-1))
    row = raise_standard(effective_from=month(-1))
    benefits_recompute_for_parameter(parameter_id=row.pk)
    event = AuditEvent.objects.get(action="assistance.benefits_recomputed")
    assert event.after["changes"] == [[b.pk, "635.00", "668.37", "33.37"]]
    assert "陈通知" not in str(event.after) and hh.head.reveal_id_number() not in str(event.after)
    b.refresh_from_db()
    assert b.calculation["parameters"]["dibao_standard"]["value"] == "1168.37"
    assert b.calculation["lines"][-1] == (f"自 {month(-1):%Y-%m} 起低保标准调整为 1168.37 元：月救助金额 "
                                          "635.00 → 668.37 元/月")
    note = Notification.objects.get(user__person=hh.head)
    assert "每月 668.37 元（原 635.00 元）" in note.body and "补发 1 个月差额 33.37 元" in note.body


def test_the_platform_calls_assistance_after_a_new_standard_is_committed(city, django_capture_on_commit_callbacks):
    assert on_parameter_set in parameter_listeners("dibao_standard")
    assert on_parameter_set in parameter_listeners("tekun_basic_standard")
    assert on_parameter_set not in parameter_listeners("public_notice_days")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = raise_standard(effective_from=month(1))
    assert [(cb.func, cb.keywords) for cb in callbacks if getattr(cb, "func", None) is on_parameter_set] == [
        (on_parameter_set, {"parameter_id": row.pk})]


def test_an_approved_benefit_is_raised_from_its_decisions_recorded_standard_and_the_household_page_shows_it(
        client, at, city, township_officer):
    from django.urls import reverse

    approved = at("approved")
    b = approved.household.benefits.get(programme=Programme.DIBAO)
    assert "parameters" not in b.calculation  # the standard it used is recorded on its decision
    old, covered = b.monthly_amount, b.members_covered
    rolls(city, month(0))
    benefits_recompute_for_parameter(parameter_id=raise_standard(effective_from=month(0)).pk)
    b.refresh_from_db()
    delta = (NEW - OLD) * covered
    assert b.monthly_amount == old + delta
    adj = BenefitAdjustment.objects.get(benefit=b)
    assert (adj.arrears_months, adj.arrears_amount) == (1, delta)
    client.force_login(township_officer)
    html = client.get(reverse("assistance:household_360", args=[approved.household_id])).content.decode()
    assert "待遇调整记录" in html and "低保标准自" in html
    assert f"<td class=\"text-end\">{old}</td><td class=\"text-end\">{b.monthly_amount}</td>" in html
    assert f"{delta}（1 个月）" in html


def test_a_tekun_benefit_moves_with_the_basic_standard(city):
    hh = f.household(community=city.community, head_name="特困老人", members=1)
    b = benefit(hh, amount="1952.00", members=1, start=month(-1), programme=Programme.TEKUN, standard=None)
    row = parameter_set(actor=None, key="tekun_basic_standard", region_code="3302", value=Decimal("1900"),
                        effective_from=month(0))
    benefits_recompute_for_parameter(parameter_id=row.pk)
    assert Benefit.objects.get(pk=b.pk).monthly_amount == Decimal("2014.00")  # 1838 → 1900, + 62 (the day before's value)
