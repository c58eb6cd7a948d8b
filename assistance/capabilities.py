"""Assistance's capabilities and the roles that hold them, registered with the platform in
``AssistanceConfig.ready()``. The workflow (assistance.workflow) names these codes; checks go
through ``civilaffairs.accounts.scoping.user_can`` like every platform capability.

The roles are those that made each step before capabilities were the vocabulary, so no one's
rights changed: intake (grid worker, village assistant, township officer) files and visits, the
township officer accepts, verifies, returns, publishes notices and withdraws, the district approver
decides and confirms proposed decisions. Payment rolls are the platform's (civilaffairs.payments,
with the platform capabilities ``generate_payment_roll`` … ``record_payment``). The resident whose household applied is not a capability holder: the workflow's
``owner`` flag lets them submit, resubmit and withdraw their own application.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civilaffairs.accounts.roles import Role, capability_register

FILE = "assistance.file"
RETURN = "assistance.return"
ACCEPT = "assistance.accept"
VERIFY = "assistance.verify"
VISIT = "assistance.visit"
PUBLISH_NOTICE = "assistance.publish_notice"
DECIDE = "assistance.decide"
WITHDRAW = "assistance.withdraw"
REVIEW = "assistance.review"
CONFIRM_DECISION = "assistance.confirm_decision"

_INTAKE = (Role.GRID_WORKER, Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_OFFICER)
_TOWNSHIP = (Role.TOWNSHIP_OFFICER,)
_DISTRICT = (Role.DISTRICT_APPROVER,)

CAPABILITIES = (
    (FILE, _("代为申请、提交社会救助申请"), _INTAKE),
    (RETURN, _("退回补正材料"), _TOWNSHIP),
    (ACCEPT, _("受理社会救助申请"), _TOWNSHIP),
    (VERIFY, _("家庭经济状况核对"), _TOWNSHIP),
    (VISIT, _("入户调查"), _INTAKE),
    (PUBLISH_NOTICE, _("发布和结束公示"), _TOWNSHIP),
    (DECIDE, _("审批社会救助申请"), _DISTRICT),
    (WITHDRAW, _("撤回社会救助申请"), _TOWNSHIP),
    (REVIEW, _("救助对象定期复核"), _INTAKE),
    (CONFIRM_DECISION, _("确认待确认的救助决定（第二审批人）"), _DISTRICT),
)


def register_capabilities() -> None:
    for code, label, roles in CAPABILITIES:
        capability_register(code, label, roles=roles)
