"""SMS backends behind one interface; the console backend is for development.

Nothing here logs a phone number or a message body: a backend's own exception may carry
either, so ``send_sms`` re-raises any failure as ``SmsSendError`` naming only its type."""
from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from civilaffairs.lib.masking import mask_phone

logger = logging.getLogger("civilaffairs.sms")


class SmsSendError(Exception):
    """The backend did not accept the message (worth a retry)."""


class BaseSmsBackend:
    def send(self, *, phone: str, message: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, message: str) -> None:
        self.outbox.append((phone, message))
        logger.info("SMS to %s (%d characters)", mask_phone(phone), len(message))


def send_sms(*, phone: str, message: str) -> None:
    backend = import_string(settings.SMS_BACKEND)()
    try:
        backend.send(phone=phone, message=message)
    except Exception as exc:  # any backend failure; its text may hold the number or the message
        raise SmsSendError(f"{type(backend).__name__}: {type(exc).__name__}") from None
