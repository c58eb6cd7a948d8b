"""QR codes drawn locally with segno (no service, no image library): an inline SVG, which the
Content-Security-Policy allows (it carries no script and no style attribute)."""
from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe

QR_ERROR_LEVEL = "m"  # 15 % of a poster may be torn or dirty and the code still reads


def qr_code(data: str) -> segno.QRCode:
    return segno.make(data, error=QR_ERROR_LEVEL, micro=False, boost_error=False)


def qr_svg(data: str, *, title: str) -> SafeString:
    """An inline ``<svg class="qr-code">`` with a viewBox (sized by CSS), dark modules on white."""
    svg = qr_code(data).svg_inline(scale=1, omitsize=True, svgclass="qr-code", dark="#000", light="#fff",
                                   title=title)
    return mark_safe(svg)  # noqa: S308 — segno's own markup; the title is XML-escaped by segno
