"""The service-credit ledger (养老服务补贴): the monthly issue by economic status × grade (once per month),
spending only with an active contracted provider, never below zero even under concurrent spends, the
balance always the sum of its entries, and expiry after the parameter's months."""
from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from civilaffairs.registry.models import PolicyParameter
from eldercare.models import CreditAccount, CreditEntry, CreditEntryKind
from eldercare.rules import Economic, economic_status_on
from eldercare.services import credit as svc
from tests import factories as f
from tests.eldercare import allowances_fixtures as fx
from tests.eldercare.allowances_fixtures import sign_grade

elder = fx.elder  # fixture
provider = fx.provider  # fixture

MONTH = dt.date(2026, 12, 1)


def _benefit(person, programme: str, *, start=dt.date(2026, 1, 1), status="active"):
    from assistance.models import Benefit

    household = person.memberships.get(is_active=True).household
    return Benefit.objects.create(household=household, programme=programme, status=status, monthly_amount=Decimal("500"),
                                  start_date=start)


def _disabled(elder, grade=2, **kw):
    person = elder(dt.date(1945, 3, 3), **kw)
    sign_grade(person, grade, valid_from=dt.date(2026, 6, 1), valid_to=dt.date(2027, 5, 31))
    return person


def assert_balanced(account):
    account.refresh_from_db()
    assert account.balance == svc.credit_balance_recomputed(account.pk)
    assert account.balance >= 0


@pytest.mark.django_db
def test_the_monthly_issue_follows_status_and_grade_and_is_idempotent(elder, city):
    tekun = _disabled(elder, grade=3)
    _benefit(tekun, "tekun")
    dibao = _disabled(elder, grade=2)
    _benefit(dibao, "dibao")
    other_mild = _disabled(elder, grade=1)  # other × mild = 0: none
    intact = _disabled(elder, grade=0)
    assert economic_status_on(tekun.pk, MONTH) == Economic.TEKUN
    issued, total = svc.credit_issue_month(month=MONTH)
    assert (issued, total) == (2, Decimal("1200.00"))  # 特困·重度 800 + 低保·中度 400
    assert CreditAccount.objects.get(person=tekun).balance == Decimal("800.00")
    assert CreditAccount.objects.get(person=dibao).balance == Decimal("400.00")
    assert not CreditAccount.objects.filter(person__in=[other_mild, intact]).exists()
    assert svc.credit_issue_month(month=MONTH) == (0, Decimal("0.00"))  # twice adds nothing
    assert CreditAccount.objects.get(person=tekun).balance == Decimal("800.00")
    entry = CreditEntry.objects.get(account__person=tekun)
    assert entry.note == "养老服务补贴：特困·重度失能"
    for person in (tekun, dibao):
        assert svc.subsidy_on(person, MONTH)["amount"] == CreditEntry.objects.get(account__person=person).amount
    assert svc.subsidy_on(other_mild, MONTH)["amount"] == Decimal("0.00")


@pytest.mark.django_db
def test_spending_needs_an_active_contracted_provider_and_enough_credit(elder, city, provider):
    from civilaffairs.accounts.services import organisation_suspend

    person = _disabled(elder, grade=2)
    _benefit(person, "dibao")
    svc.credit_issue_month(month=MONTH)
    account = CreditAccount.objects.get(person=person)
    care_home = f.organisation(region=city.community, type="care_home")
    with pytest.raises(ValidationError, match="签约服务商"):
        svc.credit_spend(account=account, amount="50", organisation=care_home, reference="ORDER-1")
    with pytest.raises(ValidationError, match="余额不足：余额 400.00 元，本次需 400.01 元"):
        svc.credit_spend(account=account, amount="400.01", organisation=provider, reference="ORDER-1")
    for bad in ("0", "-5", "abc", "1.001", "NaN", "20000.01"):
        with pytest.raises(ValidationError):
            svc.credit_spend(account=account, amount=bad, organisation=provider, reference="ORDER-1")
    spent = svc.credit_spend(account=account, amount="120.50", organisation=provider, reference="ORDER-1")
    again = svc.credit_spend(account=account, amount="120.50", organisation=provider, reference="ORDER-1")
    assert spent.pk == again.pk  # the same order twice is spent once
    assert_balanced(account)
    assert account.balance == Decimal("279.50")
    svc.credit_spend_reverse(entry_id=spent.pk, reason="订单取消")
    with pytest.raises(ValidationError, match="已冲正"):
        svc.credit_spend_reverse(entry_id=spent.pk, reason="订单取消")
    assert_balanced(account)
    assert account.balance == Decimal("400.00")
    organisation_suspend(actor=None, organisation_id=provider.pk, reason="合同到期")
    provider.refresh_from_db()
    with pytest.raises(ValidationError, match="不可接单"):
        svc.credit_spend(account=account, amount="10", organisation=provider, reference="ORDER-2")


@pytest.mark.django_db
def test_the_database_refuses_a_negative_balance(elder, city):
    from django.db import IntegrityError, transaction

    person = _disabled(elder)
    account = CreditAccount.objects.create(person=person, community_id=city.community.code)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditAccount.objects.filter(pk=account.pk).update(balance=Decimal("-0.01"))


@pytest.mark.django_db
def test_unused_credit_expires_after_the_parameter_months_once(elder, city, provider):
    person = _disabled(elder, grade=2)
    _benefit(person, "dibao")
    PolicyParameter.objects.filter(key="service_credit_expiry_months").update(value=Decimal("2"))
    oct_, nov, dec = dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)
    for month in (oct_, nov):
        svc.credit_issue_month(month=month)  # the grade is in force from June
    account = CreditAccount.objects.get(person=person)
    svc.credit_spend(account=account, amount="100", organisation=provider, reference="ORDER-9")
    assert svc.credit_expire_month(month=nov) == (0, Decimal("0.00"))  # nothing is two months old yet
    # In December the October credit (400, of which 100 was spent first) is two months old.
    assert svc.credit_expire_month(month=dec) == (1, Decimal("300.00"))
    assert svc.credit_expire_month(month=dec) == (0, Decimal("0.00"))
    assert_balanced(account)
    assert account.balance == Decimal("400.00")  # November's credit stays


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_spends_above_the_balance_one_is_refused(city):
    from tests.conftest import reseed_migration_data

    reseed_migration_data()
    from civilaffairs.registry.services import household_create, person_create

    person = person_create(actor=None, name="并发老人", id_number=f.id_number(birth=dt.date(1940, 1, 1)),
                           registered_region_code=city.community.code)
    household_create(actor=None, community_code=city.community.code, head=person)
    shop = f.organisation(region=city.community, type="home_care_centre", name="并发测试服务中心")
    account = CreditAccount.objects.create(person=person, community_id=city.community.code)
    CreditEntry.objects.create(account=account, kind=CreditEntryKind.ISSUED, amount=Decimal("100.00"), period=MONTH)
    CreditAccount.objects.filter(pk=account.pk).update(balance=Decimal("100.00"))
    barrier = threading.Barrier(2)
    results: list = []

    def spend(ref):
        close_old_connections()
        try:
            barrier.wait()
            results.append(svc.credit_spend(account=account.pk, amount="70", organisation=shop, reference=ref))
        except ValidationError as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=spend, args=(f"ORDER-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(results) == 2 and len(refused) == 1
    assert "余额不足：余额 30.00 元，本次需 70 元" in refused[0].messages[0]
    assert_balanced(account)
    assert account.balance == Decimal("30.00")


# --- the monthly issue's SQL equals its Python twin (the elder's page) --------------------------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grade=st.sampled_from([None, 0, 1, 2, 3, 4]), programme=st.sampled_from([None, "tekun", "dibao", "dibian"]),
       status=st.sampled_from(["active", "phaseout", "ended"]), age=st.sampled_from([59, 60, 75, 90]),
       registered=st.booleans(), dead=st.booleans())
def test_subsidy_sql_equals_subsidy_on(city, grade, programme, status, age, registered, dead):
    from django.db import connection as conn

    from civilaffairs.registry.models import Person
    from civilaffairs.registry.services import household_create, person_create

    birth = dt.date(MONTH.year - age, MONTH.month, 1)
    person = person_create(actor=None, name="补贴测试", id_number=f.id_number(birth=birth),
                           registered_region_code=city.community.code if registered else None)
    household_create(actor=None, community_code=city.community.code, head=person)
    if dead:
        Person.objects.filter(pk=person.pk).update(death_date=MONTH - dt.timedelta(days=1))
        person.refresh_from_db()
    if grade is not None:
        sign_grade(person, grade, valid_from=MONTH - dt.timedelta(days=10), valid_to=MONTH + dt.timedelta(days=10))
    if programme is not None:
        _benefit(person, programme, status=status)
    with conn.cursor() as cur:
        cur.execute(svc.subsidy_sql("{col} = %(id)s"), {"on": MONTH, "id": person.pk})
        rows = [dict(zip(["person_id", "community_id", "status", "grade", "amount"], r)) for r in cur.fetchall()]
    expected = svc.subsidy_on(person, MONTH)
    assert rows == ([expected] if expected is not None else [])
