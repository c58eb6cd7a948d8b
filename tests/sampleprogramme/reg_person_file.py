"""The sample programme's person-file section: one sensitive section (a made-up 心理档案), shown to
holders of ``view_department_data`` (township officers and up, not grid workers) after a stated purpose."""
from __future__ import annotations

import datetime as dt

from django.template import engines

from civilaffairs.accounts.roles import Capability
from civilaffairs.portal.person_file import (
    TimelineEvent, register_person_file_section, unregister_person_file_section,
)

NAME = "sampleprogramme.counselling"
TITLE = "示例项目：心理辅导档案"
# What only an opened section shows: tests look for it to tell the data from the form.
SECRET_MARK = "SAMPLE-COUNSELLING-NOTE"
EVENT_TITLE = "示例项目：心理辅导面谈"
EVENT_DAY = dt.date(2020, 1, 15)

_TEMPLATE = engines["django"].from_string(
    '<div class="card-body" data-sample-section>{{ mark }} · {{ person.pk }}</div>')


def render(*, request, person):
    return _TEMPLATE, {"mark": SECRET_MARK, "person": person}


def timeline(*, request, person):
    return [TimelineEvent(at=EVENT_DAY, title=EVENT_TITLE)]


def register() -> None:
    register_person_file_section(NAME, title=TITLE, capability=Capability.VIEW_DEPARTMENT_DATA, render=render,
                                 timeline=timeline, sensitive=True, order=90)


def unregister() -> None:
    unregister_person_file_section(NAME)
