"""Texts that were stored in Chinese (notification titles, pre-check hints, the submit note) shown
in the reader's language: each stored sentence is matched against the msgid it was made from and
translated now, its values (numbers, status labels) put back in."""
from __future__ import annotations

import re
from functools import lru_cache

from django import template
from django.utils.translation import gettext, gettext_noop

register = template.Library()

# The msgids whose Chinese text services store (assistance/services).
STORED_MSGIDS = (
    gettext_noop("您的救助申请 %(no)s：%(status)s"),
    gettext_noop("临时救助金 %(a)s 元已先行发放"),
    gettext_noop("定期复核结果：%(o)s"),
    gettext_noop("根据已掌握的部门数据，家庭人均月收入约 %(pci)s 元；当地低保标准为 %(std)s 元/人·月。"),
    gettext_noop("人均月收入 %(pci)s 元低于 %(std)s 元的低保标准，可能符合低保条件。"),
    gettext_noop("人均月收入 %(pci)s 元高于低保标准、低于低保边缘线，可能符合低保边缘条件。"),
    gettext_noop("人均月收入 %(pci)s 元高于低保边缘线，按现有数据可能不符合低保条件；如有大额医疗等支出，可申请临时救助。"),
    gettext_noop("您申报的人均月收入（%(d)s 元）与部门数据（%(v)s 元）差异较大，审核时将以核对结果为准。"),
    gettext_noop("家庭人均金融资产超过规定上限，可能影响认定。"),
    gettext_noop("以上为系统自动预审提示，不是审批结论。"),
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@lru_cache(maxsize=None)
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    compiled = []
    for msgid in STORED_MSGIDS:
        parts, last = [], 0
        for match in _PLACEHOLDER.finditer(msgid):
            parts.append(re.escape(msgid[last:match.start()]))
            at_end = match.end() == len(msgid)
            parts.append(f"(?P<{match.group(1)}>.+)" if at_end else f"(?P<{match.group(1)}>[^\\s]+?)")
            last = match.end()
        parts.append(re.escape(msgid[last:]))
        compiled.append((msgid, re.compile("".join(parts))))
    return tuple(compiled)


def _translate_match(msgid: str, match: re.Match) -> str:
    values = {name: gettext(value) for name, value in match.groupdict().items()}
    return gettext(msgid) % values


@register.filter
def in_language(text):
    """``{{ n.title|in_language }}``: a stored Chinese sentence in the active language."""
    if not text or not isinstance(text, str):
        return text
    for msgid, pattern in _patterns():
        text = pattern.sub(lambda m, msgid=msgid: _translate_match(msgid, m), text)
    return text
