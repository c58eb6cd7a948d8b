"""Read-only admin pages: what the engine found and how its runs went (written by the engine only;
the one action, resuming a run's unfinished chunks, goes through the engine's service)."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AgeLineDay, DirtySubject, EntitlementCandidate, EntitlementChunk, EntitlementRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EntitlementRun)
class EntitlementRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "evaluated_on", "status", "chunks_done", "chunks_failed", "chunks_total",
                    "evaluated", "changed", "gained", "lost", "started_at", "finished_at")
    list_filter = ("kind", "status", "evaluated_on")
    date_hierarchy = "started_at"
    actions = ["resume"]

    @admin.action(description=_("重新排队未完成的分片"))
    def resume(self, request, queryset):
        from .services import entitlement_run_resume

        n = sum(len(entitlement_run_resume(run_id=run.pk)) for run in queryset)
        self.message_user(request, _("已重新排队 %(n)s 个分片。") % {"n": n})


@admin.register(EntitlementChunk)
class EntitlementChunkAdmin(ReadOnlyAdmin):
    list_display = ("id", "run", "subject_type", "lo", "hi", "status", "attempts", "claimed_at", "evaluated",
                    "changed", "seconds")
    list_filter = ("status", "subject_type")
    list_select_related = ("run",)


@admin.register(EntitlementCandidate)
class EntitlementCandidateAdmin(ReadOnlyAdmin):
    list_display = ("id", "rule_key", "subject_type", "subject_id", "community_id", "status", "category", "amount",
                    "first_eligible_on", "lost_on", "rule_version", "updated_at")
    list_filter = ("rule_key", "status", "subject_type", "rule_version")
    search_fields = ("=subject_id", "community_id")


@admin.register(DirtySubject)
class DirtySubjectAdmin(ReadOnlyAdmin):
    list_display = ("subject_type", "subject_id", "reason", "marked_at")
    list_filter = ("subject_type", "reason")


@admin.register(AgeLineDay)
class AgeLineDayAdmin(ReadOnlyAdmin):
    list_display = ("day", "age_lines", "marked", "created_at")
