"""One ledger of payment lines for every programme (资金发放台账).

A programme registers a payable source (``civilaffairs.payments.sources``); the monthly roll of a
district and programme is filled from it set-based. A line is unique per entitlement and period
(regular lines), so generating twice or concurrently adds nothing. A line is never deleted: a
mistake is undone by a reversal, a negative line pointing at the original (once per original).
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# Hard caps the database enforces; services refuse with a clear message before a CheckConstraint would.
LINE_AMOUNT_MAX = Decimal("1000000")  # 元 per line (the largest one-off payment)


class RollStatus(models.TextChoices):
    GENERATED = "generated", _("已生成，待审核")
    APPROVED = "approved", _("已审核")
    EXPORTED = "exported", _("已导出银行")
    CLOSED = "closed", _("已办结")


class PaymentRoll(models.Model):
    """The monthly roll (发放名册) of one district and one programme."""

    jurisdiction_field = "district__code"

    district = models.ForeignKey("registry.Region", verbose_name=_("区县"), on_delete=models.PROTECT,
                                 related_name="+")
    programme = models.CharField(_("项目"), max_length=32)
    month = models.DateField(_("发放月份"), help_text=_("当月1日"))
    status = models.CharField(_("状态"), max_length=12, choices=RollStatus.choices, default=RollStatus.GENERATED)
    generated_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    # Four eyes: who made the roll (None: the monthly job) and who last added lines to it may not approve it;
    # who sent the bank file may not record the bank's "paid" (civilaffairs.payments.workflow).
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("生成人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("最后修改人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("最后修改时间"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    exported_at = models.DateTimeField(_("导出时间"), null=True, blank=True)
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导出人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("发放名册")
        verbose_name_plural = _("发放名册")
        ordering = ["-month", "district_id", "programme"]
        constraints = [
            models.UniqueConstraint(fields=["district", "programme", "month"],
                                    name="payroll_once_per_district_programme_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="payroll_month_first_day"),
            models.CheckConstraint(condition=Q(approved_by__isnull=True)
                                   | (~Q(approved_by=F("generated_by")) | Q(generated_by__isnull=True))
                                   & (~Q(approved_by=F("changed_by")) | Q(changed_by__isnull=True)),
                                   name="payroll_approved_by_another"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.programme} {self.month:%Y-%m}"

    @property
    def programme_label(self) -> str:
        from .sources import programme_label

        return programme_label(self.programme)


class LineKind(models.TextChoices):
    REGULAR = "regular", _("正常发放")
    REVERSAL = "reversal", _("冲正")


class LineStatus(models.TextChoices):
    PENDING = "pending", _("待发放")
    PAID = "paid", _("已发放")
    FAILED = "failed", _("发放失败")
    SUSPENDED = "suspended", _("已暂停")


class PaymentLine(models.Model):
    """One payment to one payee for one entitlement and period."""

    jurisdiction_field = "region__code"

    # A month of a city is half a million rows written in one statement, so few indexes and few
    # database foreign-key checks (each costs a locking lookup per row, together more than the insert):
    # the composite indexes below serve the roll / household / person lookups, and the payee and region
    # ids are not checked by the database (db_constraint=False) — they come from the payable source's
    # own SELECT over the registry, the ORM still PROTECTs them, and registry rows are never deleted
    # while something refers to them (the demo reset deletes these lines first).
    roll = models.ForeignKey(PaymentRoll, verbose_name=_("名册"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="lines", db_index=False)
    programme = models.CharField(_("项目"), max_length=32)
    # What the line pays, in the programme's words ("monthly", "price_subsidy", "one_off"...): shown, not a key.
    category = models.CharField(_("类别"), max_length=32, default="monthly")
    # A stable key of the entitlement in its programme: "assistance.benefit:123".
    entitlement = models.CharField(_("待遇标识"), max_length=100)
    person = models.ForeignKey("registry.Person", verbose_name=_("领款人"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    household = models.ForeignKey("registry.Household", verbose_name=_("家庭"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    region = models.ForeignKey("registry.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT,
                               related_name="+", db_index=False, db_constraint=False)
    period = models.DateField(_("所属月份"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    kind = models.CharField(_("类型"), max_length=10, choices=LineKind.choices, default=LineKind.REGULAR)
    reverses = models.ForeignKey("self", verbose_name=_("冲正原明细"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="reversals", db_index=False)
    status = models.CharField(_("状态"), max_length=10, choices=LineStatus.choices, default=LineStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("发放次数"), default=0)
    failure_reason = models.CharField(_("失败/暂停原因"), max_length=200, blank=True, default="")
    paid_at = models.DateTimeField(_("到账时间"), null=True, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        ordering = ["roll_id", "id"]
        constraints = [
            # Running the roll twice (or concurrently) can create nothing new.
            models.UniqueConstraint(fields=["entitlement", "period"], condition=Q(kind="regular"),
                                    name="payline_once_per_entitlement_period"),
            # An original is reversed at most once.
            models.UniqueConstraint(fields=["reverses"], condition=Q(reverses__isnull=False),
                                    name="payline_reversed_once"),
            models.CheckConstraint(condition=Q(person__isnull=False) | Q(household__isnull=False),
                                   name="payline_has_payee"),
            models.CheckConstraint(condition=Q(period__day=1), name="payline_period_first_day"),
            models.CheckConstraint(condition=Q(kind="regular", reverses__isnull=True, amount__gte=0)
                                   | Q(kind="reversal", reverses__isnull=False, amount__lt=0),
                                   name="payline_reversal_negative"),
            models.CheckConstraint(condition=Q(amount__lte=LINE_AMOUNT_MAX) & Q(amount__gte=-LINE_AMOUNT_MAX),
                                   name="payline_amount_bounds"),
        ]
        indexes = [
            models.Index(fields=["household", "period"], name="payline_household_period_idx"),
            models.Index(fields=["person", "period"], condition=Q(person__isnull=False),
                         name="payline_person_period_idx"),
            models.Index(fields=["roll", "status"], name="payline_roll_status_idx"),
            models.Index(fields=["programme", "period"], condition=Q(roll__isnull=True),
                         name="payline_unrolled_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement} {self.period:%Y-%m} {self.amount}"

    @property
    def category_label(self) -> str:
        from .sources import category_label

        return category_label(self.programme, self.category)

    @staticmethod
    def resident_q(person_id: int) -> Q:
        from civilaffairs.registry.models import HouseholdMember

        return Q(person_id=person_id) | Q(household_id__in=HouseholdMember.household_ids_of(person_id))


class BankAccount(models.Model):
    """The account a payee is paid into: encrypted at rest, shown masked (like the ID number).
    Belongs to a person or to a household; the newest one is used."""

    jurisdiction_field = "region__code"

    person = models.ForeignKey("registry.Person", verbose_name=_("个人"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", verbose_name=_("家庭"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("registry.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT,
                               related_name="+")
    bank_name = models.CharField(_("开户银行"), max_length=100)
    account_encrypted = models.BinaryField(_("银行账号（密文）"), editable=False)
    account_masked = models.CharField(_("银行账号"), max_length=40, editable=False)
    is_current = models.BooleanField(_("当前使用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("银行账户")
        verbose_name_plural = _("银行账户")
        constraints = [
            models.CheckConstraint(condition=Q(person__isnull=False, household__isnull=True)
                                   | Q(person__isnull=True, household__isnull=False),
                                   name="bankaccount_one_owner"),
            models.UniqueConstraint(fields=["person"], condition=Q(is_current=True, person__isnull=False),
                                    name="bankaccount_one_current_per_person"),
            models.UniqueConstraint(fields=["household"], condition=Q(is_current=True, household__isnull=False),
                                    name="bankaccount_one_current_per_household"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_masked}"

    def reveal_account(self) -> str:
        from civilaffairs.lib.crypto import decrypt_text

        return decrypt_text(self.account_encrypted)
