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

from civilaffairs.lib.errors import StateConflict
from civilaffairs.accounts.scoping import user_can
from civilaffairs.payments.models import PaymentLine
from civilaffairs.payments.services import payment_line_add
from civilaffairs.audit.services import audit_log
from civilaffairs.notifications.services import notify_household
from civilaffairs.registry.models import Household, HouseholdMember, Person
from civilaffairs.registry.selectors import parameter_rows, parameter_value
from civilaffairs.worklist.models import Priority
from civilaffairs.worklist.selectors import workitems_open
from civilaffairs.worklist.services import priority_for_due, workitem_close, workitem_raise

from .. import dates
from .. import materials as material_files
from .. import payables
from ..calculations import PARAMETER_KEYS, Computation, compute, load_parameters, member_facts_from_report
from ..limits import check_temporary_amount, money_limits, needs_second_approver
from ..models import (
    COVERAGE_PROGRAMMES, FINAL_STATUSES, MONTHLY_AMOUNT_MAX, Application, ApplicationEvent, ApplicationMember,
    ApplicationStatus, Benefit, BenefitStatus, Channel, Decision, DecisionOutcome, DecisionState, HomeVisit, Material, Objection,
    Programme, PublicNotice, SelfCare, VerificationReport,
)
from ..scoring.services import leads_close_covered
from ..verification import build_report_content, new_report_number, seal, verify_seal
from ..workflow import DECISION_TRANSITIONS, LEVEL_LENGTH, FourEyes, TRANSITIONS, WAITING, four_eyes_refusal

__all__ = [
    "application_create", "application_set_members", "application_save_draft", "material_add",
    "material_remove", "material_replace", "may_change_material", "MATERIAL_CHANGE_STATUSES",
    "application_submit", "application_resubmit", "application_accept", "application_return",
    "application_verify", "visit_record", "notice_start", "objection_record", "objection_resolve",
    "notice_close", "application_approve", "application_confirm", "application_reject", "application_withdraw",
    "application_emergency_pay", "application_emergency_confirm", "application_emergency_decline",
    "application_precheck", "application_compute", "is_owner", "may_act", "holds",
    "notice_closable_on", "approval_blockers", "may_take",
]

S = ApplicationStatus
APPLICATION_SUBJECT = "assistance.application"  # Application._meta.label_lower: its items' subject_type
MONTHLY_PROGRAMMES = (Programme.DIBAO, Programme.DIBIAN, Programme.TEKUN)


# --- rights -------------------------------------------------------------------------

def is_owner(user, household_id: int) -> bool:
    return (getattr(user, "is_resident", False) and user.person_id is not None
            and HouseholdMember.objects.filter(household_id=household_id, person_id=user.person_id,
                                               is_active=True).exists())


def holds(user, region_code: str, *actions: str) -> bool:
    """Whether ``user`` holds, over ``region_code``, the capability of one of the workflow ``actions``."""
    return any(user_can(user, TRANSITIONS[a].capability, region_code) for a in actions)


def may_act(user, action: str, application: Application) -> bool:
    t = TRANSITIONS[action]
    if t.owner and is_owner(user, application.household_id):
        return True
    if getattr(user, "is_resident", False):
        return False
    return user_can(user, t.capability, application.community_id)


def may_take(user, action: str, application: Application) -> bool:
    """Whether ``user`` holds the capability the action needs over this application, whatever its status:
    workflow transitions by their table, the side ways (objections, 先行救助) by theirs. Pages and
    the API ask this first, so someone who may never act is refused before their input is read."""
    if action in TRANSITIONS:
        return may_act(user, action, application)
    if getattr(user, "is_resident", False):
        return False
    region = application.community_id
    if action == "objection":
        return holds(user, region, "close_notice", "record_visit")
    if action == "resolve":
        return holds(user, region, "close_notice")
    if action == "emergency":
        return holds(user, region, "accept", "approve")
    if action in ("emergency_confirm", "emergency_decline"):
        return holds(user, region, "approve")
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
        raise StateConflict(_("申请当前状态为“%(status)s”，不能执行“%(action)s”（可能已被他人处理，请刷新页面）。")
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
    if t.target in FINAL_STATUSES:
        _decline_pending(user, app, note)
    ApplicationEvent.objects.create(application=app, action=action, from_status=before, to_status=t.target,
                                    actor=user if getattr(user, "is_authenticated", False) else None, note=note)
    audit_log(actor=user, action=f"assistance.application_{action}", obj=app, region_code=app.community_id,
              before={"status": before}, after={"status": t.target, "note": note[:500], **(extra_audit or {})})
    _worklist_follow(app, left=before, done_outcome=f"{t.label}{('：' + note[:100]) if note else ''}",
                     decision_days=decision_days, actor=user)
    if app.is_final:  # materials still owed by an emergency case are no longer collected
        _materials_item_close(app, actor=user,
                              outcome=_("申请已办结（%(s)s），不再补收材料。") % {"s": app.get_status_display()})
    notify_household(household=app.household, title=_("您的救助申请 %(no)s：%(status)s")
                     % {"no": app.number, "status": app.get_status_display()}, body=note, link=_link(app))


def _worklist_key(app: Application, status: str) -> str:
    return f"assistance.application:{app.pk}:{status}"


def _worklist_follow(app: Application, *, left: str, done_outcome: str, decision_days: int | None = None,
                     actor=None) -> None:
    """Close the items of the steps left (by subject: every step item but the new state's, so an
    older one left open goes too); raise one for the new waiting state."""
    now = timezone.now()
    if left != S.DRAFT:  # a draft has never waited on anyone: no item to close
        workitem_close(subject_type=APPLICATION_SUBJECT, subject_ids=[app.pk],
                       kinds=[f"assistance.{s}" for s in S.values if s != app.status],
                       outcome=done_outcome[:500], actor=actor)
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
                   priority=Priority.URGENT if app.emergency else priority_for_due(due, now=now), subject=app,
                   link=_link(app),
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
    if temporary_aid_amount is not None:
        check_temporary_amount(temporary_aid_amount, money_limits(region_code=household.community_id,
                                                                  on=timezone.localdate()),
                               field="temporary_aid_amount")
    owner = is_owner(actor, household.pk)
    if not owner and not holds(actor, household.community_id, "submit"):
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
        raise StateConflict(_("申请已提交，不能再修改申报内容。"))
    if not (is_owner(actor, app.household_id) or holds(actor, app.community_id, "submit")):
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


MEMBER_NOTE_MAX = ApplicationMember._meta.get_field("note").max_length
RESUBMIT_NOTE_MAX = 2000


@transaction.atomic
def application_set_members(*, actor, application_id: int, members: list[dict]) -> Application:
    """``members``: [{"person_id", "declared_monthly_income", "disability_grade", "serious_illness",
    "self_care", "can_work", "note"}] for current household members."""
    app = _locked(application_id)
    _editable(actor, app)
    current = {m.person_id: m for m in app.members.all()}
    income_max = money_limits(region_code=app.community_id, on=timezone.localdate())["declared_income_max"]
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
        if not income.is_finite():
            errors.append(_("第%(i)d位成员的月收入不是有效金额。") % {"i": i})
            continue
        if income < 0:
            errors.append(_("第%(i)d位成员的月收入不能为负数。") % {"i": i})
            continue
        if income > income_max:
            errors.append(_("第%(i)d位成员的月收入 %(a)s 元超过合理上限 %(max)s 元/人·月，请核对是否填写有误。")
                          % {"i": i, "a": income.quantize(Decimal("0.01")), "max": income_max})
            continue
        grade = row.get("disability_grade")
        if grade not in (None, "", 1, 2, 3, 4, "1", "2", "3", "4"):
            errors.append(_("第%(i)d位成员的残疾等级应为1–4级。") % {"i": i})
            continue
        if row.get("self_care", SelfCare.SELF) not in SelfCare.values:
            errors.append(_("第%(i)d位成员的生活自理能力无效。") % {"i": i})
            continue
        note = str(row.get("note", "") or "").strip()
        if len(note) > MEMBER_NOTE_MAX:
            errors.append(_("第%(i)d位成员的“其他情况”最多 %(limit)d 个字，现为 %(n)d 个字，请删减。")
                          % {"i": i, "limit": MEMBER_NOTE_MAX, "n": len(note)})
            continue
        member.declared_monthly_income = income.quantize(Decimal("0.01"))
        member.disability_grade = int(grade) if grade not in (None, "") else None
        member.serious_illness = bool(row.get("serious_illness"))
        member.self_care = row.get("self_care", SelfCare.SELF)
        member.can_work = bool(row.get("can_work", True))
        member.note = note
    if errors:
        raise ValidationError(errors)
    ApplicationMember.objects.bulk_update(current.values(), ["declared_monthly_income", "disability_grade",
                                                             "serious_illness", "self_care", "can_work", "note"])
    # The declaration is now a record the members step may pre-fill from (work ability included).
    app.draft_data = {**app.draft_data, "members_declared_on": timezone.localdate().isoformat()}
    app.save(update_fields=["draft_data", "updated_at"])
    audit_log(actor=actor, action="assistance.application_members_declared", obj=app, region_code=app.community_id,
              after={"members": len(current)})
    return app


@transaction.atomic
def material_add(*, actor, application_id: int, uploaded, kind: str, visit: HomeVisit | None = None) -> Material:
    app = _locked(application_id)
    if app.is_final:
        raise StateConflict(_("申请已办结，不能再上传材料。"))
    owner = is_owner(actor, app.household_id)
    if not owner and not holds(actor, app.community_id, "record_visit"):
        raise PermissionDenied(_("您无权为该申请上传材料。"))
    if owner and app.status not in (S.DRAFT, S.SUBMITTED, S.RETURNED) and not _materials_outstanding(app):
        raise StateConflict(_("申请正在审核中，如需补充材料请等待工作人员通知。"))
    content_type, ext = material_files.check_upload(uploaded)
    material = _store_material(actor, app, uploaded, kind=kind, visit=visit, content_type=content_type, ext=ext)
    _materials_item_close(app, actor=actor, outcome=_("已补交材料：%(name)s") % {"name": str(uploaded.name)[:100]})
    return material


def _store_material(actor, app: Application, uploaded, *, kind: str, visit, content_type: str, ext: str) -> Material:
    storage_name, size, digest = material_files.store(uploaded, application_id=app.pk, extension=ext)
    try:
        material = Material.objects.create(application=app, visit=visit, kind=kind, storage_name=storage_name,
                                           original_name=str(uploaded.name), content_type=content_type,
                                           size=size, sha256=digest, uploaded_by=actor)
        audit_log(actor=actor, action="assistance.material_added", obj=app, region_code=app.community_id,
                  after={"material": material.pk, "kind": kind, "size": size, "type": content_type})
    except Exception:
        material_files.remove(storage_name)  # no orphan file for a failed write
        raise
    return material


# Materials can be taken back or swapped only while the application is still the applicant's to
# change: a draft, or returned for 补正. Once submitted the file is evidence a caseworker relies on.
MATERIAL_CHANGE_STATUSES = (S.DRAFT, S.RETURNED)


def may_change_material(user, material: Material, *, any_status: bool = False) -> bool:
    """The resident whose household applied, or the worker who uploaded it (filing on their
    behalf) — never a home-visit photo, and only while the application can change (unless
    ``any_status``: the right alone)."""
    if material.visit_id is not None:
        return False
    if not any_status and material.application.status not in MATERIAL_CHANGE_STATUSES:
        return False
    if is_owner(user, material.application.household_id):
        return True
    return (not getattr(user, "is_resident", False) and material.uploaded_by_id == user.pk
            and holds(user, material.application.community_id, "submit"))


def _locked_material(actor, material_id: int) -> tuple[Application, Material]:
    application_id = Material.objects.filter(pk=material_id).values_list("application_id", flat=True).first()
    if application_id is None:
        raise ValidationError(_("材料不存在或已删除。"))
    app = _locked(application_id)
    material = Material.objects.select_for_update().get(pk=material_id)
    material.application = app
    if material.visit_id is not None:
        raise PermissionDenied(_("入户调查照片不能删除或替换。"))
    if app.status not in MATERIAL_CHANGE_STATUSES:
        raise StateConflict(_("申请当前状态为“%(s)s”，材料不能再删除或替换；如需更正请联系经办工作人员。")
                              % {"s": app.get_status_display()})
    if not may_change_material(actor, material):
        raise PermissionDenied(_("您无权删除或替换该材料。"))
    return app, material


def _material_facts(material: Material) -> dict:
    return {"material": material.pk, "kind": material.kind, "name": material.original_name,
            "size": material.size, "sha256": material.sha256}


@transaction.atomic
def material_remove(*, actor, material_id: int) -> Application:
    app, material = _locked_material(actor, material_id)
    before = _material_facts(material)
    storage_name = material.storage_name
    material.delete()
    ApplicationEvent.objects.create(application=app, action="material_remove", from_status=app.status,
                                    to_status=app.status, actor=actor,
                                    note=_("删除材料“%(name)s”") % {"name": before["name"]})
    audit_log(actor=actor, action="assistance.material_removed", obj=app, region_code=app.community_id,
              before=before)
    transaction.on_commit(lambda: material_files.remove(storage_name))  # the file goes once the row has
    return app


@transaction.atomic
def material_replace(*, actor, material_id: int, uploaded) -> Material:
    app, material = _locked_material(actor, material_id)
    content_type, ext = material_files.check_upload(uploaded)
    before = _material_facts(material)
    old_storage = material.storage_name
    storage_name, size, digest = material_files.store(uploaded, application_id=app.pk, extension=ext)
    try:
        material.storage_name, material.original_name = storage_name, str(uploaded.name)
        material.content_type, material.size, material.sha256 = content_type, size, digest
        material.uploaded_by = actor
        material.save(update_fields=["storage_name", "original_name", "content_type", "size", "sha256",
                                     "uploaded_by"])
        ApplicationEvent.objects.create(application=app, action="material_replace", from_status=app.status,
                                        to_status=app.status, actor=actor,
                                        note=_("替换材料“%(old)s”为“%(new)s”") % {"old": before["name"],
                                                                              "new": material.original_name})
        audit_log(actor=actor, action="assistance.material_replaced", obj=app, region_code=app.community_id,
                  before=before, after=_material_facts(material))
    except Exception:
        material_files.remove(storage_name)  # no orphan file for a failed write
        raise
    transaction.on_commit(lambda: material_files.remove(old_storage))
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
    problems, later = [], []
    members = _member_dicts(app)
    if not members:
        problems.append(_("未填写家庭成员。"))
    if not app.materials.exists():
        if _materials_may_follow(app):
            later.append(_("急难情形先救助后补办：可先提交，证明材料由工作人员跟进补收。"))
        else:
            problems.append(_("尚未上传任何证明材料（如身份证、户口簿）。只有急难情形的临时救助可以先提交、后补材料。"))
    if not app.reason.strip():
        problems.append(_("请简要说明申请理由。"))
    params = load_parameters(region_code=app.community_id, on=on, rows=rows)
    content = build_report_content(members=members, as_of=on, parameters=params)
    summary = content["summary"]
    standard = Decimal(params["dibao_standard"]["value"])
    pci = Decimal(summary["per_capita_monthly_income"])
    declared_total = sum((Decimal(str(m["declared_monthly_income"])) for m in members), Decimal(0))
    declared_pci = (declared_total / len(members)).quantize(Decimal("0.01")) if members else Decimal(0)
    hints = [*later, _("根据已掌握的部门数据，家庭人均月收入约 %(pci)s 元；当地低保标准为 %(std)s 元/人·月。")
             % {"pci": pci, "std": standard.quantize(Decimal('1'))}]
    if summary["below_dibao_standard"]:  # the lines on exact values (the report decides them)
        hints.append(_("人均月收入 %(pci)s 元低于 %(std)s 元的低保标准，可能符合低保条件。")
                     % {"pci": pci, "std": standard.quantize(Decimal('1'))})
    elif summary["below_dibian_line"]:
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
    if not app.materials.exists():  # only an emergency gets here without materials (先救助后补办)
        _materials_item_raise(app, actor=actor, days=int(rows["decision_days"].value))
    return app


def _materials_may_follow(app: Application) -> bool:
    """先救助后补办: an emergency temporary-aid case may be submitted before its materials."""
    return app.emergency and Programme.TEMPORARY in app.programmes


def _materials_key(app: Application) -> str:
    return f"assistance.application:{app.pk}:materials"


def _materials_item_raise(app: Application, *, actor, days: int) -> None:
    workitem_raise(kind="assistance.materials", title=_("补收证明材料：%(h)s户（%(no)s）") % {
                       "h": app.household.head_name, "no": app.number},
                   region_code=app.community_id[:LEVEL_LENGTH["community"]],
                   due_at=timezone.now() + dt.timedelta(days=days), priority=Priority.URGENT, subject=app,
                   link=_link(app), detail=_("急难情形先行提交，请上门或电话补收身份证、户口簿等证明材料。"),
                   dedupe_key=_materials_key(app), actor=actor)


def _materials_item_close(app: Application, *, actor, outcome: str) -> None:
    workitem_close(keys=[_materials_key(app)], outcome=outcome[:500], actor=actor)


def _materials_outstanding(app: Application) -> bool:
    return workitems_open(keys=[_materials_key(app)]).exists()


def _submit_parameters(app: Application, today: dt.date) -> dict:
    """One read of what a (re)submission needs: the pre-check's parameters and the work item's due time."""
    return parameter_rows(keys=(*PARAMETER_KEYS, "decision_days"), region_code=app.community_id, on=today)


@transaction.atomic
def application_resubmit(*, actor, application_id: int, note: str = "") -> Application:
    app = _locked(application_id)
    _check(actor, "resubmit", app)
    note = note.strip()
    if len(note) > RESUBMIT_NOTE_MAX:
        raise ValidationError({"note": _("补正说明最多 %(limit)d 个字，现为 %(n)d 个字，请删减后再提交。")
                               % {"limit": RESUBMIT_NOTE_MAX, "n": len(note)}})
    today = timezone.localdate()
    rows = _submit_parameters(app, today)
    app.missing_materials = ""
    app.precheck = application_precheck(app, on=today, rows=rows)
    app.draft_data = {k: v for k, v in app.draft_data.items() if k != "resubmit_note"}  # sent: no longer a draft
    _move(actor, app, "resubmit", note=note, changed=("missing_materials", "precheck", "draft_data"),
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
    dates.VERIFICATION_AS_OF.check(as_of, field="as_of")
    with dates.parameters_on(as_of, field="as_of"):
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
    dates.VISIT_AT.check(visited_at, field="visited_at", not_before=timezone.localtime(app.created_at).date())
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
    dates.NOTICE_START.check(starts_on, field="starts_on")
    with dates.parameters_on(starts_on, field="starts_on"):
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
        raise StateConflict(_("只有公示期间可以登记异议。"))
    if not content.strip():
        raise ValidationError({"content": _("请填写异议内容。")})
    received_on = received_on or timezone.localdate()
    dates.OBJECTION_RECEIVED.check(received_on, field="received_on", not_before=app.notice.starts_on)
    objection = Objection.objects.create(notice=app.notice, received_on=received_on,
                                         content=content.strip(), recorded_by=actor)
    audit_log(actor=actor, action="assistance.objection_recorded", obj=app, region_code=app.community_id,
              after={"objection": objection.pk})
    return objection


@transaction.atomic
def objection_resolve(*, actor, objection_id: int, resolution: str, upheld: bool) -> Objection:
    objection = Objection.objects.select_for_update().select_related("notice__application").get(pk=objection_id)
    app = objection.notice.application
    if not holds(actor, app.community_id, "close_notice"):
        raise PermissionDenied(_("您无权处理该异议。"))
    if objection.is_resolved:
        raise StateConflict(_("该异议已处理。"))
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
    earliest = notice_closable_on(app)
    if today < earliest:
        raise StateConflict(_("公示须满 %(n)d 天（%(a)s 至 %(b)s），%(d)s 起方可报批。") % {
            "n": (notice.ends_on - notice.starts_on).days + 1, "a": notice.starts_on, "b": notice.ends_on,
            "d": earliest})
    if notice.objections.filter(resolved_at__isnull=True).exists():
        raise StateConflict(_("尚有未处理的公示异议。"))
    notice.closed_at = timezone.now()
    notice.save(update_fields=["closed_at"])
    upheld = notice.objections.filter(upheld=True).count()
    _move(actor, app, "close_notice", note=_("公示期满，异议 %(n)d 件（成立 %(u)d 件）") % {
        "n": notice.objections.count(), "u": upheld})
    return app


def notice_closable_on(app: Application) -> dt.date:
    """The first day the notice may close: its full period counted from the later of its first
    day and the day it was actually posted (a notice posted before backdated starts was forbidden
    still runs its full days)."""
    notice = app.notice
    days = (notice.ends_on - notice.starts_on).days + 1
    posted = app.events.filter(action="start_notice").order_by("-created_at").values_list("created_at", flat=True)
    posted_on = timezone.localtime(posted[0]).date() if posted else notice.starts_on
    return max(notice.starts_on, posted_on) + dt.timedelta(days=days)


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
        facts.append(member_facts_from_report(v, name=m.person.name, declared_income=m.declared_monthly_income,
                                              declared_ill=m.serious_illness, declared_grade=m.disability_grade,
                                              can_work=m.can_work, self_care=m.self_care, person_id=m.person_id))
    results = [compute(p, facts, params, requested_temporary=app.temporary_aid_amount) for p in app.programmes]
    return results, params, report


def approval_blockers(results: list[Computation], report: VerificationReport) -> list[str]:
    """Why the household cannot be approved as computed (empty: it can). The approve panel shows
    these first, with no proposed amount; ``application_approve`` refuses with them."""
    eligible = [r for r in results if r.eligible]
    if not eligible:
        return [_("按核对结果，申请的项目均不符合条件，请作出不予批准决定并说明理由。")]
    summary = report.content["summary"]
    if not summary.get("assets_within_limit", True) and any(
            r.programme in (Programme.DIBAO, Programme.TEKUN) for r in eligible):
        return [_("家庭人均金融资产超过上限，不符合低保/特困认定条件。"),
                _("核对报告 %(no)s：家庭人均金融资产 %(a)s 元，上限 %(l)s 元。") % {
                    "no": report.number, "a": summary.get("per_capita_financial_assets", ""),
                    "l": summary.get("per_capita_asset_limit", "")}]
    return []


@transaction.atomic
def application_approve(*, actor, application_id: int, note: str = "") -> Decision:
    app = _locked(application_id)
    _check(actor, "approve", app)
    results, params, report = application_compute(app)
    blockers = approval_blockers(results, report)
    if blockers:
        raise ValidationError(blockers)
    eligible = [r for r in results if r.eligible]
    today = timezone.localdate()
    limits = money_limits(region_code=app.community_id, on=today)
    for r in eligible:
        if r.programme == Programme.TEMPORARY:
            check_temporary_amount(r.one_off_amount, limits)
        elif r.monthly_amount > MONTHLY_AMOUNT_MAX:
            raise ValidationError(_("核定的%(p)s月救助金额 %(a)s 元超过系统上限 %(max)s 元，请检查政策参数。")
                                  % {"p": Programme(r.programme).label, "a": r.monthly_amount,
                                     "max": MONTHLY_AMOUNT_MAX})
    monthly_total = sum((r.monthly_amount for r in eligible if r.programme in MONTHLY_PROGRAMMES), Decimal("0.00"))
    one_off_total = sum((r.one_off_amount for r in eligible
                         if r.programme == Programme.TEMPORARY and app.emergency_paid_at is None), Decimal("0.00"))
    second = needs_second_approver(monthly_total=monthly_total, one_off_total=one_off_total, limits=limits)
    decision = Decision.objects.create(application=app, outcome=DecisionOutcome.APPROVED, reason=note.strip(),
                                       lines=[r.as_dict() for r in results]
                                       + [{"parameters": {**params, **limits.as_dict()}}],
                                       verification_report=report, decided_by=actor,
                                       state=DecisionState.PROPOSED if second else DecisionState.EFFECTIVE,
                                       monthly_total=monthly_total, one_off_total=one_off_total)
    amounts = {"amounts": {r.programme: str(r.monthly_amount or r.one_off_amount) for r in eligible},
               "decision": decision.pk}
    if second:
        # Four eyes: recorded as proposed; a second district approver confirms (application_confirm).
        _move(actor, app, "propose", note=note.strip(), extra_audit=amounts)
        return decision
    for r in eligible:
        _grant(app, decision, r, today=today)
    _move(actor, app, "approve", note=note.strip(), extra_audit=amounts)
    return decision


def _computation(line: dict) -> Computation:
    """A decision line (``Computation.as_dict``) back as the computation it recorded."""
    return Computation(programme=line["programme"], eligible=line["eligible"],
                       monthly_amount=Decimal(line["monthly_amount"]), one_off_amount=Decimal(line["one_off_amount"]),
                       members_covered=line["members_covered"], per_capita_income=Decimal(line["per_capita_income"]),
                       lines=list(line["lines"]))


def _pending(app: Application, outcome: str) -> Decision | None:
    return (Decision.objects.select_for_update().filter(application=app, outcome=outcome,
                                                         state=DecisionState.PROPOSED)
            .order_by("-decided_at", "-id").first())


def _confirmable(actor, decision: Decision | None, *, missing: str) -> Decision:
    if decision is None:
        raise ValidationError(missing)
    refusal = four_eyes_refusal(DECISION_TRANSITIONS["confirm"], decision, actor)
    if refusal:
        raise FourEyes(refusal)
    return decision


def _settle(actor, decision: Decision, state: str) -> None:
    """Confirm or decline a proposal. The second person is recorded; a proposer withdrawing their own
    proposal (withdrawn or rejected application) only changes its state."""
    decision.state = state
    fields = ["state"]
    if getattr(actor, "pk", None) not in (None, decision.decided_by_id):
        decision.confirmed_by, decision.confirmed_at = actor, timezone.now()
        fields += ["confirmed_by", "confirmed_at"]
    decision.save(update_fields=fields)


@transaction.atomic
def application_confirm(*, actor, application_id: int, note: str = "") -> Decision:
    """The second district approver confirms a proposed (large) decision: it takes effect as recorded,
    with the amounts and parameters the first approver saw."""
    app = _locked(application_id)
    _check(actor, "confirm", app)
    decision = _confirmable(actor, _pending(app, DecisionOutcome.APPROVED), missing=_("没有待确认的审批决定。"))
    _settle(actor, decision, DecisionState.EFFECTIVE)
    today = timezone.localdate()
    for line in decision.lines:
        if "programme" in line and line["eligible"]:
            _grant(app, decision, _computation(line), today=today)
    _move(actor, app, "confirm", note=note.strip(), extra_audit={
        "decision": decision.pk, "proposed_by": decision.decided_by_id,
        "monthly_total": decision.monthly_total, "one_off_total": decision.one_off_total})
    return decision


def _decline_pending(actor, app: Application, note: str) -> None:
    """An application that ends (rejected, withdrawn) takes its proposals with it."""
    pending = list(Decision.objects.filter(application=app, state=DecisionState.PROPOSED))
    for decision in pending:
        _settle(actor, decision, DecisionState.DECLINED)
        audit_log(actor=actor, action="assistance.decision_declined", obj=app, region_code=app.community_id,
                  after={"decision": decision.pk, "note": note[:200]})
    if pending:
        _close_emergency_item(app, actor=actor, outcome=_("申请已办结：%(s)s") % {"s": app.get_status_display()})


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


def _pay_one_off(app, decision, amount: Decimal, *, today: dt.date, calculation: dict) -> PaymentLine:
    benefit = Benefit.objects.create(household=app.household, programme=Programme.TEMPORARY,
                                     status=BenefitStatus.ENDED, monthly_amount=0, members_covered=1,
                                     start_date=today, end_date=today, end_reason=_("一次性救助"), application=app,
                                     decision=decision, calculation=calculation)
    return payment_line_add(programme=payables.PROGRAMME, entitlement=payables.one_off_key(benefit.pk),
                            category="one_off", household=app.household, period=today, amount=amount)


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


EMERGENCY_STATUSES = (S.SUBMITTED, S.ACCEPTED, S.VERIFIED, S.VISITED)


def _emergency_key(app: Application) -> str:
    return f"assistance.application:{app.pk}:emergency_request"


def _close_emergency_item(app: Application, *, actor, outcome: str) -> None:
    workitem_close(keys=[_emergency_key(app)], outcome=outcome[:500], actor=actor)


def _pay_emergency(actor, app: Application, decision: Decision, amount: Decimal, *, note: str) -> PaymentLine:
    today = timezone.localdate()
    payment = _pay_one_off(app, decision, amount, today=today, calculation=decision.lines[0])
    app.emergency_paid_at = timezone.now()
    app.save(update_fields=["emergency_paid_at", "updated_at"])
    ApplicationEvent.objects.create(application=app, action="emergency_pay", from_status=app.status,
                                    to_status=app.status, actor=actor, note=f"{amount} 元 {note}".strip())
    audit_log(actor=actor, action="assistance.emergency_paid", obj=app, region_code=app.community_id,
              after={"amount": amount, "payment": payment.pk, "decision": decision.pk,
                     "decided_by": decision.decided_by_id})
    notify_household(household=app.household, title=_("临时救助金 %(a)s 元已先行发放") % {"a": amount},
                     link=_link(app))
    return payment


@transaction.atomic
def application_emergency_pay(*, actor, application_id: int, amount: Decimal | None = None,
                              note: str = "") -> Decision:
    """先行救助: pay temporary aid first, document after. The application continues its path.
    A township pays alone up to ``emergency_township_ceiling``, a district approver up to the four-eyes
    threshold; above that the payment is requested (a proposed decision) and paid once a district approver
    other than the requester confirms it (``application_emergency_confirm``). Nobody exceeds
    ``temporary_aid_ceiling``. Returns the decision: ``state`` effective (paid) or proposed (requested)."""
    app = _locked(application_id)
    if not app.emergency or Programme.TEMPORARY not in app.programmes:
        raise ValidationError(_("只有标记为急难情形的临时救助申请可以先行救助。"))
    if app.emergency_paid_at is not None:
        raise StateConflict(_("该申请已先行救助，不能重复发放。"))
    if app.status not in EMERGENCY_STATUSES:
        raise StateConflict(_("申请当前状态为“%(s)s”，不能先行救助。") % {"s": app.get_status_display()})
    if not holds(actor, app.community_id, "accept", "approve"):
        raise PermissionDenied(_("先行救助须由乡镇（街道）或区县民政部门决定。"))
    if _pending(app, DecisionOutcome.EMERGENCY) is not None:
        raise StateConflict(_("该申请的先行救助已报区县审批，请等待审批结果。"))
    today = timezone.localdate()
    params = load_parameters(region_code=app.community_id, on=today)
    limits = money_limits(region_code=app.community_id, on=today)
    r = compute(Programme.TEMPORARY, [], params, requested_temporary=amount or app.temporary_aid_amount)
    check_temporary_amount(r.one_off_amount, limits, field="amount")
    district = holds(actor, app.community_id, "approve")
    alone = (limits["decision_second_approval_one_off"] if district else limits["emergency_township_ceiling"])
    requested = r.one_off_amount > alone
    decision = Decision.objects.create(application=app, outcome=DecisionOutcome.EMERGENCY, reason=note.strip(),
                                       lines=[r.as_dict(), {"parameters": {**params, **limits.as_dict()}}],
                                       decided_by=actor, one_off_total=r.one_off_amount,
                                       state=DecisionState.PROPOSED if requested else DecisionState.EFFECTIVE)
    if not requested:
        _pay_emergency(actor, app, decision, r.one_off_amount, note=note.strip())
        return decision
    ApplicationEvent.objects.create(application=app, action="emergency_request", from_status=app.status,
                                    to_status=app.status, actor=actor,
                                    note=f"{r.one_off_amount} 元 {note.strip()}".strip())
    audit_log(actor=actor, action="assistance.emergency_requested", obj=app, region_code=app.community_id,
              after={"amount": r.one_off_amount, "decision": decision.pk, "alone_limit": alone})
    workitem_raise(kind="assistance.emergency_request",
                   title=_("先行救助审批：%(head)s户 %(a)s 元（%(no)s）")
                   % {"head": app.household.head_name, "a": r.one_off_amount, "no": app.number},
                   region_code=app.community_id[:LEVEL_LENGTH["district"]],
                   due_at=timezone.now() + dt.timedelta(hours=24), priority=Priority.URGENT, subject=app,
                   link=_link(app), detail=note.strip()[:200], dedupe_key=_emergency_key(app), actor=actor)
    return decision


def _emergency_decider(actor, app: Application) -> None:
    if not holds(actor, app.community_id, "approve"):
        raise PermissionDenied(_("超过乡镇（街道）权限的先行救助须由区县民政部门审批。"))


@transaction.atomic
def application_emergency_confirm(*, actor, application_id: int, note: str = "") -> PaymentLine:
    """A district approver (never the requester) approves a requested emergency payment: it is paid."""
    app = _locked(application_id)
    _emergency_decider(actor, app)
    decision = _confirmable(actor, _pending(app, DecisionOutcome.EMERGENCY), missing=_("没有待审批的先行救助请求。"))
    if app.is_final or app.emergency_paid_at is not None:
        raise StateConflict(_("申请当前状态为“%(s)s”，不能先行救助。") % {"s": app.get_status_display()})
    amount = decision.one_off_total
    check_temporary_amount(amount, money_limits(region_code=app.community_id, on=timezone.localdate()))
    _settle(actor, decision, DecisionState.EFFECTIVE)
    payment = _pay_emergency(actor, app, decision, amount, note=note.strip())
    _close_emergency_item(app, actor=actor, outcome=_("已批准先行救助 %(a)s 元") % {"a": amount})
    return payment


@transaction.atomic
def application_emergency_decline(*, actor, application_id: int, reason: str) -> Decision:
    app = _locked(application_id)
    _emergency_decider(actor, app)
    decision = _pending(app, DecisionOutcome.EMERGENCY)
    if decision is None:
        raise StateConflict(_("没有待审批的先行救助请求。"))
    if not reason.strip():
        raise ValidationError({"reason": _("不予批准先行救助须说明理由。")})
    _settle(actor, decision, DecisionState.DECLINED)
    ApplicationEvent.objects.create(application=app, action="emergency_decline", from_status=app.status,
                                    to_status=app.status, actor=actor, note=reason.strip())
    audit_log(actor=actor, action="assistance.emergency_declined", obj=app, region_code=app.community_id,
              after={"decision": decision.pk, "reason": reason.strip()[:500]})
    _close_emergency_item(app, actor=actor, outcome=_("不予批准先行救助：%(r)s") % {"r": reason.strip()[:100]})
    return decision
