"""Uploaded materials: type checked from content (never from the name), size-limited,
stored outside every public URL, readable by the service's user only."""
from __future__ import annotations

import hashlib
import os
import re
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
# The names a resident's file may carry for each type: a mismatch is refused, never "fixed".
EXTENSIONS = {"application/pdf": (".pdf",), "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}
# A PDF or image that carries markup a browser would run (a polyglot) is refused.
SCAN_BYTES = 64 * 1024
MARKUP = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed|meta)"
                    rb"|javascript\s*:|on(?:load|error|click|mouseover)\s*=", re.IGNORECASE)
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


def max_bytes() -> int:
    return getattr(settings, "MATERIAL_MAX_BYTES", 10 * 1024 * 1024)


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


def extension_for(content_type: str) -> str:
    """The extension a stored material is served under: from its sniffed type, never its name."""
    return next((ext for _magic, ct, ext in SIGNATURES if ct == content_type), ".bin")


def check_upload(uploaded) -> tuple[str, str]:
    """Validate an UploadedFile; returns (content_type, extension) or raises ValidationError."""
    limit = max_bytes()
    name = str(uploaded.name or "")
    if uploaded.size > limit:
        raise ValidationError(_("文件“%(name)s”大小为 %(size).1f MB，超过 %(limit)d MB 的上限。") % {
            "name": name, "size": uploaded.size / 1048576, "limit": limit // 1048576})
    if uploaded.size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": name})
    uploaded.seek(0)
    head = uploaded.read(SCAN_BYTES)
    uploaded.seek(0)
    found = sniff(head)
    if found is None:
        raise ValidationError(_("文件“%(name)s”不是有效的 PDF、JPG 或 PNG 文件（已按文件内容检查，而非扩展名）。")
                              % {"name": name})
    content_type, ext = found
    if MARKUP.search(head):
        raise ValidationError(_("文件“%(name)s”中含有网页或脚本内容，不能作为申请材料上传。请上传扫描件或照片。")
                              % {"name": name})
    if Path(name).suffix.lower() not in EXTENSIONS[content_type]:
        raise ValidationError(_("文件“%(name)s”的扩展名与内容不符（内容为 %(type)s 文件），请检查后重新上传。")
                              % {"name": name, "type": ext.lstrip(".").upper()})
    return found


def _private_dir(path: Path) -> None:
    """Create ``path`` and its missing parents under the private root, each 0700 (mkdir's
    ``parents=True`` would create the parents with the umask's default mode)."""
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        current.mkdir(mode=DIRECTORY_MODE, exist_ok=True)
        os.chmod(current, DIRECTORY_MODE)  # also a directory made before this rule


def store(uploaded, *, application_id: int, extension: str) -> tuple[str, int, str]:
    """Write to PRIVATE_MEDIA_ROOT/materials/<application>/<uuid><ext> (0600 in a 0700 directory);
    returns (storage name, size, sha256)."""
    relative = Path("materials") / str(application_id) / f"{uuid.uuid4().hex}{extension}"
    target = Path(settings.PRIVATE_MEDIA_ROOT) / relative
    _private_dir(target.parent)
    digest = hashlib.sha256()
    size = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # whatever the umask
    with os.fdopen(fd, "wb") as fh:
        for chunk in uploaded.chunks():
            size += len(chunk)
            if size > max_bytes():
                fh.close()
                target.unlink(missing_ok=True)
                raise ValidationError(_("文件超过大小上限。"))
            digest.update(chunk)
            fh.write(chunk)
    return str(relative), size, digest.hexdigest()


def remove(storage_name: str) -> None:
    """Delete a stored file (after the row that named it is gone); a missing file is no error."""
    try:
        path_of(storage_name).unlink(missing_ok=True)
    except ValidationError:
        pass


def path_of(storage_name: str) -> Path:
    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    path = (root / storage_name).resolve()
    if root not in path.parents:
        raise ValidationError("invalid storage name")
    return path
