"""Department-data imports: one batch of records from another department.

A batch arrives as a file (CSV or Excel .xlsx, uploaded in the admin or posted
to the API) or as a list of JSON objects (API). Column layout, header names in
English or Chinese, in any order:

=============  ==========  =========================================================
column         Chinese     content
=============  ==========  =========================================================
id_number      身份证号     18-digit resident ID (GB 11643 check digit)
name           姓名         optional, not stored (departments use it to read errors)
kind           类别         a ``RecordKind`` code (``income``) or label (``收入``)
period_start   期间起       date, ``YYYY-MM-DD`` (also ``YYYY/MM/DD``, ``YYYYMMDD``)
period_end     期间止       date, not before period_start
amount         金额         yuan, ≥ 0, at most 2 decimals; required for kinds in
                           ``KINDS_WITH_AMOUNT``, may be empty otherwise
attributes     属性         optional JSON object, e.g. ``{"level": "二级"}``
=============  ==========  =========================================================

Every bad row is reported with its line number (the physical line of a CSV
file, the sheet row of an xlsx file, the 1-based position of a JSON record)
and a reason in Chinese; good rows load. Records are fingerprinted, so a
batch sent twice loads nothing new the second time and counts duplicates.
ID numbers are never stored in clear: records hold the keyed digest, error
messages show the masked number.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg2.extras import execute_values

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.lib.idnumber import parse_id_number
from civilaffairs.lib.masking import mask_id_number

from .models import KINDS_WITH_AMOUNT, BatchStatus, Department, DepartmentRecord, ImportBatch, Person, RecordKind
from .selectors import id_digest

PAGE_SIZE = 5000
MAX_AMOUNT = Decimal("1e12")  # DepartmentRecord.amount: max_digits=14, decimal_places=2

COLUMNS = ("id_number", "name", "kind", "period_start", "period_end", "amount", "attributes")
REQUIRED_COLUMNS = ("id_number", "kind", "period_start", "period_end", "amount")
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


@dataclass(frozen=True)
class CleanRecord:
    id_digest: str
    kind: str
    period_start: dt.date
    period_end: dt.date
    amount: Decimal | None
    attributes: dict
    attributes_json: str

    def fingerprint(self, source: str) -> str:
        amount = "" if self.amount is None else f"{self.amount:.2f}"
        parts = (source, self.kind, self.id_digest, self.period_start.isoformat(), self.period_end.isoformat(),
                 amount, self.attributes_json)
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


# --- Reading files ---------------------------------------------------------------------------

def _sniff_format(content: bytes, file_name: str) -> str:
    """``xlsx`` or ``csv``; refuses anything else with a message saying what to send instead."""
    ext = os.path.splitext(file_name or "")[1].lower()
    if content[:4] == b"PK\x03\x04":
        return "xlsx"
    if content[:4] == b"\xd0\xcf\x11\xe0":
        raise ValidationError(_("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV（UTF-8）后上传。"), code="format")
    if ext in (".xlsx", ".xlsm"):
        raise ValidationError(_("文件扩展名为 .xlsx，但内容不是有效的 Excel 文件。"), code="format")
    head = content[:8192]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ValidationError(_("无法识别的文件格式：请上传 CSV（UTF-8 或 GB18030 编码）或 Excel .xlsx 文件。"),
                              code="format")
    return "csv"


def _decode_text(content: bytes) -> str:
    if content.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("无法识别文件编码：CSV 文件请使用 UTF-8 或 GB18030 编码。"), code="format")


def _csv_rows(content: bytes) -> Iterator[tuple[int, list]]:
    text = _decode_text(content)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for row in reader:
            yield line, row
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationError(_("CSV 文件第 %(line)d 行格式错误：%(err)s") % {"line": line, "err": exc},
                              code="format") from None


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # zipfile.BadZipFile, KeyError, InvalidFileException … all mean "not an xlsx"
        raise ValidationError(_("无法读取 Excel 文件：请确认是 .xlsx 格式且未加密、未损坏。"), code="format") from None
    try:
        sheet = workbook.worksheets[0]
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        while True:
            try:
                line, row = next(rows)
            except StopIteration:
                return
            except Exception:  # a damaged sheet part fails only when reached
                raise ValidationError(_("Excel 文件已损坏，无法读取全部内容。"), code="format") from None
            yield line, list(row)
    finally:
        workbook.close()


def _table_rows(content: bytes, file_name: str) -> Iterator[tuple[int, list]]:
    fmt = _sniff_format(content, file_name)
    rows = _xlsx_rows(content) if fmt == "xlsx" else _csv_rows(content)
    return (item for item in rows if any(not _blank(v) for v in item[1]))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_key(cell: Any) -> str:
    text = "" if cell is None else str(cell)
    return text.replace("\ufeff", "").strip().replace(" ", "").lower()


def map_header(header: list) -> list[str | None]:
    """Column name for each header cell. Raises ``ValidationError`` on unknown, repeated or missing columns."""
    names: list[str | None] = []
    unknown: list[str] = []
    for cell in header:
        key = _header_key(cell)
        if not key:
            names.append(None)
            continue
        column = HEADER_ALIASES.get(key)
        if column is None:
            unknown.append(str(cell).strip())
        names.append(column)
    problems = []
    if unknown:
        problems.append(_("无法识别的列：%(cols)s") % {"cols": "、".join(unknown)})
    repeated = sorted({c for c in names if c and names.count(c) > 1})
    if repeated:
        problems.append(_("重复的列：%(cols)s") % {"cols": "、".join(COLUMN_LABELS[c] for c in repeated)})
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        problems.append(_("缺少必需的列：%(cols)s") % {"cols": "、".join(COLUMN_LABELS[c] for c in missing)})
    if problems:
        problems.append(_("允许的列：身份证号(id_number)、姓名(name)、类别(kind)、期间起(period_start)、"
                          "期间止(period_end)、金额(amount)、属性(attributes)。"))
        raise ValidationError("；".join(problems), code="header")
    return names


# --- Validating one row ---------------------------------------------------------------------------

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
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = _text(value)
    if not raw:
        raise RowError(field, _("缺少%(label)s。") % {"label": label})
    parsed = _parse_date(raw)
    if parsed is None:
        raise RowError(field, _("%(label)s“%(v)s”不是有效日期，应为 YYYY-MM-DD。") % {"label": label, "v": raw[:20]})
    return parsed


@lru_cache(maxsize=4096)
def _parse_date(raw: str) -> dt.date | None:
    """Cached: a batch repeats the same few period dates on every row."""
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


def clean_row(values: dict[str, Any], *, today: dt.date | None = None) -> CleanRecord:
    """Validate one row (column name → raw value); raises ``RowError`` with a reason in Chinese."""
    number = _clean_id(values.get("id_number"), today)
    kind = _clean_kind(values.get("kind"))
    start = _clean_date(values.get("period_start"), "period_start")
    end = _clean_date(values.get("period_end"), "period_end")
    if end < start:
        raise RowError("period_end", _("期间止不能早于期间起。"))
    amount = _clean_amount(values.get("amount"), kind)
    attributes = _clean_attributes(values.get("attributes"))
    try:
        attributes_json = json.dumps(attributes, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        raise RowError("attributes", _("属性中含有无法保存的值。")) from None
    return CleanRecord(id_digest=id_digest(number), kind=kind, period_start=start, period_end=end,
                               amount=amount, attributes=attributes, attributes_json=attributes_json)


# --- Rows from any channel ------------------------------------------------------------------------

def _file_rows(content: bytes, file_name: str) -> Iterator[tuple[int, dict | RowError]]:
    """(line, values) for each data row; raises ``ValidationError`` if the header is unusable."""
    rows = _table_rows(content, file_name)
    first = next(rows, None)
    if first is None:
        raise ValidationError(_("文件为空：第一行应为表头（身份证号、类别、期间起、期间止、金额……）。"),
                              code="format")
    names = map_header(first[1])

    def data():
        for line, row in rows:
            values: dict[str, Any] = {}
            for name, value in zip(names, row):
                if name:
                    values[name] = value
            extra = row[len(names):]
            if any(not _blank(v) for v in extra):
                yield line, RowError("", _("该行的列数多于表头。"))
            else:
                yield line, values
    return data()


def _record_rows(records: Iterable) -> Iterator[tuple[int, dict | RowError]]:
    for line, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            yield line, RowError("", _("每条记录应为 JSON 对象。"))
            continue
        values: dict[str, Any] = {}
        unknown = []
        for key, value in record.items():
            column = HEADER_ALIASES.get(_header_key(key))
            if column is None:
                unknown.append(str(key)[:30])
            else:
                values[column] = value
        if unknown:
            yield line, RowError("", _("无法识别的字段：%(keys)s") % {"keys": "、".join(unknown)})
        else:
            yield line, values


# --- The service ----------------------------------------------------------------------------------

def _read_content(content) -> bytes:
    """Bytes from bytes or a file object, refusing anything above the configured limit."""
    limit = settings.DEPARTMENT_IMPORT_MAX_BYTES
    size = getattr(content, "size", None)
    if size is None and not isinstance(content, (bytes, bytearray)):
        data = content.read(limit + 1)
    elif size is not None:
        if size > limit:
            raise _too_large(size, limit)
        if hasattr(content, "seek"):
            content.seek(0)
        data = content.read()
    else:
        data = bytes(content)
    if len(data) > limit:
        raise _too_large(len(data), limit)
    return data


def _too_large(size: int, limit: int) -> ValidationError:
    return ValidationError(_("文件过大（%(size).1f MB），单个批次不能超过 %(limit).1f MB，请拆分后分批上传。")
                           % {"size": size / 1048576, "limit": limit / 1048576}, code="too_large")


def _insert_page(batch: ImportBatch, page: list[CleanRecord], now: dt.datetime) -> int:
    """Insert one page; returns how many were new (the rest are duplicates by fingerprint)."""
    digests = {r.id_digest for r in page}
    persons = dict(Person.objects.filter(id_digest__in=digests).values_list("id_digest", "pk"))
    table = DepartmentRecord._meta.db_table
    values = [
        (persons.get(r.id_digest), r.id_digest, batch.source, r.kind, r.period_start, r.period_end, r.amount,
         r.attributes_json, batch.pk, r.fingerprint(batch.source), now)
        for r in page
    ]
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            f"INSERT INTO {table} (person_id, id_digest, source, kind, period_start, period_end, amount, "
            f"attributes, batch_id, fingerprint, created_at) VALUES %s ON CONFLICT (fingerprint) DO NOTHING",
            values, template="(%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s)", page_size=len(values),
        )
        return cursor.cursor.rowcount


def department_batch_import(*, actor, source: str, channel: str = "file", file_name: str = "",
                            content: bytes | Any = None, records: Iterable | None = None) -> ImportBatch:
    """Load one batch from ``content`` (CSV or xlsx bytes, or an uploaded file) or ``records``
    (a list of dicts, API channel).

    Raises ``ValidationError`` — and writes nothing — when the input cannot be read at all
    (too large, not CSV/xlsx, unknown source). A readable file with an unusable header is
    kept as a ``failed`` batch so the provider sees why.
    """
    if actor is not None and not user_can(actor, Capability.IMPORT_DEPARTMENT_DATA):
        raise PermissionDenied(_("您没有导入部门数据的权限。"))
    if source not in Department.values:
        raise ValidationError({"source": _("未知的来源部门：%(s)s") % {"s": str(source)[:30]}})
    if (content is None) == (records is None):
        raise ValueError("pass exactly one of content= or records=")

    if records is not None:
        records = list(records)
        digest_input = json.dumps(records, ensure_ascii=False, sort_keys=True, default=str).encode()
        sha256 = hashlib.sha256(digest_input).hexdigest()
        header_error = None
        rows: Iterator = _record_rows(records)
    else:
        data = _read_content(content)
        sha256 = hashlib.sha256(data).hexdigest()
        header_error = None
        try:
            rows = _file_rows(data, file_name)
        except ValidationError as exc:
            if exc.code != "header":
                raise  # not a readable CSV/xlsx: refuse without writing a batch
            header_error = exc
            rows = iter(())
    return _load(actor=actor, source=source, channel=channel, file_name=os.path.basename(file_name or "")[:255],
                 sha256=sha256, rows=rows, header_error=header_error)


@transaction.atomic
def _load(*, actor, source, channel, file_name, sha256, rows, header_error) -> ImportBatch:
    now = timezone.now()
    today = timezone.localdate()
    batch = ImportBatch.objects.create(
        source=source, channel=channel, file_name=file_name, content_sha256=sha256,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    errors: list[dict] = []
    if header_error is not None:
        errors.append({"line": 1, "field": "", "reason": " ".join(header_error.messages)})
    total = loaded = valid = 0
    page: list[CleanRecord] = []
    for line, values in rows:
        total += 1
        try:
            if isinstance(values, RowError):
                raise values
            record = clean_row(values, today=today)
        except RowError as exc:
            errors.append({"line": line, "field": exc.field, "reason": exc.reason})
            continue
        valid += 1
        page.append(record)
        if len(page) >= PAGE_SIZE:
            loaded += _insert_page(batch, page, now)
            page = []
    if page:
        loaded += _insert_page(batch, page, now)

    if header_error is not None:
        status = BatchStatus.FAILED
    elif total == 0:
        status = BatchStatus.FAILED
        errors.append({"line": 0, "field": "", "reason": _("没有数据行。")})
    elif valid == 0:
        status = BatchStatus.FAILED
    elif errors:
        status = BatchStatus.DONE_WITH_ERRORS
    else:
        status = BatchStatus.DONE
    batch.total_rows = total
    batch.loaded_rows = loaded
    batch.duplicate_rows = valid - loaded
    batch.error_rows = total - valid
    batch.errors = errors
    batch.status = status
    batch.finished_at = timezone.now()
    batch.save(update_fields=["total_rows", "loaded_rows", "duplicate_rows", "error_rows", "errors", "status",
                              "finished_at"])
    audit_log(actor=actor, action="registry.department_batch_imported", obj=batch,
              after={"source": source, "channel": channel, "file_name": file_name, "sha256": sha256,
                     "status": status, "total": total, "loaded": loaded, "duplicates": batch.duplicate_rows,
                     "errors": batch.error_rows})
    return batch
