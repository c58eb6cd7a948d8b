"""The access-log list's filters (the auditor's page)."""
from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AccessLogEntry, AccessPurpose


class AccessLogFilterSet(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_label", label=_("查阅人账号"))
    object_type = django_filters.CharFilter(label=_("对象类型"))
    object_id = django_filters.CharFilter(label=_("对象编号"))
    section = django_filters.CharFilter(label=_("查阅内容"))
    purpose = django_filters.ChoiceFilter(choices=AccessPurpose.choices, label=_("查阅目的"))
    region = django_filters.CharFilter(label=_("区划代码前缀"), method="filter_region")
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("起始日期"),
                                      widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("截止日期"),
                                      widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = AccessLogEntry
        fields = ["actor", "object_type", "object_id", "section", "purpose", "region", "since", "until"]

    def filter_region(self, queryset, name, value):
        value = (value or "").strip()
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(region_code__startswith=value)
