"""Service credit (养老服务补贴, issue 12 area C): one credit account per elder and its ledger.

The elderly-service subsidy is issued monthly as credit, never as cash: it is spent on service orders
with an active contracted provider and expires when unused. The account's ``balance`` is always the sum
of its entries: every service (``eldercare.services.credit``) writes the entry and moves the balance in
one transaction, with the account row locked (``SELECT … FOR UPDATE``); a CheckConstraint keeps the
balance from going negative whatever the code does."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

CREDIT_ENTRY_MAX = Decimal("100000.00")  # one entry's absolute amount (a year of the largest subsidy is far below)


class CreditEntryKind(models.TextChoices):
    ISSUED = "issued", _("发放")
    SPENT = "spent", _("消费")
    EXPIRED = "expired", _("过期")
    REVERSED = "reversed", _("冲正")


class CreditAccount(models.Model):
    jurisdiction_field = "community_id"

    person = models.OneToOneField("registry.Person", verbose_name=_("老年人"), on_delete=models.PROTECT,
                                  related_name="eldercare_credit_account")
    community_id = models.CharField(_("村社代码"), max_length=12, blank=True, default="")
    balance = models.DecimalField(_("余额（元）"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    created_at = models.DateTimeField(_("开户时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("服务额度账户")
        verbose_name_plural = _("服务额度账户")
        ordering = ["community_id", "person_id"]
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="eldercare_credit_balance_nonnegative")]
        indexes = [models.Index(fields=["community_id"], name="eldercare_credit_scope_idx",
                                opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.balance}"


class CreditEntry(models.Model):
    """One movement of an account: ``amount`` is signed (issued +, spent / expired −, reversed ±).
    An issue is unique per (account, period): issuing a month twice adds nothing."""

    jurisdiction_field = "account__community_id"

    account = models.ForeignKey(CreditAccount, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("类型"), max_length=10, choices=CreditEntryKind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    period = models.DateField(_("所属月份"), null=True, blank=True)
    reference = models.CharField(_("业务编号"), max_length=64, blank=True, default="")
    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("服务机构"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    related = models.ForeignKey("self", verbose_name=_("冲正的原流水"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("记账时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务额度流水")
        verbose_name_plural = _("服务额度流水")
        ordering = ["account", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "kind", "period"], condition=Q(kind="issued"),
                                    name="eldercare_credit_one_issue_per_month"),
            models.UniqueConstraint(fields=["account", "kind", "period"], condition=Q(kind="expired"),
                                    name="eldercare_credit_one_expiry_per_month"),
            models.UniqueConstraint(fields=["account", "reference"], condition=Q(kind="spent"),
                                    name="eldercare_credit_one_spend_per_order"),
            models.UniqueConstraint(fields=["related"], condition=Q(kind="reversed"),
                                    name="eldercare_credit_one_reversal"),
            models.CheckConstraint(
                condition=(Q(kind="issued", amount__gt=0, period__isnull=False)
                           | Q(kind="spent", amount__lt=0) & ~Q(reference="")
                           | Q(kind="expired", amount__lt=0, period__isnull=False)
                           | Q(kind="reversed", related__isnull=False) & ~Q(amount=0)),
                name="eldercare_credit_entry_sign"),
            models.CheckConstraint(condition=Q(amount__lte=CREDIT_ENTRY_MAX) & Q(amount__gte=-CREDIT_ENTRY_MAX),
                                   name="eldercare_credit_entry_bounds"),
        ]
        indexes = [models.Index(fields=["kind", "period"], name="eldercare_credit_kind_period")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
