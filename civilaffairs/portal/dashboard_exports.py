"""Excel export of dashboard figures: one sheet per indicator card, the figures exactly as the page
shows them. Aggregated counts and sums only — no names, ID numbers or any row about one person — so
it needs no personal-data right, only the right to see the dashboard; every export is audited."""
from __future__ import annotations

import io
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from civilaffairs.audit.services import audit_log
from civilaffairs.registry.models import Region

from .dashboards import Period

SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(index: int, title: str, used: set[str]) -> str:
    name = SHEET_NAME_FORBIDDEN.sub("", f"{index}.{title}")[:31]
    while name in used:
        name = name[:29] + f"~{len(used)}"
    used.add(name)
    return name


@transaction.atomic
def dashboard_export(*, actor, region: Region, period: Period, cards) -> bytes:
    """The cards (``dashboard_views.dashboard_cards``) as .xlsx bytes, audited."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    for card in cards:
        indicator = card.indicator
        ws = wb.create_sheet(_sheet_title(card.index, str(indicator.title), used))
        ws.append([str(indicator.title)])
        ws.append([_("统计区域"), region.name, _("统计期间"),
                   period.label() if indicator.uses_period else _("当前状态（不受期间筛选影响）")])
        ws.append([_("单位"), str(indicator.unit), _("导出时间"), generated])
        if indicator.note:
            ws.append([_("口径"), str(indicator.note)])
        ws.append([])
        header = [str(card.figures.category_label)] + [str(s.label) for s in card.figures.series]
        if card.shows_share:
            header.append(_("占比"))
        ws.append(header)
        for label, cells, share in card.rows:
            row = [str(label)] + [c.value for c in cells]
            if card.shows_share:
                row.append(share)
            ws.append(row)
    if not cards:
        wb.create_sheet(_("说明")).append([_("没有可导出的指标。")])
    out = io.BytesIO()
    wb.save(out)
    audit_log(actor=actor, action="portal.dashboard_exported", object_type="portal.dashboard",
              object_id=region.code, region_code=region.code,
              after={"indicators": [c.indicator.name for c in cards], "region": region.code,
                     "month_from": f"{period.first:%Y-%m}", "month_to": f"{period.last:%Y-%m}"})
    return out.getvalue()
