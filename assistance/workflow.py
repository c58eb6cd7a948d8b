"""The application state machine: every allowed transition, the capability it needs, in one place.

Capabilities (assistance.capabilities) are registered with the platform with the roles that hold
them; ``owner=True`` additionally lets the resident whose household applied take the step — the one
actor that is not a capability holder (residents hold no capabilities)."""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from . import capabilities as C
from .models import ApplicationStatus as S, DecisionState, PaymentStatus, RollStatus


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str
    capability: str
    label: str
    owner: bool = False  # the resident whose household applied may take it too
    shown: bool = True  # False: taken by the service of another action (approve → propose), never offered


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("submit", frozenset({S.DRAFT}), S.SUBMITTED, C.FILE, _("提交申请"), owner=True),
    Transition("resubmit", frozenset({S.RETURNED}), S.SUBMITTED, C.FILE, _("补正后重新提交"), owner=True),
    Transition("return", frozenset({S.SUBMITTED, S.ACCEPTED, S.VERIFIED, S.VISITED}), S.RETURNED, C.RETURN,
               _("退回补正材料")),
    Transition("accept", frozenset({S.SUBMITTED}), S.ACCEPTED, C.ACCEPT, _("受理")),
    Transition("verify", frozenset({S.ACCEPTED}), S.VERIFIED, C.VERIFY, _("完成家庭经济状况核对")),
    Transition("record_visit", frozenset({S.VERIFIED}), S.VISITED, C.VISIT, _("完成入户调查")),
    Transition("start_notice", frozenset({S.VISITED}), S.NOTICE, C.PUBLISH_NOTICE, _("发布公示")),
    Transition("close_notice", frozenset({S.NOTICE}), S.DECISION, C.PUBLISH_NOTICE, _("公示期满，报区县审批")),
    Transition("approve", frozenset({S.DECISION}), S.APPROVED, C.DECIDE, _("批准")),
    # Above the four-eyes threshold "approve" records the decision as proposed; another approver confirms.
    Transition("propose", frozenset({S.DECISION}), S.PROPOSED, C.DECIDE, _("拟批准，报第二审批人确认"), shown=False),
    Transition("confirm", frozenset({S.PROPOSED}), S.APPROVED, C.DECIDE, _("确认批准（第二审批人）")),
    Transition("reject", frozenset({S.ACCEPTED, S.VERIFIED, S.VISITED, S.NOTICE, S.DECISION, S.PROPOSED}), S.REJECTED,
               C.DECIDE, _("不予批准")),
    Transition("withdraw", frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.VERIFIED, S.VISITED, S.NOTICE,
                                      S.DECISION, S.PROPOSED}), S.WITHDRAWN, C.WITHDRAW, _("撤回申请"),
               owner=True),
)}

# Who works a waiting state, at which level of the region tree, and the worklist title.
WAITING = {
    S.SUBMITTED: ("township", _("受理救助申请")),
    S.ACCEPTED: ("township", _("核对家庭经济状况")),
    S.VERIFIED: ("community", _("入户调查")),
    S.VISITED: ("township", _("发布公示")),
    S.NOTICE: ("township", _("公示期满处理")),
    S.DECISION: ("district", _("审批救助申请")),
    S.PROPOSED: ("district", _("确认救助审批决定（第二审批人）")),
}
LEVEL_LENGTH = {"community": 12, "township": 9, "district": 6}


def actions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources and t.shown]


# --- money: decisions that need a second person, payment rolls and their lines ---------------------------

@dataclass(frozen=True)
class MoneyTransition:
    """A step on a roll, a payment line or a proposed decision. ``not_by``: (field naming a user on the
    object, the refusal): the four-eyes rule — that user may not take this step."""

    action: str
    sources: frozenset
    target: str
    capability: str
    label: str
    not_by: tuple[tuple[str, str], ...] = ()


ROLL_TRANSITIONS: dict[str, MoneyTransition] = {t.action: t for t in (
    MoneyTransition("generate", frozenset({RollStatus.GENERATED}), RollStatus.GENERATED, C.GENERATE_ROLL,
                    _("生成（补充）发放名册")),
    MoneyTransition("approve", frozenset({RollStatus.GENERATED}), RollStatus.APPROVED, C.APPROVE_ROLL, _("审核发放名册"),
                    not_by=(("generated_by", _("生成人不能审批本人生成的发放名册，须由另一名区县审批人审核。")),
                            ("changed_by", _("最后补充名册的人不能审批该名册，须由另一名区县审批人审核。")))),
    MoneyTransition("export", frozenset({RollStatus.APPROVED, RollStatus.EXPORTED}), RollStatus.EXPORTED, C.EXPORT_ROLL,
                    _("导出银行发放文件")),
)}

# The bank's result for one line. The one who sent the bank file may not also record that the money
# arrived: "paid" is reconciled against the bank's return by a second person (a failure may be recorded
# by anyone, it pays nothing, and the line is re-sent only after a retry and a new export).
PAYMENT_TRANSITIONS: dict[str, MoneyTransition] = {t.action: t for t in (
    MoneyTransition("mark_paid", frozenset({PaymentStatus.PENDING}), PaymentStatus.PAID, C.RECORD_PAYMENT, _("登记已发放"),
                    not_by=(("roll.exported_by", _("导出银行文件的人不能登记本人导出的款项为已发放，须由另一人对账登记。")),)),
    MoneyTransition("mark_failed", frozenset({PaymentStatus.PENDING}), PaymentStatus.FAILED, C.RECORD_PAYMENT, _("登记发放失败")),
    MoneyTransition("retry", frozenset({PaymentStatus.FAILED}), PaymentStatus.PENDING, C.RECORD_PAYMENT, _("重新发放")),
)}

# A proposed decision (a large approval, or an emergency payment above what its maker may pay alone).
DECISION_TRANSITIONS: dict[str, MoneyTransition] = {t.action: t for t in (
    MoneyTransition("confirm", frozenset({DecisionState.PROPOSED}), DecisionState.EFFECTIVE, C.CONFIRM_DECISION,
                    _("确认决定"), not_by=(("decided_by", _("拟定人不能确认本人拟定的决定，须由另一名区县审批人确认。")),)),
    MoneyTransition("decline", frozenset({DecisionState.PROPOSED}), DecisionState.DECLINED, C.CONFIRM_DECISION,
                    _("不予确认")),
)}


class FourEyes(PermissionDenied):
    """This person took an earlier step on the same money (generated, proposed, exported): someone else must."""


def four_eyes_refusal(transition: MoneyTransition, obj, actor) -> str | None:
    """The refusal message if ``actor`` is a user the four-eyes rule keeps from this step, else None."""
    for path, message in transition.not_by:
        target = obj
        *parents, name = path.split(".")
        for parent in parents:
            target = getattr(target, parent, None)
        if target is not None and getattr(target, f"{name}_id", None) == getattr(actor, "pk", object()):
            return str(message)
    return None
