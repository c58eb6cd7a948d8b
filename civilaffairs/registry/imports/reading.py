"""Reading a delivery into numbered rows: CSV (decoded and parsed as a stream by the C csv
module), Excel .xlsx (openpyxl, read-only) or a list of JSON records.

Each source yields ``(line, values)``: ``values`` is the tuple of the row's ``FIELDS``
(a missing cell is ``None``) or a ``RowError`` for a row that cannot be read as one. Blank
rows are skipped and not counted. Problems with the file as a whole raise
``ValidationError`` (code ``format``; code ``header`` for an unusable header row).
"""
from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .rows import COLUMN_LABELS, FIELDS, HEADER_ALIASES, REQUIRED_COLUMNS, RowError, header_key

Rows = Iterator[tuple[int, "tuple | RowError"]]

_VALIDATE_STEP = 1 << 20


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


def _encoding(content: bytes) -> str:
    """The first candidate encoding that decodes the whole file, checked in steps (no copy of the text)."""
    if content.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "gb18030")
    view = memoryview(content)
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(view), _VALIDATE_STEP):
                decoder.decode(view[start:start + _VALIDATE_STEP])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ValidationError(_("无法识别文件编码：CSV 文件请使用 UTF-8 或 GB18030 编码。"), code="format")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def map_header(header: list) -> list[str | None]:
    """Column name for each header cell. Raises ``ValidationError`` on unknown, repeated or missing columns."""
    names: list[str | None] = []
    unknown: list[str] = []
    for cell in header:
        key = header_key(cell)
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


def _csv_cells(content: bytes) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) of each non-blank CSV record, decoded as a stream."""
    encoding = _encoding(content)
    first_line = content[:65536].decode(encoding, errors="ignore").split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    line = 1
    try:
        for cells in reader:
            # A row whose first cell holds text is not blank (the common case: one check, no join).
            if (cells and (first := cells[0]) and not first.isspace()) or (
                    any(cells) and not "".join(cells).isspace()):
                yield line, cells
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationError(_("CSV 文件第 %(line)d 行格式错误：%(err)s") % {"line": line, "err": exc},
                              code="format") from None


def _xlsx_cells(content: bytes) -> Iterator[tuple[int, list]]:
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
            if any(not _blank(v) for v in row):
                yield line, list(row)
    finally:
        workbook.close()


def file_rows(content: bytes, file_name: str) -> Rows:
    """The data rows of a CSV or xlsx file; raises ``ValidationError`` if the file or its header is unusable."""
    fmt = _sniff_format(content, file_name)
    cells = _xlsx_cells(content) if fmt == "xlsx" else _csv_cells(content)
    first = next(cells, None)
    if first is None:
        raise ValidationError(_("文件为空：第一行应为表头（身份证号、类别、期间起、期间止、金额……）。"),
                              code="format")
    names = map_header(first[1])
    return _pick_fields(names, cells)


def _pick_fields(names: list[str | None], cells: Iterator[tuple[int, list]]) -> Rows:
    width = len(names)
    present = [f for f in FIELDS if f in names]
    pick = itemgetter(*(names.index(f) for f in present))
    if len(present) < len(FIELDS):  # only optional columns (attributes) may be absent
        slots = [present.index(f) if f in present else None for f in FIELDS]
        picked = pick

        def pick(row):
            values = picked(row)
            return tuple(None if i is None else values[i] for i in slots)

    too_wide = RowError("", _("该行的列数多于表头。"))
    for line, row in cells:
        n = len(row)
        if n == width:
            yield line, pick(row)
        elif n < width:
            yield line, pick(row + [None] * (width - n))
        elif any(not _blank(v) for v in row[width:]):
            yield line, too_wide
        else:
            yield line, pick(row)


def record_rows(records: Iterable) -> Rows:
    """JSON records (API): keys are column names or their Chinese aliases; line = 1-based position."""
    for line, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            yield line, RowError("", _("每条记录应为 JSON 对象。"))
            continue
        values: dict[str, Any] = {}
        unknown = []
        for key, value in record.items():
            column = HEADER_ALIASES.get(header_key(key))
            if column is None:
                unknown.append(str(key)[:30])
            else:
                values[column] = value
        if unknown:
            yield line, RowError("", _("无法识别的字段：%(keys)s") % {"keys": "、".join(unknown)})
        else:
            yield line, tuple(values.get(f) for f in FIELDS)
