"""One FilterSet per listable model, shared by the HTML list pages and the API."""
from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from civilaffairs.lib.idnumber import is_valid_id_number

from .models import Household, HouseholdMember, ResidenceType, UrbanRural
from .selectors import id_digest


# A trigram index cannot serve one or two characters: those are searched as the start of the name (a
# surname, or a two-character full name such as 刘怡) on household_name_scope_idx; three or more anywhere
# in the name, on the trigram index. Two characters anywhere would scan every household in the scope
# (~50 ms for a district, ~0.5 s for the city).
PREFIX_SEARCH_MAX = 2


def head_name_lookup(value: str) -> dict[str, str]:
    """The head-name filter for a search term, shared by the household and application lists."""
    if len(value) <= PREFIX_SEARCH_MAX:
        return {"head_name__startswith": value}
    return {"head_name__contains": value}


class HouseholdFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("户主姓名或身份证号"), method="filter_q",
                                  help_text=_("一两个字按姓名开头查找，三个字及以上按包含查找；身份证号须完整18位。"))
    region = django_filters.CharFilter(label=_("区划代码"), method="filter_region")
    residence_type = django_filters.ChoiceFilter(label=_("户籍/常住"), choices=ResidenceType.choices)
    urban_rural = django_filters.ChoiceFilter(label=_("城乡"), choices=UrbanRural.choices)
    # A posted ID-number search lands here as the number's keyed digest (registry/search.py).
    id_digest = django_filters.CharFilter(label=_("身份证号摘要"), method="filter_id_digest")

    class Meta:
        model = Household
        fields = ["q", "region", "residence_type", "urban_rural", "id_digest"]

    def filter_id_digest(self, queryset, name, value):
        from .search import is_id_digest

        if not value:
            return queryset
        if not is_id_digest(value):
            return queryset.none()
        return queryset.filter(pk__in=HouseholdMember.objects.filter(
            person__id_digest=value, is_active=True).values("household_id"))

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        if is_valid_id_number(value):
            return queryset.filter(pk__in=HouseholdMember.objects.filter(
                person__id_digest=id_digest(value), is_active=True).values("household_id"))
        return queryset.filter(**head_name_lookup(value))

    def filter_region(self, queryset, name, value):
        value = (value or "").strip()
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(community__code__startswith=value)
