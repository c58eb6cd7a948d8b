"""The proactive engine's data: candidates per rule and subject, the dirty set, recorded runs
and their id-range chunks, and the age-line job's days.

Rules are code (``rules.py``); these tables hold what the rules found.
"""
from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .rules import DirtyReason, Subject


class CandidateStatus(models.TextChoices):
    ELIGIBLE = "eligible", _("符合条件")
    LOST = "lost", _("已不符合")


class EntitlementCandidate(models.Model):
    """A subject a rule found eligible (and, once lost, kept as lost: when and why). One row per
    rule and subject; a run writes it only when what the rule says IS DISTINCT FROM the row, so
    a run that finds nothing new writes nothing. ``last_evaluated_on`` is the evaluation date of
    the result stored (the runs record when everyone was last evaluated)."""

    jurisdiction_field = "community_id"

    rule_key = models.CharField(_("规则"), max_length=64)
    subject_type = models.CharField(_("对象类型"), max_length=12, choices=Subject.choices)
    subject_id = models.BigIntegerField(_("对象编号"))
    community_id = models.CharField(_("村社代码"), max_length=12, blank=True, default="")
    status = models.CharField(_("状态"), max_length=10, choices=CandidateStatus.choices)
    category = models.CharField(_("类别"), max_length=64, blank=True, default="")
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    reasons = models.JSONField(_("理由"), default=list)
    first_eligible_on = models.DateField(_("符合条件日期"))
    last_evaluated_on = models.DateField(_("判定日期"))
    lost_on = models.DateField(_("不再符合日期"), null=True, blank=True)
    rule_version = models.PositiveIntegerField(_("规则版本"))
    run = models.ForeignKey("EntitlementRun", verbose_name=_("判定批次"), null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+", db_constraint=False, db_index=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("政策找人对象")
        verbose_name_plural = _("政策找人对象")
        ordering = ["rule_key", "subject_id"]
        constraints = [
            models.UniqueConstraint(fields=["rule_key", "subject_type", "subject_id"],
                                    name="entitlement_candidate_unique"),
            models.CheckConstraint(condition=Q(status="eligible", lost_on__isnull=True) | Q(status="lost"),
                                   name="entitlement_candidate_lost_on"),
        ]
        indexes = [
            models.Index(fields=["rule_key", "status", "community_id"], name="entitlement_cand_scope_idx",
                         opclasses=["varchar_ops", "varchar_ops", "varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule_key} {self.subject_type}#{self.subject_id}"


class DirtySubject(models.Model):
    """A person or household whose inputs changed since the rules last looked, and why. Marked
    set-based (INSERT … SELECT … ON CONFLICT DO NOTHING: marking twice adds nothing); an
    incremental run takes its batch by deleting the rows it claims, in the transaction that
    evaluates them, so a mark made meanwhile stays for the next run and a killed run leaves its
    rows dirty."""

    subject_type = models.CharField(_("对象类型"), max_length=12, choices=Subject.choices)
    subject_id = models.BigIntegerField(_("对象编号"))
    reason = models.CharField(_("原因"), max_length=12, choices=DirtyReason.choices)
    marked_at = models.DateTimeField(_("标记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("待重新判定对象")
        verbose_name_plural = _("待重新判定对象")
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id", "reason"], name="entitlement_dirty_unique"),
        ]


class RunKind(models.TextChoices):
    FULL = "full", _("全量判定")
    INCREMENTAL = "incremental", _("增量判定")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    DONE_WITH_FAILURES = "failed_chunks", _("完成（有失败分片）")


class EntitlementRun(models.Model):
    """A recorded run. Totals are added by each chunk in the transaction that marks it done, so a
    chunk counts once however often it is delivered."""

    kind = models.CharField(_("类型"), max_length=12, choices=RunKind.choices)
    rule_keys = ArrayField(models.CharField(max_length=64), verbose_name=_("规则"), default=list)
    rule_versions = models.JSONField(_("规则版本"), default=dict)
    evaluated_on = models.DateField(_("判定日期"))
    status = models.CharField(_("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    chunk_size = models.PositiveIntegerField(_("分片大小"), default=0)
    chunks_total = models.PositiveIntegerField(_("分片数"), default=0)
    chunks_done = models.PositiveIntegerField(_("已完成分片"), default=0)
    chunks_failed = models.PositiveIntegerField(_("失败分片"), default=0)
    evaluated = models.PositiveBigIntegerField(_("已判定对象"), default=0)
    changed = models.PositiveBigIntegerField(_("结果变化"), default=0)
    gained = models.PositiveBigIntegerField(_("新增符合"), default=0)
    lost = models.PositiveBigIntegerField(_("不再符合"), default=0)
    failed = models.PositiveBigIntegerField(_("失败对象"), default=0)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    last_progress_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True, default="")

    class Meta:
        verbose_name = _("政策找人批次")
        verbose_name_plural = _("政策找人批次")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.evaluated_on}"

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class ChunkStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    RUNNING = "running", _("处理中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class EntitlementChunk(models.Model):
    """One id range of one subject type in a full run: the unit Celery fans out. A worker claims
    it (running, ``claimed_at``, ``attempts`` + 1: its claim) and then evaluates and marks it done
    in one transaction that checks the claim is still its own. A killed worker's chunk stays
    running with an old claim; after ``STALE_CLAIM`` it is claimed again (sweep or redelivery)."""

    run = models.ForeignKey(EntitlementRun, verbose_name=_("批次"), on_delete=models.CASCADE, related_name="chunks")
    subject_type = models.CharField(_("对象类型"), max_length=12, choices=Subject.choices)
    lo = models.BigIntegerField(_("起始编号"))
    hi = models.BigIntegerField(_("结束编号"))
    status = models.CharField(_("状态"), max_length=8, choices=ChunkStatus.choices, default=ChunkStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    evaluated = models.PositiveIntegerField(_("已判定对象"), default=0)
    changed = models.PositiveIntegerField(_("结果变化"), default=0)
    seconds = models.FloatField(_("耗时（秒）"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True, default="")

    class Meta:
        verbose_name = _("政策找人分片")
        verbose_name_plural = _("政策找人分片")
        ordering = ["run", "subject_type", "lo"]
        constraints = [
            models.UniqueConstraint(fields=["run", "subject_type", "lo"], name="entitlement_chunk_unique_range"),
            models.CheckConstraint(condition=Q(hi__gte=models.F("lo")), name="entitlement_chunk_range_order"),
        ]


class AgeLineDay(models.Model):
    """A day the age-line job marked (its row makes a rerun of the same day a no-op, and the
    latest one is where the next run starts: days missed while it did not run are caught up)."""

    day = models.DateField(_("日期"), primary_key=True)
    age_lines = ArrayField(models.PositiveSmallIntegerField(), verbose_name=_("年龄线"), default=list)
    marked = models.PositiveIntegerField(_("标记人数"), default=0)
    created_at = models.DateTimeField(_("执行时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("年龄线标记")
        verbose_name_plural = _("年龄线标记")
        ordering = ["-day"]
