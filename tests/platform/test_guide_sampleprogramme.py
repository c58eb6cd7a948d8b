"""A programme the platform has never heard of registers a policy (tests/sampleprogramme/reg_guide.py)
and appears in the guide index, on its own page with a QR code and a poster, and in the self-check
result, with no platform code changed."""
from __future__ import annotations

import pytest

from tests.sampleprogramme import reg_guide

pytestmark = pytest.mark.django_db

SELF_CHECK = {"household_size": "2", "monthly_income": "5000", "youngest_age": "50", "disability": "none",
              "no_supporter": "no", "child_without_carer": "no", "district": "330203"}


@pytest.fixture(autouse=True)
def _sample_programme_absent():
    """The test settings install the sample programme (tests/sampleprogramme), whose app registers
    this on start; these tests count the registered programmes' figures, so they take it out and
    the ``sample_programme`` fixture brings it back."""
    reg_guide.unregister()
    yield
    reg_guide.register()


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


def test_a_self_check_rule_that_fails_answers_need_more_information_not_a_500(client, city, sample_programme,
                                                                               monkeypatch, caplog):
    import dataclasses

    from civilaffairs.portal import guide

    def broken(answers, *, on):
        raise ZeroDivisionError("a programme's bug")

    entry = guide.guide_entry("sample-allowance")
    monkeypatch.setitem(guide._ENTRIES, "sample-allowance", dataclasses.replace(entry, assess=broken))
    response = client.post("/guide/self-check/", {**SELF_CHECK, "oldest_age": "80", "monthly_income": "4321"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="result-sample-allowance" data-outcome="more_info"' in html
    assert "暂时无法自动测评此项政策" in html
    assert 'id="result-dibao"' in html  # the other programmes still answer
    assert "sample-allowance" in caplog.text and "4321" not in caplog.text
