"""Elderly care in the person file (一人一档): each area registers its sections from
``EldercareConfig.ready`` through its ``register_<area>()`` below."""
from __future__ import annotations

# --- visits, devices and alarms (area D) -----------------------------------------------------------


def render_visits(*, request, person):
    """The elder's visit plan and visits, devices and alarms, each read through its scoped selector."""
    from civilaffairs.accounts.scoping import user_can

    from . import selectors_visits as sel
    from .capabilities import HANDLE_ALARM, VIEW
    from .models import PlanStatus

    user = request.user
    plans = sel.plans_for_user(user=user).filter(person=person)
    plan = plans.filter(status=PlanStatus.ACTIVE).first()
    visits = list(sel.scope_queryset(sel.Visit.objects.filter(person=person), user, capability=VIEW)
                  .select_related("visitor").order_by("-visited_at")[:10])
    devices = list(sel.devices_for_user(user=user, capability=VIEW).filter(person=person).order_by("id"))
    alarms = list(sel.alarms_for_user(user=user, capability=VIEW).filter(person=person).order_by("-opened_at")[:10])
    if plan is None and not visits and not devices and not alarms:
        return None
    return "eldercare/visits/_person_file.html", {
        "plan": plan, "visits": visits, "devices": devices, "alarms": alarms,
        "can_alarm": user_can(user, HANDLE_ALARM)}


def visits_timeline(*, request, person):
    from django.utils.translation import gettext as _

    from civilaffairs.portal.person_file import TimelineEvent

    from . import selectors_visits as sel
    from .capabilities import VIEW

    for visit in (sel.scope_queryset(sel.Visit.objects.filter(person=person), request.user, capability=VIEW)
                  .order_by("-visited_at")[:20]):
        yield TimelineEvent(at=visit.visited_at, title=str(visit.get_mode_display()),
                            detail="、".join(visit.risks_labels))
    for alarm in sel.alarms_for_user(user=request.user, capability=VIEW).filter(person=person).order_by(
            "-opened_at")[:20]:
        yield TimelineEvent(at=alarm.opened_at, title=_("设备告警：%(kind)s") % {"kind": alarm.get_kind_display()},
                            detail=alarm.get_outcome_display() if alarm.outcome else alarm.get_status_display())


def register_visits() -> None:
    from django.utils.translation import gettext_lazy as _

    from civilaffairs.portal.person_file import register_person_file_section

    from .capabilities import VIEW

    register_person_file_section("eldercare.visits", title=_("巡访、智能设备与告警"), capability=VIEW,
                                 render=render_visits, timeline=visits_timeline, order=230)
