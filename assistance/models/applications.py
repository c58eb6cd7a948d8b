"""Applications (申请): one application may cover several programmes (一件事)."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _

from .benefits import DECLARED_INCOME_MAX, ONE_OFF_AMOUNT_MAX, Programme


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交，待受理")
    RETURNED = "returned", _("退回补正材料")
    ACCEPTED = "accepted", _("已受理，待核对")
    VERIFIED = "verified", _("已核对，待入户调查")
    VISITED = "visited", _("已入户，待公示")
    NOTICE = "notice", _("公示中")
    DECISION = "decision", _("待区县审批")
    PROPOSED = "proposed", _("拟批准，待第二审批人确认")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")


FINAL_STATUSES = (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN)


class Channel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    WALK_IN = "walk_in", _("窗口代办")
    HOME_VISIT = "home_visit", _("走访发现")
    PROACTIVE = "proactive", _("主动发现线索")


class SelfCare(models.TextChoices):
    SELF = "self", _("生活自理")
    PARTIAL = "partial", _("部分失能")
    FULL = "full", _("完全失能")


STATUS_BADGES = {
    ApplicationStatus.APPROVED: "text-bg-success",
    ApplicationStatus.REJECTED: "text-bg-danger",
    ApplicationStatus.RETURNED: "text-bg-warning",
    ApplicationStatus.WITHDRAWN: "text-bg-secondary",
    ApplicationStatus.DRAFT: "text-bg-secondary",
}


class Application(models.Model):
    jurisdiction_field = "community__code"

    number = models.CharField(_("申请编号"), max_length=24, unique=True, editable=False)
    household = models.ForeignKey("registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="applications")
    community = models.ForeignKey("registry.Region", verbose_name=_("所属村社"), on_delete=models.PROTECT,
                                  related_name="+")
    applicant = models.ForeignKey("registry.Person", verbose_name=_("申请人"), on_delete=models.PROTECT,
                                  related_name="applications")
    programmes = ArrayField(models.CharField(max_length=12, choices=Programme.choices), verbose_name=_("申请项目"))
    channel = models.CharField(_("申请渠道"), max_length=12, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(_("状态"), max_length=12, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT, db_index=True)
    reason = models.TextField(_("申请理由"), blank=True, default="")
    emergency = models.BooleanField(_("急难情形（先行救助）"), default=False)
    emergency_paid_at = models.DateTimeField(_("先行救助时间"), null=True, blank=True)
    temporary_aid_amount = models.DecimalField(_("临时救助申请金额（元）"), max_digits=12, decimal_places=2,
                                               null=True, blank=True)
    precheck = models.JSONField(_("自动预审结果"), default=dict, blank=True)
    missing_materials = models.TextField(_("需补正内容"), blank=True, default="")
    draft_data = models.JSONField(_("草稿内容"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT,
                                   related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=0)

    class Meta:
        verbose_name = _("救助申请")
        verbose_name_plural = _("救助申请")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"], name="application_scope_idx",
                         opclasses=["varchar_pattern_ops", "varchar_ops"]),
            # The caseworker list (migration 0004): its order, with the scope ("C" collation: LIKE 'prefix%')
            # and the status checked inside the index, so a page (or a deep OFFSET) reads from the table
            # only the rows it shows.
            models.Index(F("submitted_at"), F("id"), Collate(F("community_id"), "C"), F("status"),
                         name="application_list_order_idx"),
            GinIndex(fields=["programmes"], name="application_programmes_gin"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(programmes=[]), name="application_has_programme"),
            models.CheckConstraint(condition=Q(temporary_aid_amount__isnull=True)
                                   | Q(temporary_aid_amount__gte=0, temporary_aid_amount__lte=ONE_OFF_AMOUNT_MAX),
                                   name="application_temporary_amount_bounds"),
        ]

    def __str__(self) -> str:
        return self.number

    @staticmethod
    def resident_q(person_id: int) -> Q:
        from civilaffairs.registry.models import HouseholdMember

        return Q(household_id__in=HouseholdMember.household_ids_of(person_id))

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def status_badge(self) -> str:
        """The Bootstrap badge class pages show the status with."""
        return STATUS_BADGES.get(self.status, "text-bg-primary")

    def programme_labels(self) -> list[str]:
        return [str(Programme(p).label) for p in self.programmes]

    @staticmethod
    def new_number() -> str:
        return "SQ" + uuid.uuid4().hex[:16].upper()


class ApplicationMember(models.Model):
    """A household member as declared on the application."""

    application = models.ForeignKey(Application, verbose_name=_("申请"), on_delete=models.CASCADE,
                                    related_name="members")
    person = models.ForeignKey("registry.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(_("与申请人关系"), max_length=12)
    declared_monthly_income = models.DecimalField(_("申报月收入（元）"), max_digits=12, decimal_places=2, default=0)
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"), null=True, blank=True,
                                                        help_text=_("1–4 级，无残疾留空"))
    serious_illness = models.BooleanField(_("患重大疾病"), default=False)
    self_care = models.CharField(_("生活自理能力"), max_length=8, choices=SelfCare.choices, default=SelfCare.SELF)
    can_work = models.BooleanField(_("有劳动能力"), default=True)
    note = models.CharField(_("其他情况"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("申报成员")
        verbose_name_plural = _("申报成员")
        constraints = [
            models.UniqueConstraint(fields=["application", "person"], name="application_member_once"),
            models.CheckConstraint(condition=Q(declared_monthly_income__gte=0,
                                               declared_monthly_income__lte=DECLARED_INCOME_MAX),
                                   name="application_member_income_bounds"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.person_id}"

    @property
    def severely_disabled_or_ill(self) -> bool:
        return self.serious_illness or (self.disability_grade is not None and self.disability_grade <= 2)


class MaterialKind(models.TextChoices):
    ID_CARD = "id_card", _("身份证")
    HOUSEHOLD_REGISTER = "hukou", _("户口簿")
    INCOME_PROOF = "income", _("收入证明")
    MEDICAL_BILL = "medical", _("医疗费用票据")
    DISABILITY = "disability", _("残疾证")
    PHOTO = "photo", _("照片")
    OTHER = "other", _("其他")


class Material(models.Model):
    """An uploaded document. Stored outside any public URL; served by a view that checks access."""

    application = models.ForeignKey(Application, verbose_name=_("申请"), on_delete=models.CASCADE,
                                    related_name="materials")
    visit = models.ForeignKey("assistance.HomeVisit", verbose_name=_("入户调查"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(_("材料类别"), max_length=12, choices=MaterialKind.choices)
    storage_name = models.CharField(_("存储名"), max_length=255, editable=False)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("摘要"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name


class ApplicationEvent(models.Model):
    """The application's timeline as the resident and caseworkers see it."""

    application = models.ForeignKey(Application, verbose_name=_("申请"), on_delete=models.CASCADE,
                                    related_name="events")
    action = models.CharField(_("操作"), max_length=32)
    from_status = models.CharField(_("原状态"), max_length=12, blank=True, default="")
    to_status = models.CharField(_("新状态"), max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("说明"), blank=True, default="")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"
