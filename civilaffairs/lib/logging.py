"""A logging filter that redacts ID numbers and mobile numbers from every record."""
from __future__ import annotations

import logging
import re

from civilaffairs.lib.requestid import current_request_id

_ID = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def redact(text: str) -> str:
    text = _ID.sub(r"\1********\2", text)
    return _PHONE.sub(r"\1****\2", text)


class RedactPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = ()
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True
