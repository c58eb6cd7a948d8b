"""Admin for the payments ledger: a read-only window. The only write is a service call — a roll
approved with ``payment_roll_approve`` (the four-eyes rule holds here too)."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from civilaffairs.registry.admin import DistrictFilter

from .models import BankAccount, PaymentLine, PaymentRoll
from .services import payment_roll_approve


class ReadOnlyAdminMixin:
    """View-only: lines are written by services and never edited or deleted (a mistake is reversed)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentRoll)
class PaymentRollAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["district", "programme", "month", "status", "generated_at", "approved_by", "approved_at",
                    "exported_at"]
    list_filter = ["status", "programme", "district"]
    list_select_related = ["district", "approved_by"]
    date_hierarchy = "month"
    actions = ["approve_rolls"]

    @admin.action(description=_("审核所选名册"))
    def approve_rolls(self, request, queryset):
        done = 0
        for roll in queryset:
            try:
                payment_roll_approve(actor=request.user, roll_id=roll.pk)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{roll}：{' '.join(getattr(exc, 'messages', [str(exc)]))}",
                                  messages.ERROR)
        if done:
            self.message_user(request, _("已审核 %(n)d 份名册。") % {"n": done}, messages.SUCCESS)


class LineDistrictFilter(DistrictFilter):
    field = "region__code"


@admin.register(PaymentLine)
class PaymentLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "programme", "category", "entitlement", "household", "period", "amount", "kind", "status",
                    "attempts", "roll", "paid_at"]
    list_filter = ["status", "kind", "programme", LineDistrictFilter]
    list_select_related = ["household", "roll"]
    search_fields = ["=id", "=entitlement", "household__head_name"]
    raw_id_fields = ["person", "household", "roll", "reverses"]
    date_hierarchy = "period"
    show_full_result_count = False


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "person", "household", "bank_name", "account_masked", "is_current", "created_at"]
    list_filter = ["is_current"]
    exclude = ["account_encrypted"]
    raw_id_fields = ["person", "household"]
