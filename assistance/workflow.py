"""The application state machine: every allowed transition, the capability it needs, in one place.

Capabilities (assistance.capabilities) are registered with the platform with the roles that hold
them; ``owner=True`` additionally lets the resident whose household applied take the step — the one
actor that is not a capability holder (residents hold no capabilities)."""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from civilaffairs.payments.workflow import FourEyes, MoneyTransition, four_eyes_refusal  # noqa: F401

from . import capabilities as C
from .models import ApplicationStatus as S, DecisionState


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


# --- money: decisions that need a second person ----------------------------------------------------------

# Payment rolls and their lines are the platform's (civilaffairs.payments.workflow: ROLL_TRANSITIONS,
# PAYMENT_TRANSITIONS, MoneyTransition and the four-eyes rule); assistance keeps its proposed decisions.

# A proposed decision (a large approval, or an emergency payment above what its maker may pay alone).
DECISION_TRANSITIONS: dict[str, MoneyTransition] = {t.action: t for t in (
    MoneyTransition("confirm", frozenset({DecisionState.PROPOSED}), DecisionState.EFFECTIVE, C.CONFIRM_DECISION,
                    _("确认决定"), not_by=(("decided_by", _("拟定人不能确认本人拟定的决定，须由另一名区县审批人确认。")),)),
    MoneyTransition("decline", frozenset({DecisionState.PROPOSED}), DecisionState.DECLINED, C.CONFIRM_DECISION,
                    _("不予确认")),
)}
