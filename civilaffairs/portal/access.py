"""Who may open which page. Anonymous users go to the sign-in page; a signed-in user
of another role gets 403. Objects outside a jurisdiction answer 404 in the scoped
selectors, not here."""
from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from civilaffairs.accounts.roles import CASEWORKER_ROLES, Role
from civilaffairs.accounts.scoping import user_roles


def is_caseworker(user) -> bool:
    return bool(user.is_superuser or user_roles(user) & CASEWORKER_ROLES)


def is_administrator(user) -> bool:
    return bool(user.is_superuser or Role.CITY_ADMIN in user_roles(user))


def is_data_provider(user) -> bool:
    return bool(user.is_superuser or Role.DATA_PROVIDER in user_roles(user))


def is_resident(user) -> bool:
    return bool(getattr(user, "is_resident", False))


def user_passes(check):
    """``@login_required`` plus a role check that answers 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


caseworker_required = user_passes(is_caseworker)
administrator_required = user_passes(is_administrator)
data_provider_required = user_passes(is_data_provider)
resident_required = user_passes(is_resident)
staff_required = user_passes(lambda user: not is_resident(user))
