"""Writing audit events and access-log rows. Services call ``audit_log`` inside their own transaction,
so an event exists exactly when the change it describes was committed; views call
``access_log_write`` for each read of a sensitive record (see ``civilaffairs.audit.purpose``)."""
from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models, transaction

from civilaffairs.lib.logging import redact
from civilaffairs.lib.requestid import current_request_id

from .models import AccessLogEntry, AccessPurpose, AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (bytes, memoryview)):
        return "<binary>"
    return value


def audit_log(*, actor, action: str, obj: models.Model | None = None, object_type: str = "",
              object_id: str | int = "", region_code: str = "", before: dict | None = None,
              after: dict | None = None, ip_address: str | None = None) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    from civilaffairs.audit.middleware import current_client_ip

    return AuditEvent.objects.create(
        actor=actor if authenticated else None,
        actor_label=(str(actor.username) if authenticated else (str(actor) if actor else "system"))[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        region_code=region_code or "",
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        request_id=current_request_id() or "",
        ip_address=ip_address or current_client_ip(),
    )


NOTE_MAX_LENGTH = AccessLogEntry._meta.get_field("note").max_length


def access_log_write(*, actor, object_type: str, object_id: str | int, section: str, purpose: str,
                     note: str = "", region_code: str = "", ip_address: str | None = None) -> AccessLogEntry:
    """Record one read of ``section`` of the object (``object_type``, ``object_id``) by ``actor``.

    Its own transaction: the row stays even when the request that read the data fails later on.
    ``note`` is the worker's free text: ID and mobile numbers typed into it are masked, so the log
    holds no personal data beyond the reference of the object read."""
    if purpose not in AccessPurpose.values:
        raise ValueError(f"unknown access purpose {purpose!r}")
    if not object_type or object_id in ("", None) or not section:
        raise ValueError("an access-log row names the object and the section read")
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    from civilaffairs.audit.middleware import current_client_ip

    with transaction.atomic():
        return AccessLogEntry.objects.create(
            actor=actor if authenticated else None,
            actor_label=(str(actor.username) if authenticated else (str(actor) if actor else "system"))[:150],
            object_type=object_type[:64],
            object_id=str(object_id)[:64],
            section=section[:64],
            purpose=purpose,
            note=redact(note or "").strip()[:NOTE_MAX_LENGTH],
            region_code=region_code or "",
            request_id=current_request_id() or "",
            ip_address=ip_address or current_client_ip(),
        )
