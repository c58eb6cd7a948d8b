"""The application state machine: every allowed transition, who may make it, in one place."""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from civilaffairs.accounts.roles import Role

from civilaffairs.payments.workflow import FourEyes, MoneyTransition, four_eyes_refusal  # noqa: F401

from .models import ApplicationStatus as S, DecisionState

OWNER = "owner"  # the resident whose household the application is for
INTAKE = frozenset({Role.GRID_WORKER, Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_OFFICER})
TOWNSHIP = frozenset({Role.TOWNSHIP_OFFICER})
VISITORS = frozenset({Role.GRID_WORKER, Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_OFFICER})
DISTRICT = frozenset({Role.DISTRICT_APPROVER})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str
    actors: frozenset
    label: str
    shown: bool = True  # False: taken by the service of another action (approve → propose), never offered


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("submit", frozenset({S.DRAFT}), S.SUBMITTED, INTAKE | {OWNER}, _("提交申请")),
    Transition("resubmit", frozenset({S.RETURNED}), S.SUBMITTED, INTAKE | {OWNER}, _("补正后重新提交")),
    Transition("return", frozenset({S.SUBMITTED, S.ACCEPTED, S.VERIFIED, S.VISITED}), S.RETURNED, TOWNSHIP,
               _("退回补正材料")),
    Transition("accept", frozenset({S.SUBMITTED}), S.ACCEPTED, TOWNSHIP, _("受理")),
    Transition("verify", frozenset({S.ACCEPTED}), S.VERIFIED, TOWNSHIP, _("完成家庭经济状况核对")),
    Transition("record_visit", frozenset({S.VERIFIED}), S.VISITED, VISITORS, _("完成入户调查")),
    Transition("start_notice", frozenset({S.VISITED}), S.NOTICE, TOWNSHIP, _("发布公示")),
    Transition("close_notice", frozenset({S.NOTICE}), S.DECISION, TOWNSHIP, _("公示期满，报区县审批")),
    Transition("approve", frozenset({S.DECISION}), S.APPROVED, DISTRICT, _("批准")),
    # Above the four-eyes threshold "approve" records the decision as proposed; another approver confirms.
    Transition("propose", frozenset({S.DECISION}), S.PROPOSED, DISTRICT, _("拟批准，报第二审批人确认"), shown=False),
    Transition("confirm", frozenset({S.PROPOSED}), S.APPROVED, DISTRICT, _("确认批准（第二审批人）")),
    Transition("reject", frozenset({S.ACCEPTED, S.VERIFIED, S.VISITED, S.NOTICE, S.DECISION, S.PROPOSED}), S.REJECTED,
               DISTRICT, _("不予批准")),
    Transition("withdraw", frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.VERIFIED, S.VISITED, S.NOTICE,
                                      S.DECISION, S.PROPOSED}), S.WITHDRAWN, TOWNSHIP | {OWNER}, _("撤回申请")),
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

# Payment rolls and their lines moved to the platform: civilaffairs.payments.workflow (ROLL_TRANSITIONS,
# PAYMENT_TRANSITIONS), with the same actors. MoneyTransition and the four-eyes rule live there too.

# A proposed decision (a large approval, or an emergency payment above what its maker may pay alone).
DECISION_TRANSITIONS: dict[str, MoneyTransition] = {t.action: t for t in (
    MoneyTransition("confirm", frozenset({DecisionState.PROPOSED}), DecisionState.EFFECTIVE, DISTRICT,
                    _("确认决定"), not_by=(("decided_by", _("拟定人不能确认本人拟定的决定，须由另一名区县审批人确认。")),)),
    MoneyTransition("decline", frozenset({DecisionState.PROPOSED}), DecisionState.DECLINED, DISTRICT,
                    _("不予确认")),
)}
