"""The two outside channels of a notification: SMS (``civilaffairs.lib.sms``) and email (Django's
email backend, ``EMAIL_BACKEND``). Each takes the address, the text and the message's idempotency
key, and raises ``DeliveryError`` naming only the failure's type (never the address or the text).

Email has no gateway-side de-duplication: SMTP accepts a repeat. The key goes out as the
Message-ID (and ``X-Idempotency-Key``), so a second copy after a crash between the server's
"accepted" and our "sent" is recognisably the same message; for SMS the gateway drops it."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from civilaffairs.lib.sms import SmsSendError, send_sms


class DeliveryError(Exception):
    """The channel did not take the message (worth a retry)."""


class EmailSendError(DeliveryError):
    pass


def sms_text(note) -> str:
    return f"【民政】{note.title}"


def email_subject(note) -> str:
    return f"【民政】{note.title}"[:200]


def email_body(note) -> str:
    parts = [note.title]
    if note.body:
        parts.append(note.body)
    site = getattr(settings, "SITE_URL", "")
    if site and note.link.startswith("/"):
        parts.append(site.rstrip("/") + note.link)
    parts.append("——民政一体化服务平台（本邮件由系统发送，请勿回复）")
    return "\n\n".join(parts)


def deliver_sms(*, address: str, note, key: str) -> None:
    try:
        send_sms(phone=address, message=sms_text(note), idempotency_key=key)
    except SmsSendError as exc:
        raise DeliveryError(f"SmsSendError: {exc}"[:200]) from None


def deliver_email(*, address: str, note, key: str) -> None:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"
    message = EmailMessage(subject=email_subject(note), body=email_body(note),
                           from_email=settings.DEFAULT_FROM_EMAIL, to=[address],
                           headers={"Message-ID": f"<{key}@{domain}>", "X-Idempotency-Key": key})
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # any backend or SMTP failure; its text may hold the address
        raise EmailSendError(f"EmailSendError: {type(exc).__name__}") from None


SENDERS = {"sms": deliver_sms, "email": deliver_email}
