from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Priority(models.IntegerChoices):
    LOW = 1, _("低")
    NORMAL = 2, _("普通")
    HIGH = 3, _("高")
    URGENT = 4, _("紧急")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    IN_PROGRESS = "in_progress", _("处理中")
    DONE = "done", _("已办结")
    CANCELLED = "cancelled", _("已撤销")


OPEN_STATUSES = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS)

# Allowed status changes, in one place.
TRANSITIONS: dict[str, set[str]] = {
    ItemStatus.OPEN: {ItemStatus.IN_PROGRESS, ItemStatus.DONE, ItemStatus.CANCELLED},
    ItemStatus.IN_PROGRESS: {ItemStatus.OPEN, ItemStatus.DONE, ItemStatus.CANCELLED},
    ItemStatus.DONE: set(),
    ItemStatus.CANCELLED: set(),
}


class WorkItem(models.Model):
    """A caseworker's to-do item raised by any programme for a region."""

    jurisdiction_field = "region__code"

    kind = models.CharField(_("类型"), max_length=48, db_index=True)
    title = models.CharField(_("事项"), max_length=200)
    detail = models.TextField(_("说明"), blank=True, default="")
    region = models.ForeignKey("registry.Region", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    subject_type = models.CharField(_("对象类型"), max_length=64, blank=True, default="")
    subject_id = models.CharField(_("对象编号"), max_length=64, blank=True, default="")
    link = models.CharField(_("办理链接"), max_length=255, blank=True, default="")
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(_("优先级"), choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="work_items")
    status = models.CharField(_("状态"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    outcome = models.TextField(_("办理结果"), blank=True, default="")
    dedupe_key = models.CharField(_("去重键"), max_length=128, blank=True, default="")
    escalated = models.BooleanField(_("已超期督办"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待办事项")
        verbose_name_plural = _("待办事项")
        ordering = ["due_at", "-priority", "id"]
        constraints = [
            # An open item is raised once per subject and kind: raising again updates it.
            models.UniqueConstraint(fields=["dedupe_key"], condition=Q(status__in=["open", "in_progress"]) & ~Q(dedupe_key=""),
                                    name="workitem_one_open_per_key"),
        ]
        indexes = [
            models.Index(fields=["region", "status", "due_at"], name="workitem_region_idx",
                         opclasses=["varchar_pattern_ops", "varchar_ops", "timestamptz_ops"]),
            # "overdue" filters of programme lists: open items of one subject type past their due time.
            models.Index(fields=["subject_type", "due_at"], name="workitem_open_subject_due_idx",
                         condition=Q(status__in=["open", "in_progress"])),
            # ``workitem_close`` by subject: the open items of one record (an application's steps).
            models.Index(fields=["subject_type", "subject_id"], name="workitem_open_subject_idx",
                         condition=Q(status__in=["open", "in_progress"])),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()
