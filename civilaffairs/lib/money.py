"""Money is Decimal, rounded half-up to the fen (0.01 元)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


def to_money(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal, int or str")
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def format_yuan(value) -> str:
    return f"{to_money(value):,.2f} 元"
