from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .roles import Role


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


class RoleAssignment(models.Model):
    """A staff user's role in one region (and, implicitly, everything below it)."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    region = models.ForeignKey("registry.Region", verbose_name=_("辖区"), on_delete=models.PROTECT,
                               related_name="+")
    organisation = models.CharField(_("所属单位"), max_length=100, blank=True, default="")
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region"], name="assignment_unique"),
            models.CheckConstraint(condition=~Q(role=Role.RESIDENT), name="assignment_not_resident"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region_id}"


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
