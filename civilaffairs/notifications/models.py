from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SmsStatus(models.TextChoices):
    NONE = "", _("不发短信")
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Notification(models.Model):
    """An in-app message to one user (residents see theirs in the resident centre)."""

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

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
                   models.Index(fields=["sms_queued_at"], condition=models.Q(sms_status="pending"),
                                name="notification_sms_pending_idx")]

    def __str__(self) -> str:
        return self.title
