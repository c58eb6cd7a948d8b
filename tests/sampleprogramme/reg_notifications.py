"""The sample programme's notification texts: it stores one Chinese sentence and registers how
the inbox shows it in the reader's language (civilaffairs.notifications.display)."""
from django.utils.translation import get_language

from civilaffairs.notifications.display import register_text_translator, unregister_text_translator

STORED_TITLE = "示例项目：您的申请已受理"
ENGLISH_TITLE = "Sample programme: your application was accepted"


def translate(text: str) -> str:
    if (get_language() or "").startswith("en"):
        return text.replace(STORED_TITLE, ENGLISH_TITLE)
    return text


def register() -> None:
    register_text_translator("sampleprogramme", translate)


def unregister() -> None:
    unregister_text_translator("sampleprogramme")
