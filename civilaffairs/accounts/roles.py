"""Roles and what each may do: capabilities are the one permission vocabulary.

The platform's own capabilities are ``Capability``; a programme registers its own (namespaced,
``"assistance.accept"``) with the roles that hold them, in its ``AppConfig.ready()``, through
``capability_register``. ``ROLE_CAPABILITIES`` reads both, so permissions are still read in one
place: a role's capabilities are the platform's plus every registered one naming that role.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

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
    VIEW_ORGANISATION = "view_organisation", _("查看机构信息")
    MANAGE_ORGANISATIONS = "manage_organisations", _("管理机构登记")
    # Payments (the platform's ledger for every programme): rolls are made, approved (by a second
    # person), exported and reconciled by the district; the city sees them.
    VIEW_PAYMENTS = "view_payments", _("查看发放名册")
    GENERATE_ROLL = "generate_payment_roll", _("生成发放名册")
    APPROVE_ROLL = "approve_payment_roll", _("审核发放名册")
    EXPORT_ROLL = "export_payment_roll", _("导出银行发放文件")
    RECORD_PAYMENT = "record_payment", _("登记发放结果、重新发放、冲正")
    # Guardianship links (监护关系) are registered and ended by the community and township that
    # know the family; child welfare and the engine read them.
    MANAGE_GUARDIANSHIP = "manage_guardianship", _("登记、终止监护关系")


# Caseworker roles: see households in their regions and work their lists.
CASEWORKER_ROLES = frozenset({
    Role.GRID_WORKER, Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_OFFICER, Role.DISTRICT_APPROVER, Role.CITY_ADMIN,
})

# Staff of a care facility, service provider, canteen or charity hold their role *in an organisation*
# (RoleAssignment.organisation) and see that organisation's records only.
ORGANISATION_ROLES = frozenset({Role.FACILITY_STAFF, Role.PROVIDER_STAFF, Role.CHARITY_STAFF})

PLATFORM_ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.RESIDENT: frozenset(),
    Role.GRID_WORKER: frozenset({Capability.VIEW_HOUSEHOLDS, Capability.MANAGE_WORKLIST,
                                 Capability.VIEW_ORGANISATION}),
    Role.VILLAGE_ASSISTANT: frozenset({Capability.VIEW_HOUSEHOLDS, Capability.MANAGE_WORKLIST,
                                       Capability.VIEW_ORGANISATION, Capability.MANAGE_GUARDIANSHIP}),
    Role.TOWNSHIP_OFFICER: frozenset({
        Capability.VIEW_HOUSEHOLDS, Capability.MANAGE_WORKLIST, Capability.REVEAL_ID,
        Capability.VIEW_DEPARTMENT_DATA, Capability.VIEW_ORGANISATION, Capability.MANAGE_GUARDIANSHIP,
    }),
    Role.DISTRICT_APPROVER: frozenset({
        Capability.VIEW_HOUSEHOLDS, Capability.MANAGE_WORKLIST, Capability.REVEAL_ID,
        Capability.VIEW_DEPARTMENT_DATA, Capability.EXPORT_PERSONAL_DATA, Capability.VIEW_ORGANISATION,
        Capability.VIEW_PAYMENTS, Capability.GENERATE_ROLL, Capability.APPROVE_ROLL, Capability.EXPORT_ROLL,
        Capability.RECORD_PAYMENT,
    }),
    Role.CITY_ADMIN: frozenset({
        Capability.VIEW_HOUSEHOLDS, Capability.MANAGE_WORKLIST, Capability.REVEAL_ID,
        Capability.VIEW_DEPARTMENT_DATA, Capability.EXPORT_PERSONAL_DATA, Capability.EDIT_PARAMETERS,
        Capability.VIEW_AUDIT, Capability.IMPORT_DEPARTMENT_DATA, Capability.VIEW_ORGANISATION,
        Capability.MANAGE_ORGANISATIONS, Capability.VIEW_PAYMENTS,
    }),
    # Organisation staff: their grants are bound to their organisation (see scoping.scope_queryset).
    Role.FACILITY_STAFF: frozenset({Capability.VIEW_ORGANISATION}),
    Role.PROVIDER_STAFF: frozenset({Capability.VIEW_ORGANISATION}),
    Role.CHARITY_STAFF: frozenset({Capability.VIEW_ORGANISATION}),
    Role.DATA_PROVIDER: frozenset({Capability.IMPORT_DEPARTMENT_DATA}),
}


# --- capabilities registered by programmes ----------------------------------------------------

@dataclass(frozen=True)
class RegisteredCapability:
    code: str
    label: str
    roles: frozenset[str]


_REGISTERED: dict[str, RegisteredCapability] = {}


class _RoleCapabilities(Mapping):
    """role → every capability it holds (platform + registered), rebuilt on each registration."""

    def __init__(self) -> None:
        self._table: dict[str, frozenset[str]] = {}
        self.rebuild()

    def rebuild(self) -> None:
        self._table = {role: PLATFORM_ROLE_CAPABILITIES.get(role, frozenset())
                       | frozenset(c.code for c in _REGISTERED.values() if role in c.roles)
                       for role in Role.values}

    def __getitem__(self, role: str) -> frozenset[str]:
        return self._table[role]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


ROLE_CAPABILITIES: Mapping[str, frozenset[str]] = _RoleCapabilities()


def capability_register(code: str, label, *, roles: Iterable[str]) -> RegisteredCapability:
    """A programme's capability and the roles that hold it. ``code`` is namespaced by the
    programme (``"assistance.accept"``); registering the same again is a no-op, registering a
    code twice with different roles is a programming error. Residents hold no capability (a
    programme checks "the resident's own record" itself)."""
    roles = frozenset(str(r) for r in roles)
    if "." not in code or code.startswith(".") or code.endswith("."):
        raise ValueError(f"capability {code!r}: register it namespaced by the programme, e.g. 'assistance.accept'")
    if code in Capability.values:
        raise ValueError(f"capability {code!r} is a platform capability")
    unknown = roles - set(Role.values)
    if unknown:
        raise ValueError(f"capability {code!r}: unknown roles {sorted(unknown)}")
    if Role.RESIDENT in roles:
        raise ValueError(f"capability {code!r}: residents hold no capability")
    entry = RegisteredCapability(code=code, label=label, roles=roles)
    existing = _REGISTERED.get(code)
    if existing is not None and existing.roles != roles:
        raise ValueError(f"capability {code!r} is already registered with other roles")
    _REGISTERED[code] = entry
    ROLE_CAPABILITIES.rebuild()
    return entry


def capability_unregister(code: str) -> None:
    """Remove a registered capability (tests; a programme switched off)."""
    _REGISTERED.pop(code, None)
    ROLE_CAPABILITIES.rebuild()


def is_capability(code: str) -> bool:
    return code in Capability.values or code in _REGISTERED


def capability_label(code: str) -> str:
    """A platform or registered capability's label (the code itself for an unknown one)."""
    if code in Capability.values:
        return str(Capability(code).label)
    entry = _REGISTERED.get(code)
    return str(entry.label) if entry is not None else code


def capability_choices() -> list[tuple[str, str]]:
    """Every capability with its label: the platform's, then the registered ones by code."""
    return list(Capability.choices) + [(c.code, c.label) for c in sorted(_REGISTERED.values(), key=lambda c: c.code)]


def roles_holding(code: str) -> frozenset[str]:
    return frozenset(role for role, caps in ROLE_CAPABILITIES.items() if code in caps)
