from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civilaffairs.lib.crypto import decrypt_text, encrypt_text
from civilaffairs.lib.masking import mask_email


class SmsStatus(models.TextChoices):
    """Delivery state of one outside copy (SMS or email) of a notification."""

    NONE = "", _("不发送")
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Notification(models.Model):
    """An in-app message to one user (their inbox: /notifications/).

    Each outside copy (``sms_*``, ``email_*``) goes out from a Celery task after the commit:
    pending → sending (a one-statement conditional claim with its time) → sent / failed. A claim
    older than the lease belongs to a worker that died mid-send; the beat sweep puts it back to
    pending and queues it again, and the gateway gets the same idempotency key (``delivery_key``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE,
                             related_name="notifications")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True, default="")
    link = models.CharField(_("链接"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # The SMS copy goes out from a Celery task after the commit; this is its delivery state.
    sms_status = models.CharField(_("短信状态"), max_length=8, choices=SmsStatus.choices, blank=True, default="")
    sms_sent_at = models.DateTimeField(_("短信发送时间"), null=True, blank=True)
    # When the task was last handed to the broker: written with the row, cleared when the broker
    # could not take it. The beat sweep queues again a pending SMS that was never queued, or was
    # queued longer ago than every retry of a task takes.
    sms_queued_at = models.DateTimeField(_("短信排队时间"), null=True, blank=True)
    sms_claimed_at = models.DateTimeField(_("短信领取时间"), null=True, blank=True)
    sms_attempts = models.PositiveSmallIntegerField(_("短信发送次数"), default=0)
    sms_error = models.CharField(_("短信失败原因"), max_length=200, blank=True, default="")
    email_status = models.CharField(_("邮件状态"), max_length=8, choices=SmsStatus.choices, blank=True,
                                    default="")
    email_sent_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    email_queued_at = models.DateTimeField(_("邮件排队时间"), null=True, blank=True)
    email_claimed_at = models.DateTimeField(_("邮件领取时间"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("邮件发送次数"), default=0)
    email_error = models.CharField(_("邮件失败原因"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
                   models.Index(fields=["sms_queued_at"], condition=models.Q(sms_status="pending"),
                                name="notification_sms_pending_idx"),
                   models.Index(fields=["sms_claimed_at"], condition=models.Q(sms_status="sending"),
                                name="notification_sms_claim_idx"),
                   models.Index(fields=["email_queued_at"], condition=models.Q(email_status="pending"),
                                name="notification_email_pending_idx"),
                   models.Index(fields=["email_claimed_at"], condition=models.Q(email_status="sending"),
                                name="notification_email_claim_idx")]

    def __str__(self) -> str:
        return self.title

    def delivery_key(self, channel: str) -> str:
        """The idempotency key of this message's copy on ``channel``: fixed by the row itself
        (written before any gateway call), the same on every retry and every resend."""
        return f"ca-ntf-{self.pk}-{self.created_at:%Y%m%d%H%M%S%f}-{channel}"


class NotificationPreference(models.Model):
    """How a resident wants the outside copy of a notification: SMS, email, both, or neither
    (in-app only). In-app messages are always on. Without a row: SMS when a phone is on file."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                                primary_key=True, related_name="notification_preference")
    sms = models.BooleanField(_("短信"), default=True)
    email = models.BooleanField(_("电子邮件"), default=False)
    # Personal data, like the phone on a person: stored encrypted, shown masked.
    email_address_encrypted = models.BinaryField(_("电子邮箱（密文）"), null=True, blank=True, editable=False)
    email_address_masked = models.CharField(_("电子邮箱"), max_length=254, blank=True, default="", editable=False)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知方式")
        verbose_name_plural = _("通知方式")
        constraints = [models.CheckConstraint(condition=models.Q(email=False) | ~models.Q(email_address_masked=""),
                                              name="notification_preference_email_has_address")]

    def __str__(self) -> str:
        return f"{self.user_id}"

    @property
    def email_address(self) -> str:
        return decrypt_text(self.email_address_encrypted) if self.email_address_encrypted else ""

    @email_address.setter
    def email_address(self, value: str) -> None:
        value = (value or "").strip()
        self.email_address_encrypted = encrypt_text(value) if value else None
        self.email_address_masked = mask_email(value)
