"""``department_facts_revoke``: a department withdraws facts it delivered earlier.

A fact is named by the columns that make its identity (``facts.schema.natural_key``): the ID
number, the kind, the period start and, for the kinds that have one, the key attribute (a bill
number, an account, a plate). The current record of each named fact is marked revoked with the
time; it is kept, shown as history, and no longer counts anywhere. The list is recorded as a
batch (``action`` revoke) with its counts and its errors (a row that cannot be read, or that names
no current fact of this department), and audited without personal data.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.lib.crypto import blind_indexer

from ..facts import schema
from ..models import BatchAction, BatchStatus, Department, DepartmentRecord, FactStatus, ImportBatch
from .loading import SUPERSEDED_LISTED
from .rows import RowError, _clean_date, _clean_id, _clean_kind, redact

REVOKE_MAX_ROWS = 100_000
ERRORS_LISTED = 1000


def _key_attributes(kind: str, attributes: Any) -> dict:
    """The key attribute of ``kind`` in canonical form, from what the department sent (other attributes
    are not needed to name the fact and are not checked)."""
    keys = schema.SCHEMAS[kind].key_attributes
    if not keys or not attributes:
        return {}
    if not isinstance(attributes, dict):
        raise RowError("attributes", _("属性应为 JSON 对象，例如 {\"票据号\": \"MZ1\"}。"))
    for sent, value in attributes.items():
        declared = schema.SCHEMAS[kind].attribute(str(sent).strip().lower())
        if declared is not None and declared.name == keys[0] and value not in (None, ""):
            try:
                return {declared.name: schema.canonical_attributes(kind, {declared.name: value})[declared.name]}
            except schema.AttributeError_ as exc:
                raise RowError(f"属性.{str(sent)[:40]}", exc.reason) from None
    return {}


@transaction.atomic
def department_facts_revoke(*, actor, source: str, records: Iterable[dict]) -> ImportBatch:
    """Revoke the current facts ``records`` name (dicts with id_number, kind, period_start and, where the
    kind has one, the key attribute under ``attributes``). The same right as importing for the source."""
    if actor is not None and not user_can(actor, Capability.IMPORT_DEPARTMENT_DATA):
        raise PermissionDenied(_("您没有撤销部门数据的权限。"))
    if source not in Department.values:
        raise ValidationError({"source": _("未知的来源部门：%(s)s") % {"s": str(source)[:30]}})
    records = list(records)
    if len(records) > REVOKE_MAX_ROWS:
        raise ValidationError({"records": _("单次最多撤销 %(n)d 条。") % {"n": REVOKE_MAX_ROWS}})
    today = timezone.localdate()
    digest = blind_indexer("id")
    errors: list[dict] = []
    named: dict[str, int] = {}  # natural key -> first line naming it
    error_rows = 0
    for line, record in enumerate(records, start=1):
        try:
            if not isinstance(record, dict):
                raise RowError("", _("每条记录应为 JSON 对象。"))
            number = _clean_id(record.get("id_number"), today)
            kind = _clean_kind(record.get("kind"))
            start = _clean_date(record.get("period_start"), "period_start")
            key = schema.natural_key(source=source, kind=kind, id_digest=digest(number), period_start=start,
                                     attributes=_key_attributes(kind, record.get("attributes")))
        except RowError as exc:
            error_rows += 1
            if len(errors) < ERRORS_LISTED:
                errors.append({"line": line, "field": redact(exc.field), "reason": redact(exc.reason)})
            continue
        named.setdefault(key, line)

    now = timezone.now()
    batch = ImportBatch.objects.create(source=source, channel="api", action=BatchAction.REVOKE,
                                       submitted_by=actor if getattr(actor, "is_authenticated", False) else None)
    revoked = list(DepartmentRecord.objects.filter(natural_key__in=list(named), status=FactStatus.CURRENT)
                   .values_list("pk", "natural_key"))
    if revoked:
        # One statement: the dirty-household trigger marks the persons' households for re-scoring.
        DepartmentRecord.objects.filter(pk__in=[pk for pk, _key in revoked]).update(
            status=FactStatus.REVOKED, ended_at=now)
    found = {key.hex for _pk, key in revoked}
    for key, line in sorted(named.items(), key=lambda item: item[1]):
        if key not in found:
            error_rows += 1
            if len(errors) < ERRORS_LISTED:
                errors.append({"line": line, "field": "", "reason": _("没有找到本部门的这条现行记录（可能已撤销或已被更正）。")})
    errors.sort(key=lambda e: e["line"])
    batch.total_rows = len(records)
    batch.revoked_rows = len(revoked)
    batch.error_rows = error_rows
    batch.duplicate_rows = len(records) - error_rows - len(revoked)  # the same fact named twice
    batch.errors = errors
    batch.status = (BatchStatus.FAILED if not revoked else
                    BatchStatus.DONE_WITH_ERRORS if error_rows else BatchStatus.DONE)
    batch.finished_at = timezone.now()
    batch.save(update_fields=["total_rows", "revoked_rows", "error_rows", "duplicate_rows", "errors", "status",
                              "finished_at"])
    audit_log(actor=actor, action="registry.department_facts_revoked", obj=batch,
              after={"source": source, "status": batch.status, "total": batch.total_rows,
                     "revoked": batch.revoked_rows, "errors": error_rows,
                     "revoked_records": sorted(pk for pk, _key in revoked)[:SUPERSEDED_LISTED]})
    return batch
