"""Social assistance in the public policy guide: 低保, 低边, 特困 and 临时救助 in plain words, with
the values in force (dated, region-scoped policy parameters: a district's own value wins over the
city's), the materials to bring, and the self-check rules (POLICY.md "Programmes"). Registered from
``AssistanceConfig.ready``; the portal's guide knows nothing of this module."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from civilaffairs.portal.guide import (
    Answers,
    Assessment,
    Figure,
    GuideEntry,
    GuideSection,
    Outcome,
    register_guide_entry,
    register_guide_section,
    yuan,
)
from civilaffairs.registry.models import PolicyParameter
from civilaffairs.registry.selectors import ParameterMissing, parameter_row

from .models import MaterialKind

PER_MONTH = _("元/人·月")
TEKUN_CHILD_AGE = 16
TEKUN_ELDER_AGE = 60
SEVERE_DISABILITY_GRADES = (1, 2)

WHERE = _("向户籍所在地或经常居住地的乡镇人民政府（街道办事处）提出申请，也可以请村（社区）工作人员帮您代办。")
HOW = (
    _("在网上申请：登录本平台（居民可用手机号或身份证号登录），点击“申请救助”，按步骤填写家庭成员和收入，上传材料。"),
    _("带上身份证、户口簿，以及收入、财产等相关材料；能从其他部门查到的材料不用重复提交。"),
    _("工作人员会入户调查、核对家庭经济状况，并在村（社区）公示。"),
    _("审批通过后按月发放，资金直接打入您的银行账户。"),
)


def _row(key: str, region_code: str, on: dt.date) -> PolicyParameter | None:
    try:
        return parameter_row(key=key, region_code=region_code, on=on)
    except ParameterMissing:
        return None


def _value(key: str, region_code: str, on: dt.date) -> Decimal | None:
    row = _row(key, region_code, on)
    return None if row is None else row.value


def _product(*values: Decimal | None) -> Decimal | None:
    if any(v is None for v in values):
        return None
    result = Decimal(1)
    for v in values:
        result *= v
    return result


def _materials(*kinds: MaterialKind) -> tuple[str, ...]:
    return tuple(MaterialKind(kind).label for kind in kinds)


def _place(row: PolicyParameter, answers: Answers) -> str:
    """Whose standard it is: the district's own value, or the city's (inherited)."""
    return answers.district_name if row.region_id.startswith(answers.district_code) else _t("本市")


def _income_words(answers: Answers) -> dict:
    return {"pci": yuan(answers.per_capita_income), "total": yuan(answers.monthly_income),
            "n": answers.household_size}


def _standard_missing() -> Assessment:
    return Assessment(Outcome.MORE_INFO, (_t("您所在地区的低保标准暂未公布，请咨询所在乡镇（街道）。"),))


def _asset_limit(region_code: str, on: dt.date) -> Decimal | None:
    """Per-person financial assets allowed: the annual 低保 standard × the asset multiplier."""
    return _product(_value("dibao_standard", region_code, on), Decimal(12),
                    _value("asset_limit_multiplier", region_code, on))


def _asset_note(region_code: str, on: dt.date) -> str:
    limit = _asset_limit(region_code, on)
    if limit is None:
        return _t("家庭财产（存款、房产、车辆等）也须符合规定，工作人员会核对。")
    return _t("家庭财产也须符合规定：人均存款等金融资产一般不超过 %(limit)s 元，且没有规定以外的房产、车辆，"
              "工作人员会核对。") % {"limit": yuan(limit)}


@dataclass(frozen=True)
class IncomeLines:
    """The two income lines of 低保 and 低边, defined once for every self-check and figure: 低保 is a
    per-capita income below the standard, 低边 one from the standard up to below standard × multiplier.
    Compared on exact values (POLICY.md "Arithmetic"); the figures round for display only."""

    row: PolicyParameter  # the 低保 standard in force (whose it is: the district's or the city's)
    multiplier: Decimal | None  # the 低边 multiplier, None if not published

    @property
    def standard(self) -> Decimal:
        return self.row.value

    @property
    def dibian_line(self) -> Decimal | None:
        return None if self.multiplier is None else self.standard * self.multiplier

    def below_dibao(self, answers: Answers) -> bool:
        return answers.per_capita_income < self.standard

    def in_dibian_band(self, answers: Answers) -> bool:
        line = self.dibian_line
        return line is not None and self.standard <= answers.per_capita_income < line

    def dibao_top_up(self, answers: Answers) -> Decimal:
        """(standard × members) − the household's income, on exact values."""
        return self.standard * answers.household_size - answers.monthly_income

    def words(self, answers: Answers) -> dict:
        words = {**_income_words(answers), "place": _place(self.row, answers), "std": yuan(self.standard)}
        if self.multiplier is not None:
            words.update(line=yuan(self.dibian_line), m=yuan(self.multiplier))
        return words


def income_lines(region_code: str, on: dt.date) -> IncomeLines | None:
    row = _row("dibao_standard", region_code, on)
    return None if row is None else IncomeLines(row, _value("dibian_multiplier", region_code, on))


# --- 低保 -------------------------------------------------------------------------------------

def dibao_figures(*, region_code: str, on: dt.date) -> list[Figure]:
    return [Figure(_("低保标准"), _value("dibao_standard", region_code, on), PER_MONTH),
            Figure(_("人均金融资产上限"), _asset_limit(region_code, on), _("元/人"))]


def dibao_assess(answers: Answers, *, on: dt.date) -> Assessment:
    lines = income_lines(answers.district_code, on)
    if lines is None:
        return _standard_missing()
    words = lines.words(answers)
    if lines.below_dibao(answers):
        return Assessment(Outcome.MAY, (
            _t("家庭月人均收入 %(pci)s 元（%(total)s 元 ÷ %(n)s 人），低于%(place)s低保标准 %(std)s 元。") % words,
            _asset_note(answers.district_code, on),
            _t("如果审核通过，每月保障金约为 %(amount)s 元（低保标准 × 人数 − 家庭月收入），以审核结果为准。")
            % {"amount": yuan(lines.dibao_top_up(answers))},
        ))
    return Assessment(Outcome.MAY_NOT, (
        _t("家庭月人均收入 %(pci)s 元（%(total)s 元 ÷ %(n)s 人），不低于%(place)s低保标准 %(std)s 元。") % words,
    ))


def dibao_hint(*, ages: list[int], region_code: str, on: dt.date) -> str:
    standard = _value("dibao_standard", region_code, on)
    return _t("如果您家庭人均月收入低于 %(amount)s 元，可以申请低保。") % {
        "amount": "—" if standard is None else yuan(standard).replace(",", "")}


# --- 低保边缘 -----------------------------------------------------------------------------------

def dibian_figures(*, region_code: str, on: dt.date) -> list[Figure]:
    lines = income_lines(region_code, on)
    multiplier = _value("dibian_multiplier", region_code, on)
    label = _t("收入上限（低保标准×%(m)s）") % {"m": "—" if multiplier is None else yuan(multiplier)}
    return [Figure(label, None if lines is None else lines.dibian_line, PER_MONTH)]


def dibian_assess(answers: Answers, *, on: dt.date) -> Assessment:
    lines = income_lines(answers.district_code, on)
    if lines is None or lines.multiplier is None:
        return _standard_missing()
    words = lines.words(answers)
    if lines.below_dibao(answers):
        return Assessment(Outcome.MAY_NOT, (
            _t("家庭月人均收入 %(pci)s 元，低于%(place)s低保标准 %(std)s 元：请直接申请低保（低保家庭同样可以享受"
               "专项救助），不需要另外认定低保边缘家庭。") % words,))
    if lines.in_dibian_band(answers):
        return Assessment(Outcome.MAY, (
            _t("家庭月人均收入 %(pci)s 元（%(total)s 元 ÷ %(n)s 人），不低于%(place)s低保标准 %(std)s 元，"
               "但低于低保边缘标准 %(line)s 元（低保标准的 %(m)s 倍）。") % words,
            _asset_note(answers.district_code, on),
        ))
    return Assessment(Outcome.MAY_NOT, (
        _t("家庭月人均收入 %(pci)s 元（%(total)s 元 ÷ %(n)s 人），不低于%(place)s低保边缘标准 %(line)s 元"
           "（低保标准的 %(m)s 倍）。") % words,))


def dibian_hint(*, ages: list[int], region_code: str, on: dt.date) -> str:
    return _t("如果家庭人均月收入略高于低保标准，可以申请认定为低保边缘家庭，享受专项救助。")


# --- 特困 ---------------------------------------------------------------------------------------

def tekun_figures(*, region_code: str, on: dt.date) -> list[Figure]:
    return [Figure(_("基本生活标准"), _value("tekun_basic_standard", region_code, on), PER_MONTH),
            Figure(_("照料护理补贴（全护理）"), _value("tekun_care_full", region_code, on), PER_MONTH),
            Figure(_("照料护理补贴（半护理）"), _value("tekun_care_partial", region_code, on), PER_MONTH),
            Figure(_("照料护理补贴（自理）"), _value("tekun_care_self", region_code, on), PER_MONTH)]


def _tri_or(*values: bool | None) -> bool | None:
    if any(v is True for v in values):
        return True
    if any(v is None for v in values):
        return None
    return False


def tekun_assess(answers: Answers, *, on: dt.date) -> Assessment:
    """No work capacity (an elder ≥ 60, a child under 16, a severely disabled person), no means of
    living (income below the 低保 standard) and no supporter able to support: all three."""
    lines = income_lines(answers.district_code, on)
    if lines is None:
        return _standard_missing()
    refusals: list[str] = []
    unknowns: list[str] = []
    groups: list[str] = []
    if answers.anyone_aged(TEKUN_ELDER_AGE):
        groups.append(_t("%(age)s 岁的老人") % {"age": answers.oldest_age})
    if answers.youngest_age < TEKUN_CHILD_AGE:
        groups.append(_t("%(age)s 岁的孩子") % {"age": answers.youngest_age})
    if answers.disability_grade in SEVERE_DISABILITY_GRADES:
        groups.append(_t("%(grade)s 级残疾人") % {"grade": answers.disability_grade})
    if groups:
        group_reason = _t("家中有%(who)s，属于特困供养的对象范围（60 周岁以上老人、未满 16 周岁的未成年人、"
                          "重度残疾人）。") % {"who": "、".join(groups)}
    elif answers.disability_grade is not None:
        unknowns.append(_t("家中最年长的成员 %(old)s 岁（未满 60 岁）、最年幼的 %(young)s 岁（已满 16 岁）；"
                           "%(grade)s 级残疾人是否完全丧失劳动能力，需要工作人员评估。")
                        % {"old": answers.oldest_age, "young": answers.youngest_age,
                           "grade": answers.disability_grade})
    else:
        refusals.append(_t("家中最年长的成员 %(old)s 岁（未满 60 岁）、最年幼的 %(young)s 岁（已满 16 岁），也没有"
                           "重度残疾人；特困供养只针对这几类没有劳动能力的人员。")
                        % {"old": answers.oldest_age, "young": answers.youngest_age})
    words = lines.words(answers)
    if lines.below_dibao(answers):
        income_reason = _t("家庭月人均收入 %(pci)s 元，低于%(place)s低保标准 %(std)s 元，可视为没有生活来源。") % words
    else:
        income_reason = ""
        refusals.append(_t("家庭月人均收入 %(pci)s 元，不低于%(place)s低保标准 %(std)s 元；特困人员须没有生活来源"
                           "（收入低于低保标准）。") % words)
    child_alone = answers.child_without_carer if answers.youngest_age < TEKUN_CHILD_AGE else False
    unsupported = _tri_or(answers.no_supporter, child_alone)
    if unsupported is False:
        refusals.append(_t("您选择了家中没有“无人赡养、抚养或扶养”的成员；特困供养只针对没有法定义务人、"
                           "或义务人没有能力履行义务的人员。"))
    elif unsupported is None:
        unknowns.append(_t("是否有能够履行赡养、抚养、扶养义务的亲属，需要工作人员核实。"))
    if refusals:
        return Assessment(Outcome.MAY_NOT, tuple(refusals))
    if unknowns:
        return Assessment(Outcome.MORE_INFO, tuple(r for r in (group_reason if groups else "", income_reason,
                                                               *unknowns) if r))
    basic = _value("tekun_basic_standard", answers.district_code, on)
    amount = (_t("特困人员每人每月基本生活费 %(basic)s 元，另按生活自理能力发放照料护理补贴。")
              % {"basic": yuan(basic)}) if basic is not None else ""
    return Assessment(Outcome.MAY, tuple(r for r in (group_reason, income_reason, amount) if r))


def tekun_hint(*, ages: list[int], region_code: str, on: dt.date) -> str | None:
    if any(age >= TEKUN_ELDER_AGE or age < TEKUN_CHILD_AGE for age in ages):
        return _t("您家中有老年人或未满16周岁的孩子；如果他们无人赡养或抚养、没有收入来源，可以申请特困供养。")
    return None


# --- 临时救助 -----------------------------------------------------------------------------------

def temporary_figures(*, region_code: str, on: dt.date) -> list[Figure]:
    return [Figure(_("一般救助金额"), _value("temporary_aid_default", region_code, on), _("元")),
            Figure(_("单次救助上限"), _value("temporary_aid_ceiling", region_code, on), _("元"))]


def temporary_assess(answers: Answers, *, on: dt.date) -> Assessment:
    reasons = [_t("临时救助看的是突发的困难，而不是平时的收入：因火灾、交通事故、突发重大疾病等，基本生活暂时"
                  "出现严重困难的，随时可以申请；自测问卷无法判断，请向乡镇（街道）或社区说明情况。")]
    default = _value("temporary_aid_default", answers.district_code, on)
    if default is not None:
        reasons.append(_t("一般一次救助 %(amount)s 元左右，紧急情况可以先救助、后补办手续。") % {"amount": yuan(default)})
    return Assessment(Outcome.MORE_INFO, tuple(reasons))


def temporary_hint(*, ages: list[int], region_code: str, on: dt.date) -> str:
    return _t("遇到突发事件、重病等急难情况时，可以随时申请临时救助。")


INCOME_MATERIALS = _materials(MaterialKind.ID_CARD, MaterialKind.HOUSEHOLD_REGISTER, MaterialKind.INCOME_PROOF)

ENTRIES = (
    GuideEntry(
        slug="dibao", programme="assistance", order=10, title=_("最低生活保障（低保）"),
        summary=_("家里人均每月收入低于低保标准、家庭财产也不多的，政府每月补上差额。"),
        who=_("家庭人均月收入低于当地低保标准，且家庭财产（存款、房产、车辆等）符合规定的城乡居民家庭。"),
        benefit=_("按“低保标准减去家庭人均收入”的差额按月发放保障金，并可享受医疗、教育、住房等专项救助。"),
        figures=dibao_figures, assess=dibao_assess, hint=dibao_hint,
        materials=INCOME_MATERIALS, where=WHERE, how=HOW, apply_url_name="assistance:apply"),
    GuideEntry(
        slug="dibian", programme="assistance", order=20, title=_("低保边缘家庭"),
        summary=_("收入比低保标准高一点、生活仍然困难的家庭，可以认定为低保边缘家庭，看病、上学、住房有专项救助。"),
        who=_("家庭人均月收入高于低保标准、但不超过低保标准一定倍数，且家庭财产符合规定的家庭。"),
        benefit=_("不发放低保金，但可以申请医疗、教育、住房、就业等专项救助，遇到困难优先帮扶。"),
        figures=dibian_figures, assess=dibian_assess, hint=dibian_hint,
        materials=INCOME_MATERIALS, where=WHERE, how=HOW, apply_url_name="assistance:apply"),
    GuideEntry(
        slug="tekun", programme="assistance", order=30, title=_("特困人员救助供养"),
        summary=_("没有劳动能力、没有生活来源、也没有人赡养或抚养的老人、残疾人和孩子，由政府供养。"),
        who=_("无劳动能力、无生活来源，且没有法定赡养、抚养、扶养义务人（或义务人无能力履行）的老年人、残疾人和未满16周岁的未成年人。"),
        benefit=_("按月发放基本生活费，并根据生活自理能力发放照料护理补贴；可以选择在家分散供养或到供养机构集中供养。"),
        figures=tekun_figures, assess=tekun_assess, hint=tekun_hint,
        materials=_materials(MaterialKind.ID_CARD, MaterialKind.HOUSEHOLD_REGISTER, MaterialKind.INCOME_PROOF,
                             MaterialKind.DISABILITY),
        where=WHERE, how=HOW, apply_url_name="assistance:apply"),
    GuideEntry(
        slug="linshi", programme="assistance", order=40, title=_("临时救助"),
        summary=_("遇到火灾、车祸、重病等突发困难，一时过不去的，可以申请一次性救助。"),
        who=_("因火灾、交通事故、突发重大疾病等意外，或生活必需支出突然增加，导致基本生活暂时出现严重困难的家庭或个人。"),
        benefit=_("根据困难情况一次性给予资金或实物帮助，紧急情况可以先救助、后补办手续。"),
        figures=temporary_figures, assess=temporary_assess, hint=temporary_hint,
        materials=_materials(MaterialKind.ID_CARD, MaterialKind.HOUSEHOLD_REGISTER, MaterialKind.MEDICAL_BILL),
        where=WHERE, how=HOW, apply_url_name="assistance:apply"),
)


SECTION = GuideSection(
    programme="assistance", order=10, title=_("社会救助政策指南"),
    intro=_("生活遇到困难，政府来帮您。下面用通俗的话介绍四项主要的社会救助政策，以及本市现行的标准。"))


def register() -> None:
    register_guide_section(SECTION)
    for entry in ENTRIES:
        register_guide_entry(entry)
