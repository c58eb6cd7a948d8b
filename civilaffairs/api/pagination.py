"""API list pagination with the caseworker lists' capped count (``civilaffairs.lib.pagination``).

DRF's page-number pagination runs an exact ``COUNT(*)`` on every list call: ~250 ms over a
million rows, more than the page itself. Here ``count`` is exact up to ``COUNT_CAP`` rows; past
that it says ``COUNT_CAP`` and ``count_capped`` is true ("10,000+"). ``next`` and ``previous``
come from reading one row more than the page, so walking a list page by page never needs the
total. A page number past the end, or not a positive whole number, answers 404 as before.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from civilaffairs.lib.pagination import COUNT_CAP, CappedPaginator


class CappedPageNumberPagination(PageNumberPagination):
    count_cap = COUNT_CAP
    invalid_page_message = _("无效的页码。")
    template = None  # the browsable API's numbered page links need the total; next/previous suffice

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        paginator = CappedPaginator(queryset, page_size, cap=self.count_cap)
        raw = request.query_params.get(self.page_query_param) or "1"
        # isdecimal + ASCII: "²" is a digit to isdigit() but not to int(); 20 digits bound int().
        if not (raw.isascii() and raw.isdecimal() and len(raw) <= 20) or int(raw) < 1:
            raise NotFound(self.invalid_page_message)
        self.page = paginator.page(int(raw))
        if self.page.past_the_end:
            raise NotFound(self.invalid_page_message)
        return list(self.page)

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response({
            "count": min(paginator.count, paginator.cap),
            "count_capped": paginator.capped,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["count", "count_capped", "results"]
        properties = response["properties"]
        properties["count"]["description"] = str(
            _("条数；超过 %(cap)d 条时只数到 %(cap)d（此时 count_capped 为 true）") % {"cap": self.count_cap})
        response["properties"] = {
            "count": properties["count"],
            "count_capped": {"type": "boolean", "example": False,
                             "description": str(_("为 true 时实际条数多于 count"))},
            **{k: v for k, v in properties.items() if k != "count"},
        }
        return response
