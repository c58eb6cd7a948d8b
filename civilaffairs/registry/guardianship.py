"""Guardianship links (监护关系): who is guardian of whom. Every write here owns its transaction,
audits (person ids only: no names or ID numbers in the payload) and marks the ward for the proactive
engine, whose rules (child welfare's categories) read the links in force.

Rules a caseworker would expect:
- both sides are registry persons, the guardian alive and an adult (18) on the start date, not the
  ward themselves, and not someone whose guardianship a court has revoked (a current
  GUARDIANSHIP_REVOKED fact);
- one active link per pair; at most one primary guardian (a new primary takes the mark over);
- dates: the start not before the ward's birth and not in the future; an end not before the start
  and not in the future;
- ending is final (an ended link is kept; a new one is registered if the family changes again);
- ``guardianships_revoke_by_facts`` (beat) revokes every active link of a guardian with a current
  GUARDIANSHIP_REVOKED fact, from the fact's date.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.lib.dates import DateRule
from civilaffairs.lib.errors import StateConflict

from .models import (
    FactStatus, Guardianship, GuardianshipBasis, GuardianshipStatus, GuardianRole, Person, RecordKind,
)
from .selectors import person_region_code

ADULT_AGE = 18
START = DateRule(gettext_lazy("监护起始日期"), past=None, future=0, why=gettext_lazy("不早于被监护人出生日期，不晚于今天"))
END = DateRule(gettext_lazy("监护终止日期"), past=None, future=0, why=gettext_lazy("不早于起始日期，不晚于今天"))


def _age_on(person: Person, day: dt.date) -> int:
    return day.year - person.birth_date.year - ((day.month, day.day) < (person.birth_date.month, person.birth_date.day))


def _require(actor, ward: Person) -> str:
    region = person_region_code(ward)
    if actor is not None and not (region and user_can(actor, Capability.MANAGE_GUARDIANSHIP, region)):
        raise PermissionDenied(_("您无权登记该人员的监护关系。"))
    return region


def _mark(ward_ids) -> None:
    from civilaffairs.entitlements.rules import DirtyReason
    from civilaffairs.entitlements.services import mark_dirty_persons

    mark_dirty_persons(ward_ids, DirtyReason.MEMBERSHIP)


def guardian_revoked(person: Person) -> bool:
    return person.department_records.filter(kind=RecordKind.GUARDIANSHIP_REVOKED,
                                            status=FactStatus.CURRENT).exists()


@transaction.atomic
def guardianship_add(*, actor, ward: Person, guardian: Person, role: str, basis: str, since: dt.date,
                     is_primary: bool = False, note: str = "") -> Guardianship:
    region = _require(actor, ward)
    if role not in GuardianRole.values:
        raise ValidationError({"role": _("请选择监护人身份。")})
    if basis not in GuardianshipBasis.values:
        raise ValidationError({"basis": _("请选择监护依据。")})
    if guardian.pk == ward.pk:
        raise ValidationError({"guardian": _("监护人不能是被监护人本人。")})
    START.check(since, field="since", not_before=ward.birth_date)
    if guardian.death_date is not None:
        raise ValidationError({"guardian": _("监护人已登记死亡，不能登记为监护人。")})
    if _age_on(guardian, since) < ADULT_AGE:
        raise ValidationError({"guardian": _("监护人在起始日期未满 18 周岁。")})
    if guardian_revoked(guardian):
        raise ValidationError({"guardian": _("该人员的监护资格已被法院撤销（部门数据），不能登记为监护人。")})
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("备注不超过 200 字。")})
    Person.objects.select_for_update().filter(pk=ward.pk).first()  # serialise changes to one ward's links
    if Guardianship.objects.filter(ward=ward, guardian=guardian, status=GuardianshipStatus.ACTIVE).exists():
        raise StateConflict(_("该监护关系已登记且有效。"))
    if is_primary:
        Guardianship.objects.filter(ward=ward, status=GuardianshipStatus.ACTIVE, is_primary=True).update(
            is_primary=False)
    link = Guardianship.objects.create(ward=ward, guardian=guardian, role=role, basis=basis, since=since,
                                       is_primary=is_primary, note=note, created_by=actor)
    audit_log(actor=actor, action="registry.guardianship_added", obj=link, region_code=region,
              after={"ward": ward.pk, "guardian": guardian.pk, "role": role, "basis": basis, "since": since,
                     "primary": is_primary})
    _mark([ward.pk])
    return link


@transaction.atomic
def guardianship_end(*, actor, guardianship_id: int, until: dt.date, reason: str) -> Guardianship:
    link = Guardianship.objects.select_for_update().select_related("ward").get(pk=guardianship_id)
    region = _require(actor, link.ward)
    if link.status != GuardianshipStatus.ACTIVE:
        raise StateConflict(_("该监护关系已终止，不能再次终止。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写终止原因。")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("终止原因不超过 200 字。")})
    END.check(until, field="until", not_before=link.since)
    link.status, link.until, link.end_reason = GuardianshipStatus.ENDED, until, reason
    link.ended_by, link.ended_at = actor, timezone.now()
    link.save(update_fields=["status", "until", "end_reason", "ended_by", "ended_at"])
    audit_log(actor=actor, action="registry.guardianship_ended", obj=link, region_code=region,
              before={"status": GuardianshipStatus.ACTIVE}, after={"status": link.status, "until": until})
    _mark([link.ward_id])
    return link


_REVOKE_SQL = """
UPDATE registry_guardianship g
   SET status = 'revoked', until = greatest(g.since, least(r.revoked_on, current_date)), ended_at = now(),
       end_reason = %(reason)s
  FROM (SELECT person_id, min(period_start) AS revoked_on FROM registry_departmentrecord
         WHERE kind = %(kind)s AND status = 'current' AND person_id IS NOT NULL GROUP BY person_id) r
 WHERE g.guardian_id = r.person_id AND g.status = 'active'
RETURNING g.id, g.ward_id"""


@transaction.atomic
def guardianships_revoke_by_facts() -> int:
    """Revoke, set-based, every active link whose guardian has a current GUARDIANSHIP_REVOKED fact
    (idempotent: a second run finds nothing active to revoke). Returns how many were revoked."""
    with connection.cursor() as cur:
        cur.execute(_REVOKE_SQL, {"reason": _("人民法院撤销监护资格（部门数据）"),
                                  "kind": RecordKind.GUARDIANSHIP_REVOKED})
        rows = cur.fetchall()
    if rows:
        audit_log(actor=None, action="registry.guardianships_revoked", object_type="registry.guardianship",
                  object_id="batch", after={"revoked": len(rows), "ids": [r[0] for r in rows[:500]]})
        _mark(sorted({r[1] for r in rows}))
    return len(rows)


def guardians_of(person: Person, *, history: bool = True):
    links = person.guardianships.select_related("guardian")
    return links if history else links.filter(status=GuardianshipStatus.ACTIVE)


def wards_of(person: Person, *, history: bool = False):
    links = person.wards.select_related("ward")
    return links if history else links.filter(status=GuardianshipStatus.ACTIVE)
