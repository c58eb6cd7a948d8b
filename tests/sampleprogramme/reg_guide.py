"""The sample programme's policy-guide entry: one policy with a self-check rule, proving that a new
programme appears in the guide, on its own page and in the self-check without platform changes."""
from __future__ import annotations

import datetime as dt

from civilaffairs.portal.guide import (
    Answers,
    Assessment,
    Figure,
    GuideEntry,
    GuideSection,
    Outcome,
    register_guide_entry,
    register_guide_section,
    unregister_guide_entry,
    unregister_guide_section,
)
from civilaffairs.registry.selectors import ParameterMissing, parameter_value

PROGRAMME = "sampleprogramme"
SLUG = "sample-allowance"


def _age(region_code: str, on: dt.date):
    try:
        return parameter_value(key="high_age_allowance_age", region_code=region_code, on=on)
    except ParameterMissing:
        return None


def figures(*, region_code: str, on: dt.date) -> list[Figure]:
    return [Figure("起始年龄", _age(region_code, on), "岁")]


def assess(answers: Answers, *, on: dt.date) -> Assessment:
    age = _age(answers.district_code, on)
    if age is None:
        return Assessment(Outcome.MORE_INFO, ("样例津贴的起始年龄暂未公布。",))
    if answers.anyone_aged(int(age)):
        return Assessment(Outcome.MAY, (f"家中年龄最大的成员 {answers.oldest_age} 岁，已满样例津贴的起始年龄 {age:.0f} 岁。",))
    return Assessment(Outcome.MAY_NOT, (f"家中年龄最大的成员 {answers.oldest_age} 岁，未满样例津贴的起始年龄 {age:.0f} 岁。",))


ENTRY = GuideEntry(
    slug=SLUG, programme=PROGRAMME, order=900, title="样例高龄津贴",
    summary="样例程序登记的政策：家中有高龄老人的，每月领取津贴。", who="家中有达到起始年龄的老人。",
    benefit="每月发放样例津贴。", figures=figures, assess=assess,
    materials=("身份证", "样例证明"), where="所在乡镇（街道）样例窗口。", how=("登录后在线申请。",),
    apply_url_name="portal:home")


def register() -> None:
    register_guide_section(GuideSection(programme=PROGRAMME, title="样例程序政策", order=900))
    register_guide_entry(ENTRY)


def unregister() -> None:
    unregister_guide_entry(SLUG)
    unregister_guide_section(PROGRAMME)
