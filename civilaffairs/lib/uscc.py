"""The unified social credit code (统一社会信用代码, GB 32100-2015) of an organisation:
18 characters, the last a check character over the first 17 (``stdnum.cn.uscc``)."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import uscc as _uscc


def normalise_uscc(value: str) -> str:
    """Spaces and dashes dropped, letters upper-cased (as printed on a licence: ``9133 0203 …``)."""
    return _uscc.compact(value or "")


def validate_uscc(value: str) -> None:
    """Raise a ValidationError with a plain-Chinese reason if ``value`` is not a valid code."""
    code = normalise_uscc(value)
    try:
        _uscc.validate(code)
    except stdnum_exceptions.InvalidLength:
        raise ValidationError(_("统一社会信用代码应为18位（现为%(n)d位）。") % {"n": len(code)},
                              code="uscc_length") from None
    except stdnum_exceptions.InvalidChecksum:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对营业执照或登记证书上的代码。"),
                              code="uscc_checksum") from None
    except stdnum_exceptions.ValidationError:
        raise ValidationError(_("统一社会信用代码格式不正确：前8位应为数字，其余为数字或大写字母（不含 I、O、Z、S、V）。"),
                              code="uscc_format") from None


def uscc_check_character(first17: str) -> str:
    """The check character for the first 17 characters (demo data, tests)."""
    return _uscc.calc_check_digit(first17)


def make_uscc(prefix: str, region6: str, serial: int) -> str:
    """A valid code from a two-character prefix (registering authority + kind, e.g. ``"52"`` a social
    service organisation registered by civil affairs, ``"91"`` a company), the six-digit division code
    and a serial for the nine-character organisation code (demo data, tests)."""
    first17 = f"{prefix}{region6}{serial:09d}"
    if len(first17) != 17:
        raise ValueError(first17)
    return first17 + uscc_check_character(first17)
