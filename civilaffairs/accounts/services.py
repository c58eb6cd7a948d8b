from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civilaffairs.audit.services import audit_log
from civilaffairs.registry.models import Person, Region

from .models import RoleAssignment, UserKind
from .roles import Role


@transaction.atomic
def staff_user_create(*, actor, username: str, password: str | None, display_name: str = "",
                      role: str, region_code: str, organisation: str = "", is_staff: bool = False):
    User = get_user_model()
    if role == Role.RESIDENT:
        raise ValidationError(_("居民账号请使用居民注册流程。"))
    if not Region.objects.filter(code=region_code).exists():
        raise ValidationError({"region": _("区域 %(code)s 不存在。") % {"code": region_code}})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名已存在。")})
    user = User(username=username, display_name=display_name, kind=UserKind.STAFF, is_staff=is_staff)
    user.set_password(password) if password else user.set_unusable_password()
    user.save()
    RoleAssignment.objects.create(user=user, role=role, region_id=region_code, organisation=organisation)
    audit_log(actor=actor, action="accounts.staff_created", obj=user, region_code=region_code,
              after={"username": username, "role": role, "region": region_code})
    return user


@transaction.atomic
def role_assign(*, actor, user, role: str, region_code: str, organisation: str = "") -> RoleAssignment:
    if user.kind != UserKind.STAFF:
        raise ValidationError(_("只有工作人员账号可以分配角色。"))
    assignment, _created = RoleAssignment.objects.update_or_create(
        user=user, role=role, region_id=region_code,
        defaults={"is_active": True, "organisation": organisation})
    audit_log(actor=actor, action="accounts.role_assigned", obj=user, region_code=region_code,
              after={"role": role, "region": region_code})
    return assignment


@transaction.atomic
def resident_user_create(*, actor, person: Person, password: str | None, username: str | None = None):
    User = get_user_model()
    if User.objects.filter(person=person).exists():
        raise ValidationError(_("该居民已开通账号。"))
    username = username or f"r{person.pk}"
    user = User(username=username, display_name=person.name, kind=UserKind.RESIDENT, person=person)
    user.set_password(password) if password else user.set_unusable_password()
    user.save()
    audit_log(actor=actor, action="accounts.resident_created", obj=user, after={"person": person.pk})
    return user


@transaction.atomic
def role_revoke(*, actor, assignment_id: int) -> RoleAssignment:
    """Deactivate a grant (kept as history; ``role_assign`` reinstates it)."""
    assignment = RoleAssignment.objects.select_for_update().select_related("user").get(pk=assignment_id)
    if not assignment.is_active:
        return assignment
    assignment.is_active = False
    assignment.save(update_fields=["is_active"])
    audit_log(actor=actor, action="accounts.role_revoked", obj=assignment.user, region_code=assignment.region_id,
              before={"role": assignment.role, "region": assignment.region_id})
    return assignment
