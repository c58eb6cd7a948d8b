"""One FilterSet per listable model, shared by the HTML list pages and the API."""
from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from civilaffairs.lib.idnumber import is_valid_id_number

from .models import Household, HouseholdMember, ResidenceType, UrbanRural
from .selectors import id_digest


class HouseholdFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("户主姓名或身份证号"), method="filter_q")
    region = django_filters.CharFilter(label=_("区划代码"), method="filter_region")
    residence_type = django_filters.ChoiceFilter(label=_("户籍/常住"), choices=ResidenceType.choices)
    urban_rural = django_filters.ChoiceFilter(label=_("城乡"), choices=UrbanRural.choices)

    class Meta:
        model = Household
        fields = ["q", "region", "residence_type", "urban_rural"]

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        if is_valid_id_number(value):
            return queryset.filter(pk__in=HouseholdMember.objects.filter(
                person__id_digest=id_digest(value), is_active=True).values("household_id"))
        return queryset.filter(head_name__contains=value)

    def filter_region(self, queryset, name, value):
        value = (value or "").strip()
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(community__code__startswith=value)
