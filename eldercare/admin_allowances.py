"""Admin of the allowances and service credit (area C): read-only. Allowances are written by the
engine's callbacks and the caseworkers' stop/resume (services); the credit ledger only by
``eldercare.services.credit`` (its balance must stay the sum of its entries)."""
from __future__ import annotations

from django.contrib import admin

from .models import Allowance, CreditAccount, CreditEntry


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Allowance)
class AllowanceAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["id", "person", "kind", "band", "amount", "from_month", "to_month", "status", "community_id"]
    list_filter = ["kind", "status"]
    search_fields = ["person__name", "community_id"]
    list_select_related = ["person"]
    raw_id_fields = ["person", "stop_proposed_by"]
    show_full_result_count = False


class CreditEntryInline(_ReadOnly, admin.TabularInline):
    model = CreditEntry
    fk_name = "account"
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "amount", "period", "reference", "organisation", "note"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]


@admin.register(CreditAccount)
class CreditAccountAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["id", "person", "community_id", "balance", "updated_at"]
    search_fields = ["person__name", "community_id"]
    list_select_related = ["person"]
    raw_id_fields = ["person"]
    inlines = [CreditEntryInline]
    show_full_result_count = False


@admin.register(CreditEntry)
class CreditEntryAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["id", "account", "kind", "amount", "period", "reference", "organisation", "created_at"]
    list_filter = ["kind"]
    search_fields = ["reference"]
    raw_id_fields = ["account", "organisation", "related", "actor"]
    show_full_result_count = False
