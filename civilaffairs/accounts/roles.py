"""Roles and what each may do. One table, so permissions are read in one place."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    GRID_WORKER = "grid_worker", _("网格员")
    VILLAGE_ASSISTANT = "village_assistant", _("村社协理员")
    TOWNSHIP_OFFICER = "township_officer", _("乡镇街道民政干部")
    DISTRICT_APPROVER = "district_approver", _("区县民政审批人")
    CITY_ADMIN = "city_admin", _("市级管理员")
    FACILITY_STAFF = "facility_staff", _("养老机构工作人员")
    PROVIDER_STAFF = "provider_staff", _("服务商工作人员")
    CHARITY_STAFF = "charity_staff", _("慈善组织工作人员")
    DATA_PROVIDER = "data_provider", _("部门数据提供方")


class Capability(models.TextChoices):
    VIEW_HOUSEHOLDS = "view_households", _("查看家庭")
    REVEAL_ID = "reveal_id", _("查看完整身份证号")
    MANAGE_WORKLIST = "manage_worklist", _("处理待办")
    IMPORT_DEPARTMENT_DATA = "import_department_data", _("导入部门数据")
    VIEW_DEPARTMENT_DATA = "view_department_data", _("查看部门数据")
    EDIT_PARAMETERS = "edit_parameters", _("设置政策参数")
    EXPORT_PERSONAL_DATA = "export_personal_data", _("导出个人数据")
    VIEW_AUDIT = "view_audit", _("查看审计日志")


# Caseworker roles: see households in their regions and work their lists.
CASEWORKER_ROLES = frozenset({
    Role.GRID_WORKER, Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_OFFICER, Role.DISTRICT_APPROVER, Role.CITY_ADMIN,
})

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.RESIDENT: frozenset(),
    Role.GRID_WORKER: frozenset({Capability.VIEW_HOUSEHOLDS, Capability.MANAGE_WORKLIST}),
    Role.VILLAGE_ASSISTANT: frozenset({Capability.VIEW_HOUSEHOLDS, Capability.MANAGE_WORKLIST}),
    Role.TOWNSHIP_OFFICER: frozenset({
        Capability.VIEW_HOUSEHOLDS, Capability.MANAGE_WORKLIST, Capability.REVEAL_ID,
        Capability.VIEW_DEPARTMENT_DATA,
    }),
    Role.DISTRICT_APPROVER: frozenset({
        Capability.VIEW_HOUSEHOLDS, Capability.MANAGE_WORKLIST, Capability.REVEAL_ID,
        Capability.VIEW_DEPARTMENT_DATA, Capability.EXPORT_PERSONAL_DATA,
    }),
    Role.CITY_ADMIN: frozenset({
        Capability.VIEW_HOUSEHOLDS, Capability.MANAGE_WORKLIST, Capability.REVEAL_ID,
        Capability.VIEW_DEPARTMENT_DATA, Capability.EXPORT_PERSONAL_DATA, Capability.EDIT_PARAMETERS,
        Capability.VIEW_AUDIT, Capability.IMPORT_DEPARTMENT_DATA,
    }),
    Role.FACILITY_STAFF: frozenset(),
    Role.PROVIDER_STAFF: frozenset(),
    Role.CHARITY_STAFF: frozenset(),
    Role.DATA_PROVIDER: frozenset({Capability.IMPORT_DEPARTMENT_DATA}),
}
