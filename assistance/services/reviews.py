"""Quarterly review (定期复核) and phase-out (渐退): "三快一缓" — slow exit."""
from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civilaffairs.lib.errors import StateConflict
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.notifications.services import notify_household
from civilaffairs.registry.selectors import parameter_value
from civilaffairs.worklist.services import priority_for_due, workitem_close, workitem_raise_many

from .. import dates
from ..calculations import MemberFacts, compute, load_parameters, member_facts_from_report
from ..models import Benefit, BenefitStatus, Programme, Review, ReviewOutcome, VerificationReport
from ..verification import build_report_content, new_report_number, seal
from ..capabilities import REVIEW

__all__ = ["review_round_start", "review_complete", "phaseouts_expire", "quarter_of"]

REVIEWED = (Programme.DIBAO, Programme.DIBIAN, Programme.TEKUN)


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


_REVIEWS_SQL = """
INSERT INTO assistance_review (benefit_id, period, due_on, outcome, note)
SELECT b.id, %(period)s, %(due)s, '', ''
  FROM assistance_benefit b
 WHERE b.status IN ('active', 'phaseout') AND b.programme IN %(programmes)s
ON CONFLICT (benefit_id, period) DO NOTHING
RETURNING id
"""

# One worklist item per new review, in the community (the worklist skips a review whose item is open);
# its priority by the time left (a quarter's review is 低 until its due time nears: the worklist beat).
_ITEMS_SELECT = """
SELECT 'assistance.review' AS kind, '定期复核：' || h.head_name || '户（' || %(period)s || '）' AS title,
       b.programme AS detail, h.community_id AS region_id, 'assistance.review' AS subject_type,
       r.id::text AS subject_id, '' AS link, %(due_at)s::timestamptz AS due_at, %(priority)s AS priority,
       'assistance.review:' || r.id AS dedupe_key
  FROM assistance_review r
  JOIN assistance_benefit b ON b.id = r.benefit_id
  JOIN registry_household h ON h.id = b.household_id
 WHERE r.id = ANY(%(ids)s)
"""


@transaction.atomic
def review_round_start(*, on: dt.date | None = None, due_days: int = 30) -> int:
    """Open this quarter's review for every paid benefit. Idempotent: unique per benefit and period."""
    on = on or timezone.localdate()
    period = quarter_of(on)
    due = on + dt.timedelta(days=due_days)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"review_round:{period}"])
        cur.execute(_REVIEWS_SQL, {"period": period, "due": due, "programmes": tuple(str(p) for p in REVIEWED)})
        ids = [row[0] for row in cur.fetchall()]
    if ids:
        due_at = timezone.make_aware(dt.datetime.combine(due, dt.time(17)))
        workitem_raise_many(select=(_ITEMS_SELECT, {"period": period, "due_at": due_at, "ids": ids,
                                                    "priority": priority_for_due(due_at)}),
                            kinds=[("assistance.review", "assistance.review")], context={"period": period})
        audit_log(actor=None, action="assistance.review_round_started", object_type="assistance.review",
                  after={"period": period, "reviews": len(ids)})
    return len(ids)


def _household_facts(benefit: Benefit, content: dict) -> list[MemberFacts]:
    declared = {}
    if benefit.application_id:
        declared = {m.person_id: m for m in benefit.application.members.all()}
    facts = []
    for m in content["members"]:
        d = declared.get(m["person_id"])
        facts.append(member_facts_from_report(
            m, name=m["name"], declared_ill=bool(d and d.serious_illness),
            declared_grade=d.disability_grade if d else None, can_work=d.can_work if d else True,
            self_care=d.self_care if d else "self"))
    return facts


@transaction.atomic
def review_complete(*, actor, review_id: int, as_of: dt.date | None = None, note: str = "") -> Review:
    """Re-verify against fresh department data and continue, adjust, phase out or end."""
    review = Review.objects.select_for_update().select_related("benefit__household").get(pk=review_id)
    benefit = Benefit.objects.select_for_update().get(pk=review.benefit_id)
    household = benefit.household
    if not user_can(actor, REVIEW, household.community_id):
        raise PermissionDenied(_("您无权办理该家庭的复核。"))
    if review.completed_at is not None:
        raise StateConflict(_("该复核已完成。"))
    as_of = as_of or timezone.localdate()
    dates.REVIEW_AS_OF.check(as_of, field="as_of")
    with dates.parameters_on(as_of, field="as_of"):
        params = load_parameters(region_code=household.community_id, on=as_of)
        months = int(parameter_value(key="phaseout_months", region_code=household.community_id, on=as_of))
    members = [{"person_id": m.person_id, "name": m.person.name, "id_masked": m.person.id_number_masked,
                "relation": m.relation, "declared_monthly_income": Decimal(0)}
               for m in household.members.filter(is_active=True).select_related("person").order_by("id")]
    content = build_report_content(members=members, as_of=as_of, parameters=params)
    content["review"] = {"benefit": benefit.pk, "period": review.period}
    digest, signature, key_id = seal(content)
    report = VerificationReport.objects.create(household=household, number=new_report_number(), as_of=as_of,
                                               content=content, digest=digest, seal=signature,
                                               seal_key_id=key_id, created_by=actor)
    result = compute(benefit.programme, _household_facts(benefit, content), params)
    before = {"status": benefit.status, "amount": benefit.monthly_amount}
    if result.eligible:
        if benefit.status == BenefitStatus.PHASEOUT:
            benefit.status, benefit.phaseout_until = BenefitStatus.ACTIVE, None
        outcome = ReviewOutcome.CONTINUE if result.monthly_amount == benefit.monthly_amount else ReviewOutcome.ADJUST
        benefit.monthly_amount, benefit.members_covered = result.monthly_amount, result.members_covered
        benefit.calculation = result.as_dict()
    elif benefit.programme == Programme.DIBAO and benefit.status == BenefitStatus.ACTIVE:
        benefit.status = BenefitStatus.PHASEOUT
        benefit.phaseout_until = _add_months(as_of, months)
        outcome = ReviewOutcome.PHASEOUT  # the amount continues during phase-out
    elif benefit.status == BenefitStatus.PHASEOUT:
        outcome = ReviewOutcome.CONTINUE  # still phasing out; exit when the period ends
    else:
        benefit.status, benefit.end_date, benefit.end_reason = BenefitStatus.ENDED, as_of, _("复核不再符合条件")
        outcome = ReviewOutcome.END
    benefit.save()
    review.verification_report, review.outcome, review.note = report, outcome, note.strip()
    review.completed_by, review.completed_at = actor, timezone.now()
    review.save()
    workitem_close(keys=[f"assistance.review:{review.pk}"], outcome=str(ReviewOutcome(outcome).label), actor=actor)
    audit_log(actor=actor, action="assistance.review_completed", obj=review, region_code=household.community_id,
              before=before, after={"outcome": outcome, "status": benefit.status, "amount": benefit.monthly_amount,
                                    "report": report.number})
    notify_household(household=household, title=_("定期复核结果：%(o)s") % {"o": ReviewOutcome(outcome).label},
                     body="\n".join(result.lines))
    return review


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@transaction.atomic
def phaseouts_expire(*, on: dt.date | None = None) -> int:
    """End benefits whose phase-out period is over."""
    on = on or timezone.localdate()
    ids = list(Benefit.objects.select_for_update(skip_locked=True)
               .filter(status=BenefitStatus.PHASEOUT, phaseout_until__lt=on).values_list("pk", flat=True))
    if ids:
        Benefit.objects.filter(pk__in=ids).update(status=BenefitStatus.ENDED, end_date=on,
                                                  end_reason=_("渐退期满退出"), updated_at=timezone.now())
        audit_log(actor=None, action="assistance.phaseouts_expired", object_type="assistance.benefit",
                  after={"count": len(ids), "ids": ids[:100]})
    return len(ids)
