"""The rules for one row of a department batch: columns, validation, messages, fingerprint.

``RowCleaner.clean`` validates one row and returns its canonical values, or raises
``RowError`` with a reason in Chinese. A batch repeats the same kinds, dates, ID numbers
and attribute objects on many rows, so the cleaner remembers each distinct text value it
has accepted and validates it (and computes the ID number's keyed digest) once; values
that are not text (xlsx cells, JSON) go through the same field functions every time.

What a kind means comes from ``facts.schema``: whether it needs an amount, whether its
period may be open-ended (an empty 期间止 is stored as ``schema.OPEN_END``), and the
canonical form of its attributes (``"二级"`` → ``{"grade": 2}``), which is what is stored
and fingerprinted. Dates must lie in 1900–2100; a monthly amount (income, pension) may be
sent for next month at the latest (its 期间起 before the first day of the month after next):
a later month is a typing error, not a forecast.
"""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from civilaffairs.lib.crypto import blind_indexer
from civilaffairs.lib.idnumber import parse_id_number
from civilaffairs.lib.masking import mask_id_number

from ..facts import schema
from ..models import RecordKind

MAX_AMOUNT = Decimal("1e12")  # DepartmentRecord.amount: max_digits=14, decimal_places=2

COLUMNS = ("id_number", "name", "kind", "period_start", "period_end", "amount", "attributes")
REQUIRED_COLUMNS = ("id_number", "kind", "period_start", "period_end", "amount")
# The columns a row is cleaned from, in the order ``RowCleaner.clean`` takes them (name is not stored).
FIELDS = ("id_number", "kind", "period_start", "period_end", "amount", "attributes")
_ALIASES = {
    "id_number": ("id_number", "idnumber", "id_no", "身份证号", "身份证号码", "公民身份号码"),
    "name": ("name", "姓名"),
    "kind": ("kind", "类别", "类型", "数据类别"),
    "period_start": ("period_start", "start", "期间起", "起始日期", "开始日期"),
    "period_end": ("period_end", "end", "期间止", "截止日期", "结束日期"),
    "amount": ("amount", "金额", "金额(元)", "金额（元）"),
    "attributes": ("attributes", "属性", "其他属性"),
}
HEADER_ALIASES = {alias.lower(): column for column, aliases in _ALIASES.items() for alias in aliases}
COLUMN_LABELS = {"id_number": "身份证号", "name": "姓名", "kind": "类别", "period_start": "期间起",
                 "period_end": "期间止", "amount": "金额", "attributes": "属性"}

KINDS_WITH_AMOUNT = schema.KINDS_WITH_AMOUNT
OPEN_END_TEXT = schema.OPEN_END.isoformat()
_OPEN_END_KINDS = frozenset(k for k, s in schema.SCHEMAS.items() if s.open_end_allowed)
_MONTHLY_KINDS = frozenset(schema.MONTHLY_KINDS)

KIND_LOOKUP = {**{k.value: k.value for k in RecordKind}, **{str(k.label): k.value for k in RecordKind}}

# Messages for ID problems that never repeat any digit of the number back.
_ID_MESSAGES = {
    "id_birth_invalid": "身份证号码中的出生日期不是有效日期。",
    "id_birth_future": "身份证号码中的出生日期晚于今天。",
    "id_check_digit": "身份证号码校验位错误，请核对号码。",
}


class RowError(Exception):
    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


# Anything that looks like an ID number (15 or more digits, perhaps ending in X, as a reason may
# quote a value truncated to 20 characters) in a reason or column name: masked before it is kept.
_ID_LIKE = re.compile(r"[0-9０-９]{14,}[0-9０-９Xx]")


def redact(text: str) -> str:
    """``text`` with every ID-like digit run masked (``mask_id_number``): an error list is shown to the
    department and kept on the batch, and may never carry an ID number, whichever value quoted it."""
    return _ID_LIKE.sub(lambda m: mask_id_number(m.group(0)), text) if text else text


def fingerprint(source: str, kind: str, digest: str, start: str, end: str, amount: str, attributes_json: str) -> str:
    """The record's identity for deduplication: the same fact from the same department is one record.
    Dates ISO, amount with two decimals (empty when absent), attributes as canonical JSON; the first
    128 bits of the SHA-256 as 32 hex digits (the text form of the uuid column)."""
    return hashlib.sha256(f"{source}|{kind}|{digest}|{start}|{end}|{amount}|{attributes_json}".encode()).hexdigest()[:32]


def header_key(cell: Any) -> str:
    text = "" if cell is None else str(cell)
    return text.replace("\ufeff", "").strip().replace(" ", "").lower()


# --- One field at a time (the definition of every rule and message) ----------------------------

def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _clean_id(value: Any, today: dt.date | None = None) -> str:
    if isinstance(value, float):
        raise RowError("id_number", _("身份证号码被存成了数字，已丢失精度：请将该列设为文本格式后重新导出。"))
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RowError("id_number", _("身份证号码应为文本。"))
    raw = _text(value)
    if not raw:
        raise RowError("id_number", _("缺少身份证号码。"))
    try:
        return parse_id_number(raw, today=today).number
    except ValidationError as exc:
        message = _ID_MESSAGES.get(exc.code) or exc.messages[0]
        raise RowError("id_number", _("身份证号码 %(masked)s 无效：%(reason)s")
                       % {"masked": mask_id_number(raw), "reason": message}) from None


def _clean_kind(value: Any) -> str:
    raw = _text(value)
    kind = KIND_LOOKUP.get(raw) or KIND_LOOKUP.get(raw.lower())
    if kind is None:
        raise RowError("kind", _("未知的类别“%(v)s”。") % {"v": raw[:40]} if raw else _("缺少类别。"))
    return kind


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d")


def _clean_date(value: Any, field: str) -> dt.date:
    label = COLUMN_LABELS[field]
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if not schema.MIN_DATE <= value <= schema.MAX_DATE:
            raise RowError(field, _("%(label)s应在 1900 至 2100 年之间。") % {"label": label})
        return value
    raw = _text(value)
    if not raw:
        raise RowError(field, _("缺少%(label)s。") % {"label": label})
    parsed = _parse_date(raw)
    if parsed is None:
        raise RowError(field, _("%(label)s“%(v)s”不是有效日期，应为 YYYY-MM-DD。") % {"label": label, "v": raw[:20]})
    if not schema.MIN_DATE <= parsed <= schema.MAX_DATE:
        raise RowError(field, _("%(label)s“%(v)s”应在 1900 至 2100 年之间。") % {"label": label, "v": raw[:20]})
    return parsed


@lru_cache(maxsize=4096)
def _parse_date(raw: str) -> dt.date | None:
    if len(raw) > 10 and raw[10] in " T":  # "2024-01-31 00:00:00" from spreadsheets
        raw = raw[:10]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def _clean_amount(value: Any, kind: str) -> Decimal | None:
    if isinstance(value, bool):
        raise RowError("amount", _("金额应为数字。"))
    if isinstance(value, float):
        value = repr(value)
    raw = _text(value).replace(",", "").replace("，", "")
    if raw.endswith("元"):
        raw = raw[:-1].strip()
    if not raw:
        if kind in KINDS_WITH_AMOUNT:
            raise RowError("amount", _("类别“%(kind)s”必须填写金额。") % {"kind": RecordKind(kind).label})
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise RowError("amount", _("金额“%(v)s”不是数字。") % {"v": raw[:20]}) from None
    if not amount.is_finite():
        raise RowError("amount", _("金额“%(v)s”不是数字。") % {"v": raw[:20]})
    if amount < 0:
        raise RowError("amount", _("金额不能为负数。"))
    if amount >= MAX_AMOUNT:
        raise RowError("amount", _("金额过大。"))
    if amount != amount.quantize(Decimal("0.01")):
        raise RowError("amount", _("金额最多保留两位小数。"))
    return amount.quantize(Decimal("0.01"))


def amount_text(value: Any, kind: str) -> str:
    """The amount as stored and fingerprinted (``"1234.50"``; ``""`` when absent)."""
    amount = _clean_amount(value, kind)
    return "" if amount is None else f"{amount:.2f}"


# An ID number as ``parse_id_number`` takes it unchanged: 17 ASCII digits and a digit or capital X.
_CHECK_DIGITS = "0123456789X"  # GB 11643 check character by (1 - 2 * body in base 13) mod 11, as stdnum
_FIRST_BIRTH_YEAR = 1880


@lru_cache(maxsize=4)
def valid_births(today: dt.date) -> frozenset[str]:
    """The birth dates ``parse_id_number`` accepts, as YYYYMMDD: every real date from 1880 to ``today``
    (about 53,000; built once a day, in a few ms, instead of a date object per distinct birth date)."""
    month_days = {leap: [f"{m:02d}{d:02d}" for m in range(1, 13) for d in range(1, calendar.monthrange(leap, m)[1] + 1)]
                  for leap in (2000, 2001)}  # a leap year and a common one
    days = [str(year) + md for year in range(_FIRST_BIRTH_YEAR, today.year + 1)
            for md in month_days[2000 if calendar.isleap(year) else 2001]]
    return frozenset(days[:len(days) - (dt.date(today.year, 12, 31) - today).days])


# Plain amounts ("1234", "1234.5", "0.05"), the common case, need no Decimal: the result is
# the same text ``amount_text`` gives (tests/platform/test_imports.py checks this on random input).
_PLAIN_AMOUNT = re.compile(r"([0-9]{1,12})(?:\.([0-9]{1,2}))?")


def _clean_attributes(value: Any) -> dict:
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise RowError("attributes", _("属性应为 JSON 对象，例如 {\"等级\": \"二级\"}。"))
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        raise RowError("attributes", _("属性不是有效的 JSON。")) from None
    if not isinstance(parsed, dict):
        raise RowError("attributes", _("属性应为 JSON 对象，例如 {\"等级\": \"二级\"}。"))
    return parsed


def _attribute_field(name: str, kind: str, attributes: dict) -> str:
    """The column of an attribute error as the department can find it: 属性.<their key> (the declared
    label when the attribute is missing)."""
    for key in attributes:
        declared = schema.SCHEMAS[kind].attribute(str(key).strip().lower())
        if declared is not None and declared.name == name:
            return f"属性.{redact(str(key).strip())[:40]}"
    declared = next((a for a in schema.SCHEMAS[kind].attributes if a.name == name), None)
    return f"属性.{declared.label if declared else name}"


def attributes_json(value: Any, kind: str) -> str:
    """Canonical JSON of the attributes object for ``kind`` (``schema.canonical_attributes``, sorted keys,
    no spaces): the stored and fingerprinted form."""
    attributes = _clean_attributes(value)
    try:
        attributes = schema.canonical_attributes(kind, attributes)
    except schema.AttributeError_ as exc:
        raise RowError(_attribute_field(exc.name, kind, attributes), exc.reason) from None
    try:
        text = json.dumps(attributes, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        raise RowError("attributes", _("属性中含有无法保存的值。")) from None
    if "\\u0000" in text:  # PostgreSQL's jsonb has no NUL character
        raise RowError("attributes", _("属性中含有无法保存的值。"))
    try:  # a lone surrogate ("\\ud800" in JSON) decodes to a str that UTF-8 cannot carry
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise RowError("attributes", _("属性中含有无法保存的值。")) from None
    return text


# --- A whole batch -----------------------------------------------------------------------------

class RowCleaner:
    """Validates the rows of one batch; see the module docstring.

    ``clean`` returns ``(id_digest, kind, period_start, period_end, amount, attributes_json)``
    as text (ISO dates, amount ``"1234.50"`` or ``""``), or raises ``RowError``. The first
    failing field is reported, in column order, as every row is judged by the same functions.
    """

    # Bounds the memory of the per-batch memo of accepted ID numbers (about 250 bytes each).
    ID_MEMO_SIZE = 200_000
    MEMO_SIZE = 10_000

    def __init__(self, *, today: dt.date):
        self.today = today
        self._digest = blind_indexer("id")
        self._ids: dict[str, str] = {}
        self._births = valid_births(today)
        self._kinds: dict[str, str] = {}
        self._dates: dict[str, str] = {}
        # Per kind: canonical values depend on the kind (``{"类型": …}`` is a disability category).
        self._attributes: dict[str, dict[str, str]] = defaultdict(dict)
        # (kind, 期间起, 期间止, 属性) texts of a row that passed every check on them -> their canonical values.
        self._rows: dict[tuple, tuple[str, str, str, str]] = {}
        # A monthly amount's 期间起 must be before this (ISO text compares as dates): next month at the latest.
        after_next = dt.date(today.year + (today.month >= 11), (today.month + 1) % 12 + 1, 1)
        self.monthly_until = after_next.isoformat()

    def clean(self, id_value: Any, kind_value: Any, start_value: Any, end_value: Any, amount_value: Any,
              attributes_value: Any) -> tuple[str, str, str, str, str, str]:
        digest = self._ids.get(id_value) if type(id_value) is str else None
        if digest is None:
            digest = self._id(id_value)
        # The common case: kind, dates and attributes repeat as a combination already accepted (text
        # cells only: the memo key is the four texts, so whatever they are judged on is in the key).
        known = None
        if type(attributes_value) is str:  # (not a JSON record's object)
            try:
                known = self._rows.get((kind_value, start_value, end_value, attributes_value))
            except TypeError:  # a JSON record's list in another field: not text, never remembered
                pass
        if known is not None:
            kind, start, end, attributes = known
            if type(amount_value) is str and (plain := _PLAIN_AMOUNT.fullmatch(amount_value)):
                whole, cents = plain.groups()
                amount = f"{whole.lstrip('0') or '0'}.{(cents or '').ljust(2, '0')}"
            elif amount_value == "" and kind not in KINDS_WITH_AMOUNT:
                amount = ""
            else:
                amount = amount_text(amount_value, kind)
            return digest, kind, start, end, amount, attributes
        kind = self._kinds.get(kind_value) if type(kind_value) is str else None
        if kind is None:
            kind = self._kind(kind_value)
        start = self._dates.get(start_value) if type(start_value) is str else None
        if start is None:
            start = self._date(start_value, "period_start")
        end = self._dates.get(end_value) if type(end_value) is str else None
        if end is None:
            end = self._end(end_value, kind)
        if end < start:  # ISO dates with four-digit years sort as dates
            raise RowError("period_end", _("期间止不能早于期间起。"))
        if start >= self.monthly_until and kind in _MONTHLY_KINDS:
            raise RowError("period_start", _("按月金额的月份不能晚于下个月（期间起 %(v)s）。") % {"v": start})
        if type(amount_value) is str and (plain := _PLAIN_AMOUNT.fullmatch(amount_value)):
            whole, cents = plain.groups()
            amount = f"{whole.lstrip('0') or '0'}.{(cents or '').ljust(2, '0')}"
        elif amount_value == "" and kind not in KINDS_WITH_AMOUNT:
            amount = ""
        else:
            amount = amount_text(amount_value, kind)
        memo = self._attributes[kind]
        attributes = memo.get(attributes_value) if type(attributes_value) is str else None
        if attributes is None:
            attributes = self._attributes_json(attributes_value, kind, memo)
        if (type(kind_value) is str and type(start_value) is str and type(end_value) is str
                and type(attributes_value) is str and len(self._rows) < self.MEMO_SIZE):
            self._rows[kind_value, start_value, end_value, attributes_value] = (kind, start, end, attributes)
        return digest, kind, start, end, amount, attributes

    def _id(self, value: Any) -> str:
        number = value if type(value) is str and self._plain_valid_id(value) else _clean_id(value, self.today)
        digest = self._digest(number)
        if type(value) is str:
            if len(self._ids) >= self.ID_MEMO_SIZE:
                self._ids.clear()
            self._ids[value] = digest
        return digest

    def _plain_valid_id(self, value: str) -> bool:
        """Whether ``_clean_id`` would accept ``value`` as it is: 18 ASCII characters, a real birth date
        (one of ``valid_births``) and the right check digit. A third of the cost of ``_clean_id`` on the
        ID numbers of a file, most of them seen once; anything else goes to ``_clean_id`` for its message."""
        if len(value) != 18 or not value.isascii() or not value[:17].isdigit() or value[17] not in _CHECK_DIGITS:
            return False
        return value[6:14] in self._births and _CHECK_DIGITS[(1 - 2 * int(value[:17], 13)) % 11] == value[17]

    def _kind(self, value: Any) -> str:
        kind = _clean_kind(value)
        if type(value) is str:
            self._kinds[value] = kind
        return kind

    def _date(self, value: Any, field: str) -> str:
        text = _clean_date(value, field).isoformat()
        if type(value) is str and len(self._dates) < self.MEMO_SIZE:
            self._dates[value] = text
        return text

    def _end(self, value: Any, kind: str) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            if kind in _OPEN_END_KINDS:
                return OPEN_END_TEXT  # not memoised: an empty cell means "open" for some kinds only
            raise RowError("period_end", _("类别“%(kind)s”必须填写期间止（只有有效期或持有期可以留空表示长期）。")
                           % {"kind": RecordKind(kind).label})
        return self._date(value, "period_end")

    def _attributes_json(self, value: Any, kind: str, memo: dict[str, str]) -> str:
        text = attributes_json(value, kind)
        if type(value) is str and len(memo) < self.MEMO_SIZE:
            memo[value] = text
        return text
