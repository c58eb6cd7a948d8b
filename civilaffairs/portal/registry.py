"""What programmes show on the resident home (居民服务中心).

The portal knows no programme: a programme that has something to show a signed-in resident
(their applications, their allowances) registers a section in its ``AppConfig.ready`` with
``register_resident_section``. The resident home renders each registered section, in order, with
the template and context the programme's callable returns — the way ``worklist.sources`` works.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class ResidentSection:
    """``render(request=…, household=…)`` returns ``(template_name, context)``, or None to show nothing."""

    name: str
    render: Callable[..., tuple[str, dict] | None]
    order: int = 100


_SECTIONS: dict[str, ResidentSection] = {}


def register_resident_section(name: str, render: Callable[..., tuple[str, dict] | None], *, order: int = 100) -> None:
    """Register (or replace, for an app reloaded in tests) the resident-home section ``name``."""
    _SECTIONS[name] = ResidentSection(name=name, render=render, order=order)


def unregister_resident_section(name: str) -> None:
    _SECTIONS.pop(name, None)


def resident_sections(*, request, household) -> list[SafeString]:
    """Every registered section rendered for this resident, in order (``household`` may be None)."""
    html = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name)):
        result = section.render(request=request, household=household)
        if result is None:
            continue
        template, context = result
        html.append(render_to_string(template, context, request=request))
    return html
