"""Elder care's sections of the person file (一人一档). One block per area."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civilaffairs.portal.person_file import register_person_file_section

from . import capabilities as caps


# --- allowances and service credit (area C) ---------------------------------------------------------

def render_allowances(*, request, person):
    from .allowance_selectors import person_allowances, person_credit, sees_money

    if not sees_money(request.user):
        return None
    allowances = person_allowances(user=request.user, person=person)
    account, entries = person_credit(user=request.user, person=person)
    if not allowances and account is None:
        return None
    return "eldercare/allowances/_person_file.html", {"allowances": allowances, "account": account,
                                                        "entries": entries}


def register_allowance_section() -> None:
    register_person_file_section("eldercare.allowances", title=_("养老待遇"), capability=caps.VIEW,
                                 render=render_allowances, order=45)
