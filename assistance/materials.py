"""Uploaded materials: type checked from content (never from the name), size-limited,
stored outside every public URL."""
from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


def max_bytes() -> int:
    return getattr(settings, "MATERIAL_MAX_BYTES", 10 * 1024 * 1024)


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


def check_upload(uploaded) -> tuple[str, str]:
    """Validate an UploadedFile; returns (content_type, extension) or raises ValidationError."""
    limit = max_bytes()
    if uploaded.size > limit:
        raise ValidationError(_("文件“%(name)s”大小为 %(size).1f MB，超过 %(limit)d MB 的上限。") % {
            "name": uploaded.name, "size": uploaded.size / 1048576, "limit": limit // 1048576})
    if uploaded.size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": uploaded.name})
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    found = sniff(head)
    if found is None:
        raise ValidationError(_("文件“%(name)s”不是有效的 PDF、JPG 或 PNG 文件（已按文件内容检查，而非扩展名）。")
                              % {"name": uploaded.name})
    return found


def store(uploaded, *, application_id: int, extension: str) -> tuple[str, int, str]:
    """Write to PRIVATE_MEDIA_ROOT/materials/<application>/<uuid><ext>; returns (storage name, size, sha256)."""
    relative = Path("materials") / str(application_id) / f"{uuid.uuid4().hex}{extension}"
    target = Path(settings.PRIVATE_MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with open(target, "wb") as fh:
        for chunk in uploaded.chunks():
            size += len(chunk)
            if size > max_bytes():
                fh.close()
                target.unlink(missing_ok=True)
                raise ValidationError(_("文件超过大小上限。"))
            digest.update(chunk)
            fh.write(chunk)
    return str(relative), size, digest.hexdigest()


def path_of(storage_name: str) -> Path:
    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    path = (root / storage_name).resolve()
    if root not in path.parents:
        raise ValidationError("invalid storage name")
    return path
