"""GB 11643-1999 resident identity numbers (18 digits).

We compute the check digit with python-stdnum but do our own date checks:
``stdnum.cn.ric.validate`` rejects valid numbers whose county code postdates
the birth year and accepts birth dates in the future.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn.ric import calc_check_digit as _stdnum_check_digit

_ID_RE = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    gender: str  # "M" or "F"

    @property
    def region_code(self) -> str:
        return self.number[:6]


def check_digit(body17: str) -> str:
    """The GB 11643 check digit for the first 17 digits (stdnum wants a placeholder 18th)."""
    return _stdnum_check_digit(body17 + "0")


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def parse_id_number(value: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate an 18-digit resident ID and derive birth date and gender.

    Raises ``ValidationError`` with a message that says exactly what is wrong.
    """
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为18位，您输入了%(n)d位。"), code="id_length", params={"n": len(number)}
        )
    if not _ID_RE.match(number):
        raise ValidationError(_("身份证号码前17位必须是数字，最后一位是数字或X。"), code="id_chars")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期 %(d)s 不是有效日期。"), code="id_birth_invalid",
                              params={"d": number[6:14]}) from None
    today = today or dt.date.today()
    if birth > today:
        raise ValidationError(_("身份证号码中的出生日期 %(d)s 晚于今天。"), code="id_birth_future",
                              params={"d": birth.isoformat()})
    if birth.year < 1880:
        raise ValidationError(_("身份证号码中的出生年份 %(y)d 不合理。"), code="id_birth_invalid",
                              params={"y": birth.year})
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise ValidationError(_("身份证号码校验位错误（应为 %(c)s），请核对号码。"), code="id_check_digit",
                              params={"c": expected})
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number=number, birth_date=birth, gender=gender)


def is_valid_id_number(value: str) -> bool:
    try:
        parse_id_number(value)
    except ValidationError:
        return False
    return True


def make_id_number(region6: str, birth: dt.date, sequence: int, *, female: bool) -> str:
    """Build a valid number (demo data and tests). ``sequence`` 0..499."""
    seq = (sequence % 500) * 2 + (0 if female else 1)
    body = f"{region6}{birth:%Y%m%d}{seq:03d}"
    return body + check_digit(body)
