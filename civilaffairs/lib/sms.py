"""SMS backends behind one interface; the console backend is for development.

Nothing here logs a phone number or a message body: a backend's own exception may carry
either, so ``send_sms`` re-raises any failure as ``SmsSendError`` naming only its type.

Every message carries an idempotency key (one per notification, the same on every retry and
resend). A production gateway must be given it (Aliyun/Tencent SMS take a caller-chosen out-id
and drop a repeat); the console backend honours it the same way, so a send repeated after a
worker crashed between the gateway's "accepted" and our "sent" reaches the phone once."""
from __future__ import annotations

import inspect
import logging

from django.conf import settings
from django.utils.module_loading import import_string

from civilaffairs.lib.masking import mask_phone

logger = logging.getLogger("civilaffairs.sms")


class SmsSendError(Exception):
    """The backend did not accept the message (worth a retry)."""


class BaseSmsBackend:
    def send(self, *, phone: str, message: str, idempotency_key: str = "") -> None:  # pragma: no cover
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Development: the message goes to ``outbox`` (and a masked log line). A key seen before
    is dropped, as a gateway does with a repeated out-id."""

    outbox: list[tuple[str, str]] = []
    keys: set[str] = set()  # the keys accepted (a key names its row and its creation time)

    def send(self, *, phone: str, message: str, idempotency_key: str = "") -> None:
        if idempotency_key in self.keys:
            logger.info("SMS with key %s already accepted: dropped", idempotency_key)
            return
        self.outbox.append((phone, message))
        if idempotency_key:
            self.keys.add(idempotency_key)
        logger.info("SMS to %s (%d characters)", mask_phone(phone), len(message))


def _takes_key(backend) -> bool:
    try:
        params = inspect.signature(backend.send).parameters
    except (TypeError, ValueError):
        return False
    return "idempotency_key" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def send_sms(*, phone: str, message: str, idempotency_key: str = "") -> None:
    backend = import_string(settings.SMS_BACKEND)()
    extra = {"idempotency_key": idempotency_key} if idempotency_key and _takes_key(backend) else {}
    try:
        backend.send(phone=phone, message=message, **extra)
    except Exception as exc:  # any backend failure; its text may hold the number or the message
        raise SmsSendError(f"{type(backend).__name__}: {type(exc).__name__}") from None
