"""One FilterSet per list, shared by the HTML pages and the API."""
from __future__ import annotations

import datetime as dt
import re

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civilaffairs.registry.filters import head_name_lookup
from civilaffairs.registry.models import Household
from civilaffairs.worklist.selectors import overdue_subject_ids

from .models import Application, ApplicationStatus, Benefit, BenefitStatus, Channel, Programme

NAME_MATCH_LIMIT = 1000
APPLICATION_NUMBER = re.compile(r"[A-Za-z]{2}[0-9A-Za-z]{6,22}")  # "SQ" + 16 hex digits (Application.new_number)


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the current time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class ApplicationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("申请编号或户主姓名"), method="filter_q")
    programme = django_filters.ChoiceFilter(label=_("救助项目"), choices=Programme.choices, method="filter_programme")
    # distinct=False: a column of the application itself, no join that could repeat a row (DISTINCT over
    # every column made PostgreSQL sort the whole match before the page).
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=ApplicationStatus.choices, distinct=False)
    channel = django_filters.ChoiceFilter(label=_("渠道"), choices=Channel.choices)
    region = django_filters.CharFilter(label=_("区划代码"), method="filter_region")
    overdue = django_filters.BooleanFilter(label=_("仅看超期"), method="filter_overdue")
    submitted_from = django_filters.DateFilter(label=_("提交日期起"), method="filter_submitted_from")
    submitted_to = django_filters.DateFilter(label=_("提交日期止"), method="filter_submitted_to")

    class Meta:
        model = Application
        fields = ["q", "programme", "status", "channel", "region", "overdue", "submitted_from", "submitted_to"]

    def filter_q(self, queryset, name, value):
        # Two separate lookups, never one OR across the household join: the OR cannot use an index,
        # so at a million households every search walked the whole table (≈1 s). A number goes to
        # the unique index; a name to the households' name indexes, then applications by household.
        value = (value or "").strip()
        if not value:
            return queryset
        if APPLICATION_NUMBER.fullmatch(value):
            return queryset.filter(number=value.upper())
        # The household list's rule: one or two characters are the start of the name, more anywhere.
        households = Household.objects.filter(**head_name_lookup(value)).values_list("pk", flat=True)
        # Fetched first while they are few: given the ids, the planner goes by household; given only the
        # subquery it often walks the whole submitted_at index hoping to fill the page early (0.7 s at 1M).
        ids = list(households[:NAME_MATCH_LIMIT + 1])
        if len(ids) <= NAME_MATCH_LIMIT:
            return queryset.filter(household_id__in=ids)
        return queryset.filter(household__in=households)

    # Local days as instants: ``submitted_at__date`` compares (submitted_at AT TIME ZONE …)::date, which no
    # index on submitted_at can serve.
    def filter_submitted_from(self, queryset, name, value):
        return queryset.filter(submitted_at__gte=_start_of(value)) if value else queryset

    def filter_submitted_to(self, queryset, name, value):
        if not value or value >= dt.date.max:  # up to the last representable day: no upper bound
            return queryset
        return queryset.filter(submitted_at__lt=_start_of(value + dt.timedelta(days=1)))

    def filter_programme(self, queryset, name, value):
        return queryset.filter(programmes__contains=[value]) if value else queryset

    def filter_region(self, queryset, name, value):
        value = (value or "").strip()
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(community__code__startswith=value)

    def filter_overdue(self, queryset, name, value):
        """是: only applications with an overdue open work item; 否: only those without one."""
        if value is None:
            return queryset
        overdue = overdue_subject_ids(subject_type="assistance.application")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)


class BenefitFilterSet(django_filters.FilterSet):
    programme = django_filters.ChoiceFilter(label=_("救助项目"), choices=Programme.choices)
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=BenefitStatus.choices)
    region = django_filters.CharFilter(label=_("区划代码"), method="filter_region")
    start_from = django_filters.DateFilter(label=_("起始日期起"), field_name="start_date", lookup_expr="gte")
    start_to = django_filters.DateFilter(label=_("起始日期止"), field_name="start_date", lookup_expr="lte")

    class Meta:
        model = Benefit
        fields = ["programme", "status", "region", "start_from", "start_to"]

    def filter_region(self, queryset, name, value):
        value = (value or "").strip()
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(household__community__code__startswith=value)
