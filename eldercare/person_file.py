"""Elderly care's sections of the person file (一人一档, the elder's page); each area registers
its own block (``register_*``), called from ``EldercareConfig.ready``."""
from __future__ import annotations

# --- elders / assessment area (elders helper): profile, special groups, contacts, assessments ---

from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from django.utils.translation import gettext_lazy  # noqa: E402

from civilaffairs.accounts.scoping import scope_queryset, user_can  # noqa: E402
from civilaffairs.portal.person_file import TimelineEvent, register_person_file_section  # noqa: E402


def _elder_context(*, request, person) -> dict | None:
    from .capabilities import ASSESS, EDIT_PROFILE, VIEW
    from .elder_list import GRADE_LABELS, elder_rows
    from .models import Assessment, AssessmentStatus, ElderProfile
    from .selectors import Arrangement, is_elder

    today = timezone.localdate()
    if not is_elder(person, today):
        return None
    row = elder_rows([person.pk], on=today).get(person.pk)
    if row is None:
        return None
    assessments = list(scope_queryset(Assessment.objects.filter(person=person), request.user, capability=VIEW)
                       .select_related("detail__instrument").order_by("-assessed_on", "-id")[:20])
    in_force = next((a for a in assessments if a.status == AssessmentStatus.SIGNED
                     and a.valid_from <= today <= a.valid_to), None)
    community = row.community_id
    return {
        "person": person, "elder": row, "age": row.age,
        "arrangement_label": dict(Arrangement.choices).get(row.arrangement, ""),
        "groups": row.groups, "grade_label": GRADE_LABELS.get(row.grade, "") if row.grade is not None else "",
        "profile": ElderProfile.objects.filter(person=person).first(),
        "contacts": list(person.elder_contacts.all()),
        "assessments": assessments, "in_force": in_force,
        "open_draft": next((a for a in assessments if a.status == AssessmentStatus.DRAFT), None),
        "may_edit": bool(community) and user_can(request.user, EDIT_PROFILE, community),
        "may_assess": bool(community) and user_can(request.user, ASSESS, community),
    }


def render_elder(*, request, person):
    context = _elder_context(request=request, person=person)
    if context is None:
        return None
    return "eldercare/elders/_person_file_elder.html", context


def timeline_elder(*, request, person):
    from .capabilities import VIEW
    from .models import Assessment, AssessmentStatus

    signed = (scope_queryset(Assessment.objects.filter(person=person), request.user, capability=VIEW)
              .exclude(status__in=[AssessmentStatus.DRAFT, AssessmentStatus.VOID]).order_by("-valid_from")[:20])
    for a in signed:
        yield TimelineEvent(at=a.valid_from or a.assessed_on,
                            title=_("能力评估：%(g)s") % {"g": a.get_grade_display()},
                            url=reverse("eldercare:assessment_detail", args=[a.pk]))


def register_elders() -> None:
    from .capabilities import VIEW

    register_person_file_section("eldercare.elder", title=gettext_lazy("老年人信息"), capability=VIEW,
                                 render=render_elder, timeline=timeline_elder, order=30)

from . import capabilities as caps  # noqa: E402


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
    register_person_file_section("eldercare.allowances", title=gettext_lazy("养老待遇"), capability=caps.VIEW,
                                 render=render_allowances, order=45)


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
