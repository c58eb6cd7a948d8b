"""Reads of the inbox. A notification belongs to one user and only that user reads it: the
scope is the owner, whatever roles they hold (someone else's message answers 404)."""
from __future__ import annotations

from django.shortcuts import get_object_or_404

from .models import Notification, NotificationPreference


def notifications_of(user):
    return Notification.objects.filter(user=user).only("pk", "title", "body", "link", "created_at", "read_at")


def notification_of_or_404(user, pk: int) -> Notification:
    return get_object_or_404(Notification, user=user, pk=pk)


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


NAV_CAP = 99


def unread_badge(user) -> str:
    """The nav badge: "" with nothing unread, else the number, "99+" beyond the cap. Reads at
    most NAV_CAP + 1 ids from the (user, read_at) index: no COUNT on every page."""
    ids = list(Notification.objects.filter(user=user, read_at__isnull=True)
               .values_list("pk", flat=True)[:NAV_CAP + 1])
    return "" if not ids else f"{NAV_CAP}+" if len(ids) > NAV_CAP else str(len(ids))


def preference_of(user) -> NotificationPreference | None:
    return NotificationPreference.objects.filter(user=user).first()
