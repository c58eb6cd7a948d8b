"""Typed dates are bounded (assistance/dates.py): each field's bounds checked just below, at and
just above, plus 0001-01-01 and 9999-12-31, through the HTML form and the API; a refusal writes
no row and names the allowed range."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assistance import services as svc
from assistance.models import HomeVisit, Objection, PriceSubsidyRound, PublicNotice, VerificationReport
from civilaffairs.payments.models import PaymentRoll
from civilaffairs.registry.models import PolicyParameter
from tests.assistance.conftest import elapse_notice
from tests.assistance.test_api import post

pytestmark = pytest.mark.django_db

FAR = ["0001-01-01", "9999-12-31"]


def act(client, app, action, data):
    app.refresh_from_db()
    return client.post(reverse("assistance:application_act", args=[app.pk, action]),
                       {"version": app.version, **{f"{action}-{k}": v for k, v in data.items()}})


def test_the_verification_date_is_today_or_up_to_30_days_back_on_the_page(client, at, staff):
    app = at("accepted")
    today = timezone.localdate()
    client.force_login(staff["township"])
    for bad in [today + dt.timedelta(days=1), today - dt.timedelta(days=31), *FAR]:
        r = act(client, app, "verify", {"as_of": str(bad)})
        assert r.status_code == 400, bad
        assert "核对基准日应在" in r.content.decode()
        assert (today - dt.timedelta(days=30)).isoformat() in r.content.decode()
    assert not VerificationReport.objects.filter(application=app).exists()
    r = act(client, app, "verify", {"as_of": str(today - dt.timedelta(days=30))})
    assert r.status_code == 302
    assert VerificationReport.objects.get(application=app).as_of == today - dt.timedelta(days=30)


def test_the_verification_date_is_bounded_in_the_api_and_the_service(at, staff):
    app = at("accepted")
    today = timezone.localdate()
    for bad in [today + dt.timedelta(days=1), today - dt.timedelta(days=31), *FAR]:
        r = post(staff["township"], f"applications/{app.pk}/verify/", {"as_of": str(bad)})
        assert r.status_code == 400 and "核对基准日应在" in r.json()["as_of"][0], (bad, r.content)
    with pytest.raises(Exception) as exc:
        svc.application_verify(actor=staff["township"], application_id=app.pk, as_of=dt.date(9999, 12, 31))
    assert "核对基准日应在" in str(exc.value)
    assert not VerificationReport.objects.filter(application=app).exists()
    assert post(staff["township"], f"applications/{app.pk}/verify/", {"as_of": str(today)}).status_code == 200


def test_a_date_without_policy_parameters_is_a_form_error_not_a_500(client, at, staff):
    app = at("accepted")
    today = timezone.localdate()
    PolicyParameter.objects.filter(key="dibao_standard").update(effective_from=today - dt.timedelta(days=5))
    client.force_login(staff["township"])
    r = act(client, app, "verify", {"as_of": str(today - dt.timedelta(days=20))})
    assert r.status_code == 400 and "没有适用的政策标准" in r.content.decode()
    r = post(staff["township"], f"applications/{app.pk}/verify/", {"as_of": str(today - dt.timedelta(days=20))})
    assert r.status_code == 400 and "没有适用的政策标准" in r.json()["as_of"][0]
    assert not VerificationReport.objects.filter(application=app).exists()


def test_a_notice_starts_today_or_up_to_30_days_ahead_never_backdated(client, at, staff):
    app = at("visited")
    today = timezone.localdate()
    client.force_login(staff["township"])
    for bad in [today - dt.timedelta(days=1), today + dt.timedelta(days=31), *FAR]:
        r = act(client, app, "start_notice", {"starts_on": str(bad)})
        assert r.status_code == 400 and "公示开始日期应在" in r.content.decode(), bad
        r = post(staff["township"], f"applications/{app.pk}/start-notice/", {"starts_on": str(bad)})
        assert r.status_code == 400 and "公示开始日期应在" in r.json()["starts_on"][0], bad
    assert not PublicNotice.objects.filter(application=app).exists()
    r = act(client, app, "start_notice", {"starts_on": str(today + dt.timedelta(days=30))})
    assert r.status_code == 302
    assert PublicNotice.objects.get(application=app).starts_on == today + dt.timedelta(days=30)


def test_a_notice_closes_only_after_its_full_seven_days(client, at, staff):
    app = at("visited")
    client.force_login(staff["township"])
    assert post(staff["township"], f"applications/{app.pk}/start-notice/", {}).status_code == 200
    r = post(staff["township"], f"applications/{app.pk}/close-notice/")
    assert r.status_code == 409 and "公示须满 7 天" in str(r.json())
    elapse_notice(app, days=6)
    r = act(client, app, "close_notice", {})
    assert r.status_code == 400 and "公示须满 7 天" in r.content.decode()
    elapse_notice(app, days=1)
    assert post(staff["township"], f"applications/{app.pk}/close-notice/").json()["status"] == "decision"


def test_a_notice_backdated_before_the_fix_still_runs_its_days_from_posting(at, staff):
    app = at("visited")
    svc.notice_start(actor=staff["township"], application_id=app.pk)
    back = dt.timedelta(days=10)  # a row written when backdating was possible
    PublicNotice.objects.filter(application=app).update(starts_on=timezone.localdate() - back,
                                                         ends_on=timezone.localdate() - back + dt.timedelta(days=6))
    r = post(staff["township"], f"applications/{app.pk}/close-notice/")
    assert r.status_code == 409 and (timezone.localdate() + dt.timedelta(days=7)).isoformat() in str(r.json())


def test_a_visit_is_not_before_the_application_nor_in_the_future(client, at, staff):
    app = at("verified")
    now = timezone.localtime().replace(second=0, microsecond=0)
    client.force_login(staff["grid"])
    data = {"visitors": "网格员", "findings": "居住条件简陋"}
    for bad in [now - dt.timedelta(days=1), now + dt.timedelta(days=1)]:
        r = act(client, app, "record_visit", {**data, "visited_at": bad.strftime("%Y-%m-%dT%H:%M")})
        assert r.status_code == 400 and "入户时间" in r.content.decode(), bad
        r = post(staff["grid"], f"applications/{app.pk}/record-visit/", {**data, "visited_at": bad.isoformat()})
        assert r.status_code == 400 and "入户时间" in str(r.json()["visited_at"]), bad
    for far in ["0001-01-01T00:00", "9999-12-31T23:59"]:
        assert act(client, app, "record_visit", {**data, "visited_at": far}).status_code == 400, far
        assert post(staff["grid"], f"applications/{app.pk}/record-visit/",
                    {**data, "visited_at": far}).status_code == 400, far
    r = act(client, app, "record_visit", {**data, "visited_at": (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")})
    assert "不早于申请日期" in r.content.decode()
    assert not HomeVisit.objects.filter(application=app).exists()
    r = act(client, app, "record_visit", {**data, "visited_at": now.strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 302 and HomeVisit.objects.filter(application=app).count() == 1


def test_an_objection_is_received_between_the_notice_start_and_today(client, at, staff):
    app = at("visited")
    svc.notice_start(actor=staff["township"], application_id=app.pk)
    elapse_notice(app, days=2)
    start = timezone.localdate() - dt.timedelta(days=2)
    client.force_login(staff["grid"])
    for bad in [start - dt.timedelta(days=1), timezone.localdate() + dt.timedelta(days=1), *FAR]:
        r = client.post(reverse("assistance:application_act", args=[app.pk, "objection"]),
                        {"objection-content": "反映有收入", "objection-received_on": str(bad)})
        assert r.status_code == 400 and "异议收到日期" in r.content.decode(), bad
        r = post(staff["grid"], f"applications/{app.pk}/objections/", {"content": "反映有收入",
                                                                       "received_on": str(bad)})
        assert r.status_code == 400 and "异议收到日期" in str(r.json()["received_on"]), bad
    assert not Objection.objects.filter(notice__application=app).exists()
    r = post(staff["grid"], f"applications/{app.pk}/objections/", {"content": "反映有收入", "received_on": str(start)})
    assert r.status_code == 201


def test_roll_and_subsidy_months_are_bounded(city, staff, city_admin):
    today = timezone.localdate()
    district = city.district.code
    for bad in ["9999-12-01", "0001-01-01", str((today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
                                                 .replace(year=today.year - 1))]:
        r = post(staff["district"], "/api/v1/payments/rolls/generate/", {"district": district, "month": bad})
        assert r.status_code == 400 and "发放月份应在" in str(r.json()), bad
        r = post(city_admin, "price-subsidy-rounds/", {"name": "物价补贴", "month": bad, "amount_per_person": "60",
                                                 "multiplier": "1", "programmes": ["dibao"]})
        assert r.status_code == 400 and "发放月份应在" in str(r.json()), bad
    assert not PaymentRoll.objects.exists() and not PriceSubsidyRound.objects.exists()


def test_a_review_date_follows_the_verification_rule(at, staff):
    from assistance.models import Review

    app = at("approved")
    svc.review_round_start()
    review = Review.objects.get(benefit__household=app.household)
    reports = VerificationReport.objects.count()
    today = timezone.localdate()
    for bad in [today + dt.timedelta(days=1), today - dt.timedelta(days=31), *FAR]:
        r = post(staff["township"], f"reviews/{review.pk}/complete/", {"as_of": str(bad)})
        assert r.status_code == 400 and "核对基准日应在" in str(r.json()["as_of"]), bad
    assert VerificationReport.objects.count() == reports
    assert post(staff["township"], f"reviews/{review.pk}/complete/", {"as_of": str(today)}).status_code == 200
