"""Every statement of the proactive engine, in one module.

A rule's SELECT (``Rule.sql(target)``) is wrapped in one statement per rule and batch
(``_apply_statement``) that, against the stored candidates of the same subjects:

  res    the rule's rows (materialised once)
  cur    the stored candidates of the target subjects
  elig   eligible rows with the subject's community (for scoping)
  fresh  eligible rows that differ from the stored candidate (or have none)
  up     INSERT … ON CONFLICT DO UPDATE … WHERE IS DISTINCT FROM: gains and changes
  lost   eligible candidates the rule no longer finds eligible

Rows equal to the stored candidate never reach the write (a rerun, a redelivered chunk, a night
where nothing changed writes nothing); the upsert's own WHERE keeps a concurrent run from
writing the same change twice. The ids gained, changed and lost come back for the rule's
set-based callbacks.

Targets are conditions with a ``{col}`` placeholder, as in the scoring engine: an id range for
a full run's chunk, or a semi-join against a session temp table of ids for an incremental batch
(an array of thousands of literals repeated on every base table costs more to plan than to run).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db import connection

from civilaffairs.registry.facts.windows import window

from .rules import RESULT_COLUMNS, Rule, RuleResult, Subject, age_cutoff

LOCK_NAMESPACE = 0x5E17  # advisory locks of the engine (first int of the two-int form)

TARGET_RANGE = "{col} BETWEEN %(lo)s AND %(hi)s"
TARGET_SET = "{col} IN (SELECT id FROM entitlement_target)"
_TARGET_TABLE = "CREATE TEMP TABLE IF NOT EXISTS entitlement_target (id bigint PRIMARY KEY) ON COMMIT DELETE ROWS"
# An incremental batch: the dirty rows it claimed, then the persons and households to evaluate
# (each with the reasons that made it dirty).
_BATCH_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS entitlement_claimed (subject_type text, subject_id bigint, reason text) "
    "ON COMMIT DELETE ROWS",
    "CREATE TEMP TABLE IF NOT EXISTS entitlement_subjects (subject_type text, id bigint, reasons text[], "
    "PRIMARY KEY (subject_type, id)) ON COMMIT DELETE ROWS",
)

# The community of each subject (its current household's), for jurisdiction scoping.
_COMMUNITY = {
    Subject.PERSON: """LEFT JOIN registry_householdmember m ON m.person_id = r.subject_id AND m.is_active
    LEFT JOIN registry_household h ON h.id = m.household_id""",
    Subject.HOUSEHOLD: "LEFT JOIN registry_household h ON h.id = r.subject_id",
}

_CONTENT = "(cur.status, cur.category, cur.amount, cur.reasons, cur.rule_version, cur.community_id)"


def _apply_statement(rule: Rule, target: str) -> str:
    on = target.replace
    return f"""
WITH res AS MATERIALIZED (
    SELECT r.subject_id::bigint AS subject_id, coalesce(r.eligible, false) AS eligible,
           coalesce(r.category, '')::text AS category, r.amount::numeric(12, 2) AS amount,
           coalesce(r.reasons, '[]'::jsonb) AS reasons
    FROM ({rule.sql(target)}) AS r ({", ".join(RESULT_COLUMNS)})
),
cur AS MATERIALIZED (
    SELECT c.id, c.subject_id, c.status, c.category, c.amount, c.reasons, c.rule_version, c.community_id
    FROM entitlements_entitlementcandidate c
    WHERE c.rule_key = %(rule_key)s AND c.subject_type = %(subject_type)s AND {on("{col}", "c.subject_id")}
),
elig AS (
    SELECT r.subject_id, r.category, r.amount, r.reasons, coalesce(h.community_id, '') AS community_id
    FROM res r {_COMMUNITY[rule.subject]}
    WHERE r.eligible
),
fresh AS (
    SELECT e.* FROM elig e LEFT JOIN cur ON cur.subject_id = e.subject_id
    WHERE cur.id IS NULL
       OR {_CONTENT} IS DISTINCT FROM ('eligible', e.category, e.amount, e.reasons, %(version)s, e.community_id)
),
up AS (
    INSERT INTO entitlements_entitlementcandidate AS c (rule_key, subject_type, subject_id, community_id, status,
        category, amount, reasons, first_eligible_on, last_evaluated_on, lost_on, rule_version, run_id,
        created_at, updated_at)
    SELECT %(rule_key)s, %(subject_type)s, f.subject_id, f.community_id, 'eligible', f.category, f.amount,
           f.reasons, %(on)s, %(on)s, NULL, %(version)s, %(run_id)s, now(), now()
    FROM fresh f
    ON CONFLICT (rule_key, subject_type, subject_id) DO UPDATE SET
        community_id = EXCLUDED.community_id, status = 'eligible', category = EXCLUDED.category,
        amount = EXCLUDED.amount, reasons = EXCLUDED.reasons,
        first_eligible_on = CASE WHEN c.status = 'eligible' THEN c.first_eligible_on
                                 ELSE EXCLUDED.first_eligible_on END,
        last_evaluated_on = EXCLUDED.last_evaluated_on, lost_on = NULL, rule_version = EXCLUDED.rule_version,
        run_id = EXCLUDED.run_id, updated_at = now()
    WHERE (c.status, c.category, c.amount, c.reasons, c.rule_version, c.community_id)
          IS DISTINCT FROM ('eligible', EXCLUDED.category, EXCLUDED.amount, EXCLUDED.reasons, EXCLUDED.rule_version,
                            EXCLUDED.community_id)
    RETURNING c.id
),
lost AS (
    UPDATE entitlements_entitlementcandidate c SET
        status = 'lost', lost_on = %(on)s, last_evaluated_on = %(on)s, rule_version = %(version)s,
        reasons = CASE WHEN r.reasons IS NULL OR r.reasons = '[]'::jsonb THEN %(lost_reasons)s::jsonb
                       ELSE r.reasons END,
        run_id = %(run_id)s, updated_at = now()
    FROM cur LEFT JOIN res r ON r.subject_id = cur.subject_id
    WHERE c.id = cur.id AND cur.status = 'eligible' AND c.status = 'eligible'
      AND (r.subject_id IS NULL OR NOT r.eligible)
    RETURNING c.id
)
SELECT (SELECT count(*) FROM res),
       (SELECT coalesce(array_agg(u.id ORDER BY u.id), ARRAY[]::bigint[])
        FROM up u LEFT JOIN cur ON cur.id = u.id WHERE cur.id IS NULL OR cur.status = 'lost'),
       (SELECT coalesce(array_agg(u.id ORDER BY u.id), ARRAY[]::bigint[])
        FROM up u JOIN cur ON cur.id = u.id WHERE cur.status = 'eligible'),
       (SELECT coalesce(array_agg(l.id ORDER BY l.id), ARRAY[]::bigint[]) FROM lost l)"""


@dataclass
class ApplyCounts:
    """What one rule's batch did. Candidate rules report ids (for their callbacks); a rule set
    writing its own tables (``Rule.apply``) reports plain numbers in ``n_*`` (the difficulty
    index: households scored, scores changed, leads raised, leads closed, households it could
    not score). The run and chunk totals are the sums of both."""

    evaluated: int = 0
    gained: list[int] = field(default_factory=list)   # candidate ids newly (or again) eligible
    changed: list[int] = field(default_factory=list)  # still eligible, content changed
    lost: list[int] = field(default_factory=list)     # no longer eligible
    n_gained: int = 0
    n_changed: int = 0
    n_lost: int = 0
    failed: int = 0

    @property
    def gained_total(self) -> int:
        return len(self.gained) + self.n_gained

    @property
    def lost_total(self) -> int:
        return len(self.lost) + self.n_lost

    @property
    def changed_total(self) -> int:
        return len(self.gained) + len(self.changed) + len(self.lost) + self.n_changed

    def add(self, other: "ApplyCounts") -> None:
        self.evaluated += other.evaluated
        self.gained += other.gained
        self.changed += other.changed
        self.lost += other.lost
        self.n_gained += other.n_gained
        self.n_changed += other.n_changed
        self.n_lost += other.n_lost
        self.failed += other.failed


def _execute(cur, sql: str, params: dict) -> None:
    # As the scoring engine: no JIT, no parallel query (the chunk workers use the cores), and
    # index probes priced for cached tables.
    cur.execute("SET LOCAL jit = off")
    cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    cur.execute("SET LOCAL random_page_cost = 1.1")
    cur.execute("SET LOCAL work_mem = '64MB'")
    cur.execute(sql, params)


def _params(rule: Rule, on: dt.date, run_id: int | None, lost_reasons: list[str], **extra) -> dict:
    # The facts reader's window parameters (``person_facts_sql``) come with every rule's ``on``.
    return {**window(on).sql_params(), "on": on, "rule_key": rule.key, "subject_type": rule.subject,
            "version": rule.version_now,
            "run_id": run_id, "lost_reasons": json.dumps(lost_reasons, ensure_ascii=False), **extra}


def apply_range(rule: Rule, *, on: dt.date, lo: int, hi: int, run_id: int | None,
                lost_reasons: list[str]) -> ApplyCounts:
    """Evaluate ``rule`` for the subjects with ids in [lo, hi] and write what changed. In a transaction."""
    with connection.cursor() as cur:
        _execute(cur, _apply_statement(rule, TARGET_RANGE),
                 _params(rule, on, run_id, lost_reasons, lo=lo, hi=hi))
        return ApplyCounts(*cur.fetchone())


def apply_target(rule: Rule, *, on: dt.date, run_id: int | None, lost_reasons: list[str]) -> ApplyCounts:
    """Evaluate ``rule`` for the subjects of the target set (``load_target``) and write what changed."""
    with connection.cursor() as cur:
        _execute(cur, _apply_statement(rule, TARGET_SET), _params(rule, on, run_id, lost_reasons))
        return ApplyCounts(*cur.fetchone())


def load_target(ids) -> int:
    with connection.cursor() as cur:
        cur.execute(_TARGET_TABLE)
        cur.execute("DELETE FROM entitlement_target")
        cur.execute("INSERT INTO entitlement_target SELECT DISTINCT unnest(%s::bigint[])", [list(ids)])
        return cur.rowcount


def evaluate_ids(rule: Rule, *, ids, on: dt.date) -> dict[int, RuleResult]:
    """What the SQL says about a few subjects, without writing (the property test, the staff
    page). A subject without a row is not eligible (``RuleResult(False)``)."""
    ids = list(ids)
    load_target(ids)
    with connection.cursor() as cur:
        _execute(cur, f"SELECT r.subject_id, r.eligible, r.category, r.amount, r.reasons FROM "
                      f"({rule.sql(TARGET_SET)}) AS r ({', '.join(RESULT_COLUMNS)})", window(on).sql_params())
        rows = cur.fetchall()
        cur.execute("DELETE FROM entitlement_target")
    # Django leaves jsonb as text on its connections.
    found = {int(sid): RuleResult(bool(eligible), category or "", amount,
                                  tuple(json.loads(reasons) if isinstance(reasons, str) else reasons or ()))
             for sid, eligible, category, amount, reasons in rows}
    return {i: found.get(i, RuleResult(False)) for i in ids}


# --- the dirty set ------------------------------------------------------------------------------

MARK_IDS = """
INSERT INTO entitlements_dirtysubject (subject_type, subject_id, reason, marked_at)
SELECT %(subject_type)s, i, %(reason)s, now() FROM unnest(%(ids)s::bigint[]) AS i
ON CONFLICT (subject_type, subject_id, reason) DO NOTHING"""


def mark_select_sql(select_ids: str) -> str:
    """Mark every id of ``select_ids`` (one bigint column) dirty: the statement a service, a job or
    (later) a statement-level trigger runs, with %(subject_type)s and %(reason)s."""
    return f"""
INSERT INTO entitlements_dirtysubject (subject_type, subject_id, reason, marked_at)
SELECT %(subject_type)s, s.id, %(reason)s, now() FROM ({select_ids}) AS s (id)
ON CONFLICT (subject_type, subject_id, reason) DO NOTHING"""


def mark_ids(*, subject_type: str, ids, reason: str) -> int:
    with connection.cursor() as cur:
        cur.execute(MARK_IDS, {"subject_type": subject_type, "ids": sorted(set(ids)), "reason": reason})
        return cur.rowcount


_CLAIM = """
WITH claimed AS (
    DELETE FROM entitlements_dirtysubject
    WHERE id IN (SELECT id FROM entitlements_dirtysubject ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED)
    RETURNING subject_type, subject_id, reason
)
INSERT INTO entitlement_claimed SELECT subject_type, subject_id, reason FROM claimed"""

# Household rules also look at the households of dirty persons, person rules at the members of
# dirty households: a new fact about one member changes a household's answer, a membership
# change a person's (lives alone, has a carer).
_EXPAND_TO_HOUSEHOLDS = """
    UNION ALL
    SELECT 'household', m.household_id, c.reason FROM entitlement_claimed c
    JOIN registry_householdmember m ON m.person_id = c.subject_id AND m.is_active
    WHERE c.subject_type = 'person'"""
_EXPAND_TO_PERSONS = """
    UNION ALL
    SELECT 'person', m.person_id, c.reason FROM entitlement_claimed c
    JOIN registry_householdmember m ON m.household_id = c.subject_id AND m.is_active
    WHERE c.subject_type = 'household'
    UNION ALL
    -- the wards of a dirty guardian (a parent's custody record decides the child's category;
    -- the child may live in another household)
    SELECT 'person', g.ward_id, c.reason FROM entitlement_claimed c
    JOIN registry_guardianship g ON g.guardian_id = c.subject_id AND g.status IN ('active', 'revoked')
    WHERE c.subject_type = 'person'"""


def _expand(households: bool, persons: bool) -> str:
    """Only the expansions some registered rule needs (no person rule: no members listed)."""
    return f"""
INSERT INTO entitlement_subjects (subject_type, id, reasons)
SELECT subject_type, id, array_agg(DISTINCT reason ORDER BY reason) FROM (
    SELECT subject_type, subject_id AS id, reason FROM entitlement_claimed
    {_EXPAND_TO_HOUSEHOLDS if households else ""}{_EXPAND_TO_PERSONS if persons else ""}
) s GROUP BY subject_type, id"""


def claim_dirty(*, limit: int, households: bool = True, persons: bool = True) -> int:
    """Take up to ``limit`` dirty rows into this transaction's batch (deleting them: the snapshot;
    rows marked from now on stay for the next run; rows other runs hold are skipped; a rollback
    puts them back) and expand them to the persons and households to evaluate (``households``:
    the households of dirty persons, for household rules; ``persons``: the members of dirty
    households and the wards of dirty guardians, for person rules). Returns the rows taken."""
    with connection.cursor() as cur:
        for statement in _BATCH_TABLES:
            cur.execute(statement)
        cur.execute("DELETE FROM entitlement_claimed")
        cur.execute("DELETE FROM entitlement_subjects")
        cur.execute(_CLAIM, {"limit": limit})
        taken = cur.rowcount
        if taken:
            cur.execute(_expand(households, persons))
        return taken


def load_batch_target(*, subject_type: str, triggers: tuple[str, ...]) -> int:
    """Make the batch's subjects of one type (those dirty for one of ``triggers``; empty: all)
    the target set."""
    with connection.cursor() as cur:
        cur.execute(_TARGET_TABLE)
        cur.execute("DELETE FROM entitlement_target")
        # in id order, so the index probes of the rule's statement walk forwards
        cur.execute("INSERT INTO entitlement_target SELECT id FROM entitlement_subjects WHERE subject_type = %s"
                    + (" AND reasons && %s::text[]" if triggers else "") + " ORDER BY id",
                    [subject_type, list(triggers)] if triggers else [subject_type])
        return cur.rowcount


# --- age lines ----------------------------------------------------------------------------------

_AGE_LINES = """
INSERT INTO entitlements_dirtysubject (subject_type, subject_id, reason, marked_at)
SELECT DISTINCT 'person', p.id, 'age_line', now()
FROM registry_person p
JOIN unnest(%(after)s::date[], %(upto)s::date[]) AS l (after, upto)
  ON p.birth_date > l.after AND p.birth_date <= l.upto
WHERE p.death_date IS NULL OR p.death_date > %(since)s
ON CONFLICT (subject_type, subject_id, reason) DO NOTHING"""


def age_line_windows(*, since: dt.date, until: dt.date, lines) -> tuple[list[dt.date], list[dt.date]]:
    """Birth dates of those who reach a line on a day in (since, until]: for line N, born after
    the cut-off of ``since`` and on or before the cut-off of ``until`` (``rules.age_cutoff``)."""
    return ([age_cutoff(since, n) for n in lines], [age_cutoff(until, n) for n in lines])


def mark_age_lines(*, since: dt.date, until: dt.date, lines) -> int:
    after, upto = age_line_windows(since=since, until=until, lines=lines)
    with connection.cursor() as cur:
        _execute(cur, _AGE_LINES, {"after": after, "upto": upto, "since": since})
        return cur.rowcount


# --- bounds, statistics, locks ------------------------------------------------------------------

SUBJECT_TABLES = {Subject.PERSON: "registry_person", Subject.HOUSEHOLD: "registry_household"}


def id_bounds(subject_type: str) -> tuple[int | None, int | None]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT min(id), max(id) FROM {SUBJECT_TABLES[subject_type]}")
        return cur.fetchone()


INPUT_TABLES = ("registry_person", "registry_household", "registry_householdmember",
                "entitlements_entitlementcandidate", "entitlements_dirtysubject")
STALE_FRACTION = 0.1

# Never analysed (and not empty), or the row count moved by more than the fraction since the
# last ANALYZE: a first run filling the candidate table is otherwise planned as empty.
_STALE_TABLES = """
SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.schemaname = current_schema() AND s.relname = ANY(%(tables)s)
  AND (c.reltuples < 0 AND s.n_live_tup + s.n_mod_since_analyze > 0
       OR coalesce(s.last_analyze, s.last_autoanalyze) IS NULL AND s.n_live_tup > 0
       OR abs(s.n_live_tup - greatest(c.reltuples, 0)) > 1000 + %(fraction)s * greatest(c.reltuples, 0))"""


def refresh_stale_statistics(tables=None) -> list[str]:
    """ANALYZE the tables whose statistics are missing or stale (outside a chunk's transaction:
    it takes no lock that blocks reads or writes, but the others' chunks need not wait on it).
    Default: the engine's tables and every registered rule's ``input_tables``."""
    if tables is None:
        from .rules import rule_registry

        tables = sorted({*INPUT_TABLES, *(t for r in rule_registry().values() for t in r.input_tables)})
    with connection.cursor() as cur:
        cur.execute(_STALE_TABLES, {"tables": list(tables), "fraction": STALE_FRACTION})
        stale = [r[0] for r in cur.fetchall()]
        for table in stale:
            cur.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return stale


def lock(key: int) -> None:
    """Transaction-scoped advisory lock in the engine's namespace."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, key])
