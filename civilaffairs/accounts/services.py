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


ACCOUNT_KEY_PREFIXES = ("user:", "unknown:")


@transaction.atomic
def login_records_purge(*, now=None) -> dict[str, int]:
    """Delete django-axes' sign-in records once they are no longer needed: lock-out counters
    after the cool-off, access and failure logs after ``LOGIN_RECORD_RETENTION_DAYS``, and any
    counter or failure row still keyed by a typed name (written before axes counted account
    keys: those held full ID and mobile numbers)."""
    import datetime as dt

    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.conf import settings
    from django.db.models import Q
    from django.utils import timezone

    now = now or timezone.now()
    kept_from = now - dt.timedelta(days=settings.LOGIN_RECORD_RETENTION_DAYS)
    legacy = ~Q(username__startswith=ACCOUNT_KEY_PREFIXES[0]) & ~Q(username__startswith=ACCOUNT_KEY_PREFIXES[1])
    legacy &= Q(username__isnull=False)
    counts = {
        "attempts": AccessAttempt.objects.filter(Q(attempt_time__lt=now - get_cool_off()) | legacy).delete()[1]
        .get("axes.AccessAttempt", 0),
        "failure_logs": AccessFailureLog.objects.filter(Q(attempt_time__lt=kept_from) | legacy).delete()[0],
        "access_logs": AccessLog.objects.filter(attempt_time__lt=kept_from).delete()[0],
    }
    if any(counts.values()):
        audit_log(actor=None, action="accounts.login_records_purged", object_type="axes", after=counts)
    return counts
