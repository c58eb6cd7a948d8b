from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civilaffairs.lib.uscc import validate_uscc

from .roles import ORGANISATION_ROLES, Role

ORGANISATION_ROLE_VALUES = sorted(r.value for r in ORGANISATION_ROLES)


class UserKind(models.TextChoices):
    STAFF = "staff", _("工作人员")
    RESIDENT = "resident", _("居民")


class User(AbstractUser):
    """A person who signs in. Staff act through role assignments tied to regions;
    a resident account is linked to exactly one person in the registry."""

    kind = models.CharField(_("账号类型"), max_length=10, choices=UserKind.choices, default=UserKind.STAFF)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True, default="")
    person = models.OneToOneField("registry.Person", verbose_name=_("对应人员"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="account")
    large_text = models.BooleanField(_("大字模式"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(condition=Q(kind="staff") | Q(person__isnull=False),
                                   name="resident_account_has_person"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_resident(self) -> bool:
        return self.kind == UserKind.RESIDENT


class OrganisationType(models.TextChoices):
    CARE_HOME = "care_home", _("养老机构")
    HOME_CARE_CENTRE = "home_care_centre", _("居家养老服务中心")
    DAY_CARE_CENTRE = "day_care_centre", _("日间照料中心")
    CANTEEN = "canteen", _("老年食堂/助餐点")
    SERVICE_PROVIDER = "service_provider", _("服务商")
    CHARITY = "charity", _("慈善组织")


class OrganisationStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    SUSPENDED = "suspended", _("暂停")
    CLOSED = "closed", _("已关闭")


CARE_HOME_STARS = (_("一星级"), _("二星级"), _("三星级"), _("四星级"), _("五星级"))

# Types that carry a grade, and its bounds: a care home's star grade (养老机构等级 一星级–五星级),
# a charity's evaluation rating (社会组织评估等级 1A–5A). Other types have none.
GRADED_TYPES = {OrganisationType.CARE_HOME: (1, 5), OrganisationType.CHARITY: (1, 5)}


class Organisation(models.Model):
    """A care home, home-care service centre, day-care centre, canteen, service provider or charity.
    Its staff hold their role in it (``RoleAssignment.organisation``) and see its records only."""

    type = models.CharField(_("机构类型"), max_length=20, choices=OrganisationType.choices)
    name = models.CharField(_("机构名称"), max_length=100)
    region = models.ForeignKey("registry.Region", verbose_name=_("所在区域"), on_delete=models.PROTECT,
                               related_name="organisations")
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc],
                            error_messages={"unique": _("该统一社会信用代码已登记。")})
    status = models.CharField(_("状态"), max_length=10, choices=OrganisationStatus.choices,
                              default=OrganisationStatus.ACTIVE)
    grade = models.PositiveSmallIntegerField(_("等级/评级"), null=True, blank=True,
                                             help_text=_("养老机构星级 1–5；慈善组织评估等级 1A–5A 填 1–5；其他类型不填。"))
    status_reason = models.CharField(_("状态说明"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # Scoping (civilaffairs.accounts.scoping): region staff by the region, its own staff by its id.
    jurisdiction_field = "region__code"
    organisation_field = "pk"

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["region_id", "name", "id"]
        indexes = [models.Index(fields=["type", "region"], name="organisation_type_region")]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__isnull=True)
                | (Q(type__in=list(GRADED_TYPES)) & Q(grade__gte=1) & Q(grade__lte=5)),
                name="organisation_grade_by_type"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def grade_display(self) -> str:
        if self.grade is None:
            return ""
        if self.type == OrganisationType.CARE_HOME:
            return str(CARE_HOME_STARS[self.grade - 1])
        if self.type == OrganisationType.CHARITY:
            return f"{self.grade}A"
        return str(self.grade)

    def clean(self):
        super().clean()
        if self.grade is not None:
            bounds = GRADED_TYPES.get(self.type)
            if bounds is None:
                raise ValidationError({"grade": _("“%(type)s”没有等级评定，请留空。")
                                       % {"type": self.get_type_display()}})
            if not bounds[0] <= self.grade <= bounds[1]:
                raise ValidationError({"grade": _("等级应在 1–5 之间（养老机构为一至五星级，慈善组织为 1A–5A）。")})


def assignment_organisation_error(role: str, region_code: str | None, organisation) -> dict | None:
    """Why ``organisation`` does not fit an assignment of ``role`` in ``region_code`` (a field → message
    dict for ValidationError), or None. Facility, provider and charity staff need an organisation,
    others take none; the organisation must lie in the assignment's region (its region is the
    assignment's or below it), so a district's facility worker cannot be bound to a home elsewhere."""
    if role in ORGANISATION_ROLES:
        if organisation is None:
            return {"organisation": _("养老机构、服务商和慈善组织工作人员必须选择所属机构。")}
        if region_code and not organisation.region_id.startswith(region_code):
            return {"organisation": _("所属机构“%(org)s”不在该角色的辖区内，请选择辖区内的机构或调整辖区。")
                    % {"org": organisation.name}}
    elif organisation is not None:
        return {"organisation": _("该角色不属于任何机构，请不要选择所属机构。")}
    return None


class RoleAssignment(models.Model):
    """A staff user's role in one region (and, implicitly, everything below it). Staff of a care
    facility, service provider or charity hold it in one organisation, and see that organisation only."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    region = models.ForeignKey("registry.Region", verbose_name=_("辖区"), on_delete=models.PROTECT,
                               related_name="+")
    organisation = models.ForeignKey(Organisation, verbose_name=_("所属机构"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="assignments")
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region"], name="assignment_unique"),
            models.CheckConstraint(condition=~Q(role=Role.RESIDENT), name="assignment_not_resident"),
            models.CheckConstraint(
                condition=(Q(role__in=ORGANISATION_ROLE_VALUES) & Q(organisation__isnull=False))
                | (~Q(role__in=ORGANISATION_ROLE_VALUES) & Q(organisation__isnull=True)),
                name="assignment_organisation_by_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region_id}"

    def clean(self):
        super().clean()
        organisation = None
        if self.organisation_id is not None:
            organisation = Organisation.objects.filter(pk=self.organisation_id).first()
        error = assignment_organisation_error(self.role, self.region_id, organisation)
        if error:
            raise ValidationError(error)


class TokenScope(models.TextChoices):
    """What a department system may do with its token (on top of its account's own rights)."""

    READ_ONLY = "read", _("只读查询")
    IMPORT = "import", _("部门数据报送")
    FULL = "full", _("业务接口（全部）")


class ApiToken(models.Model):
    """An API key for a department system. Only a SHA-256 digest of the key is kept (the key
    is shown once, when issued); ``prefix`` is the key's public part, used to find the row."""

    user = models.ForeignKey(User, verbose_name=_("代表账号"), on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.CharField(_("使用单位"), max_length=100)
    purpose = models.CharField(_("用途"), max_length=200, blank=True, default="")
    scope = models.CharField(_("权限范围"), max_length=10, choices=TokenScope.choices)
    prefix = models.CharField(_("令牌前缀"), max_length=16, unique=True)
    key_digest = models.CharField(_("令牌摘要"), max_length=64)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    created_by = models.ForeignKey(User, verbose_name=_("签发人"), null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    expires_at = models.DateTimeField(_("到期时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(User, verbose_name=_("吊销人"), null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    replaces = models.OneToOneField("self", verbose_name=_("轮换自"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="replaced_by")

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.prefix}"

    def is_active_at(self, when) -> bool:
        return self.revoked_at is None and self.expires_at > when
