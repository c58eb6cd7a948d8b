"""Codes stored in records and sealed reports, shown to people as names and labels."""
from __future__ import annotations

from django import template
from django.utils.module_loading import import_string

register = template.Library()


def _label(choices, code) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code)


@register.filter
def relation_label(code) -> str:
    """``{{ m.relation|relation_label }}``: "head" → 户主."""
    from civilaffairs.registry.models import Relation

    return _label(Relation, code) if code else "—"


@register.filter
def department_labels(codes) -> list[str]:
    """``{{ m.sources|department_labels|join:"、" }}``: ["hrss"] → ["人社"]."""
    from civilaffairs.registry.models import Department

    return [_label(Department, code) for code in codes or ()]


@register.filter
def region_name(code) -> str:
    """``{{ p.region|region_name }}``: "3302" → 宁波市 (the code itself when no such region)."""
    if not code:
        return "—"
    from civilaffairs.registry.models import Region

    name = Region.objects.filter(pk=str(code)).values_list("name", flat=True).first()
    return name or str(code)


@register.filter
def choice_labels(codes, choices_path: str) -> list[str]:
    """``{{ r.programmes|choice_labels:"assistance.models.Programme"|join:"、" }}``: the labels of
    codes of any TextChoices, named by path (the platform imports no programme)."""
    choices = import_string(choices_path)
    if isinstance(codes, str):
        codes = [codes]
    return [_label(choices, code) for code in codes or ()]
