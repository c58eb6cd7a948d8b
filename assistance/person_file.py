"""Social assistance in the person file (一人一档): registered in ``AssistanceConfig.ready``.

Two sections, each doing its own scoped reads (``view_households``, so a worker sees what the
assistance pages would show them): the person's applications and their households' benefits, and the
difficulty index of their current household. Payments are the platform ledger's: its own section
(``civilaffairs.payments.person_file``) shows every programme's lines.
"""
from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import scope_queryset
from civilaffairs.portal.person_file import TimelineEvent, register_person_file_section



def _household_ids(person) -> list[int]:
    return list(person.memberships.values_list("household_id", flat=True))


def _current_household_id(person) -> int | None:
    return person.memberships.filter(is_active=True).values_list("household_id", flat=True).first()


# --- applications and benefits ---------------------------------------------------------------

def person_applications(*, user, person):
    """Applications the person made or is declared a member of, newest first."""
    from .models import Application

    found = Application.objects.filter(Q(applicant=person) | Q(members__person=person)).values("pk")
    return (scope_queryset(Application.objects.filter(pk__in=found), user, capability=Capability.VIEW_HOUSEHOLDS)
            .select_related("household").order_by("-created_at", "-id"))


def person_benefits(*, user, person):
    from .models import Benefit

    return (scope_queryset(Benefit.objects.filter(household_id__in=_household_ids(person)), user,
                           capability=Capability.VIEW_HOUSEHOLDS)
            .order_by("-start_date", "-id"))


def render_applications(*, request, person):
    return "assistance/_person_file_applications.html", {
        "applications": list(person_applications(user=request.user, person=person)),
        "benefits": list(person_benefits(user=request.user, person=person)),
    }


def _event_label(action: str) -> str:
    from .workflow import TRANSITIONS

    if action in TRANSITIONS:
        return str(TRANSITIONS[action].label)
    return {"create": _("创建申请"), "emergency_pay": _("先行救助"), "emergency_request": _("先行救助报区县审批"),
            "emergency_decline": _("不予批准先行救助")}.get(action, action)


def timeline_applications(*, request, person):
    from .models import ApplicationEvent

    applications = person_applications(user=request.user, person=person)
    for event in (ApplicationEvent.objects.filter(application__in=applications.values("pk"))
                  .select_related("application").order_by("-created_at")[:200]):
        yield TimelineEvent(at=event.created_at, title=f"{_event_label(event.action)} · {event.application.number}",
                            url=reverse("assistance:application_detail", args=[event.application_id]))
    for benefit in person_benefits(user=request.user, person=person):
        yield TimelineEvent(at=benefit.start_date, title=_("开始享受%(p)s") % {"p": benefit.get_programme_display()},
                            detail=_("月金额 %(a)s 元") % {"a": benefit.monthly_amount})
        if benefit.end_date:
            yield TimelineEvent(at=benefit.end_date, title=_("%(p)s终止") % {"p": benefit.get_programme_display()},
                                detail=benefit.end_reason)


# --- difficulty index ------------------------------------------------------------------------

def render_scores(*, request, person):
    from .scoring.models import HouseholdScore

    household_id = _current_household_id(person)
    score = None
    if household_id is not None:
        score = (scope_queryset(HouseholdScore.objects.filter(household_id=household_id), request.user,
                                capability=Capability.VIEW_HOUSEHOLDS).first())
    return "assistance/_person_file_scores.html", {"score": score, "household_id": household_id}


def timeline_scores(*, request, person):
    from .scoring.models import ScoreHistory
    from .scoring.selectors import colour_changes

    household_id = _current_household_id(person)
    if household_id is None:
        return
    history = scope_queryset(ScoreHistory.objects.filter(household_id=household_id), request.user,
                             capability=Capability.VIEW_HOUSEHOLDS).order_by("-computed_at")[:100]
    for row in colour_changes(history):
        yield TimelineEvent(at=row.computed_at, title=_("困难指数 %(i)s（%(c)s）") % {
            "i": row.difficulty_index, "c": row.get_colour_display()},
            url=reverse("scoring:household", args=[household_id]))


# --- payments --------------------------------------------------------------------------------

def register() -> None:
    register_person_file_section("assistance.applications", title=gettext_lazy("社会救助：申请与待遇"),
                                 capability=Capability.VIEW_HOUSEHOLDS, render=render_applications,
                                 timeline=timeline_applications, order=20)
    register_person_file_section("assistance.scores", title=gettext_lazy("困难指数"),
                                 capability=Capability.VIEW_HOUSEHOLDS, render=render_scores,
                                 timeline=timeline_scores, order=30)
