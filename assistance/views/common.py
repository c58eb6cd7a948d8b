"""Helpers shared by the assistance pages: who may open what, running a service and
turning its errors into form errors, a paginator that never counts a huge table."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from civilaffairs.accounts.roles import Role
from civilaffairs.accounts.scoping import scope_queryset, user_roles
from civilaffairs.portal.access import is_caseworker, user_passes
from civilaffairs.registry.models import Department, Relation

from ..models import Application

PAGE_SIZE = 50
COUNT_CAP = 10_000

caseworker_required = user_passes(lambda user: not user.is_resident and is_caseworker(user))
district_staff_required = user_passes(
    lambda user: user.is_superuser or bool(user_roles(user) & {Role.DISTRICT_APPROVER, Role.CITY_ADMIN}))


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows: ``SELECT count(*) FROM (… LIMIT 10001)``
    stays fast on a million-row table; the page shows "10000+"."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[:COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


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
    return scope_queryset(Application.objects.all(), user)


RELATION_LABELS = dict(Relation.choices)
DEPARTMENT_LABELS = dict(Department.choices)


def label_members(members):
    """Application members carry the relation code; pages show its label."""
    members = list(members)
    for m in members:
        m.relation_label = RELATION_LABELS.get(m.relation, m.relation)
    return members
