"""SMS backends behind one interface; the console backend is for development."""
from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("civilaffairs.sms")


class BaseSmsBackend:
    def send(self, *, phone: str, message: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, message: str) -> None:
        self.outbox.append((phone, message))
        logger.info("SMS to %s: %s", phone, message)  # the redact filter masks the number


def send_sms(*, phone: str, message: str) -> None:
    import_string(settings.SMS_BACKEND)().send(phone=phone, message=message)
