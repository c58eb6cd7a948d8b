"""The only SQL that writes ``worklist_workitem``. Programmes never name the table.

A programme that raises or closes items set-based hands the worklist a SELECT of its own rows
(``raise_from``: one row per item, with the columns of ``RAISE_COLUMNS``; ``close_where``: one
column of dedupe keys) and gets back a statement it runs itself — alone, through
``services.workitem_raise_many`` / ``services.workitem_close``, or as a data-modifying CTE of its
own statement (the scoring engine raises leads and their items in one statement). What the
worklist decides stays here: the defaults of a new item, the open-item uniqueness the conflict
clause names, which columns a repeated raise refreshes, what closing writes.
"""
from __future__ import annotations

from .models import OPEN_STATUSES

# What a raising SELECT yields, in this order and with these names.
RAISE_COLUMNS = ("kind", "title", "detail", "region_id", "subject_type", "subject_id", "link", "due_at", "priority",
                 "dedupe_key")
# What a repeated raise of an open item may refresh (``refresh=``); status, assignee, outcome and
# the escalation are the worker's and the beat's.
REFRESHABLE = ("title", "detail", "link", "subject_id", "due_at", "priority")

_OPEN = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
# The partial unique index ``workitem_one_open_per_key``, spelled as its predicate (ON CONFLICT
# infers the index from it).
_OPEN_KEY_CONFLICT = f"(dedupe_key) WHERE (status IN ({_OPEN}) AND NOT (dedupe_key = ''))"


def raise_from(select_sql: str, *, refresh: tuple[str, ...] = ()) -> str:
    """INSERT the rows of ``select_sql`` as open items. An open item with the same dedupe key is
    left alone (``refresh=()``) or has the ``refresh`` columns updated (its priority only while
    not escalated: the overdue beat's 紧急 stays). RETURNING ``id, subject_id, dedupe_key,
    created, kind`` of the rows inserted or refreshed (created false for a refreshed row); a row
    left alone (``refresh=()``) is not returned."""
    unknown = set(refresh) - set(REFRESHABLE)
    if unknown:
        raise ValueError(f"not refreshable: {sorted(unknown)}")
    cols = ", ".join(RAISE_COLUMNS)
    src = ", ".join(f"src.{c}" for c in RAISE_COLUMNS)
    if refresh:
        sets = [f"{c} = CASE WHEN w.escalated THEN w.priority ELSE EXCLUDED.priority END" if c == "priority"
                else f"{c} = EXCLUDED.{c}" for c in refresh]
        conflict = f"DO UPDATE SET {', '.join(sets)}, updated_at = EXCLUDED.updated_at"
    else:
        conflict = "DO NOTHING"
    return f"""
INSERT INTO worklist_workitem AS w ({cols}, status, outcome, escalated, created_at, updated_at)
SELECT {src}, 'open', '', false, now(), now() FROM ({select_sql}) AS src
ON CONFLICT {_OPEN_KEY_CONFLICT}
{conflict}
RETURNING w.id, w.subject_id, w.dedupe_key, (w.xmax = 0) AS created, w.kind"""


def close_where(condition: str, *, outcome_param: str = "outcome", status_param: str = "to_status") -> str:
    """UPDATE the open items matching ``condition`` (over alias ``w``) to the status and outcome
    named by the two parameters. RETURNING ``id, region_id, previous status, assignee_id``."""
    return f"""
UPDATE worklist_workitem item SET status = %({status_param})s, outcome = left(%({outcome_param})s, 4000),
       closed_at = now(), updated_at = now()
FROM (SELECT w.id, w.status FROM worklist_workitem w WHERE w.status IN ({_OPEN}) AND ({condition})) AS prev
WHERE item.id = prev.id AND item.status IN ({_OPEN})
RETURNING item.id, item.region_id, prev.status, item.assignee_id, item.dedupe_key"""


def close_keys_from(keys_sql: str, *, outcome_param: str = "outcome", status_param: str = "to_status") -> str:
    """``close_where`` for the open items whose dedupe key is among the rows of ``keys_sql`` (one
    column): the open-key unique index finds each."""
    return close_where(f"w.dedupe_key IN ({keys_sql}) AND w.dedupe_key <> ''", outcome_param=outcome_param,
                       status_param=status_param)
