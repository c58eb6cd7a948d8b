"""Admin of visits, devices and alarms (area D): read-only — every write goes through the
services (the pages and the ingestion API), so the admin shows and searches, never edits."""
from __future__ import annotations

from django.contrib import admin

from .models import Alarm, AlarmSms, Device, DeviceEvent, DeviceToken, Visit, VisitPlan


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VisitPlan)
class VisitPlanAdmin(ReadOnlyAdmin):
    list_display = ("person", "community_id", "arrangement", "risk_level", "visitor", "status", "starts_on",
                    "last_visit_at")
    list_filter = ("status", "risk_level", "arrangement")
    search_fields = ("community_id", "person__name")
    raw_id_fields = ("person", "visitor")


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("person", "community_id", "visitor", "mode", "visited_at", "health", "safety")
    list_filter = ("mode", "health", "safety")
    search_fields = ("community_id", "person__name")
    raw_id_fields = ("plan", "person", "visitor")


@admin.register(Device)
class DeviceAdmin(ReadOnlyAdmin):
    list_display = ("serial", "kind", "person", "community_id", "provider", "status", "installed_on")
    list_filter = ("kind", "status")
    search_fields = ("serial", "community_id")
    raw_id_fields = ("person", "provider", "created_by")


@admin.register(DeviceToken)
class DeviceTokenAdmin(ReadOnlyAdmin):
    list_display = ("prefix", "provider", "label", "created_at", "last_used_at", "revoked_at")
    exclude = ("key_digest",)
    search_fields = ("prefix", "provider__name")
    raw_id_fields = ("provider", "created_by", "revoked_by")


@admin.register(DeviceEvent)
class DeviceEventAdmin(ReadOnlyAdmin):
    list_display = ("device", "event_id", "kind", "value", "occurred_at", "abnormal", "alarm")
    list_filter = ("kind", "abnormal")
    search_fields = ("event_id", "device__serial")
    raw_id_fields = ("device", "alarm")
    show_full_result_count = False


@admin.register(Alarm)
class AlarmAdmin(ReadOnlyAdmin):
    list_display = ("person", "kind", "community_id", "status", "opened_at", "due_at", "escalated_at", "outcome")
    list_filter = ("status", "kind", "outcome")
    search_fields = ("community_id", "device__serial")
    raw_id_fields = ("device", "person", "provider", "acknowledged_by", "closed_by")


@admin.register(AlarmSms)
class AlarmSmsAdmin(ReadOnlyAdmin):
    list_display = ("alarm", "contact", "status", "attempts", "sent_at")
    list_filter = ("status",)
    raw_id_fields = ("alarm", "contact")
