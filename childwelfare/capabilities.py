"""Child welfare's capabilities and the roles that hold them (registered in ``ChildwelfareConfig.ready``).

The child director (儿童主任) of a village or community is its village assistant or grid worker: they
verify what the engine found with a home check and visit; the township's supervisor (儿童督导员) is
its township officer: they confirm categories; the district approves them (and the allowance).
Protection cases (强制报告) come with their own, narrower rights in a later part of the issue.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civilaffairs.accounts.roles import Role, capability_register

VIEW = "childwelfare.view"          # children's pages and lists, categories and their reasons
VERIFY = "childwelfare.verify"      # the child director's home check of a category the engine found
CONFIRM = "childwelfare.confirm"    # the township supervisor confirms a verified category
APPROVE = "childwelfare.approve"    # the district approves (the allowance starts)

_COMMUNITY = (Role.GRID_WORKER, Role.VILLAGE_ASSISTANT)
CAPABILITIES = (
    (VIEW, _("查看儿童福利信息"), _COMMUNITY + (Role.TOWNSHIP_OFFICER, Role.DISTRICT_APPROVER, Role.CITY_ADMIN)),
    (VERIFY, _("儿童主任核实困境儿童类别"), _COMMUNITY),
    (CONFIRM, _("儿童督导员确认儿童类别"), (Role.TOWNSHIP_OFFICER,)),
    (APPROVE, _("审批儿童类别和基本生活费"), (Role.DISTRICT_APPROVER,)),
)


def register_capabilities() -> None:
    for code, label, roles in CAPABILITIES:
        capability_register(code, label, roles=roles)
