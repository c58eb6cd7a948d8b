"""The person file's payments section (一人一档): every programme's lines in the ledger to the person or
to their households, newest first — one section for all programmes, so a new programme's payments
appear with no code of its own."""
from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import scope_queryset
from civilaffairs.portal.person_file import TimelineEvent, register_person_file_section
from civilaffairs.registry.models import HouseholdMember

from .models import PaymentLine
from .sources import source_for

SHOWN = 60


def person_lines(*, user, person, limit: int = SHOWN) -> list[dict]:
    """Plain rows (month, programme, category, amount, kind, status, paid_at), scoped to ``user``."""
    household_ids = list(HouseholdMember.objects.filter(person=person).values_list("household_id", flat=True))
    lines = (scope_queryset(PaymentLine.objects.filter(Q(household_id__in=household_ids) | Q(person=person)), user,
                            capability=Capability.VIEW_HOUSEHOLDS)
             .order_by("-period", "-id")[:limit])
    rows = []
    for line in lines:
        source = source_for(line.programme)
        rows.append({"month": line.period, "programme": source.label if source else line.programme,
                     "category": (source.categories.get(line.category, line.category) if source else line.category),
                     "amount": line.amount, "kind": line.get_kind_display(), "status": line.get_status_display(),
                     "paid_at": line.paid_at})
    return rows


def payee_accounts(*, user, person) -> list[dict]:
    """The current accounts the person is paid into — their own and their current household's —
    masked, with whether ``user`` may change them (``reveal_id`` there, as ``bank_account_set``)."""
    from civilaffairs.accounts.scoping import user_can

    from .models import BankAccount

    member = HouseholdMember.objects.filter(person=person, is_active=True).select_related("household").first()
    region = member.household.community_id if member else ""
    may_change = bool(region) and user_can(user, Capability.REVEAL_ID, region)
    rows = [{"owner": "person", "label": _("本人账户"), "pk": person.pk,
             "account": BankAccount.objects.filter(person=person, is_current=True).first()}]
    if member is not None:
        rows.append({"owner": "household", "label": _("家庭账户（%(h)s）") % {"h": member.household}, "pk": member.household_id,
                     "account": BankAccount.objects.filter(household_id=member.household_id, is_current=True).first()})
    for row in rows:
        row["may_change"] = may_change
    return rows


def render(*, request, person):
    return "payments/_person_file_lines.html", {"lines": person_lines(user=request.user, person=person),
                                                "accounts": payee_accounts(user=request.user, person=person)}


def timeline(*, request, person):
    for row in person_lines(user=request.user, person=person):
        if row["paid_at"]:
            yield TimelineEvent(at=row["paid_at"], title=_("%(p)s·%(c)s到账 %(a)s 元")
                                % {"p": row["programme"], "c": row["category"], "a": row["amount"]},
                                detail=f"{row['month']:%Y-%m}")


def register() -> None:
    register_person_file_section("payments.lines", title=gettext_lazy("资金发放记录（各项目）"),
                                 capability=Capability.VIEW_HOUSEHOLDS, render=render, timeline=timeline, order=80)
