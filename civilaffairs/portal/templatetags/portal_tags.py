from __future__ import annotations

from urllib.parse import urlencode

from django import template

register = template.Library()


@register.filter
def age_on(person, day) -> int | str:
    """``{{ person|age_on:today }}`` — age in whole years on ``day``."""
    if person is None or day is None or not getattr(person, "birth_date", None):
        return ""
    return person.age_on(day)


@register.simple_tag(takes_context=True)
def page_query(context, page: int) -> str:
    """The current query string with ``page`` replaced, for pagination links."""
    params = context["request"].GET.copy()
    params["page"] = page
    return "?" + urlencode(sorted(params.lists()), doseq=True)
