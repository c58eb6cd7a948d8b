from django import template

from civilaffairs.notifications import display
from civilaffairs.notifications.selectors import unread_badge

register = template.Library()


@register.filter
def notification_text(text):
    """``{{ n.title|notification_text }}``: a stored sentence in the active language."""
    return display.in_language(text)


@register.simple_tag
def unread_notifications(user) -> str:
    """The nav badge: how many of the signed-in user's messages are unread ("" for none)."""
    return unread_badge(user) if getattr(user, "is_authenticated", False) else ""
