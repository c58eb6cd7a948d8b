"""A programme the platform has never heard of registers a policy (tests/sampleprogramme/reg_guide.py)
and appears in the guide index, on its own page with a QR code and a poster, and in the self-check
result, with no platform code changed."""
from __future__ import annotations

import pytest

from tests.sampleprogramme import reg_guide

pytestmark = pytest.mark.django_db

SELF_CHECK = {"household_size": "2", "monthly_income": "5000", "youngest_age": "50", "disability": "none",
              "no_supporter": "no", "child_without_carer": "no", "district": "330203"}


@pytest.fixture
def sample_programme():
    reg_guide.register()
    yield
    reg_guide.unregister()


def test_the_sample_programme_is_not_in_the_guide_unless_it_registers(client, city):
    assert "样例高龄津贴" not in client.get("/guide/").content.decode()
    assert client.get("/guide/sample-allowance/").status_code == 404


def test_the_sample_programmes_policy_appears_in_the_guide_with_its_page_and_poster(client, city,
                                                                                   sample_programme):
    index = client.get("/guide/").content.decode()
    assert "样例程序政策" in index and "样例高龄津贴" in index
    assert index.index("社会救助政策指南") < index.index("样例程序政策")  # sections in their order
    page = client.get("/guide/sample-allowance/").content.decode()
    assert 'policy-amount">80<' in page  # the dated parameter, read for the city
    assert "<li>样例证明</li>" in page and 'class="qr-code"' in page
    assert client.get("/guide/sample-allowance/poster/").status_code == 200


@pytest.mark.parametrize("oldest, verdict, words", [
    ("79", "may_not", "未满样例津贴的起始年龄 80 岁"),
    ("80", "may", "已满样例津贴的起始年龄 80 岁"),
])
def test_the_sample_programmes_rule_answers_in_the_self_check(client, city, sample_programme, oldest, verdict,
                                                             words):
    html = client.post("/guide/self-check/", {**SELF_CHECK, "oldest_age": oldest}).content.decode()
    assert f'id="result-sample-allowance" data-outcome="{verdict}"' in html
    assert words in html
    assert 'id="result-dibao"' in html  # alongside assistance's programmes
