from django.utils.functional import SimpleLazyObject

from civilaffairs import programmes
from civilaffairs.accounts.roles import CASEWORKER_ROLES, ORGANISATION_ROLES, Role
from civilaffairs.accounts.scoping import user_roles


def portal(request):
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None and user.is_authenticated else set()
    cookie = request.COOKIES.get("large_text")
    large_text = cookie == "1" if cookie in ("0", "1") else bool(getattr(user, "large_text", False))
    return {
        "nav_roles": roles,
        "is_caseworker": bool(roles & CASEWORKER_ROLES) or bool(user and user.is_authenticated and user.is_superuser),
        "is_resident": bool(user and getattr(user, "is_resident", False)),
        "is_data_provider": Role.DATA_PROVIDER in roles,
        "is_organisation_staff": bool(roles & ORGANISATION_ROLES),
        "large_text": large_text,
        # The top bar: every registered entry this user sees (civilaffairs.programmes.register_nav).
        "nav_entries": SimpleLazyObject(lambda: programmes.nav_entries(user)),
    }
