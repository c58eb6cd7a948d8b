"""The allowances found without application (高龄津贴, 护理补贴): what the engine's callbacks do, and what
caseworkers do (stop with a reason — a second person confirms, since a stop forfeits money — and resume).

The callbacks run inside the engine's batch transaction with the candidate ids it gained, changed or
lost; each is set-based: one read of the candidates, one bulk write, one audit event for the batch.

- Grant: an allowance per new candidate, from the month of eligibility (the month they turned 80 / the
  month the 失能 grade took effect), but at most ``eldercare_arrears_months`` months before the month of
  the run (the late-found months are paid back by the payable source); a notice to the elder's household.
- Change: a new band or amount (89 → 90, a new grade, a new parameter), paid from the next line on.
- Loss: death → stopped, paid through the month of death; registration moved out → stopped, paid
  through the month before the run; a notice and a worklist item for the community.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civilaffairs.accounts.scoping import get_scoped_or_404, user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.entitlements.models import EntitlementCandidate
from civilaffairs.worklist.services import ItemRow, workitem_close, workitem_raise_many

from .. import capabilities as caps
from ..models import Allowance, AllowanceKind, AllowanceStatus, Assessment, AssessmentStatus
from ..rules import ARREARS_KEY, CARE, HIGH_AGE, died_on, param_at

SUBJECT_TYPE = "eldercare.allowance"
STOPPED_KIND = "eldercare.allowance_stopped"
STOP_CONFIRM_KIND = "eldercare.allowance_stop_confirm"
REASON_MAX = 200
KIND_BY_RULE = {HIGH_AGE: AllowanceKind.HIGH_AGE, CARE: AllowanceKind.CARE}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def turned_on(birth: dt.date, years: int) -> dt.date:
    """The first day the person is ``years`` old (``Person.age_on``): the birthday, or 1 March for a
    29 February birth in a common year."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


def first_month(*, eligible: dt.date, on: dt.date, region_code: str | None, cache: dict | None = None) -> dt.date:
    """The first month paid: the month of eligibility, bounded by the arrears parameter (``cache``: the
    parameter by region, for a batch)."""
    cache = {} if cache is None else cache
    if region_code not in cache:
        cache[region_code] = param_at(ARREARS_KEY, region_code, on)
    back = cache[region_code]
    months = int(back) if back is not None else 0
    return max(month_start(eligible), add_months(month_start(on), -months))


def _candidates(candidate_ids: list[int]):
    return list(EntitlementCandidate.objects.filter(pk__in=candidate_ids).order_by("pk"))


def _persons(candidates) -> dict:
    from civilaffairs.registry.models import Person

    return Person.objects.in_bulk([c.subject_id for c in candidates])


def _notify(allowances: list[Allowance], title_for) -> int:
    """A notice to the resident accounts of each elder's household (the elder and the family living with
    them; SMS as each prefers): one query for the accounts of the whole batch."""
    from django.contrib.auth import get_user_model

    from civilaffairs.notifications.services import notify_user
    from civilaffairs.registry.models import HouseholdMember

    households = dict(HouseholdMember.objects.filter(person_id__in=[a.person_id for a in allowances], is_active=True)
                      .values_list("person_id", "household_id"))
    if not households:
        return 0
    users: dict[int, list] = {}
    for user in (get_user_model().objects.filter(kind="resident", is_active=True,
                                                 person__memberships__household_id__in=set(households.values()),
                                                 person__memberships__is_active=True)
                 .select_related("notification_preference")
                 .annotate(household_id=models.F("person__memberships__household_id"))):
        users.setdefault(user.household_id, []).append(user)
    sent = 0
    for allowance in allowances:
        title = None
        for user in users.get(households.get(allowance.person_id), ()):
            title = title or title_for(allowance)
            notify_user(user=user, title=title, sms=True)
            sent += 1
    return sent


def _grant(candidate_ids: list[int], on: dt.date, *, kind: str, eligible_for) -> list[Allowance]:
    candidates = _candidates(candidate_ids)
    persons = _persons(candidates)
    open_ = set(Allowance.objects.filter(person_id__in=list(persons), kind=kind)
                .exclude(status=AllowanceStatus.STOPPED).values_list("person_id", flat=True))
    rows, arrears = [], {}
    for c in candidates:
        person = persons.get(c.subject_id)
        if person is None or person.pk in open_ or c.amount is None:
            continue
        eligible = month_start(min(eligible_for(person, on), on))
        rows.append(Allowance(person=person, kind=kind, community_id=c.community_id, band=c.category,
                              amount=c.amount, eligible_month=eligible,
                              from_month=first_month(eligible=eligible, on=on, region_code=person.registered_region_id,
                                                    cache=arrears),
                              reasons=list(c.reasons), candidate_id=c.pk))
    created = Allowance.objects.bulk_create(rows)
    if created:
        label = AllowanceKind(kind).label
        _notify(created, lambda a: _("%(kind)s已为您办理：每月 %(amount)s 元，自 %(year)d 年 %(month)d 月起发放，"
                                     "无需申请。") % {"kind": label, "amount": a.amount, "year": a.from_month.year,
                                                     "month": a.from_month.month})
        audit_log(actor=None, action="eldercare.allowances_granted", object_type="eldercare.allowance",
                  object_id=created[0].pk, after={"kind": kind, "on": on, "count": len(created),
                                                  "ids": [a.pk for a in created[:200]]})
    return created


def _high_age_eligible(person, on: dt.date) -> dt.date:
    return turned_on(person.birth_date, 80)


def _care_eligible(person, on: dt.date) -> dt.date:
    valid_from = (Assessment.objects.filter(person_id=person.pk, status=AssessmentStatus.SIGNED,
                                            valid_from__lte=on, valid_to__gte=on)
                  .values_list("valid_from", flat=True).first())
    return valid_from or on


def high_age_grant(candidate_ids: list[int], on: dt.date) -> list[Allowance]:
    return _grant(candidate_ids, on, kind=AllowanceKind.HIGH_AGE, eligible_for=_high_age_eligible)


def care_grant(candidate_ids: list[int], on: dt.date) -> list[Allowance]:
    return _grant(candidate_ids, on, kind=AllowanceKind.CARE, eligible_for=_care_eligible)


def _open_by_candidate(candidates) -> dict[int, Allowance]:
    """The open allowance of each candidate (by person and the rule's kind)."""
    wanted = {(c.subject_id, KIND_BY_RULE[c.rule_key]): c for c in candidates if c.rule_key in KIND_BY_RULE}
    found = {}
    for a in (Allowance.objects.select_for_update().filter(person_id__in=[p for p, _k in wanted])
              .exclude(status=AllowanceStatus.STOPPED)):
        c = wanted.get((a.person_id, a.kind))
        if c is not None:
            found[c.pk] = a
    return found


def allowance_rebanded(candidate_ids: list[int], on: dt.date) -> int:
    """Still eligible, new band / amount / reasons: the allowance follows; a notice when the amount moves."""
    candidates = _candidates(candidate_ids)
    by_candidate = _open_by_candidate(candidates)
    moved, changed = [], []
    for c in candidates:
        a = by_candidate.get(c.pk)
        if a is None or c.amount is None:
            continue
        if a.amount != c.amount:
            moved.append(a)
        a.band, a.amount, a.reasons, a.community_id = c.category, c.amount, list(c.reasons), c.community_id
        changed.append(a)
    Allowance.objects.bulk_update(changed, ["band", "amount", "reasons", "community_id", "updated_at"])
    if moved:
        _notify(moved, lambda a: _("%(kind)s调整为每月 %(amount)s 元（%(reason)s）。") % {
            "kind": a.get_kind_display(), "amount": a.amount, "reason": a.reasons[-1] if a.reasons else ""})
    if changed:
        audit_log(actor=None, action="eldercare.allowances_changed", object_type="eldercare.allowance",
                  object_id=changed[0].pk, after={"on": on, "count": len(changed), "moved": len(moved),
                                                  "ids": [a.pk for a in changed[:200]]})
    return len(changed)


def allowance_lost(candidate_ids: list[int], on: dt.date) -> int:
    """No longer eligible: stop, paid through the month of death (a death record) or the month before
    the run (registration moved out, grade lost); a notice and a worklist item for the community."""
    from civilaffairs.registry.models import Person

    candidates = _candidates(candidate_ids)
    by_candidate = _open_by_candidate(candidates)
    persons = Person.objects.in_bulk([a.person_id for a in by_candidate.values()])
    stopped = []
    for c in candidates:
        a = by_candidate.get(c.pk)
        if a is None:
            continue
        died = died_on(persons[a.person_id], on)
        last = month_start(died) if died is not None else add_months(month_start(on), -1)
        a.to_month = last if last >= a.from_month else None
        a.status = AllowanceStatus.STOPPED
        a.stop_reason = ("；".join(c.reasons) or _("不再符合条件"))[:REASON_MAX]
        a.reasons = list(c.reasons)
        stopped.append(a)
    Allowance.objects.bulk_update(stopped, ["to_month", "status", "stop_reason", "reasons", "updated_at"])
    if not stopped:
        return 0
    _notify(stopped, lambda a: _("%(kind)s已停发：%(reason)s。如有疑问请联系社区。") % {
        "kind": a.get_kind_display(), "reason": a.stop_reason})
    workitem_raise_many(rows=[
        ItemRow(kind=STOPPED_KIND, title=_("%(kind)s已自动停发，请核实") % {"kind": a.get_kind_display()},
                region_code=a.community_id, dedupe_key=f"{STOPPED_KIND}:{a.pk}", subject_type=SUBJECT_TYPE,
                subject_id=str(a.pk), detail=a.stop_reason, link=_person_link(a.person_id))
        for a in stopped if a.community_id], context={"rule": "eldercare.allowances"})
    audit_log(actor=None, action="eldercare.allowances_stopped", object_type="eldercare.allowance",
              object_id=stopped[0].pk, after={"on": on, "count": len(stopped), "ids": [a.pk for a in stopped[:200]]})
    return len(stopped)


def _person_link(person_id: int) -> str:
    from django.urls import reverse

    return reverse("portal:person_file", args=[person_id])


# --- caseworkers: stop (two people) and resume -----------------------------------------------------

def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写原因。")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("原因不能超过 %(n)d 个字。") % {"n": REASON_MAX}})
    return reason


def _locked(*, user, pk: int, capability: str) -> Allowance:
    allowance = get_scoped_or_404(Allowance.objects.select_for_update(), user, capability=capability, pk=pk)
    return allowance


@transaction.atomic
def allowance_stop_propose(*, actor, allowance_id: int, reason: str) -> Allowance:
    """A caseworker proposes to stop an allowance (payment pauses); the district confirms."""
    reason = _clean_reason(reason)
    a = _locked(user=actor, pk=allowance_id, capability=caps.VERIFY_ALLOWANCE)
    if a.status != AllowanceStatus.ACTIVE:
        raise ValidationError(_("只有发放中的待遇可以提出停发（当前：%(s)s）。") % {"s": a.get_status_display()})
    a.status, a.stop_reason, a.stop_proposed_by = AllowanceStatus.STOP_PROPOSED, reason, actor
    a.save(update_fields=["status", "stop_reason", "stop_proposed_by", "updated_at"])
    workitem_raise_many(rows=[ItemRow(
        kind=STOP_CONFIRM_KIND, title=_("%(kind)s拟停发，请确认") % {"kind": a.get_kind_display()},
        region_code=a.community_id or a.person.registered_region_id or "", dedupe_key=f"{STOP_CONFIRM_KIND}:{a.pk}",
        subject_type=SUBJECT_TYPE, subject_id=str(a.pk), detail=reason, link=_person_link(a.person_id))],
        actor=actor, context={"allowance": a.pk})
    audit_log(actor=actor, action="eldercare.allowance_stop_proposed", obj=a, region_code=a.community_id,
              before={"status": AllowanceStatus.ACTIVE}, after={"status": a.status, "reason": reason})
    return a


@transaction.atomic
def allowance_stop_confirm(*, actor, allowance_id: int) -> Allowance:
    """The second person (district, CONFIRM_ALLOWANCE) confirms a proposed stop: nothing more is paid."""
    a = _locked(user=actor, pk=allowance_id, capability=caps.CONFIRM_ALLOWANCE)
    if a.status != AllowanceStatus.STOP_PROPOSED:
        raise ValidationError(_("该待遇没有待确认的停发（当前：%(s)s）。") % {"s": a.get_status_display()})
    if a.stop_proposed_by_id == actor.pk:
        raise ValidationError(_("停发须由另一名工作人员确认。"))
    a.status, a.to_month = AllowanceStatus.STOPPED, None
    a.save(update_fields=["status", "to_month", "updated_at"])
    workitem_close(keys=[f"{STOP_CONFIRM_KIND}:{a.pk}"], outcome=_("已确认停发。"), actor=actor)
    audit_log(actor=actor, action="eldercare.allowance_stopped", obj=a, region_code=a.community_id,
              before={"status": AllowanceStatus.STOP_PROPOSED}, after={"status": a.status, "reason": a.stop_reason})
    notify_household_of(a, _("%(kind)s已停发：%(reason)s。如有疑问请联系社区。") % {
        "kind": a.get_kind_display(), "reason": a.stop_reason})
    return a


@transaction.atomic
def allowance_resume(*, actor, allowance_id: int, reason: str) -> Allowance:
    """Withdraw a proposed stop, or resume a stopped allowance (a mistaken stop): the months not yet paid
    since ``from_month`` are caught up by the next roll."""
    reason = _clean_reason(reason)
    a = _locked(user=actor, pk=allowance_id, capability=caps.VERIFY_ALLOWANCE)
    if a.status == AllowanceStatus.ACTIVE:
        raise ValidationError(_("该待遇正在发放，无需恢复。"))
    if a.status == AllowanceStatus.STOPPED and a.stop_proposed_by_id is None:
        # Stopped by the engine (a death record, a move out, a lost grade): the engine grants it again
        # by itself if the person qualifies again; a hand-made resume would pay past the death.
        raise ValidationError(_("该待遇因不再符合条件由系统自动停发，重新符合条件时系统会自动恢复，不能手工恢复。"))
    if a.status == AllowanceStatus.STOPPED and Allowance.objects.filter(
            person_id=a.person_id, kind=a.kind).exclude(status=AllowanceStatus.STOPPED).exists():
        raise ValidationError(_("该老人已有另一条发放中的同类待遇。"))
    before = a.status
    a.status, a.stop_reason, a.stop_proposed_by, a.to_month = AllowanceStatus.ACTIVE, "", None, None
    a.save(update_fields=["status", "stop_reason", "stop_proposed_by", "to_month", "updated_at"])
    workitem_close(keys=[f"{STOP_CONFIRM_KIND}:{a.pk}", f"{STOPPED_KIND}:{a.pk}"], outcome=_("已恢复发放。"),
                   actor=actor)
    audit_log(actor=actor, action="eldercare.allowance_resumed", obj=a, region_code=a.community_id,
              before={"status": before}, after={"status": a.status, "reason": reason})
    return a


def notify_household_of(allowance: Allowance, title: str) -> int:
    return _notify([allowance], lambda _a: title)


def may_verify(user, allowance: Allowance) -> bool:
    return user_can(user, caps.VERIFY_ALLOWANCE, allowance.community_id or None)


def may_confirm(user, allowance: Allowance) -> bool:
    return user_can(user, caps.CONFIRM_ALLOWANCE, allowance.community_id or None)


def today() -> dt.date:
    return timezone.localdate()

