"""What elderly care's work items stand for, told to the worklist (``civilaffairs.worklist.sources``).
Each area registers its kinds in its block below; ``EldercareConfig.ready`` calls the ``register_*``."""
from __future__ import annotations

# --- elders / assessment area (elders helper): reassessment due / requested ----------------------

from django.urls import reverse  # noqa: E402

from civilaffairs.worklist.sources import Source, source_register  # noqa: E402


def _reassessment_urls(items) -> dict[int, str]:
    """The elder's page (the person file, which does its own scoping)."""
    return {item.pk: reverse("portal:person_file", args=[int(item.subject_id)])
            for item in items if str(item.subject_id).isdigit()}


def register_elders() -> None:
    from .services.assessment import REASSESSMENT_KIND, REASSESSMENT_SUBJECT

    # Signing a new assessment closes the item (``assessment_sign``); the worker may also close it
    # on the worklist (the elder moved away, died, refused), so no ``on_close`` veto.
    source_register(REASSESSMENT_SUBJECT, Source(subject_urls=_reassessment_urls, kinds=(REASSESSMENT_KIND,)))


# --- allowances and service credit (area C) ---------------------------------------------------------
# An allowance stopped by the engine (death, moved out) is checked by the community and closed on the
# worklist; a proposed stop's item is closed by the confirm (or the resume) on the elder's page.

def _allowance_person_urls(items) -> dict[int, str]:
    from django.urls import reverse

    from .models import Allowance

    ids = {int(i.subject_id) for i in items if str(i.subject_id).isdigit()}
    persons = dict(Allowance.objects.filter(pk__in=ids).values_list("pk", "person_id"))
    return {i.pk: reverse("portal:person_file", args=[persons[int(i.subject_id)]])
            for i in items if str(i.subject_id).isdigit() and int(i.subject_id) in persons}


def _allowance_on_close(*, item, actor, to_status, outcome, resolution) -> None:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from .models import Allowance, AllowanceStatus
    from .services.allowances import STOP_CONFIRM_KIND

    if item.kind == STOP_CONFIRM_KIND and Allowance.objects.filter(
            pk=item.subject_id, status=AllowanceStatus.STOP_PROPOSED).exists():
        raise ValidationError(_("该停发仍待确认：请在老年人档案的“养老待遇”中确认或恢复，办理后待办自动办结。"))


def register_allowance_sources() -> None:
    from .services.allowances import STOP_CONFIRM_KIND, STOPPED_KIND, SUBJECT_TYPE

    source_register(SUBJECT_TYPE, Source(on_close=_allowance_on_close, subject_urls=_allowance_person_urls,
                                         kinds=(STOPPED_KIND, STOP_CONFIRM_KIND)))


# --- visits, devices and alarms (area D) -----------------------------------------------------------
# A missed week (subject: the plan) is closed by recording a visit; an alarm's item (subject: the
# alarm) by closing the alarm with its outcome: while the plan still has no visit since that week,
# or the alarm is open, the worklist refuses to close the item and sends the worker to the page.
# A referral (subject: the visit) is the work itself and is closed on the worklist.

from django.core.exceptions import ValidationError  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402


def _pk(item) -> int | None:
    try:
        return int(item.subject_id)
    except (TypeError, ValueError):
        return None


def _person_urls(model, items) -> dict[int, str]:
    ids = {_pk(i) for i in items} - {None}
    persons = dict(model.objects.filter(pk__in=ids).values_list("pk", "person_id"))
    return {i.pk: reverse("portal:person_file", args=[persons[_pk(i)]]) for i in items if _pk(i) in persons}


def _missed_week(item):
    try:
        return item.dedupe_key.rsplit(":", 1)[1]
    except (AttributeError, IndexError):
        return None


def plan_item_waiting(item) -> str | None:
    from .models import PlanStatus, Visit, VisitPlan

    pk, week = _pk(item), _missed_week(item)
    plan = VisitPlan.objects.filter(pk=pk).only("status").first() if pk is not None else None
    if plan is None or plan.status != PlanStatus.ACTIVE or not week:
        return None
    if Visit.objects.filter(plan_id=pk, visited_at__date__gte=week).exists():
        return None
    return _("该老人尚未登记巡访：请登记巡访记录，登记后待办事项自动办结。")


def plan_item_closed(*, item, actor, to_status: str, outcome: str, resolution: str) -> None:
    if (refusal := plan_item_waiting(item)) is not None:
        raise ValidationError(refusal)


def plan_item_close_url(item) -> str | None:
    return reverse("eldercare:visit_record", args=[_pk(item)]) if plan_item_waiting(item) else None


def plan_subject_urls(items) -> dict[int, str]:
    from .models import VisitPlan

    return _person_urls(VisitPlan, items)


def visit_subject_urls(items) -> dict[int, str]:
    from .models import Visit

    return _person_urls(Visit, items)


def alarm_item_waiting(item) -> str | None:
    from .models import ALARM_OPEN_STATUSES, Alarm

    pk = _pk(item)
    if pk is not None and Alarm.objects.filter(pk=pk, status__in=ALARM_OPEN_STATUSES).exists():
        return _("该告警尚未关闭：请在告警页面填写处置结果并关闭，关闭后待办事项自动办结。")
    return None


def alarm_item_closed(*, item, actor, to_status: str, outcome: str, resolution: str) -> None:
    if (refusal := alarm_item_waiting(item)) is not None:
        raise ValidationError(refusal)


def alarm_item_close_url(item) -> str | None:
    return reverse("eldercare:alarm_detail", args=[_pk(item)]) if alarm_item_waiting(item) else None


def alarm_item_lock(item) -> None:
    from .models import Alarm

    if (pk := _pk(item)) is not None:
        list(Alarm.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))


def alarm_subject_urls(items) -> dict[int, str]:
    from .models import Alarm

    return _person_urls(Alarm, items)


def register_visits() -> None:
    from civilaffairs.worklist.sources import Source, source_register

    from .services.alarms import ALARM_KIND, ALARM_SUBJECT
    from .services.visits import MISSED_KIND, PLAN_SUBJECT, REFERRAL_KINDS, VISIT_SUBJECT

    source_register(PLAN_SUBJECT, Source(on_close=plan_item_closed, close_url=plan_item_close_url,
                                         subject_urls=plan_subject_urls, close_hint=plan_item_waiting,
                                         kinds=(MISSED_KIND,)))
    source_register(VISIT_SUBJECT, Source(subject_urls=visit_subject_urls, kinds=tuple(REFERRAL_KINDS.values())))
    source_register(ALARM_SUBJECT, Source(on_close=alarm_item_closed, close_url=alarm_item_close_url,
                                          lock=alarm_item_lock, subject_urls=alarm_subject_urls,
                                          close_hint=alarm_item_waiting, kinds=(ALARM_KIND,)))
