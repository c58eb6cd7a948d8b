"""Notification titles and bodies are stored as the Chinese sentence a programme wrote; the
programme that wrote them registers how to show them in the reader's language
(``register_text_translator`` from its ``AppConfig.ready()``). The inbox applies every
registered translator; a text no translator knows is shown as stored."""
from __future__ import annotations

from typing import Callable

_translators: dict[str, Callable[[str], str]] = {}


def register_text_translator(name: str, translate: Callable[[str], str]) -> None:
    _translators[name] = translate


def unregister_text_translator(name: str) -> None:
    _translators.pop(name, None)


def in_language(text):
    if not text or not isinstance(text, str):
        return text
    for translate in _translators.values():
        text = translate(text)
    return text
