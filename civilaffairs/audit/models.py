from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Append-only: a database trigger (migration 0002) refuses UPDATE and DELETE."""

    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    actor_label = models.CharField(_("操作人名称"), max_length=150, blank=True, default="")
    action = models.CharField(_("动作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True, default="")
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True, default="")
    region_code = models.CharField(_("区域"), max_length=12, blank=True, default="")
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True, default="")
    ip_address = models.GenericIPAddressField(_("IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["region_code"], name="audit_region_idx", opclasses=["varchar_pattern_ops"]),
        ]

    jurisdiction_field = "region_code"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"


class AccessPurpose(models.TextChoices):
    """Why a worker opens a sensitive record (查阅目的). Statistics is not among them on purpose:
    figures come from the dashboards, never from opening one person's file."""

    CASEWORK = "casework", _("个案办理")
    REVIEW = "review", _("复核审批")
    SUPERVISION = "supervision", _("监督检查")
    COMPLAINT = "complaint", _("信访投诉核查")
    PROTECTION = "protection", _("紧急救助或保护")
    OTHER = "other", _("其他（须说明）")
    # Recorded by the platform, never chosen: a worker of the person's own community opening the
    # file (not a sensitive section) in the course of their daily work.
    CASELOAD = "caseload", _("本社区日常服务")


# What the purpose form offers (CASELOAD is the platform's to record).
STATED_PURPOSES = [(value, label) for value, label in AccessPurpose.choices if value != AccessPurpose.CASELOAD]


class AccessLogEntry(models.Model):
    """One read of a sensitive record (查阅记录): who opened what, for which stated purpose, when.

    Append-only like ``AuditEvent``: a database trigger (migration 0003) refuses UPDATE and DELETE,
    and ``grant_app_role`` leaves the application role SELECT and INSERT only. It holds the
    reference of the object read, never its content."""

    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("查阅人"), null=True, blank=True,
                              on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    actor_label = models.CharField(_("查阅人账号"), max_length=150, blank=True, default="")
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)
    section = models.CharField(_("查阅内容"), max_length=64)
    purpose = models.CharField(_("查阅目的"), max_length=16, choices=AccessPurpose.choices)
    note = models.CharField(_("目的说明"), max_length=200, blank=True, default="")
    region_code = models.CharField(_("区域"), max_length=12, blank=True, default="")
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True, default="")
    ip_address = models.GenericIPAddressField(_("IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("敏感信息查阅记录")
        verbose_name_plural = _("敏感信息查阅记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="accesslog_object_idx"),
            models.Index(fields=["region_code"], name="accesslog_region_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["actor", "created_at"], name="accesslog_actor_idx"),
        ]

    jurisdiction_field = "region_code"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.section}"
