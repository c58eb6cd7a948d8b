"""What each kind of department fact means: its shape, its typed attributes, their labels.

The one place a record kind is declared. The import turns what a department sends into the
canonical values declared here (``canonical_attributes``) or rejects the row with a reason;
the reader (``facts.reader``) interprets only canonical values; the import help page lists
this module's declarations. A kind's *shape* says how its period is read (POLICY.md "Windows"):

- ``MONTHLY``   an amount for one month (income, pension): the record belongs to the month
                its period starts in; "the last 12 months" is the 12 whole calendar months
                before the month of the check.
- ``EXPENSE``   an amount spent on a date (``period_start``): counted in the 12-month window
                by that date.
- ``BALANCE``   a balance on a date (``period_end``): the latest balance per source and
                account on or before the check date, within the window.
- ``HOLDING``   something held from ``period_start`` to ``period_end`` (property, vehicle):
                counts on the days it is held.
- ``STATUS``    a status valid from ``period_start`` to ``period_end`` (certificate, custody,
                enrolment, illness): holds on the days of its validity period, not for a
                12-month window. An open end is sent as an empty "期间止" and stored as
                ``OPEN_END``.
- ``EVENT``     something that happened on ``period_start`` (death, a court declaration).

Values are stored canonically in ``DepartmentRecord.attributes``: integers and booleans as JSON
numbers and booleans, dates as ISO text, choices by their code, decimals as text with their
declared places. Attributes a department sends that a kind does not declare are kept as sent
(text) and never interpreted.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import NATURAL_KEY_ATTRIBUTES, NATURAL_KEY_EPOCH, RecordKind

# The stored end of a status or holding whose end is not known (sent with an empty 期间止).
OPEN_END = dt.date(9999, 12, 31)

MONTHLY, EXPENSE, BALANCE, HOLDING, STATUS, EVENT = "monthly", "expense", "balance", "holding", "status", "event"
SHAPE_LABELS = {
    MONTHLY: gettext_lazy("按月金额（期间起所在月份）"), EXPENSE: gettext_lazy("支出金额（期间起为发生日期）"),
    BALANCE: gettext_lazy("某日余额（期间止为余额日期）"), HOLDING: gettext_lazy("持有期间（起止）"),
    STATUS: gettext_lazy("有效期间（起止，期间止可空表示长期）"), EVENT: gettext_lazy("事件（期间起为发生日期）"),
}
INT, BOOL, DATE, CHOICE, TEXT, DECIMAL = "int", "bool", "date", "choice", "text", "decimal"
TYPE_LABELS = {INT: gettext_lazy("整数"), BOOL: gettext_lazy("是/否"), DATE: gettext_lazy("日期"),
               CHOICE: gettext_lazy("选项"), TEXT: gettext_lazy("文本"), DECIMAL: gettext_lazy("数值")}

MAX_TEXT = 200


class AttributeError_(Exception):  # noqa: N801 - not the builtin: a department attribute that cannot be read
    def __init__(self, name: str, reason: str):
        super().__init__(reason)
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class Attribute:
    name: str
    label: Promise | str
    type: str = TEXT
    required: bool = False
    unit: str = ""
    # CHOICE: code -> label; labels and codes are both accepted on import.
    choices: tuple[tuple[str, Promise | str], ...] = ()
    # INT / DECIMAL bounds (inclusive).
    min: int | None = None
    max: int | None = None
    places: int = 2
    # Other names a department may send this attribute under (Chinese or English).
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class KindSchema:
    kind: str
    shape: str
    amount_required: bool = False
    amount_label: Promise | str = ""
    attributes: tuple[Attribute, ...] = ()
    # Attributes that tell two facts of the same kind, person and period apart (a bill number,
    # a vehicle plate): part of the fact's identity for re-delivery (see ``natural_key``).
    key_attributes: tuple[str, ...] = ()
    open_end_allowed: bool = False

    @property
    def label(self):
        return RecordKind(self.kind).label

    def attribute(self, name: str) -> Attribute | None:
        return _ATTRIBUTE_INDEX[self.kind].get(name)


_TEXT_TYPE = Attribute("type", gettext_lazy("类型"), aliases=("类型", "种类"))


def _bill(label=gettext_lazy("票据号")) -> Attribute:
    return Attribute("bill_no", label, aliases=("bill", "票据号", "单据号", "结算单号"))


DISABILITY_CATEGORIES = (
    ("visual", gettext_lazy("视力")), ("hearing", gettext_lazy("听力")), ("speech", gettext_lazy("言语")),
    ("physical", gettext_lazy("肢体")), ("intellectual", gettext_lazy("智力")), ("mental", gettext_lazy("精神")),
    ("multiple", gettext_lazy("多重")),
)
CUSTODY_KINDS = (
    ("prison", gettext_lazy("服刑")), ("detention", gettext_lazy("羁押")),
    ("drug_rehab", gettext_lazy("强制隔离戒毒")), ("other", gettext_lazy("其他限制人身自由")),
)
ENROLMENT_STATUSES = (
    ("enrolled", gettext_lazy("在读")), ("suspended", gettext_lazy("休学")), ("dropped_out", gettext_lazy("辍学")),
)
COURT_DECLARATIONS = (("death", gettext_lazy("宣告死亡")), ("missing", gettext_lazy("宣告失踪")))

SCHEMAS: dict[str, KindSchema] = {s.kind: s for s in (
    KindSchema(RecordKind.INCOME, MONTHLY, amount_required=True, amount_label=gettext_lazy("当月收入（元）"),
               attributes=(_TEXT_TYPE, Attribute("employer", gettext_lazy("单位"), aliases=("单位", "工作单位"))),
               key_attributes=("employer",)),
    KindSchema(RecordKind.PENSION, MONTHLY, amount_required=True, amount_label=gettext_lazy("当月养老金（元）"),
               attributes=(_TEXT_TYPE,)),
    KindSchema(RecordKind.MEDICAL_EXPENSE, EXPENSE, amount_required=True,
               amount_label=gettext_lazy("个人负担医疗费用（元）"),
               attributes=(Attribute("hospital", gettext_lazy("医院"), aliases=("医院", "医疗机构")), _TEXT_TYPE,
                           Attribute("diagnosis", gettext_lazy("诊断"), aliases=("诊断", "疾病")), _bill()),
               key_attributes=("bill_no",)),
    KindSchema(RecordKind.EDUCATION_EXPENSE, EXPENSE, amount_required=True,
               amount_label=gettext_lazy("教育支出（元）"), attributes=(_TEXT_TYPE, _bill()),
               key_attributes=("bill_no",)),
    KindSchema(RecordKind.FINANCIAL_ASSETS, BALANCE, amount_required=True, amount_label=gettext_lazy("余额（元）"),
               attributes=(_TEXT_TYPE, Attribute("account", gettext_lazy("账户（脱敏）"),
                                                 aliases=("账户", "账号", "account_masked"))),
               key_attributes=("account",)),
    KindSchema(RecordKind.REAL_ESTATE, HOLDING, open_end_allowed=True, attributes=(
        Attribute("is_home", gettext_lazy("是否家庭自住房"), BOOL,
                  aliases=("exempt", "自住", "是否自住", "家庭住房", "唯一住房")),
        _TEXT_TYPE, Attribute("area", gettext_lazy("面积"), DECIMAL, unit="㎡", min=0, max=100000,
                              aliases=("面积",)),
        Attribute("certificate_no", gettext_lazy("不动产权证号"), aliases=("证号", "产权证号"))),
        key_attributes=("certificate_no",)),
    KindSchema(RecordKind.VEHICLE, HOLDING, open_end_allowed=True, attributes=(
        Attribute("exempt", gettext_lazy("是否豁免（不计入家庭财产）"), BOOL, aliases=("豁免", "是否豁免")),
        Attribute("reason", gettext_lazy("豁免理由"), aliases=("理由", "豁免理由")),
        Attribute("plate_masked", gettext_lazy("号牌（脱敏）"), aliases=("号牌", "车牌", "plate")),
        Attribute("model", gettext_lazy("车型"), aliases=("车型",))),
        key_attributes=("plate_masked",)),
    KindSchema(RecordKind.DISABILITY, STATUS, open_end_allowed=True, attributes=(
        Attribute("grade", gettext_lazy("残疾等级"), INT, required=True, min=1, max=4, aliases=("等级", "残疾等级")),
        Attribute("category", gettext_lazy("残疾类别"), CHOICE, choices=DISABILITY_CATEGORIES,
                  aliases=("type", "类别", "残疾类别", "残疾类型")))),
    KindSchema(RecordKind.SERIOUS_ILLNESS, STATUS, open_end_allowed=True, attributes=(
        Attribute("diagnosis", gettext_lazy("诊断"), aliases=("诊断", "疾病", "病种")),)),
    KindSchema(RecordKind.CHRONIC_ILLNESS, STATUS, open_end_allowed=True, attributes=(
        Attribute("diagnosis", gettext_lazy("诊断"), aliases=("disease", "诊断", "疾病", "病种")),)),
    KindSchema(RecordKind.EMPLOYMENT, STATUS, open_end_allowed=True, attributes=(
        Attribute("employer", gettext_lazy("单位"), aliases=("单位", "工作单位")),
        Attribute("city", gettext_lazy("工作地"), aliases=("工作地", "城市")),
        Attribute("away", gettext_lazy("是否外出"), BOOL, aliases=("外出",)))),
    KindSchema(RecordKind.SOCIAL_INSURANCE, STATUS, open_end_allowed=True, attributes=(
        _TEXT_TYPE, Attribute("months", gettext_lazy("缴费月数"), INT, min=0, max=1200, aliases=("月数", "缴费月数")))),
    KindSchema(RecordKind.SCHOOL_ENROLMENT, STATUS, open_end_allowed=True, attributes=(
        Attribute("school", gettext_lazy("学校"), aliases=("学校",)),
        Attribute("grade", gettext_lazy("年级"), INT, min=1, max=12, aliases=("年级",)),
        Attribute("level", gettext_lazy("学段"), aliases=("学段",)),
        Attribute("status", gettext_lazy("学籍状态"), CHOICE, choices=ENROLMENT_STATUSES,
                  aliases=("学籍状态", "状态")),
        Attribute("absence_days", gettext_lazy("缺勤天数"), INT, min=0, max=366, unit=gettext_lazy("天"),
                  aliases=("缺勤天数", "缺课天数")))),
    KindSchema(RecordKind.DEATH, EVENT),
    KindSchema(RecordKind.CUSTODY, STATUS, open_end_allowed=True, attributes=(
        Attribute("custody_kind", gettext_lazy("限制人身自由类型"), CHOICE, required=True, choices=CUSTODY_KINDS,
                  aliases=("type", "类型", "羁押类型")),)),
    KindSchema(RecordKind.MISSING, STATUS, open_end_allowed=True, attributes=(
        Attribute("police_report_on", gettext_lazy("公安受理报案日期"), DATE, aliases=("报案日期", "受理日期")),)),
    KindSchema(RecordKind.COURT_DECLARATION, EVENT, attributes=(
        Attribute("declaration", gettext_lazy("宣告类型"), CHOICE, required=True, choices=COURT_DECLARATIONS,
                  aliases=("type", "类型", "宣告类型")),
        Attribute("court", gettext_lazy("法院"), aliases=("法院",))),
        key_attributes=("declaration",)),
    KindSchema(RecordKind.GUARDIANSHIP_REVOKED, EVENT, attributes=(
        Attribute("court", gettext_lazy("法院"), aliases=("法院",)),)),
    KindSchema(RecordKind.DEPORTED, EVENT),
    KindSchema(RecordKind.MIGRANT_WORK, STATUS, open_end_allowed=True, attributes=(
        Attribute("place", gettext_lazy("务工地"), aliases=("务工地", "地点", "city")),)),
    KindSchema(RecordKind.BUSINESS, STATUS, open_end_allowed=True, attributes=(
        Attribute("name", gettext_lazy("市场主体名称"), aliases=("名称",)),
        Attribute("uscc", gettext_lazy("统一社会信用代码"), aliases=("信用代码",)))),
)}

_ATTRIBUTE_INDEX: dict[str, dict[str, Attribute]] = {}
for _schema in SCHEMAS.values():
    _index = {}
    for _a in _schema.attributes:
        for _name in (_a.name, str(_a.label), *_a.aliases):
            _index.setdefault(_name.lower(), _a)
    _ATTRIBUTE_INDEX[_schema.kind] = _index
del _schema, _index, _a, _name

assert set(SCHEMAS) == {k.value for k in RecordKind}, "every record kind declares its schema"
assert NATURAL_KEY_ATTRIBUTES == {s.kind: s.key_attributes[0] for s in SCHEMAS.values() if s.key_attributes}, \
    "the generated column's key attributes are the schema's"

KINDS_WITH_AMOUNT = frozenset(s.kind for s in SCHEMAS.values() if s.amount_required)
MONTHLY_KINDS = tuple(s.kind for s in SCHEMAS.values() if s.shape == MONTHLY)
EXPENSE_KINDS = tuple(s.kind for s in SCHEMAS.values() if s.shape == EXPENSE)


# --- Canonical values -------------------------------------------------------------------------

_TRUE = {"true", "1", "yes", "y", "t", "是", "有", "对", "√"}
_FALSE = {"false", "0", "no", "n", "f", "否", "无", "不是", "×"}
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "十一": 11, "十二": 12, "壹": 1, "贰": 2, "叁": 3, "肆": 4}
_INT_TEXT = re.compile(r"^(?:第)?([0-9]+|[一二三四五六七八九十壹贰叁肆]+)(?:级|年级|天|日|个月|月)?$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d")
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)


def parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def parse_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        match = _INT_TEXT.match(value.strip().replace(" ", ""))
        if match:
            token = match.group(1)
            return int(token) if token.isdigit() else _CN_DIGITS.get(token)
    return None


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()[:10]
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    return None


def _canonical(attr: Attribute, value: Any):
    label = str(attr.label)
    if attr.type == BOOL:
        parsed = parse_bool(value)
        if parsed is None:
            raise AttributeError_(attr.name, _("属性“%(label)s”应为 是/否（或 true/false），收到“%(v)s”。")
                                  % {"label": label, "v": str(value)[:20]})
        return parsed
    if attr.type == INT:
        parsed = parse_int(value)
        if parsed is None:
            raise AttributeError_(attr.name, _("属性“%(label)s”应为整数，收到“%(v)s”。")
                                  % {"label": label, "v": str(value)[:20]})
        if (attr.min is not None and parsed < attr.min) or (attr.max is not None and parsed > attr.max):
            raise AttributeError_(attr.name, _("属性“%(label)s”应在 %(min)s 至 %(max)s 之间，收到 %(v)s。")
                                  % {"label": label, "min": attr.min, "max": attr.max, "v": parsed})
        return parsed
    if attr.type == DECIMAL:
        try:
            parsed = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            parsed = None
        if parsed is None or not parsed.is_finite():
            raise AttributeError_(attr.name, _("属性“%(label)s”应为数值，收到“%(v)s”。")
                                  % {"label": label, "v": str(value)[:20]})
        if (attr.min is not None and parsed < attr.min) or (attr.max is not None and parsed > attr.max):
            raise AttributeError_(attr.name, _("属性“%(label)s”应在 %(min)s 至 %(max)s 之间。")
                                  % {"label": label, "min": attr.min, "max": attr.max})
        return str(parsed.quantize(Decimal(1).scaleb(-attr.places)))
    if attr.type == DATE:
        parsed = parse_date(value)
        if parsed is None or not MIN_DATE <= parsed <= MAX_DATE:
            raise AttributeError_(attr.name, _("属性“%(label)s”应为 1900 至 2100 年间的日期（YYYY-MM-DD），收到“%(v)s”。")
                                  % {"label": label, "v": str(value)[:20]})
        return parsed.isoformat()
    if attr.type == CHOICE:
        text = str(value).strip()
        for code, choice_label in attr.choices:
            if text.lower() == code or text == str(choice_label):
                return code
        allowed = "、".join(str(lbl) for _code, lbl in attr.choices)
        raise AttributeError_(attr.name, _("属性“%(label)s”应为 %(allowed)s 之一，收到“%(v)s”。")
                              % {"label": label, "allowed": allowed, "v": text[:20]})
    if isinstance(value, (dict, list)):
        raise AttributeError_(attr.name, _("属性“%(label)s”应为文本。") % {"label": label})
    text = str(value).strip() if not isinstance(value, bool) else ("是" if value else "否")
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if len(text) > MAX_TEXT:
        raise AttributeError_(attr.name, _("属性“%(label)s”过长（最多 %(n)s 字）。") % {"label": label, "n": MAX_TEXT})
    return text


def canonical_attributes(kind: str, attributes: dict) -> dict:
    """The canonical form of a record's attributes for ``kind``; raises ``AttributeError_``
    for a value that cannot be read or a required attribute that is missing."""
    index = _ATTRIBUTE_INDEX[kind]
    out: dict = {}
    for key, value in attributes.items():
        attr = index.get(str(key).strip().lower())
        if attr is None:
            out[str(key)] = value  # undeclared: kept as sent, never interpreted
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        canonical = _canonical(attr, value)
        if attr.name in out and out[attr.name] != canonical:  # e.g. both "grade" and "等级", disagreeing
            raise AttributeError_(attr.name, _("属性“%(label)s”给出了两个不同的值。") % {"label": str(attr.label)})
        out[attr.name] = canonical
    for attr in SCHEMAS[kind].attributes:
        if attr.required and attr.name not in out:
            raise AttributeError_(attr.name, _("类别“%(kind)s”必须填写属性“%(label)s”。")
                                  % {"kind": RecordKind(kind).label, "label": str(attr.label)})
    return out


def natural_key_text(*, source: str, kind: str, id_digest: str, period_start: dt.date | str,
                     attributes: dict) -> str:
    """The identity of a fact for re-delivery: the same department, person, kind and period start
    (and key attribute, e.g. a bill number) is the same fact; a record with the same identity and
    other values supersedes it. The database computes it (``registry.models.NaturalKey``, a
    generated column); this is its twin, for tests and for explaining a re-delivery."""
    if isinstance(period_start, str):
        period_start = dt.date.fromisoformat(period_start)
    keys = SCHEMAS[kind].key_attributes
    extra = "" if not keys else attributes.get(keys[0])
    extra = "" if extra is None else extra if isinstance(extra, str) else json_text(extra)
    days = (period_start - NATURAL_KEY_EPOCH).days
    return f"{source}|{kind}|{id_digest}|{days}|{extra}"


def json_text(value) -> str:
    """What PostgreSQL's ``->>`` gives for a JSON scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def natural_key(**kwargs) -> str:
    """32 hex digits (the text form of the uuid column): md5 of ``natural_key_text``."""
    return hashlib.md5(natural_key_text(**kwargs).encode()).hexdigest()


@dataclass(frozen=True)
class HelpRow:
    kind: str
    label: str
    shape: str
    amount: str
    attributes: list[dict] = field(default_factory=list)


def import_help() -> list[HelpRow]:
    """The declarations as the import help page shows them."""
    rows = []
    for schema in SCHEMAS.values():
        attrs = []
        for a in schema.attributes:
            allowed = ""
            if a.type == CHOICE:
                allowed = "、".join(str(lbl) for _c, lbl in a.choices)
            elif a.type in (INT, DECIMAL) and a.min is not None:
                allowed = f"{a.min}–{a.max}"
            elif a.type == BOOL:
                allowed = _("是/否")
            attrs.append({"name": a.name, "label": str(a.label), "type": str(TYPE_LABELS[a.type]),
                          "unit": str(a.unit), "allowed": allowed, "required": a.required,
                          "aliases": "、".join(a.aliases)})
        rows.append(HelpRow(kind=schema.kind, label=str(schema.label), shape=str(SHAPE_LABELS[schema.shape]),
                            amount=str(schema.amount_label) if schema.amount_required else "", attributes=attrs))
    return rows
