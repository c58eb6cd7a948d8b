"""Ability assessments (GB/T 42195-2022): the instrument's versions, drafts filled item by item,
the computed grade with its explanation, two qualified assessors' signatures, voiding, and the
reassessment worklist.

- ``assessment_compute`` is pure: answers + facts → total, dimension scores, band grade, the
  adjustments applied and the final grade, explained in Chinese.
- A draft is created once per elder (``assessment_start`` returns the open draft if there is one),
  answered as the assessor goes (``assessment_answer``), signed by two different users who hold
  ASSESS over the elder's community and a qualification valid on the day (``assessment_sign``).
  The second signature makes it SIGNED and supersedes the elder's previous signed assessment in
  the same transaction; validity = the instrument's ``validity_months`` from the signing day.
- Once one assessor has signed, the answers are frozen (the second signs what the first signed).
- Void (``assessment_void``) needs a reason; a signed assessment is voided by someone who did not
  sign it (the second person).
- Reassessment: ``reassessment_raise_due`` (daily) raises one item per elder whose signed
  assessment runs out within ``REASSESSMENT_LEAD_DAYS``; ``reassessment_request`` raises the same
  item on a caseworker's request; signing a new assessment closes it.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.lib.dates import add_months
from civilaffairs.lib.errors import StateConflict
from civilaffairs.registry.models import Person

from ..capabilities import ASSESS, EDIT_PROFILE, MANAGE_INSTRUMENT
from ..models import (
    RISK_EVENTS_MAX,
    AbilityGrade,
    AdjustmentCondition,
    AdjustmentKind,
    Assessment,
    AssessmentAnswer,
    AssessmentDetail,
    AssessmentSignature,
    AssessmentStatus,
    AssessorQualification,
    Instrument,
    InstrumentOption,
    InstrumentStatus,
)
from ..selectors import household_of, is_elder

INSTRUMENT_CODE = "gbt42195"
SIGNATURES_NEEDED = 2
REASSESSMENT_LEAD_DAYS = 30  # a constant: "a month ahead" (issue 12); not a region parameter
REASSESSMENT_KIND = "eldercare.reassessment"
REASSESSMENT_SUBJECT = "eldercare.reassessment_due"
ASSESSED_ON_PAST_DAYS = 30  # an assessment is dated today or up to 30 days back, never ahead
VOID_REASON_MIN = 2


def reassessment_key(person_id: int) -> str:
    return f"eldercare.reassessment:{person_id}"


# --- the instrument ------------------------------------------------------------------------

def instrument_published(code: str = INSTRUMENT_CODE) -> Instrument:
    instrument = Instrument.objects.filter(code=code, status=InstrumentStatus.PUBLISHED).first()
    if instrument is None:
        raise StateConflict(_("没有已发布的能力评估量表，请联系市级管理员发布量表。"))
    return instrument


def instrument_problems(instrument: Instrument) -> list[str]:
    """Why a version cannot be published (empty: it can)."""
    problems = []
    dimensions = list(instrument.dimensions.prefetch_related("items__options"))
    if not dimensions:
        problems.append(_("量表没有评估维度。"))
    for dim in dimensions:
        items = list(dim.items.all())
        if not items:
            problems.append(_("维度“%(d)s”没有评估项目。") % {"d": dim.name})
        for item in items:
            scores = [o.score for o in item.options.all()]
            if len(scores) < 2:
                problems.append(_("项目“%(i)s”至少需要两个评分选项。") % {"i": item.name})
            elif min(scores) != 0:
                problems.append(_("项目“%(i)s”的最低分应为0分。") % {"i": item.name})
    top = sum(max((o.score for o in i.options.all()), default=0) for d in dimensions for i in d.items.all())
    covered = []
    for band in instrument.bands.all():
        covered.extend(range(band.min_score, band.max_score + 1))
    if sorted(covered) != list(range(0, top + 1)):
        problems.append(_("等级划分须不重不漏地覆盖总分0–%(t)s分。") % {"t": top})
    for rule in instrument.adjustments.all():
        if rule.condition == AdjustmentCondition.RISK_EVENTS and not rule.threshold:
            problems.append(_("规则“%(r)s”缺少阈值。") % {"r": rule.label})
        if rule.condition == AdjustmentCondition.OPTION_FLAG and not rule.flag:
            problems.append(_("规则“%(r)s”缺少选项标记。") % {"r": rule.label})
    return problems


@transaction.atomic
def instrument_publish(*, actor, instrument_id: int) -> Instrument:
    """Publish a draft version: the published one before it is retired; both frozen from now on."""
    if not user_can(actor, MANAGE_INSTRUMENT):
        raise PermissionDenied(_("只有市级管理员可以发布能力评估量表。"))
    instrument = Instrument.objects.select_for_update().get(pk=instrument_id)
    if instrument.status != InstrumentStatus.DRAFT:
        raise StateConflict(_("只有草稿版本可以发布。"))
    problems = instrument_problems(instrument)
    if problems:
        raise ValidationError(problems)
    retired = list(Instrument.objects.select_for_update().filter(code=instrument.code,
                                                                 status=InstrumentStatus.PUBLISHED))
    Instrument.objects.filter(pk__in=[r.pk for r in retired]).update(status=InstrumentStatus.RETIRED)
    instrument.status = InstrumentStatus.PUBLISHED
    instrument.published_at = timezone.now()
    instrument.save(update_fields=["status", "published_at"])
    audit_log(actor=actor, action="eldercare.instrument_published", obj=instrument,
              after={"version": instrument.version, "retired": [r.version for r in retired]})
    return instrument


@transaction.atomic
def instrument_new_version(*, actor, from_id: int) -> Instrument:
    """A new DRAFT version copied from ``from_id`` (its dimensions, items, options, bands, rules)."""
    if not user_can(actor, MANAGE_INSTRUMENT):
        raise PermissionDenied(_("只有市级管理员可以维护能力评估量表。"))
    source = Instrument.objects.get(pk=from_id)
    if Instrument.objects.filter(code=source.code, status=InstrumentStatus.DRAFT).exists():
        raise StateConflict(_("已有一个草稿版本，请先修改并发布它。"))
    version = (Instrument.objects.filter(code=source.code).order_by("-version").values_list("version", flat=True)
               .first()) + 1
    draft = Instrument.objects.create(code=source.code, version=version, name=source.name,
                                      validity_months=source.validity_months, note=source.note)
    for dim in source.dimensions.prefetch_related("items__options"):
        items = list(dim.items.all())
        dim.pk, dim.instrument = None, draft
        dim.save()
        for item in items:
            options = list(item.options.all())
            item.pk, item.dimension = None, dim
            item.save()
            for option in options:
                option.pk, option.item = None, item
            InstrumentOption.objects.bulk_create(options)
    for band in source.bands.all():
        band.pk, band.instrument = None, draft
        band.save()
    for rule in source.adjustments.all():
        rule.pk, rule.instrument = None, draft
        rule.save()
    audit_log(actor=actor, action="eldercare.instrument_drafted", obj=draft,
              after={"version": version, "from_version": source.version})
    return draft


# --- computing the grade -------------------------------------------------------------------

def _worse(grade: int) -> int:
    return min(int(grade) + 1, int(AbilityGrade.TOTAL))


def assessment_compute(*, instrument: Instrument, options: list[InstrumentOption], dementia: bool = False,
                       psychiatric: bool = False, risk_events: int = 0) -> dict:
    """The result of one complete set of answers (one option per item of ``instrument``)."""
    dimensions = list(instrument.dimensions.prefetch_related("items"))
    by_item = {o.item_id: o for o in options}
    missing = [i.name for d in dimensions for i in d.items.all() if i.pk not in by_item]
    if missing:
        raise ValidationError(_("还有 %(n)s 个项目未评估：%(items)s。") % {"n": len(missing), "items": "、".join(missing)})
    scores = {}
    for dim in dimensions:
        score = sum(by_item[i.pk].score for i in dim.items.all())
        scores[dim.code] = {"name": dim.name, "score": score, "max": dim.max_score}
    total = sum(s["score"] for s in scores.values())
    band = next((b for b in instrument.bands.all() if b.min_score <= total <= b.max_score), None)
    if band is None:
        raise ValidationError(_("总分 %(t)s 分不在量表的等级划分内。") % {"t": total})
    raw = int(band.grade)
    grade = raw
    applied = []
    flags = {o.flag for o in options if o.flag}
    facts = {AdjustmentCondition.DEMENTIA: dementia, AdjustmentCondition.PSYCHIATRIC: psychiatric}
    rules = list(instrument.adjustments.all())
    for rule in rules:
        if rule.kind == AdjustmentKind.SET_GRADE and rule.condition == AdjustmentCondition.OPTION_FLAG \
                and rule.flag in flags:
            grade = int(rule.to_grade)
            applied.append({"code": rule.code, "label": rule.label})
            break
    else:
        worsening = []
        for rule in rules:
            if rule.kind != AdjustmentKind.WORSEN:
                continue
            if rule.condition == AdjustmentCondition.RISK_EVENTS:
                hit = risk_events >= (rule.threshold or 0)
            elif rule.condition == AdjustmentCondition.OPTION_FLAG:
                hit = rule.flag in flags
            else:
                hit = bool(facts.get(rule.condition))
            if hit:
                worsening.append({"code": rule.code, "label": rule.label})
        if worsening:
            grade = _worse(raw)
            applied.extend(worsening)
    labels = dict(AbilityGrade.choices)
    parts = [_("总分 %(t)s 分（满分 %(m)s 分）：") % {"t": total, "m": sum(s["max"] for s in scores.values())}
             + "，".join(f"{s['name']} {s['score']}/{s['max']}" for s in scores.values()) + "。",
             _("按等级划分 %(lo)s–%(hi)s 分为“%(g)s”。") % {"lo": band.min_score, "hi": band.max_score,
                                                        "g": labels[raw]}]
    if applied:
        parts.append(_("调整：%(rules)s。") % {"rules": "；".join(a["label"] for a in applied)})
        if len(applied) > 1:
            parts.append(_("多项情形同时存在时只提高一个级别。"))
    parts.append(_("最终评定为“%(g)s”。") % {"g": labels[grade]})
    return {"total": total, "dimension_scores": scores, "raw_grade": raw, "adjustments": applied, "grade": grade,
            "explanation": "".join(parts)}


# --- drafts, answers, signatures -----------------------------------------------------------

def elder_community(person) -> str:
    membership = household_of(person)
    return membership.household.community_id if membership else ""


def _require(actor, capability: str, community: str, message: str) -> None:
    if not community or not user_can(actor, capability, community):
        raise PermissionDenied(message)


def _locked(assessment_id: int) -> Assessment:
    return Assessment.objects.select_for_update(of=("self",)).select_related("detail").get(pk=assessment_id)


def _check_assessed_on(day: dt.date, today: dt.date) -> None:
    if day > today:
        raise ValidationError({"assessed_on": _("评估日期不能晚于今天。")})
    if day < today - dt.timedelta(days=ASSESSED_ON_PAST_DAYS):
        raise ValidationError({"assessed_on": _("评估日期最早为%(n)s天前。") % {"n": ASSESSED_ON_PAST_DAYS}})


@transaction.atomic
def assessment_start(*, actor, person_id: int, assessed_on: dt.date | None = None) -> Assessment:
    """The elder's open draft, or a new one on the published instrument (starting twice opens one)."""
    person = Person.objects.select_for_update().get(pk=person_id)
    community = elder_community(person)
    _require(actor, ASSESS, community, _("您没有为该老人开展能力评估的权限。"))
    today = timezone.localdate()
    if not is_elder(person, today):
        raise ValidationError(_("只能为60周岁及以上在世的老年人开展能力评估。"))
    existing = Assessment.objects.filter(person=person, status=AssessmentStatus.DRAFT).order_by("-id").first()
    if existing is not None:
        return existing
    day = assessed_on or today
    _check_assessed_on(day, today)
    instrument = instrument_published()
    assessment = Assessment.objects.create(person=person, community_id=community, assessed_on=day)
    AssessmentDetail.objects.create(assessment=assessment, instrument=instrument, created_by=actor)
    audit_log(actor=actor, action="eldercare.assessment_started", obj=assessment, region_code=community,
              after={"person": person.pk, "instrument_version": instrument.version})
    return assessment


def _editable(assessment: Assessment) -> None:
    if assessment.status != AssessmentStatus.DRAFT:
        raise StateConflict(_("该评估已%(s)s，不能再修改。") % {"s": assessment.get_status_display()})
    if assessment.signatures.exists():
        raise StateConflict(_("已有评估员签名，作答已锁定；如需修改，请作废后重新评估。"))


@transaction.atomic
def assessment_answer(*, actor, assessment_id: int, answers: dict[int, int]) -> int:
    """Record the options chosen (``{item_id: option_id}``); an item answered again is replaced."""
    assessment = _locked(assessment_id)
    _require(actor, ASSESS, assessment.community_id, _("您没有为该老人开展能力评估的权限。"))
    _editable(assessment)
    options = {o.pk: o for o in InstrumentOption.objects.filter(
        pk__in=list(answers.values()), item__dimension__instrument_id=assessment.detail.instrument_id)}
    for item_id, option_id in answers.items():
        option = options.get(option_id)
        if option is None or option.item_id != item_id:
            raise ValidationError(_("所选选项不属于该评估项目，请刷新页面后重新选择。"))
    for item_id, option_id in answers.items():
        AssessmentAnswer.objects.update_or_create(assessment=assessment, item_id=item_id,
                                                  defaults={"option_id": option_id})
    audit_log(actor=actor, action="eldercare.assessment_answered", obj=assessment, region_code=assessment.community_id,
              after={"items": sorted(answers)})
    return len(answers)


@transaction.atomic
def assessment_set_facts(*, actor, assessment_id: int, diagnosed_dementia: bool, diagnosed_psychiatric: bool,
                         risk_events_30d: int, assessed_on: dt.date | None = None) -> Assessment:
    assessment = _locked(assessment_id)
    _require(actor, ASSESS, assessment.community_id, _("您没有为该老人开展能力评估的权限。"))
    _editable(assessment)
    if not 0 <= int(risk_events_30d) <= RISK_EVENTS_MAX:
        raise ValidationError({"risk_events_30d": _("近30天照护风险事件次数应在0–%(m)s次之间。") % {"m": RISK_EVENTS_MAX}})
    if assessed_on is not None:
        _check_assessed_on(assessed_on, timezone.localdate())
        assessment.assessed_on = assessed_on
        assessment.save(update_fields=["assessed_on", "updated_at"])
    detail = assessment.detail
    detail.diagnosed_dementia, detail.diagnosed_psychiatric = bool(diagnosed_dementia), bool(diagnosed_psychiatric)
    detail.risk_events_30d = int(risk_events_30d)
    detail.save(update_fields=["diagnosed_dementia", "diagnosed_psychiatric", "risk_events_30d"])
    audit_log(actor=actor, action="eldercare.assessment_facts_set", obj=assessment, region_code=assessment.community_id,
              after={"dementia": detail.diagnosed_dementia, "psychiatric": detail.diagnosed_psychiatric,
                     "risk_events_30d": detail.risk_events_30d})
    return assessment


def _result_of(assessment: Assessment) -> dict:
    detail = assessment.detail
    options = [a.option for a in assessment.answers.select_related("option")]
    return assessment_compute(instrument=detail.instrument, options=options, dementia=detail.diagnosed_dementia,
                              psychiatric=detail.diagnosed_psychiatric, risk_events=detail.risk_events_30d)


@transaction.atomic
def assessment_submit(*, actor, assessment_id: int) -> Assessment:
    """Compute and store the result (total, dimensions, grades, adjustments, explanation) of a
    complete draft; the draft stays a draft until two assessors sign. Submitting twice stores the
    same result."""
    assessment = _locked(assessment_id)
    _require(actor, ASSESS, assessment.community_id, _("您没有为该老人开展能力评估的权限。"))
    if assessment.status != AssessmentStatus.DRAFT:
        raise StateConflict(_("该评估已%(s)s。") % {"s": assessment.get_status_display()})
    _store_result(assessment, _result_of(assessment))
    return assessment


def _store_result(assessment: Assessment, result: dict) -> None:
    detail = assessment.detail
    detail.total_score, detail.dimension_scores = result["total"], result["dimension_scores"]
    detail.raw_grade, detail.adjustments, detail.explanation = result["raw_grade"], result["adjustments"], \
        result["explanation"]
    detail.save(update_fields=["total_score", "dimension_scores", "raw_grade", "adjustments", "explanation"])
    assessment.grade = result["grade"]
    assessment.save(update_fields=["grade", "updated_at"])


def valid_qualification(user, on: dt.date) -> AssessorQualification | None:
    return (AssessorQualification.objects.filter(user=user, valid_from__lte=on, valid_to__gte=on)
            .order_by("-valid_to").first())


def _grade_changed(person_id: int) -> None:
    """The grade in force changed: the engine's rules that read it (护理补贴, the service credit) look again."""
    from civilaffairs.entitlements.rules import DirtyReason
    from civilaffairs.entitlements.services import mark_dirty_persons

    mark_dirty_persons([person_id], DirtyReason.OTHER)


@transaction.atomic
def assessment_sign(*, actor, assessment_id: int) -> Assessment:
    """One assessor's signature. The second, by another qualified assessor, makes it SIGNED."""
    assessment = _locked(assessment_id)
    _require(actor, ASSESS, assessment.community_id, _("您没有签署该老人能力评估的权限（需评估员角色）。"))
    if assessment.status != AssessmentStatus.DRAFT:
        raise StateConflict(_("该评估已%(s)s，不能再签名。") % {"s": assessment.get_status_display()})
    today = timezone.localdate()
    qualification = valid_qualification(actor, today)
    if qualification is None:
        raise PermissionDenied(_("您没有在有效期内的评估员资格证书，不能签署评估。"))
    signed = list(assessment.signatures.values_list("assessor_id", flat=True))
    if actor.pk in signed:
        raise StateConflict(_("您已签署过该评估，需由另一名评估员签署。"))
    result = _result_of(assessment)
    _store_result(assessment, result)
    try:
        with transaction.atomic():
            AssessmentSignature.objects.create(assessment=assessment, assessor=actor, qualification=qualification)
    except IntegrityError:
        raise StateConflict(_("您已签署过该评估，需由另一名评估员签署。")) from None
    audit_log(actor=actor, action="eldercare.assessment_signature", obj=assessment,
              region_code=assessment.community_id, after={"certificate": qualification.pk, "order": len(signed) + 1})
    if len(signed) + 1 < SIGNATURES_NEEDED:
        return assessment
    previous = list(Assessment.objects.select_for_update().filter(person_id=assessment.person_id,
                                                                  status=AssessmentStatus.SIGNED))
    Assessment.objects.filter(pk__in=[p.pk for p in previous]).update(status=AssessmentStatus.SUPERSEDED,
                                                                      updated_at=timezone.now())
    instrument = assessment.detail.instrument
    assessment.status = AssessmentStatus.SIGNED
    assessment.valid_from = today
    assessment.valid_to = add_months(today, instrument.validity_months) - dt.timedelta(days=1)
    assessment.save(update_fields=["status", "valid_from", "valid_to", "updated_at"])
    from civilaffairs.worklist.services import workitem_close

    workitem_close(outcome=_("已完成新的能力评估。"), keys=[reassessment_key(assessment.person_id)], actor=actor)
    audit_log(actor=actor, action="eldercare.assessment_signed", obj=assessment, region_code=assessment.community_id,
              after={"grade": assessment.grade, "total": result["total"], "valid_to": assessment.valid_to,
                     "superseded": [p.pk for p in previous]})
    _grade_changed(assessment.person_id)
    return assessment


@transaction.atomic
def assessment_void(*, actor, assessment_id: int, reason: str) -> Assessment:
    assessment = _locked(assessment_id)
    _require(actor, ASSESS, assessment.community_id, _("您没有作废该评估的权限。"))
    reason = (reason or "").strip()
    if len(reason) < VOID_REASON_MIN:
        raise ValidationError({"reason": _("请填写作废原因。")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("作废原因不超过200字。")})
    if assessment.status not in (AssessmentStatus.DRAFT, AssessmentStatus.SIGNED):
        raise StateConflict(_("该评估已%(s)s，不能作废。") % {"s": assessment.get_status_display()})
    if assessment.status == AssessmentStatus.SIGNED and \
            assessment.signatures.filter(assessor=actor).exists():
        raise PermissionDenied(_("已生效的评估须由未参与签署的另一名评估员作废。"))
    before = assessment.status
    assessment.status = AssessmentStatus.VOID
    assessment.save(update_fields=["status", "updated_at"])
    detail = assessment.detail
    detail.void_reason, detail.voided_by, detail.voided_at = reason, actor, timezone.now()
    detail.save(update_fields=["void_reason", "voided_by", "voided_at"])
    audit_log(actor=actor, action="eldercare.assessment_voided", obj=assessment, region_code=assessment.community_id,
              before={"status": before}, after={"status": AssessmentStatus.VOID, "reason": reason})
    _grade_changed(assessment.person_id)
    return assessment


# --- reassessment ----------------------------------------------------------------------------

def _reassessment_row(*, person_id: int, community: str, name: str, due: dt.date | None, why: str):
    from civilaffairs.worklist.services import ItemRow

    due_at = timezone.make_aware(dt.datetime.combine(due, dt.time(17))) if due else None
    return ItemRow(kind=REASSESSMENT_KIND, title=(_("能力复评：%(n)s") % {"n": name})[:200], region_code=community,
                   dedupe_key=reassessment_key(person_id), due_at=due_at, subject_type=REASSESSMENT_SUBJECT,
                   subject_id=str(person_id), detail=why)


@transaction.atomic
def reassessment_request(*, actor, person_id: int, note: str = "") -> int:
    """A caseworker asks for a reassessment (状况变化): one open item per elder (raising twice adds nothing)."""
    from civilaffairs.worklist.services import workitem_raise_many

    person = Person.objects.get(pk=person_id)
    community = elder_community(person)
    if not community or not (user_can(actor, EDIT_PROFILE, community) or user_can(actor, ASSESS, community)):
        raise PermissionDenied(_("您没有为该老人申请复评的权限。"))
    note = (note or "").strip()[:200]
    row = _reassessment_row(person_id=person.pk, community=community, name=person.name, due=None,
                            why=_("社区申请复评。") + (note and f"{note}"))
    result = workitem_raise_many(rows=[row], actor=actor, region_code=community,
                                 context={"reason": "requested"})
    audit_log(actor=actor, action="eldercare.reassessment_requested", obj=person, region_code=community)
    return result.created_count


@transaction.atomic
def reassessment_raise_due(*, on: dt.date | None = None, lead_days: int = REASSESSMENT_LEAD_DAYS) -> int:
    """One item per elder whose signed assessment runs out by ``on`` + ``lead_days`` (expired ones
    too); idempotent by the dedupe key. Returns how many items were created."""
    from civilaffairs.worklist.services import workitem_raise_many

    on = on or timezone.localdate()
    due = (Assessment.objects.filter(status=AssessmentStatus.SIGNED, valid_to__lte=on + dt.timedelta(days=lead_days),
                                     person__death_date__isnull=True)
           .values_list("person_id", "community_id", "person__name", "valid_to"))
    rows = [_reassessment_row(person_id=pid, community=community, name=name, due=valid_to,
                              why=_("能力评估结果有效期至%(d)s，请在到期前完成复评。") % {"d": valid_to.isoformat()})
            for pid, community, name, valid_to in due.iterator()]
    if not rows:
        return 0
    return workitem_raise_many(rows=rows, context={"reason": "validity", "on": on.isoformat()}).created_count


# --- assessors -------------------------------------------------------------------------------

QUALIFICATION_MAX_YEARS = 10


@transaction.atomic
def assessor_qualification_record(*, actor, user_id: int, certificate_number: str, valid_from: dt.date,
                                  valid_to: dt.date) -> AssessorQualification:
    """Record an assessor's certificate (city administrators: those who keep the instrument)."""
    from civilaffairs.accounts.models import User

    if not user_can(actor, MANAGE_INSTRUMENT):
        raise PermissionDenied(_("只有市级管理员可以登记评估员资格。"))
    number = (certificate_number or "").strip()
    if not number or len(number) > 50:
        raise ValidationError({"certificate_number": _("请填写证书编号（不超过50个字符）。")})
    if valid_to < valid_from:
        raise ValidationError({"valid_to": _("有效期止不能早于有效期起。")})
    if valid_to > add_months(valid_from, 12 * QUALIFICATION_MAX_YEARS):
        raise ValidationError({"valid_to": _("证书有效期不超过%(n)s年。") % {"n": QUALIFICATION_MAX_YEARS}})
    if AssessorQualification.objects.filter(certificate_number=number).exists():
        raise ValidationError({"certificate_number": _("该证书编号已登记。")})
    user = User.objects.get(pk=user_id)
    qualification = AssessorQualification.objects.create(user=user, certificate_number=number,
                                                         valid_from=valid_from, valid_to=valid_to)
    audit_log(actor=actor, action="eldercare.qualification_recorded", obj=qualification,
              after={"user": user.pk, "certificate": number, "valid_to": valid_to})
    return qualification
