"""Helpers shared by the assistance pages: who may open what, running a service and
turning its errors into form errors. The list paginator (never counts a huge table) is the platform's."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from civilaffairs.accounts.roles import Capability, Role
from civilaffairs.accounts.scoping import scope_queryset, user_roles
from civilaffairs.lib.pagination import COUNT_CAP, CappedPaginator, link_rows  # noqa: F401 - the lists' paginator
from civilaffairs.portal.access import is_caseworker, user_passes
from civilaffairs.registry.models import Department, Relation

from ..models import Application, ApplicationStatus, Channel, Programme

PAGE_SIZE = 50

caseworker_required = user_passes(lambda user: not user.is_resident and is_caseworker(user))
district_staff_required = user_passes(
    lambda user: user.is_superuser or bool(user_roles(user) & {Role.DISTRICT_APPROVER, Role.CITY_ADMIN}))


def errors_of(exc: ValidationError) -> tuple[list[str], dict[str, list[str]]]:
    """(messages not tied to a field, {field: messages})."""
    if hasattr(exc, "error_dict"):
        fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        return fields.pop("__all__", []), fields
    return [str(m) for m in exc.messages], {}


def add_errors(form, exc: ValidationError) -> None:
    general, fields = errors_of(exc)
    for message in general:
        form.add_error(None, message)
    for field, messages in fields.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def scoped_applications(user):
    return scope_queryset(Application.objects.all(), user, capability=Capability.VIEW_HOUSEHOLDS)


RELATION_LABELS = dict(Relation.choices)
DEPARTMENT_LABELS = dict(Department.choices)


def label_members(members):
    """Application members carry the relation code; pages show its label."""
    members = list(members)
    for m in members:
        m.relation_label = RELATION_LABELS.get(m.relation, m.relation)
    return members


def label_list_rows(apps) -> None:
    """What the caseworker list shows of each application, worked out once per page in Python: in the
    template ({% url %}, get_*_display, the date filter and an include per row) it was two thirds of
    the page's rendering."""
    statuses = {value: str(label) for value, label in ApplicationStatus.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    programmes = {value: str(label) for value, label in Programme.choices}
    link_rows(apps, "assistance:application_detail")
    for app in apps:
        app.status_label = statuses.get(app.status, app.status)
        app.channel_label = channels.get(app.channel, app.channel)
        app.programme_text = "、".join(programmes.get(p, p) for p in app.programmes)
        app.submitted_text = (timezone.localtime(app.submitted_at).strftime("%Y-%m-%d %H:%M")
                              if app.submitted_at else "—")
