"""Permission classes for the API: the same capabilities the pages check, from ``accounts.roles``."""
from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy as _
from rest_framework.permissions import BasePermission

from civilaffairs.accounts.roles import Capability, capability_label
from civilaffairs.accounts.scoping import user_can


def capability_required(capability: str) -> type[BasePermission]:
    """A permission class letting through users who hold ``capability`` somewhere.
    Which objects they then see is decided by ``scope_queryset``."""

    class HasCapability(BasePermission):
        @property
        def message(self) -> str:
            return gettext("您没有“%(cap)s”的权限。") % {"cap": capability_label(capability)}

        def has_permission(self, request, view) -> bool:
            return user_can(request.user, capability)

    HasCapability.__name__ = f"Has_{capability}"
    return HasCapability


class CanViewHouseholds(BasePermission):
    """Caseworkers with the household right, and residents (who see only their own household)."""

    message = _("您没有查看家庭信息的权限。")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if getattr(user, "is_resident", False):
            return user.is_active and user.person_id is not None
        return user_can(user, Capability.VIEW_HOUSEHOLDS)
