"""Audit events are evidence: the admin shows them and nothing else. A database
trigger (migration 0002) refuses UPDATE and DELETE besides."""
from __future__ import annotations

import json

from django.contrib import admin
from django.db import connection
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from civilaffairs import programmes
from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import scope_queryset, user_can

from .models import AccessLogEntry, AuditEvent


def distinct_actions() -> list[str]:
    """Distinct actions by a loose index scan: one index probe per action instead of
    a DISTINCT over the whole (large) table."""
    table = AuditEvent._meta.db_table
    sql = f"""
        WITH RECURSIVE t(action) AS (
            (SELECT action FROM {table} ORDER BY action LIMIT 1)
            UNION ALL
            SELECT (SELECT a.action FROM {table} a WHERE a.action > t.action ORDER BY a.action LIMIT 1)
            FROM t WHERE t.action IS NOT NULL
        )
        SELECT action FROM t WHERE action IS NOT NULL
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


class ActionFilter(admin.SimpleListFilter):
    title = _("动作")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return [(a, a) for a in distinct_actions()]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class ActionAreaFilter(admin.SimpleListFilter):
    title = _("业务领域")
    parameter_name = "area"

    def lookups(self, request, model_admin):
        # Every app registers its action prefix (civilaffairs.programmes.register_audit_area).
        return [(area.key, area.label) for area in programmes.audit_areas()]

    def queryset(self, request, queryset):
        return queryset.filter(action__startswith=f"{self.value()}.") if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "object_type", "object_id", "region_code",
                    "request_id", "ip_address"]
    list_filter = [ActionAreaFilter, ActionFilter, ("created_at", admin.DateFieldListFilter)]
    search_fields = ["actor_label", "object_id", "request_id"]
    search_help_text = _("按操作人、对象编号或请求编号精确查找")
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = None
    list_per_page = 100
    fields = ["created_at", "actor", "actor_label", "action", "object_type", "object_id", "region_code",
              "before_pretty", "after_pretty", "request_id", "ip_address"]
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        # Exact matches: a contains-search over millions of events is a sequential scan.
        term = search_term.strip()
        if not term:
            return queryset, False
        from django.db.models import Q

        return queryset.filter(Q(actor_label=term) | Q(object_id=term) | Q(request_id=term)), False

    @admin.display(description=_("变更前"))
    def before_pretty(self, obj):
        return self._json(obj.before)

    @admin.display(description=_("变更后"))
    def after_pretty(self, obj):
        return self._json(obj.after)

    @staticmethod
    def _json(value):
        if value is None:
            return "—"
        return format_html('<pre class="json-value">{}</pre>', json.dumps(value, ensure_ascii=False, indent=2))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    """The access log, read-only, for staff accounts that hold ``view_audit`` (within their regions);
    auditors without an admin account use /audit/access-log/. A trigger (migration 0003) refuses
    UPDATE and DELETE besides."""

    list_display = ["created_at", "actor_label", "object_type", "object_id", "section", "purpose", "region_code",
                    "request_id", "ip_address"]
    list_filter = ["purpose", "section", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["actor_label", "object_id", "request_id"]
    search_help_text = _("按查阅人、对象编号或请求编号精确查找")
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = None
    list_per_page = 100
    fields = ["created_at", "actor", "actor_label", "object_type", "object_id", "section", "purpose", "note",
              "region_code", "request_id", "ip_address"]
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        from django.db.models import Q

        return queryset.filter(Q(actor_label=term) | Q(object_id=term) | Q(request_id=term)), False

    def _auditor(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and user_can(request.user, Capability.VIEW_AUDIT)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self._auditor(request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self._auditor(request)

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user, capability=Capability.VIEW_AUDIT)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
