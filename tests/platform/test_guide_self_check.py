"""The anonymous self-check: its questions refuse bad answers in plain Chinese, nothing is stored
or put in the address, and each assistance programme answers at its boundaries (just below / at /
just above the 低保 standard and the 低边 line; the 特困 conditions)."""
from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from civilaffairs.portal.guide import Answers, Outcome, guide_entry
from civilaffairs.registry.services import parameter_set

pytestmark = pytest.mark.django_db

URL = "/guide/self-check/"
STANDARD = Decimal("1135")  # the seeded 低保 standard; the 低边 line is 2 × it


def form(**overrides) -> dict:
    data = {"household_size": "2", "monthly_income": "1700", "oldest_age": "45", "youngest_age": "12",
            "disability": "none", "no_supporter": "no", "child_without_carer": "no", "district": "330203"}
    data.update(overrides)
    return data


def answers(**overrides) -> Answers:
    base = dict(household_size=1, monthly_income=Decimal("1000"), oldest_age=45, youngest_age=45,
                disability_grade=None, no_supporter=False, child_without_carer=False,
                district_code="330203", district_name="海曙区")
    base.update(overrides)
    return Answers(**base)


def outcome(slug: str, a: Answers) -> Outcome:
    return guide_entry(slug).assess(a, on=timezone.localdate()).outcome


def reasons(slug: str, a: Answers) -> str:
    return " ".join(guide_entry(slug).assess(a, on=timezone.localdate()).reasons)


# --- the form ------------------------------------------------------------------------------

def test_the_form_asks_the_questions_and_posts_them_with_a_csrf_token(client, city):
    r = client.get(URL)
    html = r.content.decode()
    assert r.status_code == 200
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    for label in ("家庭共同生活的人口数", "全家每月总收入（元）", "家中年龄最大的成员几岁", "家中年龄最小的成员几岁",
                  "家中残疾等级最重的成员", "居住的区（县、市）"):
        assert label in html
    assert '<option value="330203">海曙区</option>' in html and '<option value="330282">慈溪市</option>' in html
    assert "no-store" in r["Cache-Control"]


def test_one_address_gets_a_limited_number_of_answers_in_ten_minutes_and_others_are_unaffected(
        client, city, settings):
    import uuid

    settings.SELF_CHECK_RATE_LIMIT = 3
    mine = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"  # fresh per run: the cache is shared
    for _ in range(3):
        assert client.post(URL, form(), REMOTE_ADDR=mine).status_code == 200
    refused = client.post(URL, form(), REMOTE_ADDR=mine)
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "测评次数过多，请 10 分钟后再试" in html and "自助测评结果" not in html
    assert client.post(URL, form(), REMOTE_ADDR=mine.replace(".7", ".8")).status_code == 200


def test_a_post_without_the_csrf_token_is_refused(city):
    from django.test import Client

    r = Client(enforce_csrf_checks=True).post(URL, form())
    assert r.status_code == 403


@pytest.mark.parametrize("field, value, message", [
    ("household_size", "0", "家庭人口数至少为 1 人。"),
    ("household_size", "21", "家庭人口数不能超过 20 人"),
    ("household_size", "2.5", "家庭人口数请填写整数"),
    ("household_size", "", "请填写家庭人口数。"),
    ("monthly_income", "-1", "收入不能是负数。"),
    ("monthly_income", "1000000.01", "每月收入不能超过 1,000,000 元"),
    ("monthly_income", "12,000", "收入请填写数字（元）"),
    ("monthly_income", "850.555", "收入最多填到分"),
    ("monthly_income", "NaN", "收入请填写数字（元）"),
    ("oldest_age", "121", "年龄不能超过 120 岁"),
    ("youngest_age", "-1", "年龄不能小于 0 岁。"),
    ("youngest_age", "50", "不能比年龄最大的成员（45 岁）还大"),
    ("disability", "5", "请从列表中选择残疾等级。"),
    ("no_supporter", "", "请选择“是”“否”或“不确定”。"),
    ("district", "330100", "请从列表中选择本市的区（县、市）。"),
    ("district", "", "请选择您居住的区（县、市）。"),
])
def test_a_bad_answer_is_refused_with_a_clear_chinese_message(client, city, field, value, message):
    r = client.post(URL, form(**{field: value}))
    assert r.status_code == 400
    assert message in r.content.decode()


def test_the_bounds_themselves_are_accepted(client, city):
    for data in (form(household_size="1", oldest_age="120", youngest_age="120", monthly_income="0"),
                 form(household_size="20", monthly_income="1000000", youngest_age="0")):
        assert client.post(URL, data).status_code == 200


def test_one_person_has_one_age_and_an_adult_household_has_no_child_without_carer(client, city):
    html = client.post(URL, form(household_size="1", oldest_age="70", youngest_age="30")).content.decode()
    assert "两个年龄应相同" in html
    html = client.post(URL, form(youngest_age="20", child_without_carer="yes")).content.decode()
    assert "家中没有未成年孩子，此项请选“否”" in html


def test_the_answers_are_never_stored_logged_or_put_in_the_address(client, city, caplog):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    caplog.set_level(logging.DEBUG)
    with CaptureQueriesContext(connection) as queries:
        r = client.post(URL, form(monthly_income="1733.21"))
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert "1733.21" not in caplog.text and "1733" not in caplog.text
    assert "?" not in r.request["PATH_INFO"] and not r.request.get("QUERY_STRING")
    assert "1733.21" not in "".join(f'{k}={v}' for k, v in r.cookies.items())


# --- the result page -----------------------------------------------------------------------

def test_the_result_lists_every_programme_with_its_verdict_reason_and_apply_link(client, city):
    html = client.post(URL, form(household_size="2", monthly_income="1700")).content.decode()
    assert "家庭月人均收入 850 元（1,700 元 ÷ 2 人），低于本市低保标准 1,135 元。" in html
    for slug, verdict in (("dibao", "may"), ("dibian", "may_not"), ("tekun", "may_not"),
                          ("linshi", "more_info")):
        assert f'id="result-{slug}" data-outcome="{verdict}"' in html
    dibao = html.split('id="result-dibao"')[1].split("</section>")[0]
    assert f'href="{reverse("assistance:apply")}"' in dibao and "登录后申请" in dibao
    dibian = html.split('id="result-dibian"')[1].split("</section>")[0]
    assert "apply-link" not in dibian  # no "apply" where the answer is "may not"


def test_a_signed_in_resident_is_offered_to_apply_directly(client, resident, city):
    client.force_login(resident)
    html = client.post(URL, form()).content.decode()
    assert "去申请" in html


# --- 低保: per-capita income against the standard (exact, never rounded) ------------------

@pytest.mark.parametrize("size, income, expected", [
    (1, "1134.99", Outcome.MAY),
    (1, "1135", Outcome.MAY_NOT),
    (1, "1135.01", Outcome.MAY_NOT),
    (3, "3404.99", Outcome.MAY),     # 1134.996…: below, though it shows as 1,135 rounded to the fen
    (3, "3405", Outcome.MAY_NOT),
    (2, "0", Outcome.MAY),
])
def test_dibao_at_its_boundary(city, size, income, expected):
    assert outcome("dibao", answers(household_size=size, monthly_income=Decimal(income))) == expected


def test_dibao_names_the_numbers_compared_and_estimates_the_top_up(city):
    text = reasons("dibao", answers(household_size=3, monthly_income=Decimal("2550")))
    assert "家庭月人均收入 850 元（2,550 元 ÷ 3 人），低于本市低保标准 1,135 元。" in text
    assert "每月保障金约为 855 元" in text  # 1135 × 3 − 2550
    assert "27,240 元" in text  # assets: 2 × the annual standard per person
    text = reasons("dibao", answers(monthly_income=Decimal("1135")))
    assert "家庭月人均收入 1,135 元（1,135 元 ÷ 1 人），不低于本市低保标准 1,135 元。" in text


def test_dibao_uses_the_districts_own_standard_and_says_whose_it_is(city):
    parameter_set(actor=None, key="dibao_standard", region_code="330203", value=Decimal("1250"),
                  effective_from=timezone.localdate() - dt.timedelta(days=1))
    haishu = answers(monthly_income=Decimal("1200"))
    jiangbei = answers(monthly_income=Decimal("1200"), district_code="330205", district_name="江北区")
    assert outcome("dibao", haishu) == Outcome.MAY
    assert "低于海曙区低保标准 1,250 元" in reasons("dibao", haishu)
    assert outcome("dibao", jiangbei) == Outcome.MAY_NOT
    assert "不低于本市低保标准 1,135 元" in reasons("dibao", jiangbei)


# --- 低边: the band [standard, 2 × standard) ------------------------------------------------

@pytest.mark.parametrize("income, expected", [
    ("1134.99", Outcome.MAY_NOT),   # below the standard: 低保 instead
    ("1135", Outcome.MAY),
    ("2269.99", Outcome.MAY),
    ("2270", Outcome.MAY_NOT),
    ("2270.01", Outcome.MAY_NOT),
])
def test_dibian_at_its_boundaries(city, income, expected):
    assert outcome("dibian", answers(monthly_income=Decimal(income))) == expected


def test_dibian_names_the_band(city):
    assert "不低于本市低保标准 1,135 元，但低于低保边缘标准 2,270 元（低保标准的 2 倍）" in reasons(
        "dibian", answers(monthly_income=Decimal("1500")))
    assert "请直接申请低保" in reasons("dibian", answers(monthly_income=Decimal("1000")))
    assert "不低于本市低保边缘标准 2,270 元" in reasons("dibian", answers(monthly_income=Decimal("2270")))


# --- 特困: no work capacity, no means of living, no supporter --------------------------------

def elder(**overrides) -> Answers:
    return answers(**{"oldest_age": 72, "youngest_age": 72, "monthly_income": Decimal("600"),
                      "no_supporter": True, **overrides})


@pytest.mark.parametrize("overrides, expected", [
    ({}, Outcome.MAY),
    ({"oldest_age": 60, "youngest_age": 60}, Outcome.MAY),
    ({"oldest_age": 59, "youngest_age": 59}, Outcome.MAY_NOT),
    ({"oldest_age": 59, "youngest_age": 59, "disability_grade": 2}, Outcome.MAY),
    ({"oldest_age": 59, "youngest_age": 59, "disability_grade": 3}, Outcome.MORE_INFO),
    ({"household_size": 2, "oldest_age": 40, "youngest_age": 15, "no_supporter": False,
      "child_without_carer": True}, Outcome.MAY),
    ({"household_size": 2, "oldest_age": 40, "youngest_age": 16, "no_supporter": False,
      "child_without_carer": True}, Outcome.MAY_NOT),
    ({"monthly_income": Decimal("1134.99")}, Outcome.MAY),
    ({"monthly_income": Decimal("1135")}, Outcome.MAY_NOT),
    ({"no_supporter": False}, Outcome.MAY_NOT),
    ({"no_supporter": None}, Outcome.MORE_INFO),
    ({"no_supporter": None, "monthly_income": Decimal("1135")}, Outcome.MAY_NOT),  # a "no" outweighs "unsure"
])
def test_tekun_needs_all_three_conditions(city, overrides, expected):
    assert outcome("tekun", elder(**overrides)) == expected


def test_tekun_says_why(city):
    text = reasons("tekun", elder())
    assert "家中有72 岁的老人" in text and "低于本市低保标准 1,135 元" in text
    assert "基本生活费 1,838 元" in text
    text = reasons("tekun", elder(oldest_age=59, youngest_age=59))
    assert "最年长的成员 59 岁（未满 60 岁）" in text


def test_temporary_aid_always_needs_the_story_of_the_hardship(city):
    assert outcome("linshi", answers(monthly_income=Decimal("0"))) == Outcome.MORE_INFO
    assert "5,000 元" in reasons("linshi", answers())


def test_a_missing_standard_asks_for_more_information_instead_of_guessing(city):
    from civilaffairs.registry.models import PolicyParameter

    PolicyParameter.objects.filter(key="dibao_standard").delete()
    for slug in ("dibao", "dibian", "tekun"):
        assert outcome(slug, answers()) == Outcome.MORE_INFO
