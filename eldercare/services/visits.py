"""Visit plans and visits (巡访). Plans follow the derived living arrangement: ``visit_plans_sync``
(daily, and for one community on a planner's request) adds a plan for every elder living alone or
in an empty-nest home who has none and ends the plans of those no longer in scope, set-based over
``selectors.elders_sql``. A visit closes the plan's missed-week items; a risk found raises a
referral. ``visits_missed_week`` raises one item per plan and week without a visit."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.lib.errors import StateConflict
from civilaffairs.registry.parameters import BY_KEY
from civilaffairs.registry.selectors import ParameterMissing, parameter_value
from civilaffairs.worklist.models import ItemStatus, Priority
from civilaffairs.worklist.services import RaiseResult, workitem_close, workitem_raise, workitem_raise_many

from ..capabilities import PLAN_VISITS, VISIT
from ..models import (
    DISABLED_GRADES, RISK_REFERRAL, Health, Need, PlanStatus, ReferralTo, Risk, RiskLevel, Safety,
    Visit, VisitMode, VisitPlan,
)
from ..selectors import HIGH_AGE, elders_sql, grade_sql

IN_SCOPE = ("alone", "empty_nest")
MISSED_KIND = "eldercare.visit_missed"
PLAN_SUBJECT = "eldercare.visitplan"
VISIT_SUBJECT = "eldercare.visit"
REFERRAL_KINDS = {to: f"eldercare.referral_{to}" for to in ReferralTo.values}
REFERRAL_DAYS = 3
MAX_LATE_DAYS = 31  # a visit is recorded within a month


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week (weeks run Monday to Sunday)."""
    return day - dt.timedelta(days=day.weekday())


def interval_days(*, community_code: str, risk_level: str, on: dt.date) -> int:
    key = f"visit_interval_days_{risk_level}"
    try:
        value = parameter_value(key=key, region_code=community_code, on=on)
    except ParameterMissing:
        value = BY_KEY[key].default
    return max(1, min(31, int(value)))


def _community_target(prefix: str) -> tuple[str, dict]:
    if not prefix:
        return "true", {}
    return ("{col} IN (SELECT hm.person_id FROM registry_householdmember hm JOIN registry_household h "
            "ON h.id = hm.household_id WHERE hm.is_active AND h.community_id LIKE %(prefix)s)"), \
        {"prefix": prefix + "%"}


# --- keeping the plans in step ------------------------------------------------------------------------

@transaction.atomic
def visit_plans_sync(*, community_prefix: str = "", on: dt.date | None = None, actor=None) -> dict[str, int]:
    """End the active plans (under ``community_prefix``) of elders no longer living alone or
    empty-nest in that community, then add plans for those in scope without one. Idempotent."""
    on = on or timezone.localdate()
    target, params = _community_target(community_prefix)
    params.update(on=on, scope=list(IN_SCOPE), plan_prefix=community_prefix + "%", now=timezone.now())
    plans_target = ("{col} IN (SELECT vp.person_id FROM eldercare_visitplan vp WHERE vp.status = 'active' "
                    "AND vp.community_id LIKE %(plan_prefix)s)")
    with connection.cursor() as cur:
        cur.execute(f"""
            WITH cur AS ({elders_sql(plans_target)}),
            ending AS (
                SELECT vp.id, CASE WHEN per.death_date IS NOT NULL AND per.death_date <= %(on)s THEN 'died'
                                   WHEN cur.community_id IS NOT NULL AND cur.community_id <> vp.community_id
                                        THEN 'moved'
                                   ELSE 'out_of_scope' END AS reason
                FROM eldercare_visitplan vp JOIN registry_person per ON per.id = vp.person_id
                LEFT JOIN cur ON cur.person_id = vp.person_id
                WHERE vp.status = 'active' AND vp.community_id LIKE %(plan_prefix)s
                  AND NOT (cur.person_id IS NOT NULL AND cur.arrangement = ANY(%(scope)s)
                           AND cur.community_id = vp.community_id))
            UPDATE eldercare_visitplan vp SET status = 'ended', ends_on = greatest(%(on)s, vp.starts_on),
                   end_reason = ending.reason, updated_at = %(now)s
            FROM ending WHERE ending.id = vp.id
            RETURNING vp.id""", params)
        ended = [r[0] for r in cur.fetchall()]
        cur.execute(f"""
            INSERT INTO eldercare_visitplan (person_id, community_id, arrangement, risk_level, interval_days,
                                             volunteer_name, status, starts_on, end_reason, created_at, updated_at)
            SELECT e.person_id, e.community_id, e.arrangement,
                   CASE WHEN g.grade = ANY(%(disabled)s) OR e.age >= %(high_age)s THEN 'high' ELSE 'normal' END,
                   7, '', 'active', %(on)s, '', %(now)s, %(now)s
            FROM ({elders_sql(target)}) e
            LEFT JOIN LATERAL ({grade_sql("e.person_id")}) g ON true
            WHERE e.arrangement = ANY(%(scope)s) AND e.community_id <> ''
              AND NOT EXISTS (SELECT 1 FROM eldercare_visitplan vp
                              WHERE vp.person_id = e.person_id AND vp.status = 'active')
            ON CONFLICT DO NOTHING
            RETURNING id, community_id, risk_level""",
                    {**params, "disabled": [int(g) for g in DISABLED_GRADES], "high_age": HIGH_AGE})
        created = cur.fetchall()
    by_interval: dict[int, list[int]] = {}
    for community in sorted({c for _id, c, _r in created}):
        for level in RiskLevel.values:
            days = interval_days(community_code=community, risk_level=level, on=on)
            by_interval.setdefault(days, []).extend(i for i, c, r in created if c == community and r == level)
    for days, ids in by_interval.items():
        if days != 7 and ids:
            VisitPlan.objects.filter(pk__in=ids).update(interval_days=days)
    if ended:
        workitem_close(outcome=_("巡访计划已结束"), subject_type=PLAN_SUBJECT, subject_ids=ended,
                       kinds=[MISSED_KIND], to_status=ItemStatus.CANCELLED, actor=actor)
    if ended or created:
        audit_log(actor=actor, action="eldercare.visit_plans_synced", object_type="eldercare.visitplan",
                  region_code=community_prefix,
                  after={"created": len(created), "ended": len(ended), "ended_ids": ended[:100],
                         "created_ids": [c[0] for c in created][:100]})
    return {"created": len(created), "ended": len(ended)}


def visit_plans_create_for_community(*, actor, community_code: str) -> dict[str, int]:
    """A planner's "plan this community now" (PLAN_VISITS over it)."""
    if not user_can(actor, PLAN_VISITS, community_code):
        raise PermissionDenied(_("您无权为该社区制定巡访计划。"))
    return visit_plans_sync(community_prefix=community_code, actor=actor)


@transaction.atomic
def visit_plan_assign(*, actor, plan_id: int, visitor_id: int | None = None, volunteer_name: str = "",
                      risk_level: str | None = None) -> VisitPlan:
    """Assign a plan to a grid worker (a user who may visit in the community) or a named volunteer,
    and set its risk level (which sets the interval)."""
    plan = VisitPlan.objects.select_for_update().get(pk=plan_id)
    if not user_can(actor, PLAN_VISITS, plan.community_id):
        raise PermissionDenied(_("您无权调整该巡访计划。"))
    if plan.status != PlanStatus.ACTIVE:
        raise StateConflict(_("巡访计划已结束，不能再指派。"))
    volunteer_name = (volunteer_name or "").strip()
    errors = {}
    visitor = None
    if visitor_id:
        visitor = get_user_model().objects.filter(pk=visitor_id, is_active=True).first()
        if visitor is None or not user_can(visitor, VISIT, plan.community_id):
            errors["visitor"] = _("巡访人须是本社区可登记巡访的工作人员。")
    elif not volunteer_name:
        errors["visitor"] = _("请选择巡访人或填写志愿者姓名。")
    if len(volunteer_name) > 50:
        errors["volunteer_name"] = _("志愿者姓名不超过50个字。")
    if risk_level is not None and risk_level not in RiskLevel.values:
        errors["risk_level"] = _("请选择关注等级。")
    if errors:
        raise ValidationError(errors)
    before = {"visitor": plan.visitor_id, "volunteer": bool(plan.volunteer_name), "risk_level": plan.risk_level}
    plan.visitor, plan.volunteer_name = visitor, "" if visitor else volunteer_name
    if risk_level is not None:
        plan.risk_level = risk_level
        plan.interval_days = interval_days(community_code=plan.community_id, risk_level=risk_level,
                                           on=timezone.localdate())
    plan.save(update_fields=["visitor", "volunteer_name", "risk_level", "interval_days", "updated_at"])
    audit_log(actor=actor, action="eldercare.visit_plan_assigned", obj=plan, region_code=plan.community_id,
              before=before, after={"visitor": plan.visitor_id, "volunteer": bool(plan.volunteer_name),
                                    "risk_level": plan.risk_level, "interval_days": plan.interval_days})
    return plan


# --- visits ----------------------------------------------------------------------------------------

def _choices(values, allowed, field: str, errors: dict) -> list[str]:
    values = list(dict.fromkeys(values or []))
    if any(v not in allowed for v in values):
        errors[field] = _("选项无效。")
    return values


@transaction.atomic
def visit_record(*, actor, plan_id: int, mode: str, visited_at: dt.datetime, health: str, safety: str,
                 needs=(), risks=(), note: str = "") -> Visit:
    """Record a visit: not in the future, not before the plan, within a month. The same visit sent
    twice (same plan, visitor and time) is recorded once. Closes the plan's missed-week items and
    raises one referral per kind of help the risks found call for."""
    plan = VisitPlan.objects.select_for_update().select_related("person").get(pk=plan_id)
    if not user_can(actor, VISIT, plan.community_id):
        raise PermissionDenied(_("您无权登记该社区的巡访记录。"))
    if plan.status != PlanStatus.ACTIVE:
        raise StateConflict(_("巡访计划已结束，不能再登记巡访。"))
    now = timezone.now()
    errors: dict = {}
    if mode not in VisitMode.values:
        errors["mode"] = _("请选择巡访方式。")
    if health not in Health.values:
        errors["health"] = _("请选择身体状况。")
    if safety not in Safety.values:
        errors["safety"] = _("请选择居住安全情况。")
    needs = _choices(needs, Need.values, "needs", errors)
    risks = _choices(risks, Risk.values, "risks", errors)
    if visited_at is None or timezone.is_naive(visited_at):
        errors["visited_at"] = _("请填写巡访时间。")
    elif visited_at > now:
        errors["visited_at"] = _("巡访时间不能晚于现在。")
    elif timezone.localdate(visited_at) < plan.starts_on:
        errors["visited_at"] = _("巡访时间不能早于巡访计划开始日期（%(d)s）。") % {"d": plan.starts_on.isoformat()}
    elif visited_at < now - dt.timedelta(days=MAX_LATE_DAYS):
        errors["visited_at"] = _("只能补登 %(n)d 天内的巡访。") % {"n": MAX_LATE_DAYS}
    if len(note or "") > 2000:
        errors["note"] = _("情况说明不超过2000字。")
    if errors:
        raise ValidationError(errors)
    existing = Visit.objects.filter(plan=plan, visitor=actor, visited_at=visited_at).first()
    if existing is not None:
        return existing
    visit = Visit.objects.create(plan=plan, person_id=plan.person_id, community_id=plan.community_id, visitor=actor,
                                 mode=mode, visited_at=visited_at, health=health, safety=safety, needs=needs,
                                 risks=risks, note=(note or "").strip())
    if plan.last_visit_at is None or visited_at > plan.last_visit_at:
        plan.last_visit_at = visited_at
        plan.save(update_fields=["last_visit_at", "updated_at"])
    workitem_close(outcome=_("已登记巡访（%(d)s）") % {"d": timezone.localdate(visited_at).isoformat()},
                   subject_type=PLAN_SUBJECT, subject_ids=[plan.pk], kinds=[MISSED_KIND], actor=actor)
    referrals = sorted({RISK_REFERRAL[r] for r in risks})
    labels = dict(Risk.choices)
    for to in referrals:
        found = "、".join(str(labels[r]) for r in risks if RISK_REFERRAL[r] == to)
        workitem_raise(kind=REFERRAL_KINDS[to], title=_("巡访转介（%(to)s）：%(name)s") % {
            "to": ReferralTo(to).label, "name": plan.person.name}, region_code=plan.community_id,
            due_at=now + dt.timedelta(days=REFERRAL_DAYS), priority=Priority.HIGH, subject=visit,
            detail=_("巡访发现：%(found)s") % {"found": found}, dedupe_key=f"eldercare.referral:{visit.pk}:{to}",
            actor=actor)
    audit_log(actor=actor, action="eldercare.visit_recorded", obj=visit, region_code=plan.community_id,
              after={"plan": plan.pk, "mode": mode, "visited_at": visited_at, "health": health, "safety": safety,
                     "needs": needs, "risks": risks, "referrals": referrals})
    return visit


# --- missed weeks -------------------------------------------------------------------------------------

_MISSED_SQL = """
SELECT %(kind)s AS kind,
       %(title_prefix)s || per.name || %(title_suffix)s AS title,
       '' AS detail, vp.community_id AS region_id, %(subject)s AS subject_type, vp.id::text AS subject_id,
       '' AS link, %(due)s::timestamptz AS due_at, %(priority)s::smallint AS priority,
       %(kind)s || ':' || vp.id || ':' || %(week)s AS dedupe_key
FROM eldercare_visitplan vp JOIN registry_person per ON per.id = vp.person_id
WHERE vp.status = 'active' AND vp.starts_on <= %(week)s::date
  AND NOT EXISTS (SELECT 1 FROM eldercare_visit v WHERE v.plan_id = vp.id
                  AND v.visited_at >= %(from)s AND v.visited_at < %(to)s)
  AND NOT EXISTS (SELECT 1 FROM worklist_workitem w
                  WHERE w.dedupe_key = %(kind)s || ':' || vp.id || ':' || %(week)s)
"""


def visits_missed_week(*, today: dt.date | None = None) -> RaiseResult:
    """One worklist item per active plan in force all of last week (Monday–Sunday) with no visit
    in it, due by the end of this week (an ended plan owes no more visits). Once per plan and week: running it again, or after the item was
    closed, raises nothing."""
    today = today or timezone.localdate()
    week = week_start(today) - dt.timedelta(days=7)
    start = timezone.make_aware(dt.datetime.combine(week, dt.time.min))
    due = timezone.make_aware(dt.datetime.combine(week + dt.timedelta(days=14), dt.time.min))
    params = {"kind": MISSED_KIND, "subject": PLAN_SUBJECT, "week": week.isoformat(),
              "from": start, "to": start + dt.timedelta(days=7),
              "due": due, "priority": int(Priority.NORMAL), "title_prefix": _("巡访未完成："),
              "title_suffix": _("（%(week)s 起一周）") % {"week": week.isoformat()}}
    return workitem_raise_many(select=(_MISSED_SQL, params), kinds=[(MISSED_KIND, PLAN_SUBJECT)],
                               context={"week": week.isoformat()})


# --- what a page shows -----------------------------------------------------------------------------

def week_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(week_start(day), dt.time.min))
    return start, start + dt.timedelta(days=7)
