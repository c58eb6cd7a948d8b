"""The district approver's decision panel says first why a household cannot be approved, with
no proposed amount and no 确认批准 button, and points to the 不予批准 path."""
from __future__ import annotations

import pytest
from django.urls import reverse

from assistance.models import Decision
from civilaffairs.registry.imports import department_batch_import
from tests.assistance.conftest import monthly_income

pytestmark = pytest.mark.django_db


def _panel(client, app, user):
    client.force_login(user)
    html = client.get(reverse("assistance:application_detail", args=[app.pk])).content.decode()
    return html[html.index('id="action-approve"'):]


def test_a_household_over_the_asset_limit_is_shown_as_not_approvable_before_any_amount(client, draft, at, staff):
    head = draft.household.head
    department_batch_import(actor=None, source="bank", records=[
        {"id_number": head.reveal_id_number(), "kind": "financial_assets", "period_start": "2026-01-01",
         "period_end": "2026-01-31", "amount": "900000.00"}])
    app = at("decision")
    panel = _panel(client, app, staff["district"])
    assert "不能批准" in panel and "家庭人均金融资产超过上限" in panel
    assert "1905.00" not in panel  # the income top-up is not proposed
    assert "确认批准" not in panel and 'href="#action-reject"' in panel
    assert panel.index("不能批准") < panel.index('id="action-reject"')
    r = client.post(reverse("assistance:application_act", args=[app.pk, "approve"]), {"version": app.version})
    assert not Decision.objects.filter(application=app).exists() and r.status_code in (302, 400)


def test_a_household_above_the_income_line_is_shown_as_not_approvable(client, draft, at, staff):
    earner = draft.members.exclude(relation="head").first().person
    monthly_income(earner, "9000.00")
    app = at("decision")
    panel = _panel(client, app, staff["district"])
    assert "申请的项目均不符合条件" in panel and "确认批准" not in panel
    assert "元/月" not in panel.split('id="action-reject"')[0]


def test_an_approvable_household_still_gets_the_amount_and_the_button(client, at, staff):
    app = at("decision")
    panel = _panel(client, app, staff["district"])
    assert "1905.00 元/月" in panel and "确认批准" in panel and "不能批准" not in panel
