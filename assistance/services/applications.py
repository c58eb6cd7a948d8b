"""Applications from draft to decision. Each transition: row lock, rights check against
the state machine (assistance.workflow), history event, audit event, worklist items
and a notification — in one transaction."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civilaffairs.accounts.scoping import roles_over
from civilaffairs.audit.services import audit_log
from civilaffairs.notifications.services import notify_household
from civilaffairs.registry.models import Household, HouseholdMember, Person
from civilaffairs.registry.selectors import parameter_rows, parameter_value
from civilaffairs.worklist.models import OPEN_STATUSES, ItemStatus, Priority, WorkItem
from civilaffairs.worklist.services import workitem_raise

from .. import materials as material_files
from ..calculations import PARAMETER_KEYS, Computation, MemberFacts, compute, load_parameters
from ..models import (
    COVERAGE_PROGRAMMES, Application, ApplicationEvent, ApplicationMember, ApplicationStatus, Benefit, BenefitStatus,
    Channel, Decision, DecisionOutcome, HomeVisit, Material, Objection, Payment, PaymentKind, Programme, PublicNotice,
    SelfCare, VerificationReport,
)
from ..scoring.services import leads_close_covered
from ..verification import build_report_content, new_report_number, seal, verify_seal
from ..workflow import LEVEL_LENGTH, OWNER, TRANSITIONS, WAITING

__all__ = [
    "application_create", "application_set_members", "application_save_draft", "material_add",
    "application_submit", "application_resubmit", "application_accept", "application_return",
    "application_verify", "visit_record", "notice_start", "objection_record", "objection_resolve",
    "notice_close", "application_approve", "application_reject", "application_withdraw",
    "application_emergency_pay", "application_precheck", "application_compute", "is_owner", "may_act",
    "may_take",
]

S = ApplicationStatus
MONTHLY_PROGRAMMES = (Programme.DIBAO, Programme.DIBIAN, Programme.TEKUN)


# --- rights -------------------------------------------------------------------------

def is_owner(user, household_id: int) -> bool:
    return (getattr(user, "is_resident", False) and user.person_id is not None
            and HouseholdMember.objects.filter(household_id=household_id, person_id=user.person_id,
                                               is_active=True).exists())


def may_act(user, action: str, application: Application) -> bool:
    t = TRANSITIONS[action]
    if OWNER in t.actors and is_owner(user, application.household_id):
        return True
    if getattr(user, "is_resident", False):
        return False
    return bool(roles_over(user, application.community_id) & t.actors)


def may_take(user, action: str, application: Application) -> bool:
    """Whether ``user`` holds a role the action needs over this application, whatever its status:
    workflow transitions by their table, the side ways (objections, 先行救助) by theirs. Pages and
    the API ask this first, so someone who may never act is refused before their input is read."""
    if action in TRANSITIONS:
        return may_act(user, action, application)
    if getattr(user, "is_resident", False):
        return False
    regions = roles_over(user, application.community_id)
    if action == "objection":
        return bool(regions & (TRANSITIONS["close_notice"].actors | TRANSITIONS["record_visit"].actors))
    if action == "resolve":
        return bool(regions & TRANSITIONS["close_notice"].actors)
    if action == "emergency":
        return bool(regions & (TRANSITIONS["accept"].actors | TRANSITIONS["approve"].actors))
    raise KeyError(action)


def _locked(application_id: int) -> Application:
    """The application row locked, with its household (read, not locked: every transition names it)."""
    try:
        return Application.objects.select_for_update(of=("self",)).select_related("household").get(pk=application_id)
    except Application.DoesNotExist:
        raise ValidationError(_("申请不存在。")) from None


def _check(user, action: str, app: Application) -> None:
    """Rights before state: someone who may never take this action is refused (403) whatever the
    application's status, and learns nothing about where it stands."""
    t = TRANSITIONS[action]
    if not may_act(user, action, app):
        raise PermissionDenied(_("您无权对该申请执行“%(action)s”。") % {"action": t.label})
    if app.status not in t.sources:
        raise ValidationError(_("申请当前状态为“%(status)s”，不能执行“%(action)s”（可能已被他人处理，请刷新页面）。")
                              % {"status": app.get_status_display(), "action": t.label})


def _link(app: Application) -> str:
    try:
        return reverse("assistance:application_detail", args=[app.pk])
    except NoReverseMatch:
        return ""


def _move(user, app: Application, action: str, *, note: str = "", extra_audit: dict | None = None,
          changed: tuple[str, ...] = (), decision_days: int | None = None) -> None:
    """Apply ``action`` to a locked application already checked by ``_check``; ``changed`` names
    fields the caller set on ``app`` for this transition (saved in the same UPDATE);
    ``decision_days``: the parameter, if the caller has read it already."""
    t = TRANSITIONS[action]
    before = app.status
    app.status = t.target
    app.version += 1
    fields = ["status", "version", "updated_at", *changed]
    if t.target == S.SUBMITTED and app.submitted_at is None:
        app.submitted_at = timezone.now()
        fields.append("submitted_at")
    if t.target in (S.APPROVED, S.REJECTED):
        app.decided_at = timezone.now()
        fields.append("decided_at")
    app.save(update_fields=fields)
    ApplicationEvent.objects.create(application=app, action=action, from_status=before, to_status=t.target,
                                    actor=user if getattr(user, "is_authenticated", False) else None, note=note)
    audit_log(actor=user, action=f"assistance.application_{action}", obj=app, region_code=app.community_id,
              before={"status": before}, after={"status": t.target, "note": note[:500], **(extra_audit or {})})
    _worklist_follow(app, left=before, done_outcome=f"{t.label}{('：' + note[:100]) if note else ''}",
                     decision_days=decision_days)
    notify_household(household=app.household, title=_("您的救助申请 %(no)s：%(status)s")
                     % {"no": app.number, "status": app.get_status_display()}, body=note, link=_link(app))


def _worklist_key(app: Application, status: str) -> str:
    return f"assistance.application:{app.pk}:{status}"


def _worklist_follow(app: Application, *, left: str, done_outcome: str, decision_days: int | None = None) -> None:
    """Close the item of the state just left; raise one for the new waiting state."""
    now = timezone.now()
    if left != S.DRAFT:  # a draft has never waited on anyone: no item to close
        # The keys spelled out (not a prefix): the open-items unique index finds them.
        (WorkItem.objects.filter(dedupe_key__in=[_worklist_key(app, s) for s in S.values if s != app.status],
                                 status__in=OPEN_STATUSES)
         .update(status=ItemStatus.DONE, outcome=done_outcome[:500], closed_at=now, updated_at=now))
    waiting = WAITING.get(app.status)
    if waiting is None:
        return
    level, title = waiting
    days = decision_days if decision_days is not None else int(
        parameter_value(key="decision_days", region_code=app.community_id, on=now.date()))
    due = now + dt.timedelta(days=days)
    if app.status == S.NOTICE and hasattr(app, "notice"):
        due = timezone.make_aware(dt.datetime.combine(app.notice.ends_on + dt.timedelta(days=1), dt.time(9)))
    workitem_raise(kind=f"assistance.{app.status}", title=f"{title}：{app.household.head_name}户（{app.number}）",
                   region_code=app.community_id[:LEVEL_LENGTH[level]], due_at=due,
                   priority=Priority.URGENT if app.emergency else Priority.NORMAL, subject=app, link=_link(app),
                   detail="、".join(app.programme_labels()),
                   dedupe_key=_worklist_key(app, app.status))


# --- drafting -----------------------------------------------------------------------

@transaction.atomic
def application_create(*, actor, household: Household, applicant: Person, programmes: list[str],
                       channel: str = Channel.ONLINE, reason: str = "", emergency: bool = False,
                       temporary_aid_amount: Decimal | None = None) -> Application:
    programmes = sorted(set(programmes))
    if not programmes:
        raise ValidationError({"programmes": _("请至少选择一个救助项目。")})
    if any(p not in Programme.values for p in programmes):
        raise ValidationError({"programmes": _("救助项目无效。")})
    if emergency and Programme.TEMPORARY not in programmes:
        raise ValidationError({"emergency": _("只有临时救助可以申请先行救助。")})
    owner = is_owner(actor, household.pk)
    if not owner and not (roles_over(actor, household.community_id) & TRANSITIONS["submit"].actors):
        raise PermissionDenied(_("您只能为本人家庭或辖区内的家庭申请。"))
    if not HouseholdMember.objects.filter(household=household, person=applicant, is_active=True).exists():
        raise ValidationError({"applicant": _("申请人必须是该家庭的成员。")})
    if channel == Channel.ONLINE and not owner:
        channel = Channel.WALK_IN
    open_same = (Application.objects.filter(household=household, programmes__overlap=programmes)
                 .exclude(status__in=[S.APPROVED, S.REJECTED, S.WITHDRAWN]).first())
    if open_same is not None:
        raise ValidationError(_("该家庭已有办理中的同类申请（%(no)s），请勿重复申请。") % {"no": open_same.number})
    app = Application.objects.create(
        number=Application.new_number(), household=household, community_id=household.community_id,
        applicant=applicant, programmes=programmes, channel=channel, reason=reason.strip(), emergency=emergency,
        temporary_aid_amount=temporary_aid_amount, created_by=actor)
    for m in household.members.filter(is_active=True).select_related("person"):
        ApplicationMember.objects.create(application=app, person=m.person, relation=m.relation)
    ApplicationEvent.objects.create(application=app, action="create", to_status=S.DRAFT, actor=actor)
    audit_log(actor=actor, action="assistance.application_created", obj=app, region_code=app.community_id,
              after={"programmes": programmes, "channel": channel})
    return app


def _editable(actor, app: Application) -> None:
    if app.status not in (S.DRAFT, S.RETURNED):
        raise ValidationError(_("申请已提交，不能再修改申报内容。"))
    if not (is_owner(actor, app.household_id) or roles_over(actor, app.community_id) & TRANSITIONS["submit"].actors):
        raise PermissionDenied(_("您无权修改该申请。"))


@transaction.atomic
def application_save_draft(*, actor, application_id: int, data: dict, reason: str | None = None) -> Application:
    app = _locked(application_id)
    _editable(actor, app)
    app.draft_data = {**app.draft_data, **data}
    fields = ["draft_data", "updated_at"]
    if reason is not None:
        app.reason = reason.strip()
        fields.append("reason")
    app.save(update_fields=fields)
    return app


@transaction.atomic
def application_set_members(*, actor, application_id: int, members: list[dict]) -> Application:
    """``members``: [{"person_id", "declared_monthly_income", "disability_grade", "serious_illness",
    "self_care", "can_work", "note"}] for current household members."""
    app = _locked(application_id)
    _editable(actor, app)
    current = {m.person_id: m for m in app.members.all()}
    errors = []
    for i, row in enumerate(members, start=1):
        member = current.get(row.get("person_id"))
        if member is None:
            errors.append(_("第%(i)d位成员不是本家庭成员。") % {"i": i})
            continue
        try:
            income = Decimal(str(row.get("declared_monthly_income", "0") or "0"))
        except Exception:
            errors.append(_("第%(i)d位成员的月收入不是有效金额。") % {"i": i})
            continue
        if income < 0:
            errors.append(_("第%(i)d位成员的月收入不能为负数。") % {"i": i})
            continue
        grade = row.get("disability_grade")
        if grade not in (None, "", 1, 2, 3, 4, "1", "2", "3", "4"):
            errors.append(_("第%(i)d位成员的残疾等级应为1–4级。") % {"i": i})
            continue
        if row.get("self_care", SelfCare.SELF) not in SelfCare.values:
            errors.append(_("第%(i)d位成员的生活自理能力无效。") % {"i": i})
            continue
        member.declared_monthly_income = income.quantize(Decimal("0.01"))
        member.disability_grade = int(grade) if grade not in (None, "") else None
        member.serious_illness = bool(row.get("serious_illness"))
        member.self_care = row.get("self_care", SelfCare.SELF)
        member.can_work = bool(row.get("can_work", True))
        member.note = str(row.get("note", ""))[:200]
    if errors:
        raise ValidationError(errors)
    ApplicationMember.objects.bulk_update(current.values(), ["declared_monthly_income", "disability_grade",
                                                             "serious_illness", "self_care", "can_work", "note"])
    audit_log(actor=actor, action="assistance.application_members_declared", obj=app, region_code=app.community_id,
              after={"members": len(current)})
    return app


@transaction.atomic
def material_add(*, actor, application_id: int, uploaded, kind: str, visit: HomeVisit | None = None) -> Material:
    app = _locked(application_id)
    if app.is_final:
        raise ValidationError(_("申请已办结，不能再上传材料。"))
    owner = is_owner(actor, app.household_id)
    if not owner and not roles_over(actor, app.community_id) & TRANSITIONS["record_visit"].actors:
        raise PermissionDenied(_("您无权为该申请上传材料。"))
    if owner and app.status not in (S.DRAFT, S.SUBMITTED, S.RETURNED):
        raise ValidationError(_("申请正在审核中，如需补充材料请等待工作人员通知。"))
    content_type, ext = material_files.check_upload(uploaded)
    return _store_material(actor, app, uploaded, kind=kind, visit=visit, content_type=content_type, ext=ext)


def _store_material(actor, app: Application, uploaded, *, kind: str, visit, content_type: str, ext: str) -> Material:
    storage_name, size, digest = material_files.store(uploaded, application_id=app.pk, extension=ext)
    try:
        material = Material.objects.create(application=app, visit=visit, kind=kind, storage_name=storage_name,
                                           original_name=str(uploaded.name)[:255], content_type=content_type,
                                           size=size, sha256=digest, uploaded_by=actor)
        audit_log(actor=actor, action="assistance.material_added", obj=app, region_code=app.community_id,
                  after={"material": material.pk, "kind": kind, "size": size, "type": content_type})
    except Exception:
        material_files.path_of(storage_name).unlink(missing_ok=True)  # no orphan file for a failed write
        raise
    return material


# --- submission and pre-check --------------------------------------------------------

def _member_dicts(app: Application) -> list[dict]:
    rows = app.members.order_by("id").values_list("person_id", "person__name", "person__id_number_masked", "relation",
                                                  "declared_monthly_income")
    return [{"person_id": person_id, "name": name, "id_masked": masked, "relation": relation,
             "declared_monthly_income": income} for person_id, name, masked, relation, income in rows]


def application_precheck(app: Application, *, on: dt.date | None = None, rows: dict | None = None) -> dict:
    """Completeness and a preliminary eligibility estimate from department data already held.
    A hint for the resident, never a decision. ``rows``: the parameter rows, if already read."""
    on = on or timezone.localdate()
    problems = []
    members = _member_dicts(app)
    if not members:
        problems.append(_("未填写家庭成员。"))
    if not app.materials.exists():
        problems.append(_("尚未上传任何证明材料（如身份证、户口簿）。"))
    if not app.reason.strip():
        problems.append(_("请简要说明申请理由。"))
    params = load_parameters(region_code=app.community_id, on=on, rows=rows)
    content = build_report_content(members=members, as_of=on, parameters=params)
    summary = content["summary"]
    standard = Decimal(params["dibao_standard"]["value"])
    pci = Decimal(summary["per_capita_monthly_income"])
    declared_total = sum((Decimal(str(m["declared_monthly_income"])) for m in members), Decimal(0))
    declared_pci = (declared_total / len(members)).quantize(Decimal("0.01")) if members else Decimal(0)
    hints = [_("根据已掌握的部门数据，家庭人均月收入约 %(pci)s 元；当地低保标准为 %(std)s 元/人·月。")
             % {"pci": pci, "std": standard.quantize(Decimal('1'))}]
    if pci < standard:
        hints.append(_("人均月收入 %(pci)s 元低于 %(std)s 元的低保标准，可能符合低保条件。")
                     % {"pci": pci, "std": standard.quantize(Decimal('1'))})
    elif pci < standard * Decimal(params["dibian_multiplier"]["value"]):
        hints.append(_("人均月收入 %(pci)s 元高于低保标准、低于低保边缘线，可能符合低保边缘条件。") % {"pci": pci})
    else:
        hints.append(_("人均月收入 %(pci)s 元高于低保边缘线，按现有数据可能不符合低保条件；如有大额医疗等支出，可申请临时救助。")
                     % {"pci": pci})
    if abs(declared_pci - pci) > standard * Decimal("0.2"):
        hints.append(_("您申报的人均月收入（%(d)s 元）与部门数据（%(v)s 元）差异较大，审核时将以核对结果为准。")
                     % {"d": declared_pci, "v": pci})
    if not summary["assets_within_limit"]:
        hints.append(_("家庭人均金融资产超过规定上限，可能影响认定。"))
    return {"complete": not problems, "problems": problems, "hints": hints, "per_capita_income": str(pci),
            "standard": str(standard), "checked_on": on.isoformat(),
            "disclaimer": _("以上为系统自动预审提示，不是审批结论。")}


@transaction.atomic
def application_submit(*, actor, application_id: int) -> Application:
    app = _locked(application_id)
    _check(actor, "submit", app)
    today = timezone.localdate()
    rows = _submit_parameters(app, today)
    result = application_precheck(app, on=today, rows=rows)
    if not result["complete"]:
        raise ValidationError(result["problems"])
    app.precheck = result
    _move(actor, app, "submit", note=" ".join(result["hints"]), changed=("precheck",),
          decision_days=int(rows["decision_days"].value))
    return app


def _submit_parameters(app: Application, today: dt.date) -> dict:
    """One read of what a (re)submission needs: the pre-check's parameters and the work item's due time."""
    return parameter_rows(keys=(*PARAMETER_KEYS, "decision_days"), region_code=app.community_id, on=today)


@transaction.atomic
def application_resubmit(*, actor, application_id: int, note: str = "") -> Application:
    app = _locked(application_id)
    _check(actor, "resubmit", app)
    today = timezone.localdate()
    rows = _submit_parameters(app, today)
    app.missing_materials = ""
    app.precheck = application_precheck(app, on=today, rows=rows)
    _move(actor, app, "resubmit", note=note, changed=("missing_materials", "precheck"),
          decision_days=int(rows["decision_days"].value))
    return app


# --- township and district steps ----------------------------------------------------

@transaction.atomic
def application_accept(*, actor, application_id: int, note: str = "") -> Application:
    app = _locked(application_id)
    _check(actor, "accept", app)
    _move(actor, app, "accept", note=note)
    return app


@transaction.atomic
def application_return(*, actor, application_id: int, missing: str) -> Application:
    app = _locked(application_id)
    _check(actor, "return", app)
    if not missing.strip():
        raise ValidationError({"missing": _("请写明需要补正的材料或内容。")})
    app.missing_materials = missing.strip()
    _move(actor, app, "return", note=missing.strip(), changed=("missing_materials",))
    return app


@transaction.atomic
def application_verify(*, actor, application_id: int, as_of: dt.date | None = None) -> VerificationReport:
    """Build, freeze and seal the household economic verification report."""
    app = _locked(application_id)
    _check(actor, "verify", app)
    report = _make_report(actor, app, as_of=as_of)
    _move(actor, app, "verify", note=_("核对报告 %(no)s") % {"no": report.number},
          extra_audit={"report": report.number, "digest": report.digest})
    return report


def _make_report(actor, app: Application, *, as_of: dt.date | None) -> VerificationReport:
    as_of = as_of or timezone.localdate()
    params = load_parameters(region_code=app.community_id, on=as_of)
    params["asset_limit_multiplier"] = {"value": str(parameter_value(key="asset_limit_multiplier",
                                                                     region_code=app.community_id, on=as_of))}
    content = build_report_content(members=_member_dicts(app), as_of=as_of, parameters=params)
    content["application"] = app.number
    content["household"] = {"id": app.household_id, "community": app.community_id,
                            "head": app.household.head_name}
    digest, signature, key_id = seal(content)
    return VerificationReport.objects.create(application=app, household=app.household, number=new_report_number(),
                                             as_of=as_of, content=content, digest=digest, seal=signature,
                                             seal_key_id=key_id, created_by=actor)


@transaction.atomic
def visit_record(*, actor, application_id: int, visited_at: dt.datetime, visitors: str, findings: str,
                 living_conditions: str = "", recommendation: str = "", photos=()) -> HomeVisit:
    app = _locked(application_id)
    _check(actor, "record_visit", app)
    if not findings.strip():
        raise ValidationError({"findings": _("请填写入户调查情况。")})
    if visited_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"visited_at": _("入户时间不能晚于现在。")})
    visit = HomeVisit.objects.create(application=app, visited_at=visited_at, visitors=visitors.strip(),
                                     findings=findings.strip(), living_conditions=living_conditions.strip(),
                                     recommendation=recommendation.strip(), recorded_by=actor)
    checked = [(photo, *material_files.check_upload(photo)) for photo in photos]  # all checked before any write
    for photo, content_type, ext in checked:
        _store_material(actor, app, photo, kind="photo", visit=visit, content_type=content_type, ext=ext)
    _move(actor, app, "record_visit", note=recommendation.strip())
    return visit


@transaction.atomic
def notice_start(*, actor, application_id: int, starts_on: dt.date | None = None, location: str = "") -> PublicNotice:
    app = _locked(application_id)
    _check(actor, "start_notice", app)
    starts_on = starts_on or timezone.localdate()
    days = int(parameter_value(key="public_notice_days", region_code=app.community_id, on=starts_on))
    notice = PublicNotice.objects.create(application=app, starts_on=starts_on,
                                         ends_on=starts_on + dt.timedelta(days=days - 1),
                                         location=location.strip() or _("村（社区）公示栏"), posted_by=actor)
    app.notice = notice
    _move(actor, app, "start_notice", note=_("公示期 %(a)s 至 %(b)s") % {"a": notice.starts_on, "b": notice.ends_on})
    return notice


@transaction.atomic
def objection_record(*, actor, application_id: int, content: str, received_on: dt.date | None = None) -> Objection:
    app = _locked(application_id)
    if not may_take(actor, "objection", app):
        raise PermissionDenied(_("您无权登记该申请的异议。"))
    if app.status != S.NOTICE:
        raise ValidationError(_("只有公示期间可以登记异议。"))
    if not content.strip():
        raise ValidationError({"content": _("请填写异议内容。")})
    objection = Objection.objects.create(notice=app.notice, received_on=received_on or timezone.localdate(),
                                         content=content.strip(), recorded_by=actor)
    audit_log(actor=actor, action="assistance.objection_recorded", obj=app, region_code=app.community_id,
              after={"objection": objection.pk})
    return objection


@transaction.atomic
def objection_resolve(*, actor, objection_id: int, resolution: str, upheld: bool) -> Objection:
    objection = Objection.objects.select_for_update().select_related("notice__application").get(pk=objection_id)
    app = objection.notice.application
    if not roles_over(actor, app.community_id) & TRANSITIONS["close_notice"].actors:
        raise PermissionDenied(_("您无权处理该异议。"))
    if objection.is_resolved:
        raise ValidationError(_("该异议已处理。"))
    if not resolution.strip():
        raise ValidationError({"resolution": _("请填写处理结果。")})
    objection.resolution, objection.upheld = resolution.strip(), upheld
    objection.resolved_by, objection.resolved_at = actor, timezone.now()
    objection.save(update_fields=["resolution", "upheld", "resolved_by", "resolved_at"])
    audit_log(actor=actor, action="assistance.objection_resolved", obj=app, region_code=app.community_id,
              after={"objection": objection.pk, "upheld": upheld})
    return objection


@transaction.atomic
def notice_close(*, actor, application_id: int, today: dt.date | None = None) -> Application:
    app = _locked(application_id)
    _check(actor, "close_notice", app)
    today = today or timezone.localdate()
    notice = app.notice
    if today <= notice.ends_on:
        raise ValidationError(_("公示期至 %(d)s 结束，期满后方可报批。") % {"d": notice.ends_on})
    if notice.objections.filter(resolved_at__isnull=True).exists():
        raise ValidationError(_("尚有未处理的公示异议。"))
    notice.closed_at = timezone.now()
    notice.save(update_fields=["closed_at"])
    upheld = notice.objections.filter(upheld=True).count()
    _move(actor, app, "close_notice", note=_("公示期满，异议 %(n)d 件（成立 %(u)d 件）") % {
        "n": notice.objections.count(), "u": upheld})
    return app


def application_compute(app: Application, *, on: dt.date | None = None) -> tuple[list[Computation], dict,
                                                                                   VerificationReport]:
    """Compute every programme from the latest sealed verification report."""
    report = app.verification_reports.order_by("-created_at").first()
    if report is None:
        raise ValidationError(_("未经家庭经济状况核对，不得认定。"))
    if not verify_seal(content=report.content, digest=report.digest, signature=report.seal):
        raise ValidationError(_("核对报告 %(no)s 的电子签章验证失败，报告可能被篡改，请重新核对。") % {"no": report.number})
    on = on or timezone.localdate()
    params = load_parameters(region_code=app.community_id, on=on)
    verified = {m["person_id"]: m for m in report.content["members"]}
    facts = []
    for m in app.members.select_related("person").order_by("id"):
        v = verified.get(m.person_id, {})
        grade = v.get("disability_grade") or m.disability_grade
        facts.append(MemberFacts(
            name=m.person.name, monthly_income=Decimal(v.get("verified_monthly_income", m.declared_monthly_income)),
            severely_disabled_or_ill=bool(v.get("serious_illness") or m.serious_illness or (grade and grade <= 2)),
            can_work=m.can_work, self_care=m.self_care))
    results = [compute(p, facts, params, requested_temporary=app.temporary_aid_amount) for p in app.programmes]
    return results, params, report


@transaction.atomic
def application_approve(*, actor, application_id: int, note: str = "") -> Decision:
    app = _locked(application_id)
    _check(actor, "approve", app)
    results, params, report = application_compute(app)
    eligible = [r for r in results if r.eligible]
    if not eligible:
        raise ValidationError(_("按核对结果，申请的项目均不符合条件，请作出不予批准决定并说明理由。"))
    if not report.content["summary"].get("assets_within_limit", True) and any(
            r.programme in (Programme.DIBAO, Programme.TEKUN) for r in eligible):
        raise ValidationError(_("家庭人均金融资产超过上限，不符合低保/特困认定条件。"))
    today = timezone.localdate()
    decision = Decision.objects.create(application=app, outcome=DecisionOutcome.APPROVED, reason=note.strip(),
                                       lines=[r.as_dict() for r in results] + [{"parameters": params}],
                                       verification_report=report, decided_by=actor)
    for r in eligible:
        _grant(app, decision, r, today=today)
    _move(actor, app, "approve", note=note.strip(), extra_audit={
        "amounts": {r.programme: str(r.monthly_amount or r.one_off_amount) for r in eligible}})
    return decision


def _grant(app: Application, decision: Decision, r: Computation, *, today: dt.date) -> None:
    if r.programme in MONTHLY_PROGRAMMES:
        live = Benefit.objects.filter(household=app.household, programme=r.programme,
                                      status__in=[BenefitStatus.ACTIVE, BenefitStatus.PHASEOUT,
                                                  BenefitStatus.SUSPENDED]).first()
        if live is not None:
            raise ValidationError(_("该家庭已在享受%(p)s，不能重复认定。") % {"p": Programme(r.programme).label})
        Benefit.objects.create(household=app.household, programme=r.programme, status=BenefitStatus.ACTIVE,
                               monthly_amount=r.monthly_amount, members_covered=r.members_covered,
                               start_date=today.replace(day=1), application=app, decision=decision,
                               calculation=r.as_dict())
        if r.programme in COVERAGE_PROGRAMMES:
            # Covered now: the household's open discovery lead (政策找人) is settled as included.
            leads_close_covered(actor=decision.decided_by, household_id=app.household_id,
                                note=_("申请 %(no)s 已批准%(p)s，线索自动办结。")
                                % {"no": app.number, "p": Programme(r.programme).label})
    elif r.programme == Programme.TEMPORARY and app.emergency_paid_at is None:
        _pay_one_off(app, decision, r.one_off_amount, today=today, calculation=r.as_dict())


def _pay_one_off(app, decision, amount: Decimal, *, today: dt.date, calculation: dict) -> Payment:
    benefit = Benefit.objects.create(household=app.household, programme=Programme.TEMPORARY,
                                     status=BenefitStatus.ENDED, monthly_amount=0, members_covered=1,
                                     start_date=today, end_date=today, end_reason=_("一次性救助"), application=app,
                                     decision=decision, calculation=calculation)
    return Payment.objects.create(benefit=benefit, household=app.household, kind=PaymentKind.ONE_OFF,
                                  month=today.replace(day=1), amount=amount)


@transaction.atomic
def application_reject(*, actor, application_id: int, reason: str) -> Decision:
    app = _locked(application_id)
    _check(actor, "reject", app)
    if not reason.strip():
        raise ValidationError({"reason": _("不予批准必须说明理由。")})
    decision = Decision.objects.create(application=app, outcome=DecisionOutcome.REJECTED, reason=reason.strip(),
                                       verification_report=app.verification_reports.order_by("-created_at").first(),
                                       decided_by=actor)
    _move(actor, app, "reject", note=reason.strip())
    return decision


@transaction.atomic
def application_withdraw(*, actor, application_id: int, reason: str = "") -> Application:
    app = _locked(application_id)
    _check(actor, "withdraw", app)
    _move(actor, app, "withdraw", note=reason.strip())
    return app


@transaction.atomic
def application_emergency_pay(*, actor, application_id: int, amount: Decimal | None = None,
                              note: str = "") -> Payment:
    """先行救助: pay temporary aid first, document after. The application continues its path."""
    app = _locked(application_id)
    if not app.emergency or Programme.TEMPORARY not in app.programmes:
        raise ValidationError(_("只有标记为急难情形的临时救助申请可以先行救助。"))
    if app.emergency_paid_at is not None:
        raise ValidationError(_("该申请已先行救助，不能重复发放。"))
    if app.status not in (S.SUBMITTED, S.ACCEPTED, S.VERIFIED, S.VISITED):
        raise ValidationError(_("申请当前状态为“%(s)s”，不能先行救助。") % {"s": app.get_status_display()})
    if not roles_over(actor, app.community_id) & (TRANSITIONS["accept"].actors | TRANSITIONS["approve"].actors):
        raise PermissionDenied(_("先行救助须由乡镇（街道）或区县民政部门决定。"))
    today = timezone.localdate()
    params = load_parameters(region_code=app.community_id, on=today)
    r = compute(Programme.TEMPORARY, [], params, requested_temporary=amount or app.temporary_aid_amount)
    decision = Decision.objects.create(application=app, outcome=DecisionOutcome.EMERGENCY, reason=note.strip(),
                                       lines=[r.as_dict(), {"parameters": params}], decided_by=actor)
    payment = _pay_one_off(app, decision, r.one_off_amount, today=today, calculation=r.as_dict())
    app.emergency_paid_at = timezone.now()
    app.save(update_fields=["emergency_paid_at", "updated_at"])
    ApplicationEvent.objects.create(application=app, action="emergency_pay", from_status=app.status,
                                    to_status=app.status, actor=actor, note=f"{r.one_off_amount} 元 {note}".strip())
    audit_log(actor=actor, action="assistance.emergency_paid", obj=app, region_code=app.community_id,
              after={"amount": r.one_off_amount, "payment": payment.pk})
    notify_household(household=app.household, title=_("临时救助金 %(a)s 元已先行发放") % {"a": r.one_off_amount},
                     link=_link(app))
    return payment
