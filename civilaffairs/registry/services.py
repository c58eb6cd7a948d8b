"""Writes to the registry. Each service owns its transaction and writes its audit event."""
from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.lib.crypto import encrypt_text
from civilaffairs.lib.idnumber import parse_id_number
from civilaffairs.lib.masking import mask_id_number, mask_phone

from .models import DepartmentRecord, Household, HouseholdMember, Person, PolicyParameter, Region, RegionLevel, Relation
from .parameters import BY_KEY, parameter_listeners
from .selectors import id_digest, phone_digest

_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def validate_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if phone and not _PHONE_RE.match(phone):
        raise ValidationError({"phone": _("手机号码应为以1开头的11位数字。")})
    return phone


def _set_phone(person: Person, phone: str) -> None:
    if phone:
        person.phone_encrypted = encrypt_text(phone)
        person.phone_digest = phone_digest(phone)
        person.phone_masked = mask_phone(phone)
    else:
        person.phone_encrypted = None
        person.phone_digest = ""
        person.phone_masked = ""


def person_build(*, name: str, id_number: str, phone: str = "", registered_region_code: str | None = None) -> Person:
    """Validate and build an unsaved person (shared by ``person_create`` and bulk loaders)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写姓名。")})
    try:
        rid = parse_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from None
    phone = validate_phone(phone)
    person = Person(
        name=name[:50], id_number_encrypted=encrypt_text(rid.number), id_digest=id_digest(rid.number),
        id_number_masked=mask_id_number(rid.number), gender=rid.gender, birth_date=rid.birth_date,
        registered_region_id=registered_region_code,
    )
    _set_phone(person, phone)
    return person


@transaction.atomic
def person_create(*, actor, name: str, id_number: str, phone: str = "",
                  registered_region_code: str | None = None) -> Person:
    person = person_build(name=name, id_number=id_number, phone=phone,
                          registered_region_code=registered_region_code)
    if Person.objects.filter(id_digest=person.id_digest).exists():
        raise ValidationError({"id_number": _("该身份证号码已登记。")})
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ValidationError({"id_number": _("该身份证号码已登记。")}) from None
    # Department records that arrived before the person was registered (loaded unlinked).
    linked = DepartmentRecord.objects.filter(id_digest=person.id_digest, person__isnull=True).update(person=person)
    audit_log(actor=actor, action="registry.person_created", obj=person,
              after={"name": person.name, "id_number": person.id_number_masked,
                     **({"department_records_linked": linked} if linked else {})})
    return person


@transaction.atomic
def department_records_link_unlinked(*, actor=None) -> int:
    """The sweep: link every department record loaded before its person was registered (``person_create``
    links that person's at once; this catches persons written any other way). One set-based statement over
    the unlinked rows (their partial digest index), so the dirty-household trigger marks the persons'
    households for re-scoring; audited with the count only. Returns the count."""
    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE registry_departmentrecord d SET person_id = p.id
              FROM registry_person p
             WHERE d.person_id IS NULL AND p.id_digest = d.id_digest""")
        linked = cursor.rowcount
    if linked:
        audit_log(actor=actor, action="registry.department_records_linked", object_type="registry.departmentrecord",
                  after={"linked": linked})
    return linked


@transaction.atomic
def person_update_phone(*, actor, person: Person, phone: str) -> Person:
    phone = validate_phone(phone)
    before = {"phone": person.phone_masked}
    _set_phone(person, phone)
    person.save(update_fields=["phone_encrypted", "phone_digest", "phone_masked", "updated_at"])
    audit_log(actor=actor, action="registry.person_phone_changed", obj=person, before=before,
              after={"phone": person.phone_masked})
    return person


def _person_region(person: Person) -> str:
    membership = person.memberships.filter(is_active=True).select_related("household").first()
    return membership.household.community_id if membership else (person.registered_region_id or "")


def person_reveal_id_number(*, actor, person: Person, reason: str = "") -> str:
    """Return the full ID number if ``actor`` may see it in the person's region.

    Audited either way; a refused attempt is committed on its own before the
    PermissionDenied propagates, so the refusal is never rolled back with the caller."""
    region_code = _person_region(person)
    allowed = bool(region_code) and user_can(actor, Capability.REVEAL_ID, region_code)
    with transaction.atomic():
        audit_log(actor=actor, action="registry.id_revealed" if allowed else "registry.id_reveal_refused",
                  obj=person, region_code=region_code, after={"reason": reason[:200]} if allowed else None)
    if not allowed:
        raise PermissionDenied(_("您没有查看完整身份证号码的权限。"))
    return person.reveal_id_number()


@transaction.atomic
def household_create(*, actor, community_code: str, head: Person, address: str = "",
                     residence_type: str = "registered", urban_rural: str = "urban") -> Household:
    community = Region.objects.filter(code=community_code, level=RegionLevel.COMMUNITY).first()
    if community is None:
        raise ValidationError({"community": _("请选择有效的村（社区）。")})
    if HouseholdMember.objects.filter(person=head, is_active=True).exists():
        raise ValidationError({"head": _("%(name)s 已是其他家庭的成员，请先办理迁出。") % {"name": head.name}})
    household = Household.objects.create(community=community, head=head, head_name=head.name, address=address,
                                         residence_type=residence_type, urban_rural=urban_rural, member_count=1)
    HouseholdMember.objects.create(household=household, person=head, relation=Relation.HEAD,
                                   joined_on=dt.date.today())
    audit_log(actor=actor, action="registry.household_created", obj=household, region_code=community.code,
              after={"head": head.pk, "community": community.code})
    return household


@transaction.atomic
def household_add_member(*, actor, household: Household, person: Person, relation: str) -> HouseholdMember:
    household = Household.objects.select_for_update().get(pk=household.pk)
    if relation == Relation.HEAD:
        raise ValidationError({"relation": _("一个家庭只能有一位户主。")})
    if HouseholdMember.objects.filter(person=person, is_active=True).exists():
        raise ValidationError({"person": _("%(name)s 已是其他家庭的成员。") % {"name": person.name}})
    member = HouseholdMember.objects.create(household=household, person=person, relation=relation,
                                            joined_on=dt.date.today())
    household.member_count = household.members.filter(is_active=True).count()
    household.save(update_fields=["member_count", "updated_at"])
    audit_log(actor=actor, action="registry.member_added", obj=household, region_code=household.community_id,
              after={"person": person.pk, "relation": relation})
    return member


@transaction.atomic
def household_remove_member(*, actor, household: Household, person: Person) -> None:
    household = Household.objects.select_for_update().get(pk=household.pk)
    member = household.members.filter(person=person, is_active=True).first()
    if member is None:
        raise ValidationError(_("该人员不是本家庭的当前成员。"))
    if member.relation == Relation.HEAD:
        raise ValidationError(_("不能直接移除户主，请先变更户主。"))
    member.is_active = False
    member.left_on = dt.date.today()
    member.save(update_fields=["is_active", "left_on"])
    household.member_count = household.members.filter(is_active=True).count()
    household.save(update_fields=["member_count", "updated_at"])
    audit_log(actor=actor, action="registry.member_removed", obj=household, region_code=household.community_id,
              before={"person": person.pk, "relation": member.relation})


@transaction.atomic
def parameter_set(*, actor, key: str, region_code: str, value: Decimal, effective_from: dt.date,
                  effective_to: dt.date | None = None, note: str = "") -> PolicyParameter:
    """Set a new value from ``effective_from``. An open-ended earlier value for the same
    region is closed the day before, so history is kept and periods never overlap."""
    if key not in BY_KEY:
        raise ValidationError({"key": _("未知的政策参数：%(key)s") % {"key": key}})
    if actor is not None and not user_can(actor, Capability.EDIT_PARAMETERS, region_code):
        raise PermissionDenied(_("您无权设置该区域的政策参数。"))
    if not isinstance(value, Decimal):
        raise ValidationError({"value": _("参数取值必须是数字。")})
    if value < 0:
        raise ValidationError({"value": _("参数取值不能为负数。")})
    if effective_to is not None and effective_to < effective_from:
        raise ValidationError({"effective_to": _("失效日期不能早于生效日期。")})
    rows = PolicyParameter.objects.select_for_update().filter(key=key, region_id=region_code)
    previous = rows.filter(effective_from__lt=effective_from, effective_to__isnull=True).first()
    if previous is not None:
        previous.effective_to = effective_from - dt.timedelta(days=1)
        previous.save(update_fields=["effective_to"])
    overlap = rows.filter(effective_from__lte=effective_to or dt.date.max).exclude(
        effective_to__lt=effective_from)
    if overlap.exists():
        raise ValidationError({"effective_from": _("该区域在此期间已有“%(key)s”的取值，请调整生效日期。")
                               % {"key": BY_KEY[key].label}})
    row = PolicyParameter.objects.create(key=key, region_id=region_code, value=value, effective_from=effective_from,
                                         effective_to=effective_to, note=note, created_by=actor)
    audit_log(actor=actor, action="registry.parameter_set", obj=row, region_code=region_code,
              before={"closed_previous": previous.pk} if previous else None,
              after={"key": key, "value": value, "from": effective_from, "to": effective_to})
    for listener in parameter_listeners(key):
        # robust: a broker that is down must not undo or fail the saved value (the job is idempotent and
        # can be run again for the row: ``assistance.benefits_recompute``); the failure is logged.
        transaction.on_commit(functools.partial(listener, parameter_id=row.pk), robust=True)
    return row


HOUSEHOLD_EDITABLE = ("address", "residence_type", "urban_rural")


@transaction.atomic
def household_update(*, actor, household_id: int, **changes) -> Household:
    """Change a household's descriptive fields (not its community, head or members)."""
    unknown = set(changes) - set(HOUSEHOLD_EDITABLE)
    if unknown:
        raise ValidationError(_("不能直接修改：%(f)s") % {"f": "、".join(sorted(unknown))})
    household = Household.objects.select_for_update().get(pk=household_id)
    before = {f: getattr(household, f) for f in changes}
    for field, value in changes.items():
        setattr(household, field, value)
    household.full_clean(exclude=["community", "head"])
    household.save(update_fields=[*changes, "updated_at"])
    audit_log(actor=actor, action="registry.household_updated", obj=household, region_code=household.community_id,
              before=before, after=changes)
    return household
