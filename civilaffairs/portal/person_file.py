"""What programmes show in the person file (一人一档, ``/people/<id>/``).

The portal knows no programme: each programme registers its sections in its ``AppConfig.ready``
with ``register_person_file_section`` — the way ``portal.registry`` works for the resident home.
A section declares

- ``name`` (unique, ``<programme>.<what>``) and ``title``;
- ``capability``: a worker who does not hold it over the person's region does not see the section
  (nor its timeline events);
- ``sensitive``: the section opens only after a stated purpose of use, and each read writes an
  access-log row (``civilaffairs.audit.purpose``);
- ``order``;
- ``render(request=…, person=…)`` → ``(template, context)``, or None for no card. ``template``
  is a template name, or a compiled template (anything with ``render(context, request)``). The
  section does its own scoped reads (``scope_queryset`` with a capability);
- ``timeline(request=…, person=…)`` → ``TimelineEvent``s for the file's merged timeline (optional).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class TimelineEvent:
    """One dated thing that happened to the person. ``at`` is an aware datetime or a date (a date
    sorts as the start of its day). No ID or phone numbers in ``title``/``detail``."""

    at: dt.datetime | dt.date
    title: str
    detail: str = ""
    url: str = ""
    section: str = ""
    section_title: str = ""

    @property
    def sort_key(self) -> dt.datetime:
        if isinstance(self.at, dt.datetime):
            return self.at if timezone.is_aware(self.at) else timezone.make_aware(self.at)
        return timezone.make_aware(dt.datetime.combine(self.at, dt.time.min))

    @property
    def has_time(self) -> bool:
        return isinstance(self.at, dt.datetime)


@dataclass(frozen=True)
class PersonFileSection:
    name: str
    title: str
    capability: str
    render: Callable[..., tuple[object, dict] | None]
    timeline: Callable[..., Iterable[TimelineEvent]] | None = None
    sensitive: bool = False
    order: int = 100


_SECTIONS: dict[str, PersonFileSection] = {}


def register_person_file_section(name: str, *, title, capability: str,
                                 render: Callable[..., tuple[object, dict] | None],
                                 timeline: Callable[..., Iterable[TimelineEvent]] | None = None,
                                 sensitive: bool = False, order: int = 100) -> PersonFileSection:
    """Register (or replace, for an app reloaded in tests) the person-file section ``name``."""
    if not capability:
        raise ValueError("a person-file section names the capability it needs")
    section = PersonFileSection(name=name, title=title, capability=str(capability), render=render,
                                timeline=timeline, sensitive=sensitive, order=order)
    _SECTIONS[name] = section
    return section


def unregister_person_file_section(name: str) -> None:
    _SECTIONS.pop(name, None)


def person_file_sections() -> list[PersonFileSection]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name))


def render_section(section: PersonFileSection, *, request, person) -> SafeString | None:
    result = section.render(request=request, person=person)
    if result is None:
        return None
    template, context = result
    if isinstance(template, str):
        return mark_safe(render_to_string(template, context, request=request))
    return mark_safe(template.render(context, request))


def section_timeline(section: PersonFileSection, *, request, person) -> list[TimelineEvent]:
    if section.timeline is None:
        return []
    return [TimelineEvent(at=e.at, title=e.title, detail=e.detail, url=e.url, section=section.name,
                          section_title=str(section.title))
            for e in section.timeline(request=request, person=person)]
