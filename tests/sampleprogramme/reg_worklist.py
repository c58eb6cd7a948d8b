"""A worklist source: closing a ``sample.thing`` item asks the sample, which may refuse."""
from django.core.exceptions import ValidationError

from civilaffairs.worklist import sources

SUBJECT_TYPE = "sample.thing"
CLOSED: list[tuple[int, str]] = []  # (item id, to_status) of every close the sample accepted


def on_close(*, item, actor, to_status, outcome, resolution) -> None:
    if resolution == "refuse":
        raise ValidationError("样例业务拒绝办结这条待办。")
    CLOSED.append((item.pk, to_status))


def close_url(item) -> str:
    return f"/sample/?item={item.pk}"


def register() -> None:
    sources.source_register(SUBJECT_TYPE, sources.Source(on_close=on_close, close_url=close_url))


def unregister() -> None:
    sources._SOURCES.pop(SUBJECT_TYPE, None)
