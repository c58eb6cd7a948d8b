"""``department_batch_import``: the one pipeline for every channel (admin upload, API file, API JSON)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log

from ..facts.schema import SCHEMAS, json_text
from ..models import NATURAL_KEY_EPOCH, BatchStatus, Department, ImportBatch
from .loading import CHUNK_ROWS, NULL, ChunkLoader, FingerprintRace
from .reading import Rows, file_rows, record_rows
from .rows import RowCleaner, RowError, redact

# A batch that loses a race (see ``loading``) is loaded again on top of the winner's records.
LOAD_ATTEMPTS = 3
# Errors kept on a batch, in line order; ``error_rows`` counts them all.
ERRORS_LISTED = 1000
# The attribute that is part of a fact's identity, for the kinds that have one (``natural_key``).
KEY_ATTRIBUTES = {kind: schema.key_attributes[0] for kind, schema in SCHEMAS.items() if schema.key_attributes}


def _read_content(content) -> bytes:
    """Bytes from bytes or a file object, refusing anything above the configured limit."""
    limit = settings.DEPARTMENT_IMPORT_MAX_BYTES
    size = getattr(content, "size", None)
    if size is None and not isinstance(content, (bytes, bytearray)):
        data = content.read(limit + 1)
    elif size is not None:
        if size > limit:
            raise _too_large(size, limit)
        if hasattr(content, "seek"):
            content.seek(0)
        data = content.read()
    else:
        data = bytes(content)
    if len(data) > limit:
        raise _too_large(len(data), limit)
    return data


def _too_large(size: int, limit: int) -> ValidationError:
    return ValidationError(_("文件过大（%(size).1f MB），单个批次不能超过 %(limit).1f MB，请拆分后分批上传。")
                           % {"size": size / 1048576, "limit": limit / 1048576}, code="too_large")


def department_batch_import(*, actor, source: str, channel: str = "file", file_name: str = "",
                            content: bytes | Any = None, records: Iterable | None = None) -> ImportBatch:
    """Load one batch from ``content`` (CSV or xlsx bytes, or an uploaded file) or ``records``
    (a list of dicts, API channel).

    Raises ``ValidationError`` — and writes nothing — when the input cannot be read at all
    (too large, not CSV/xlsx, unknown source). A readable file with an unusable header is
    kept as a ``failed`` batch so the provider sees why. Any other error (the database)
    leaves nothing behind: the batch and its records are one transaction.
    """
    if actor is not None and not user_can(actor, Capability.IMPORT_DEPARTMENT_DATA):
        raise PermissionDenied(_("您没有导入部门数据的权限。"))
    if source not in Department.values:
        raise ValidationError({"source": _("未知的来源部门：%(s)s") % {"s": str(source)[:30]}})
    if (content is None) == (records is None):
        raise ValueError("pass exactly one of content= or records=")

    header_error = None
    if records is not None:
        records = list(records)
        # Hashed only: a lone surrogate is reported on its own row later, not a crash here.
        digest_input = json.dumps(records, ensure_ascii=False, sort_keys=True,
                                  default=str).encode("utf-8", "surrogatepass")
        sha256 = hashlib.sha256(digest_input).hexdigest()
        rows: Rows = record_rows(records)
    else:
        data = _read_content(content)
        sha256 = hashlib.sha256(data).hexdigest()
        try:
            rows = file_rows(data, file_name)
        except ValidationError as exc:
            if exc.code != "header":
                raise  # not a readable CSV/xlsx: refuse without writing a batch
            header_error = exc
            rows = iter(())
    batch = {"actor": actor, "source": source, "channel": channel, "sha256": sha256, "header_error": header_error,
             "file_name": os.path.basename(file_name or "")[:255]}
    for attempt in range(1, LOAD_ATTEMPTS + 1):
        try:
            return _load(**batch, rows=rows, on_conflict=attempt > 1)
        except FingerprintRace:
            # A concurrent transaction committed some of this batch's records, or a current fact this batch
            # corrects too, while it loaded (the same rows imported twice at the same moment; two corrections
            # of one fact). All of it was rolled back: load it again, on top of what the other committed.
            if attempt == LOAD_ATTEMPTS:
                raise
            rows = record_rows(records) if records is not None else file_rows(data, file_name)
    raise AssertionError("unreachable")


@transaction.atomic
def _load(*, actor, source, channel, file_name, sha256, rows: Rows, header_error, on_conflict: bool) -> ImportBatch:
    batch = ImportBatch.objects.create(
        source=source, channel=channel, file_name=file_name, content_sha256=sha256,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    errors: list[dict] = []
    if header_error is not None:
        errors.append({"line": 1, "field": "", "reason": redact(" ".join(header_error.messages))})
    loader = ChunkLoader(batch_id=batch.pk, source=source, now=timezone.now(), on_conflict=on_conflict)
    try:
        total, valid = _clean_and_stage(rows, source=source, loader=loader, errors=errors)
        loader.finish()
    finally:
        loader.close()

    if header_error is not None:
        status = BatchStatus.FAILED
    elif total == 0:
        status = BatchStatus.FAILED
        errors.append({"line": 0, "field": "", "reason": _("没有数据行。")})
    elif valid == 0:
        status = BatchStatus.FAILED
    elif total > valid:
        status = BatchStatus.DONE_WITH_ERRORS
    else:
        status = BatchStatus.DONE
    batch.total_rows = total
    batch.loaded_rows = loader.loaded
    batch.duplicate_rows = valid - loader.loaded
    batch.error_rows = total - valid
    batch.errors = errors[:ERRORS_LISTED]
    batch.unmatched_rows = loader.unmatched
    batch.unmatched_lines = loader.unmatched_lines
    batch.superseded_rows = loader.superseded
    batch.status = status
    batch.finished_at = timezone.now()
    batch.save(update_fields=["total_rows", "loaded_rows", "duplicate_rows", "error_rows", "errors", "unmatched_rows",
                              "unmatched_lines", "superseded_rows", "status", "finished_at"])
    audit_log(actor=actor, action="registry.department_batch_imported", obj=batch,
              after={"source": source, "channel": channel, "file_name": file_name, "sha256": sha256,
                     "status": status, "total": total, "loaded": loader.loaded, "duplicates": batch.duplicate_rows,
                     "errors": batch.error_rows, "unmatched": loader.unmatched, "superseded": loader.superseded,
                     # record ids only (no personal data), the first SUPERSEDED_LISTED of them
                     "superseded_records": loader.superseded_ids})
    if loader.loaded:
        # A death record stops the payments to the deceased (set-based, in this transaction, audited there).
        from civilaffairs.payments.services import payment_lines_suspend_for_batch

        payment_lines_suspend_for_batch(batch_id=batch.pk, actor=actor)
    return batch


def _key_text(value) -> str:
    """The key attribute as the natural key reads it (``attributes ->> key``; absent: empty)."""
    return "" if value is None else value if isinstance(value, str) else json_text(value)


def _clean_and_stage(rows: Rows, *, source: str, loader: ChunkLoader, errors: list[dict]) -> tuple[int, int]:
    """Validate every row (bad ones into ``errors``) and hand the good ones to ``loader`` in chunks, each
    fingerprint once per chunk; returns (rows read, rows valid). The hot loop of an import: one call per
    field at most.

    A chunk also holds each fact identity once (``natural_key``: kind, person, period start, key
    attribute; the source is the batch's): a later line for a fact already in the chunk waits for the
    next chunk, where it supersedes the earlier one like any re-delivery. So the last line of a fact
    wins, and the chunk statement needs no ordering within the chunk."""
    clean = RowCleaner(today=timezone.localdate()).clean
    total = valid = 0
    chunk: list[str] = []
    fingerprints: set[str] = set()
    identities: set[str] = set()
    waiting: list[tuple[str, str, str]] = []  # (fingerprint, identity, staged line), in line order
    key_values: dict[str, dict[str, str]] = {name: {} for name in set(KEY_ATTRIBUTES.values())}

    def flush() -> None:
        # The waiting lines start the next chunk, in line order; one whose fact is there already waits again.
        nonlocal chunk, fingerprints, identities, waiting
        if chunk:
            loader.put(chunk)
        chunk, fingerprints, identities = [], set(), set()
        again, waiting = waiting, []
        for item in again:
            fp, identity, staged = item
            if fp in fingerprints:
                continue
            if identity in identities:
                waiting.append(item)
                continue
            fingerprints.add(fp)
            identities.add(identity)
            chunk.append(staged)

    # ``fingerprint`` and ``stage_line`` inlined (a call each per row is a tenth of the loop); the
    # import tests compare both with the functions.
    sha256, md5, prefix, null = hashlib.sha256, hashlib.md5, f"{source}|", NULL
    epoch_days: dict[str, int] = {}
    for line, values in rows:
        total += 1
        if type(values) is RowError:  # a row that could not be read as one (not raised: instances repeat)
            if len(errors) < ERRORS_LISTED:
                errors.append({"line": line, "field": redact(values.field), "reason": redact(values.reason)})
            continue
        try:
            digest, kind, start, end, amount, attributes = clean(*values)
        except RowError as exc:
            if len(errors) < ERRORS_LISTED:
                errors.append({"line": line, "field": redact(exc.field), "reason": redact(exc.reason)})
            continue
        valid += 1
        fp = sha256(f"{prefix}{kind}|{digest}|{start}|{end}|{amount}|{attributes}".encode()).hexdigest()[:32]
        if fp in fingerprints:  # a duplicate of an earlier row of this chunk (the loader skips earlier chunks')
            continue
        key_name = KEY_ATTRIBUTES.get(kind)
        if key_name is None:
            extra = ""
        else:
            memo = key_values[key_name]
            extra = memo.get(attributes)
            if extra is None:
                extra = memo[attributes] = _key_text(json.loads(attributes).get(key_name))
        days = epoch_days.get(start)
        if days is None:
            days = epoch_days[start] = (dt.date.fromisoformat(start) - NATURAL_KEY_EPOCH).days
        # The fact's identity, ``facts.schema.natural_key`` inlined: the md5 the generated column holds.
        identity = md5(f"{prefix}{kind}|{digest}|{days}|{extra}".encode()).hexdigest()
        if "\\" in attributes:  # COPY text format: only the JSON can hold a backslash, none holds a tab
            attributes = attributes.replace("\\", "\\\\")
        staged = f"{line}\t{digest}\t{kind}\t{start}\t{end}\t{amount or null}\t{attributes}\t{fp}\t{identity}\n"
        if identity in identities:  # (every waiting line's fact is in the chunk: a later one waits behind it)
            waiting.append((fp, identity, staged))
            continue
        fingerprints.add(fp)
        identities.add(identity)
        chunk.append(staged)
        if len(chunk) >= CHUNK_ROWS:
            flush()
    while chunk or waiting:
        flush()
    return total, valid
