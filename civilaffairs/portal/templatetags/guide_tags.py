"""Filters of the policy-guide pages."""
from __future__ import annotations

from django import template

from civilaffairs.portal.guide import yuan as _yuan

register = template.Library()


@register.filter
def yuan(value) -> str:
    """``{{ figure.value|yuan }}``: 1135.00 → "1,135", 850.5 → "850.50"."""
    return "" if value is None else _yuan(value)
