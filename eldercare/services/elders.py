"""Elder profiles and family contacts: every write checks EDIT_PROFILE over the elder's community
(their active household's), validates, and is audited — without any phone number in the audit
payload (the contact's id, name and relation only)."""
from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.lib.crypto import encrypt_text
from civilaffairs.lib.masking import mask_phone
from civilaffairs.registry.models import Person

from ..capabilities import EDIT_PROFILE
from ..models import ElderProfile, FamilyContact
from .assessment import elder_community

CONTACTS_MAX = 9  # priorities 1..9 (the model's check)
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def clean_phone(value: str, *, field: str = "phone", required: bool = True) -> str:
    """A mainland mobile (11 digits from 1) or a landline with area code (0574-87654321)."""
    phone = (value or "").strip().replace(" ", "")
    if not phone:
        if required:
            raise ValidationError({field: _("请填写联系电话。")})
        return ""
    if not (_MOBILE.match(phone.replace("-", "")) or _LANDLINE.match(phone)):
        raise ValidationError({field: _("电话号码格式不正确：手机号为以1开头的11位数字，固定电话请带区号（如0574-87654321）。")})
    return phone.replace("-", "") if _MOBILE.match(phone.replace("-", "")) else phone


def _person_for_edit(actor, person_id: int) -> tuple[Person, str]:
    person = Person.objects.select_for_update().get(pk=person_id)
    community = elder_community(person)
    if not community or not user_can(actor, EDIT_PROFILE, community):
        raise PermissionDenied(_("您没有维护该老人档案的权限。"))
    return person, community


def _text(value: str, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("请填写%(l)s。") % {"l": label}})
    if len(value) > max_length:
        raise ValidationError({field: _("%(l)s不超过%(n)s字。") % {"l": label, "n": max_length}})
    return value


@transaction.atomic
def elder_profile_update(*, actor, person_id: int, lost_only_child: bool, community_doctor: str = "",
                         doctor_phone: str | None = None, note: str = "") -> ElderProfile:
    """Create or update the profile. ``doctor_phone``: None keeps the stored one, "" clears it."""
    person, community = _person_for_edit(actor, person_id)
    doctor = _text(community_doctor, field="community_doctor", label=_("家庭医生"), max_length=50)
    note = _text(note, field="note", label=_("备注"), max_length=2000)
    profile, created = ElderProfile.objects.get_or_create(person=person)
    before = {"lost_only_child": profile.lost_only_child, "community_doctor": profile.community_doctor}
    profile.lost_only_child, profile.community_doctor, profile.note = bool(lost_only_child), doctor, note
    phone_changed = False
    if doctor_phone is not None:
        phone = clean_phone(doctor_phone, field="doctor_phone", required=False)
        profile.doctor_phone_encrypted = encrypt_text(phone) if phone else None
        profile.doctor_phone_masked = mask_phone(phone) if phone else ""
        phone_changed = True
    profile.updated_by = actor
    profile.save()
    audit_log(actor=actor, action="eldercare.profile_updated", obj=profile, region_code=community,
              before=None if created else before,
              after={"lost_only_child": profile.lost_only_child, "community_doctor": profile.community_doctor,
                     "doctor_phone_changed": phone_changed})
    return profile


def _contact_fields(name: str, relation: str, priority) -> tuple[str, str, int]:
    name = _text(name, field="name", label=_("联系人姓名"), max_length=50, required=True)
    relation = _text(relation, field="relation", label=_("与老人关系"), max_length=20, required=True)
    try:
        priority = int(priority)
    except (TypeError, ValueError):
        raise ValidationError({"priority": _("联系顺序应为1–%(n)s的整数。") % {"n": CONTACTS_MAX}}) from None
    if not 1 <= priority <= CONTACTS_MAX:
        raise ValidationError({"priority": _("联系顺序应为1–%(n)s的整数。") % {"n": CONTACTS_MAX}})
    return name, relation, priority


@transaction.atomic
def family_contact_add(*, actor, person_id: int, name: str, relation: str, phone: str, priority=1,
                       notify_alarms: bool = True) -> FamilyContact:
    person, community = _person_for_edit(actor, person_id)
    name, relation, priority = _contact_fields(name, relation, priority)
    phone = clean_phone(phone)
    if FamilyContact.objects.filter(elder=person).count() >= CONTACTS_MAX:
        raise ValidationError(_("每位老人最多登记%(n)s位联系人。") % {"n": CONTACTS_MAX})
    contact = FamilyContact.objects.create(elder=person, name=name, relation=relation, priority=priority,
                                           notify_alarms=bool(notify_alarms), phone_encrypted=encrypt_text(phone),
                                           phone_masked=mask_phone(phone))
    audit_log(actor=actor, action="eldercare.contact_added", obj=contact, region_code=community,
              after={"elder": person.pk, "name": name, "relation": relation, "priority": priority})
    return contact


@transaction.atomic
def family_contact_update(*, actor, contact_id: int, name: str, relation: str, phone: str | None = None, priority=1,
                          notify_alarms: bool = True) -> FamilyContact:
    """``phone``: None or "" keeps the stored number (the form never shows it in full)."""
    contact = FamilyContact.objects.select_for_update().get(pk=contact_id)
    _person, community = _person_for_edit(actor, contact.elder_id)
    name, relation, priority = _contact_fields(name, relation, priority)
    before = {"name": contact.name, "relation": contact.relation, "priority": contact.priority,
              "notify_alarms": contact.notify_alarms}
    contact.name, contact.relation, contact.priority, contact.notify_alarms = name, relation, priority, \
        bool(notify_alarms)
    phone_changed = False
    if phone:
        phone = clean_phone(phone)
        contact.phone_encrypted, contact.phone_masked = encrypt_text(phone), mask_phone(phone)
        phone_changed = True
    contact.save()
    audit_log(actor=actor, action="eldercare.contact_updated", obj=contact, region_code=community, before=before,
              after={"name": name, "relation": relation, "priority": priority, "notify_alarms": contact.notify_alarms,
                     "phone_changed": phone_changed})
    return contact


@transaction.atomic
def family_contact_remove(*, actor, contact_id: int) -> bool:
    """Remove a contact; removing one already gone is a no-op (False)."""
    contact = FamilyContact.objects.select_for_update().filter(pk=contact_id).first()
    if contact is None:
        return False
    _person, community = _person_for_edit(actor, contact.elder_id)
    audit_log(actor=actor, action="eldercare.contact_removed", obj=contact, region_code=community,
              before={"elder": contact.elder_id, "name": contact.name, "relation": contact.relation})
    contact.delete()
    return True
