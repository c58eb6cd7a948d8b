from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civilaffairs.lib.errors import StateConflict
from civilaffairs.audit.services import audit_log
from civilaffairs.lib.uscc import normalise_uscc, validate_uscc
from civilaffairs.registry.models import Person, Region

from .models import (
    GRADED_TYPES, Organisation, OrganisationStatus, OrganisationType, RoleAssignment, UserKind,
    assignment_organisation_error,
)
from .roles import Capability, Role
from .scoping import user_can


def _check_assignment(role: str, region_code: str, organisation) -> None:
    error = assignment_organisation_error(role, region_code, organisation)
    if error:
        raise ValidationError(error)


@transaction.atomic
def staff_user_create(*, actor, username: str, password: str | None, display_name: str = "",
                      role: str, region_code: str, organisation: Organisation | None = None,
                      is_staff: bool = False):
    User = get_user_model()
    if role == Role.RESIDENT:
        raise ValidationError(_("居民账号请使用居民注册流程。"))
    if not Region.objects.filter(code=region_code).exists():
        raise ValidationError({"region": _("区域 %(code)s 不存在。") % {"code": region_code}})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名已存在。")})
    _check_assignment(role, region_code, organisation)
    user = User(username=username, display_name=display_name, kind=UserKind.STAFF, is_staff=is_staff)
    user.set_password(password) if password else user.set_unusable_password()
    user.save()
    RoleAssignment.objects.create(user=user, role=role, region_id=region_code, organisation=organisation)
    audit_log(actor=actor, action="accounts.staff_created", obj=user, region_code=region_code,
              after={"username": username, "role": role, "region": region_code,
                     "organisation": getattr(organisation, "pk", None)})
    return user


@transaction.atomic
def role_assign(*, actor, user, role: str, region_code: str,
                organisation: Organisation | None = None) -> RoleAssignment:
    if user.kind != UserKind.STAFF:
        raise ValidationError(_("只有工作人员账号可以分配角色。"))
    _check_assignment(role, region_code, organisation)
    assignment, _created = RoleAssignment.objects.update_or_create(
        user=user, role=role, region_id=region_code,
        defaults={"is_active": True, "organisation": organisation})
    audit_log(actor=actor, action="accounts.role_assigned", obj=user, region_code=region_code,
              after={"role": role, "region": region_code, "organisation": getattr(organisation, "pk", None)})
    return assignment


@transaction.atomic
def resident_user_create(*, actor, person: Person, password: str | None, username: str | None = None):
    User = get_user_model()
    if User.objects.filter(person=person).exists():
        raise StateConflict(_("该居民已开通账号。"))
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


# --- API tokens for department systems --------------------------------------------------------

API_TOKEN_PREFIX = "ca_"


def api_token_digest(key: str) -> str:
    # The key is 256 random bits: a plain SHA-256 cannot be brute-forced, and needs no salt.
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()


def api_token_prefix(key: str) -> str | None:
    """The lookup part of ``ca_<8 hex>_<secret>``, or None for anything else."""
    if not key.startswith(API_TOKEN_PREFIX) or len(key) < 20 or key[11:12] != "_":
        return None
    return key[3:11]


def _new_key() -> tuple[str, str]:
    import secrets

    prefix = secrets.token_hex(4)
    return prefix, f"{API_TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def _token_expiry(*, expires_at=None, valid_days: int | None = None):
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    now = timezone.now()
    if expires_at is None:
        expires_at = now + dt.timedelta(days=valid_days or settings.API_TOKEN_DEFAULT_DAYS)
    if expires_at <= now:
        raise ValidationError({"expires_at": _("到期时间必须晚于现在。")})
    if expires_at > now + dt.timedelta(days=settings.API_TOKEN_MAX_DAYS):
        raise ValidationError({"expires_at": _("令牌有效期最长 %(days)d 天。") % {"days": settings.API_TOKEN_MAX_DAYS}})
    return expires_at


def _token_audit_fields(token) -> dict:
    return {"prefix": token.prefix, "user": token.user_id, "organisation": token.organisation,
            "scope": token.scope, "expires_at": token.expires_at}


@transaction.atomic
def api_token_issue(*, actor, user, organisation: str, scope: str, purpose: str = "", expires_at=None,
                    valid_days: int | None = None, key: str | None = None):
    """Issue a token; returns ``(token, key)``. The key exists only in this return value.
    ``key`` is for the demo data only (a key derived from SECRET_KEY); otherwise it is random."""
    from .models import ApiToken, TokenScope

    organisation = (organisation or "").strip()
    if not organisation:
        raise ValidationError({"organisation": _("请填写使用令牌的单位。")})
    if scope not in TokenScope.values:
        raise ValidationError({"scope": _("权限范围无效。")})
    if not user.is_active:
        raise ValidationError({"user": _("该账号已停用，不能签发令牌。")})
    expires_at = _token_expiry(expires_at=expires_at, valid_days=valid_days)
    if key is None:
        prefix, key = _new_key()
    elif (prefix := api_token_prefix(key)) is None:
        raise ValidationError(_("令牌格式不正确。"))
    token = ApiToken.objects.create(user=user, organisation=organisation, purpose=purpose.strip(), scope=scope,
                                    prefix=prefix, key_digest=api_token_digest(key), expires_at=expires_at,
                                    created_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit_log(actor=actor, action="accounts.api_token_issued", obj=token, after=_token_audit_fields(token))
    return token, key


@transaction.atomic
def api_token_revoke(*, actor, token_id: int):
    from django.utils import timezone

    from .models import ApiToken

    token = ApiToken.objects.select_for_update().get(pk=token_id)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_log(actor=actor, action="accounts.api_token_revoked", obj=token, before=_token_audit_fields(token))
    return token


@transaction.atomic
def api_token_rotate(*, actor, token_id: int, valid_days: int | None = None):
    """Replace a token by a new key with the same owner and scope; the old key stops working
    at once. Returns ``(new_token, key)``."""
    from .models import ApiToken

    old = ApiToken.objects.select_for_update().select_related("user").get(pk=token_id)
    if hasattr(old, "replaced_by"):
        raise StateConflict(_("该令牌已轮换过，请轮换新令牌 %(prefix)s。") % {"prefix": old.replaced_by.prefix})
    api_token_revoke(actor=actor, token_id=old.pk)
    new, key = api_token_issue(actor=actor, user=old.user, organisation=old.organisation, scope=old.scope,
                               purpose=old.purpose, valid_days=valid_days)
    new.replaces = old
    new.save(update_fields=["replaces"])
    audit_log(actor=actor, action="accounts.api_token_rotated", obj=new,
              before={"prefix": old.prefix}, after=_token_audit_fields(new))
    return new, key


@transaction.atomic
def password_set(*, actor, user, password: str | None) -> None:
    """Change a password (``None``: no password sign-in). Audited; never the password itself."""
    user.set_password(password)
    user.save(update_fields=["password"])
    by_self = getattr(actor, "pk", None) == user.pk
    audit_log(actor=actor, action="accounts.password_changed" if by_self else "accounts.password_set",
              obj=user, after={"usable": user.has_usable_password()})


# --- organisations ----------------------------------------------------------------------------

ORGANISATION_FIELDS = ("type", "name", "region", "uscc", "grade")


def _organisation_audit(org: Organisation) -> dict:
    # An organisation's name and credit code are public registration data, not personal data.
    return {"type": org.type, "name": org.name, "region": org.region_id, "uscc": org.uscc, "grade": org.grade,
            "status": org.status}


def _may_manage(actor, region_code: str) -> None:
    if actor is not None and not user_can(actor, Capability.MANAGE_ORGANISATIONS, region_code):
        raise PermissionDenied(_("您无权登记或变更该区域的机构。"))


def _validated(org: Organisation) -> None:
    org.uscc = normalise_uscc(org.uscc)
    org.name = (org.name or "").strip()
    errors: dict[str, list] = {}
    if not org.name:
        errors["name"] = [_("请填写机构名称。")]
    if org.type not in OrganisationType.values:
        errors["type"] = [_("请选择机构类型。")]
    if not Region.objects.filter(code=org.region_id).exists():
        errors["region"] = [_("所在区域不存在。")]
    try:
        validate_uscc(org.uscc)
    except ValidationError as exc:
        errors["uscc"] = exc.messages
    else:
        if Organisation.objects.filter(uscc=org.uscc).exclude(pk=org.pk).exists():
            errors["uscc"] = [_("该统一社会信用代码已登记。")]
    if org.grade is not None and "type" not in errors:
        bounds = GRADED_TYPES.get(org.type)
        if bounds is None:
            errors["grade"] = [_("“%(type)s”没有等级评定，请留空。") % {"type": org.get_type_display()}]
        elif not bounds[0] <= org.grade <= bounds[1]:
            errors["grade"] = [_("等级应在 1–5 之间（养老机构为一至五星级，慈善组织为 1A–5A）。")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def organisation_create(*, actor, type: str, name: str, region_code: str, uscc: str,
                        grade: int | None = None) -> Organisation:
    """Register an organisation (active). ``actor=None``: the system (demo seed, imports)."""
    _may_manage(actor, region_code)
    org = Organisation(type=type, name=name, region_id=region_code, uscc=uscc, grade=grade)
    _validated(org)
    org.save()
    audit_log(actor=actor, action="accounts.organisation_created", obj=org, region_code=org.region_id,
              after=_organisation_audit(org))
    return org


@transaction.atomic
def organisation_update(*, actor, organisation_id: int, **changes) -> Organisation:
    """Change an organisation's registration (type, name, region, credit code, grade)."""
    unknown = set(changes) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"organisation_update: unknown fields {sorted(unknown)}")
    org = Organisation.objects.select_for_update().get(pk=organisation_id)
    _may_manage(actor, org.region_id)
    before = _organisation_audit(org)
    for name, value in changes.items():
        setattr(org, "region_id" if name == "region" else name, getattr(value, "pk", value))
    if org.region_id != before["region"]:
        _may_manage(actor, org.region_id)
        outside = org.assignments.filter(is_active=True).exclude(region__code__in=_ancestors(org.region_id))
        if outside.exists():
            raise ValidationError({"region": _("该机构有工作人员的辖区不包含新的所在区域，请先调整其角色。")})
    _validated(org)
    after = _organisation_audit(org)
    if after == before:
        return org
    org.save()
    audit_log(actor=actor, action="accounts.organisation_updated", obj=org, region_code=org.region_id,
              before={k: v for k, v in before.items() if after[k] != v},
              after={k: v for k, v in after.items() if before[k] != v})
    return org


def _ancestors(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]


@transaction.atomic
def organisation_set_status(*, actor, organisation_id: int, status: str, reason: str = "") -> Organisation:
    """Suspend, close or reactivate an organisation; suspending or closing needs a reason."""
    if status not in OrganisationStatus.values:
        raise ValidationError({"status": _("无效的机构状态。")})
    org = Organisation.objects.select_for_update().get(pk=organisation_id)
    _may_manage(actor, org.region_id)
    reason = (reason or "").strip()
    if status != OrganisationStatus.ACTIVE and not reason:
        raise ValidationError({"reason": _("暂停或关闭机构须填写原因。")})
    if org.status == OrganisationStatus.CLOSED and status != OrganisationStatus.CLOSED:
        raise ValidationError({"status": _("机构已关闭，不能恢复；如重新设立请重新登记。")})
    if org.status == status:
        return org
    before = org.status
    org.status, org.status_reason = status, reason[:200]
    org.save(update_fields=["status", "status_reason", "updated_at"])
    audit_log(actor=actor, action="accounts.organisation_status_changed", obj=org, region_code=org.region_id,
              before={"status": before}, after={"status": status, "reason": org.status_reason})
    return org


def organisation_suspend(*, actor, organisation_id: int, reason: str) -> Organisation:
    return organisation_set_status(actor=actor, organisation_id=organisation_id,
                                   status=OrganisationStatus.SUSPENDED, reason=reason)
