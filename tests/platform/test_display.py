"""People see names and labels, not the codes stored in records and sealed reports, and Chinese
wording with Chinese punctuation where Django's and django-axes' own text would show."""
from __future__ import annotations

import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from civilaffairs.portal.templatetags.display import choice_labels
from tests.assistance.conftest import at, draft, poor_household, staff  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_the_verification_report_names_the_region_relations_and_departments(client, at, township_officer):
    app = at("verified")
    report = app.verification_reports.get()
    client.force_login(township_officer)
    html = client.get(reverse("assistance:report_detail", args=[report.pk])).content.decode()
    body = text(html)
    assert "宁波市" in body
    assert not re.search(r">\s*3302\s*<", html)
    assert "户主" in body and ">head<" not in html
    assert "人社" in body and ">hrss<" not in html


def test_the_seal_check_says_its_label_once(client, at, township_officer):
    report = at("verified").verification_reports.get()
    client.force_login(township_officer)
    html = client.get(reverse("assistance:report_detail", args=[report.pk])).content.decode()
    assert "签章验证：有效" in html
    assert text(html).count("签章验证") == 1


def test_programme_codes_are_shown_as_labels():
    labels = choice_labels(["dibao", "temporary"], "assistance.models.Programme")
    assert labels == ["最低生活保障（低保）", "临时救助"]


def test_the_admin_shows_the_pre_check_as_a_list_not_json(client, at, admin_user):
    app = at("submitted")
    client.force_login(admin_user)
    html = client.get(reverse("admin:assistance_application_change", args=[app.pk])).content.decode()
    assert 'class="precheck-list"' in html
    assert "低保标准" in html
    assert '"hints"' not in html and "&quot;hints&quot;" not in html


def test_the_axes_admin_pages_are_in_chinese(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "登录尝试" in html
    assert "Access attempts" not in html and "access attempts" not in html


class Sample(forms.Form):
    name = forms.CharField(max_length=5)
    kind = forms.ChoiceField(choices=[("a", "甲")])


def test_form_errors_are_chinese_sentences_ending_in_a_chinese_full_stop():
    with translation.override("zh-hans"):
        errors = Sample(data={"name": "", "kind": "zzz"}).errors
        too_long = Sample(data={"name": "一二三四五六", "kind": "a"}).errors
    messages = [*errors["name"], *errors["kind"], *too_long["name"]]
    assert errors["name"] == ["此项为必填项。"]
    assert too_long["name"] == ["最多可填 5 个字（现有 6 个）。"]
    for message in messages:
        assert message.endswith("。"), message
        assert not re.search(r"[\u4e00-\u9fff][.(]|\. ", message), message


def test_the_english_interface_keeps_djangos_english_messages():
    with translation.override("en"):
        assert Sample(data={"name": ""}).errors["name"] == ["This field is required."]


# --- The English interface translates what was stored in Chinese ------------------------------

def english(client):
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    return client


def submitted_in_chinese(at):
    """Services store their sentences in the language active when they ran: here Chinese (a
    request of an earlier test may have left English active in this thread)."""
    with translation.override("zh-hans"):
        app = at("submitted")
    assert "根据已掌握的部门数据" in app.precheck["hints"][0]
    return app


def test_the_inbox_shows_stored_notification_titles_in_english(client, at, resident):
    submitted_in_chinese(at)
    client.force_login(resident)
    html = english(client).get(reverse("notifications:list")).content.decode()
    assert "Your assistance application" in html
    assert "您的救助申请" not in html
    assert "已提交，待受理" not in html


def test_the_application_page_shows_pre_check_hints_and_the_submit_note_in_english(
        client, at, township_officer):
    app = submitted_in_chinese(at)
    client.force_login(township_officer)
    html = english(client).get(reverse("assistance:application_detail", args=[app.pk])).content.decode()
    assert "Based on departmental data on file" in html
    assert "根据已掌握的部门数据" not in html


def test_the_report_dates_follow_the_language(client, at, township_officer):
    report = at("verified").verification_reports.get()
    client.force_login(township_officer)
    url = reverse("assistance:report_detail", args=[report.pk])
    chinese = f"{report.as_of.year}年{report.as_of.month}月{report.as_of.day}日"
    assert chinese in client.get(url).content.decode()
    html = english(client).get(url).content.decode()
    assert f"{report.as_of.day}, {report.as_of.year}" in html
    assert chinese not in html


def test_the_application_steps_are_labelled_in_english(client, resident, draft):
    client.force_login(resident)
    html = english(client).get(reverse("assistance:apply_members", args=[draft.pk])).content.decode()
    for label in ("1 Programmes", "2 Household members and income", "3 Upload documents"):
        assert label in html  # the labels were translated once, at import, in the default language
    for label in ("申请项目", "家庭成员与收入", "上传材料", "确认提交"):
        assert label not in text(html)
    client.cookies.pop("django_language")
    assert "2 家庭成员与收入" in client.get(reverse("assistance:apply_members", args=[draft.pk])).content.decode()


def test_the_action_cards_beyond_the_workflow_are_labelled_in_english(client, at, township_officer):
    app = at("notice")
    client.force_login(township_officer)
    html = english(client).get(reverse("assistance:application_detail", args=[app.pk])).content.decode()
    assert "Register public notice objection" in html  # a module-level label, translated once at import
    assert "登记公示异议" not in html


def test_the_subsidy_rounds_page_names_the_programmes(client, city_admin):
    from decimal import Decimal

    from django.utils import timezone

    from assistance import services as svc

    svc.price_subsidy_round_create(actor=city_admin, name="本月物价补贴", month=timezone.localdate().replace(day=1),
                                   amount_per_person=Decimal("60.00"), programmes=["dibao", "temporary"])
    client.force_login(city_admin)
    html = client.get(reverse("assistance:subsidy_rounds")).content.decode()
    assert "最低生活保障（低保）、临时救助" in html
    assert "dibao" not in text(html) and "temporary" not in text(html)  # was "dibao、temporary"
