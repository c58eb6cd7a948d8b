"""The set-based scoring engine: every statement the bulk path runs, in one module.

The rules mirror ``rules.py`` line for line (see its docstring for how each input
is derived); the hypothesis test in tests/assistance/scoring/test_property.py
proves both give the same numbers.

Shape of one scoring statement, for a target set of households (an id range, an
id list, or the whole city for a dry run):

  hh    target households (id, community)
  std   the 低保 standard in force on the scoring date for each community,
        resolved set-based against the parameter rows of its ancestor codes
  mem   active members with age on the scoring date
  rec   per-person facts: the platform's one reader, ``person_facts_sql`` (current facts
        only, through the windows of POLICY.md "Windows")
  agg   per-household aggregates (living members only)
  final the six dimensions, index, colour, type (each level fenced with OFFSET 0
        so its expressions are computed once per row, not re-substituted into
        every reference by subquery flattening)
  up    INSERT … ON CONFLICT DO UPDATE … WHERE row IS DISTINCT FROM: only
        households whose score changed are written, and the written rows are
        copied to the append-only history

Statements run with JIT off (the connection option set in settings, and again
with SET LOCAL here for connections made elsewhere).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection

from assistance.models import COVERAGE_PROGRAMMES, PAID_STATUSES
from civilaffairs.entitlements import sql as engine_sql
from civilaffairs.worklist import sql as worklist_sql
from civilaffairs.worklist.models import Priority

from .models import (  # noqa: F401  (SCORE_CONTENT_FIELDS, lead_dedupe_key: documented in the lead SQL)
    COVERED_LEAD_NOTE,
    COVERED_OUTCOME,
    SCORE_CONTENT_FIELDS,
    Colour,
    LeadOutcome,
    lead_dedupe_key,
)
from civilaffairs.registry.facts.reader import person_facts_sql
from civilaffairs.registry.facts.windows import window

# Advisory-lock namespace for the engine (first int of the two-int form).
LOCK_NAMESPACE = 0x5C0E


def _cutoff(on: dt.date, years: int) -> dt.date:
    """The latest birth date of someone aged ``years`` on ``on`` (29 Feb falls back to
    28 Feb, as PostgreSQL's ``date - interval`` does)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def model_params(model, on: dt.date) -> dict:
    return {
        "child_cutoff": _cutoff(on, model.child_age), "elder_cutoff": _cutoff(on, model.elder_age),
        **window(on, recent_days=model.recent_days).sql_params(),  # on, income_start/_end, recent_start
        "model_version_id": model.pk,
        "w_income": model.w_income, "w_expense": model.w_expense, "w_assets": model.w_assets,
        "w_health": model.w_health, "w_dependency": model.w_dependency, "w_employment": model.w_employment,
        "ifr": model.income_full_ratio, "izr": model.income_zero_ratio,
        "efs": model.expense_full_share, "asset_multiplier": model.asset_multiplier,
        "severe_points": model.severe_points, "chronic_points": model.chronic_points,
        "child_age": model.child_age, "elder_age": model.elder_age,
        "emergency_amount": model.emergency_medical_amount,
        "dev_max": model.development_max_ratio, "dibian_ratio": model.dibian_ratio,
        "red": model.red_threshold, "yellow": model.yellow_threshold,
        "coverage": [str(p) for p in COVERAGE_PROGRAMMES],
        "paid": [str(s) for s in PAID_STATUSES],
    }


# Target sets: each yields (id, community_id) of registry_household.
# A target is a condition on a household-id column, repeated on each base table so the
# planner sees the real selectivity (a CTE of ids would hide it and get seq scans).
TARGET_RANGE = "{col} BETWEEN %(lo)s AND %(hi)s"
TARGET_IDS = "{col} = ANY(%(ids)s::bigint[])"  # a few ids (explain path, property test)
# Many ids (incremental batches): the engine's session temp table of target ids, filled once
# per batch (the engine's incremental run loads it with the batch's households). An array of
# 10 k literals repeated on every base table cost ~70–170 ms of parsing and selectivity
# estimation per statement; a semi-join against the table plans in ~3 ms.
TARGET_SET = engine_sql.TARGET_SET
TARGET_ALL = "true"


def param_by_community_sql(key_placeholder: str, communities_cte: str) -> str:
    """Resolve a dated, region-scoped parameter for every community of ``communities_cte``
    (a relation with ``community_id``): the community's own row, else its nearest
    ancestor's — the same answer as ``registry.selectors.parameter_row``."""
    return f"""
    SELECT c.community_id, s.value
    FROM (SELECT DISTINCT community_id FROM {communities_cte}) c
    CROSS JOIN LATERAL (
        SELECT p.value FROM registry_policyparameter p
        WHERE p.key = {key_placeholder}
          AND p.region_id IN (left(c.community_id, 2), left(c.community_id, 4), left(c.community_id, 6),
                              left(c.community_id, 9), c.community_id)
          AND p.effective_from <= %(on)s AND (p.effective_to IS NULL OR p.effective_to >= %(on)s)
        ORDER BY length(p.region_id) DESC, p.effective_from DESC
        LIMIT 1) s"""


PERSON_RANGE = "{col} BETWEEN %(pmin)s AND %(pmax)s"
# ``score_range`` reads records by person-id range when the range holds at most this many
# ids per member of the chunk.
RANGE_SLACK = 2


def compute_ctes(target: str, person_range: bool = False, records_by_range: bool = False,
                 only_changed: bool = False) -> str:
    """The WITH-list that computes ``final`` (one row per scorable household).

    With ``person_range``, the persons and their records are also limited to the
    chunk members' person-id range (%(pmin)s..%(pmax)s, redundant for correctness):
    the planner then reads them by index range, in person order, instead of scanning
    millions of rows per chunk.

    With ``records_by_range`` (only when the range is tight: see ``score_range``) the
    per-person record aggregate reads every record of the person range in index order
    and aggregates it as it streams, without first joining the members: persons of the
    range who are not members of the chunk are dropped by the join in ``per``, so the
    result is the same. Otherwise it reads the records of the chunk's members.
    Either way the aggregate is the platform's reader (``facts.reader.person_facts_sql``):
    the engine never interprets a department record itself, and the reader's columns the
    rules do not use are not computed (PostgreSQL drops unused outputs of the inlined CTE).

    With ``only_changed``, households whose *inputs* (``SCORE_INPUT_COLUMNS``) equal
    their stored score are dropped before the numeric stage (ratios, dimensions, index,
    colour, type), which is a pure function of those inputs and the model version;
    ``final`` then also carries ``existing`` (a stored score row exists)."""
    def on(col: str) -> str:
        return target.replace("{col}", col)

    def persons(col: str) -> str:
        return PERSON_RANGE.replace("{col}", col) if person_range else "true"

    if records_by_range:
        rec_target = PERSON_RANGE
    else:
        rec_target = (f"{{col}} IN (SELECT m.person_id FROM registry_householdmember m "
                      f"WHERE m.is_active AND {on('m.household_id')}) AND {persons('{col}')}")
    if only_changed:
        stored = ", ".join(f"cur.{c}" for c in SCORE_INPUT_COLUMNS)
        fresh = ", ".join("%(model_version_id)s" if c == "model_version_id" else f"base.{_FINAL_TO_COLUMN.get(c, c)}"
                          for c in SCORE_INPUT_COLUMNS)
        gate = f"""
chg AS (
    SELECT base.*, cur.household_id IS NOT NULL AS existing
    FROM base LEFT JOIN scoring_householdscore cur
      ON cur.household_id = base.household_id AND {on("cur.household_id")}
    WHERE cur.household_id IS NULL OR ({stored}) IS DISTINCT FROM ({fresh})
    OFFSET 0
),"""
        ratios_from = "chg"
    else:
        gate, ratios_from = "", "base"

    return f"""
hh AS (SELECT h.id, h.community_id FROM registry_household h WHERE {on("h.id")}),
std AS MATERIALIZED ({param_by_community_sql("'dibao_standard'", "hh")}),
single AS (
    -- 单人户: the members an active 低保 benefit covers as one-person households
    SELECT b.household_id, x.pid::bigint AS person_id
    FROM assistance_benefit b
    CROSS JOIN LATERAL jsonb_array_elements_text(b.calculation -> 'single_person_ids') x(pid)
    WHERE b.programme = 'dibao' AND b.status = 'active' AND {on("b.household_id")}
      AND jsonb_typeof(b.calculation -> 'single_person_ids') = 'array'
),
mem AS (
    -- Age bands by comparing birth dates with cut-off dates (cheaper than age() per row;
    -- same answer as rules.age_on, see _cutoff).
    SELECT hm.household_id, hm.person_id,
           (p.death_date IS NULL OR p.death_date > %(on)s) AS alive,
           CASE WHEN p.birth_date > %(child_cutoff)s THEN 0 WHEN p.birth_date > %(elder_cutoff)s THEN 1 ELSE 2 END
             AS grp,
           CASE WHEN p.death_date > %(recent_start)s AND p.death_date <= %(on)s
                THEN extract(year FROM age(p.death_date, p.birth_date)) >= %(child_age)s
                     AND extract(year FROM age(p.death_date, p.birth_date)) < %(elder_age)s
                ELSE false END AS earner_died,
           (hm.household_id, hm.person_id) IN (SELECT household_id, person_id FROM single) AS single
    FROM registry_householdmember hm
    JOIN registry_person p ON p.id = hm.person_id
    WHERE hm.is_active AND {on("hm.household_id")} AND {persons("p.id")}
),
rec AS ({person_facts_sql(rec_target)}
),
per AS (
    SELECT m.household_id, m.alive, m.grp, m.earner_died, m.single,
           coalesce(r.income_12m, 0) AS income, coalesce(r.expense_12m, 0) AS expense,
           r.financial_assets AS financial, coalesce(r.properties, 0) AS properties,
           coalesce(r.vehicles, 0) AS vehicles, coalesce(r.disabled, false) AS disabled,
           coalesce(r.severe, false) AS severe, coalesce(r.serious_illness, false) AS serious,
           coalesce(r.chronic_illness, false) AS chronic, coalesce(r.employed, false) AS employed,
           coalesce(r.max_recent_medical >= %(emergency_amount)s, false) AS big_bill
    FROM mem m LEFT JOIN rec r ON r.person_id = m.person_id
),
agg AS (
    SELECT household_id,
        count(*) FILTER (WHERE alive) AS n,
        coalesce(sum(income) FILTER (WHERE alive), 0) AS income_12m,
        coalesce(sum(expense) FILTER (WHERE alive), 0) AS expense_12m,
        coalesce(sum(financial) FILTER (WHERE alive), 0) AS financial_assets,
        coalesce(sum(properties) FILTER (WHERE alive), 0) AS properties,
        coalesce(sum(vehicles) FILTER (WHERE alive), 0) AS vehicles,
        count(*) FILTER (WHERE alive AND severe) + count(*) FILTER (WHERE alive AND serious) AS severe_count,
        count(*) FILTER (WHERE alive AND chronic) AS chronic_count,
        count(*) FILTER (WHERE alive AND grp = 2 AND disabled AND NOT severe) AS disabled_elders,
        count(*) FILTER (WHERE alive AND grp = 0) AS children,
        count(*) FILTER (WHERE alive AND grp = 2) AS elders,
        count(*) FILTER (WHERE alive AND grp = 1) AS working,
        count(*) FILTER (WHERE alive AND grp = 1 AND (severe OR serious)) AS unable,
        count(*) FILTER (WHERE alive AND grp = 1 AND NOT (severe OR serious) AND NOT employed) AS unemployed,
        bool_or((alive AND big_bill) OR earner_died) AS emergency,
        max(income) FILTER (WHERE alive AND single) AS single_max_income
    FROM per
    GROUP BY household_id
),
ben AS (
    SELECT b.household_id,
        bool_or(b.programme = ANY(%(coverage)s) AND b.status = ANY(%(paid)s)) AS covered,
        -- granted under the household rule (特困, or 低保 not as 单人户) / as 单人户 / 低边
        bool_or(b.status = 'active' AND (b.programme = 'tekun' OR b.programme = 'dibao'
                AND coalesce(jsonb_array_length(CASE WHEN jsonb_typeof(b.calculation -> 'single_person_ids') = 'array'
                                                     THEN b.calculation -> 'single_person_ids' END), 0) = 0))
          AS household_rule,
        bool_or(b.status = 'active' AND b.programme = 'dibao'
                AND jsonb_typeof(b.calculation -> 'single_person_ids') = 'array'
                AND jsonb_array_length(b.calculation -> 'single_person_ids') > 0) AS single_rule,
        bool_or(b.programme = 'dibian' AND b.status = 'active') AS dibian_active
    FROM assistance_benefit b
    WHERE {on("b.household_id")}
    GROUP BY b.household_id
),
base AS (
    SELECT hh.id AS household_id, hh.community_id, s.value AS standard, a.n, a.income_12m, a.expense_12m,
           a.financial_assets, a.properties, a.vehicles, a.severe_count, a.chronic_count, a.disabled_elders,
           a.children, a.elders, a.working - a.unable AS able_working, a.unable, a.unemployed, a.emergency,
           (a.children > 0 AND a.working = 0) AS children_alone,
           coalesce(b.covered, false) AS covered,
           round(a.income_12m / (12 * a.n), 2) AS pci,
           -- 渐退 review, on exact values: the rule an active benefit was granted under no longer
           -- holds (an input of the compare in ``chg``, so computed here)
           (coalesce(b.household_rule, false) AND a.income_12m >= 12 * a.n * s.value
            OR coalesce(b.single_rule, false) AND (a.single_max_income IS NULL
                                                   OR a.single_max_income >= 12 * s.value)
            OR coalesce(b.dibian_active, false) AND a.income_12m >= %(dibian_ratio)s * 12 * a.n * s.value)
             AS review_needed
    FROM hh
    JOIN std s ON s.community_id = hh.community_id
    JOIN agg a ON a.household_id = hh.id
    LEFT JOIN ben b ON b.household_id = hh.id
    WHERE a.n > 0 AND s.value > 0
    OFFSET 0
),{gate}
ratios AS (
    SELECT {ratios_from}.*,
        12 * n * standard AS line, n * %(asset_multiplier)s * 12 * standard AS asset_limit,
        round(income_12m / (12 * n * standard), 4) AS income_ratio,
        CASE WHEN income_12m > 0 THEN round(least(expense_12m / income_12m, 9999.9999), 4)
             WHEN expense_12m > 0 THEN 1.0000 ELSE 0.0000 END AS expense_share,
        round(least(financial_assets / (n * %(asset_multiplier)s * 12 * standard), 9999.9999), 4) AS asset_ratio
    FROM {ratios_from}
    OFFSET 0
),
dims AS (
    SELECT ratios.*,
        -- boundaries on exact values (the ratios above are for display)
        CASE WHEN income_12m <= %(ifr)s * line THEN 100.00
             WHEN income_12m >= %(izr)s * line THEN 0.00
             ELSE round(100 * (%(izr)s * line - income_12m) / ((%(izr)s - %(ifr)s) * line), 2) END AS d_income,
        CASE WHEN income_12m > 0 THEN round(least(100, 100 * expense_12m / (%(efs)s * income_12m)), 2)
             WHEN expense_12m > 0 THEN round(least(100, 100 / %(efs)s), 2) ELSE 0.00 END AS d_expense,
        CASE WHEN income_12m > 0 THEN expense_12m > 0 AND expense_12m >= %(efs)s * income_12m
             ELSE expense_12m > 0 AND 1 >= %(efs)s END AS expense_heavy,
        CASE WHEN properties >= 1 OR vehicles >= 1 OR financial_assets >= asset_limit THEN 0.00
             ELSE round(100 * (asset_limit - financial_assets) / asset_limit, 2) END AS d_assets,
        round(least(100, %(severe_points)s * severe_count
                         + %(chronic_points)s * (chronic_count + disabled_elders)), 2) AS d_health,
        round(100.0 * (children + elders + unable) / n, 2) AS d_dependency,
        CASE WHEN able_working > 0 THEN round(100.0 * unemployed / able_working, 2) ELSE 0.00 END AS d_employment,
        income_12m < line AS below,
        (income_12m < line AND financial_assets <= asset_limit AND properties = 0 AND vehicles = 0) AS eligible
    FROM ratios
    OFFSET 0
),
idx AS (
    SELECT dims.*,
        round(%(w_income)s * d_income + %(w_expense)s * d_expense + %(w_assets)s * d_assets
              + %(w_health)s * d_health + %(w_dependency)s * d_dependency
              + %(w_employment)s * d_employment, 2) AS difficulty_index
    FROM dims
    OFFSET 0
),
final AS (
    SELECT idx.*,
        CASE WHEN (eligible AND NOT covered) OR difficulty_index >= %(red)s THEN 'red'
             WHEN difficulty_index >= %(yellow)s THEN 'yellow' ELSE 'green' END AS colour,
        CASE WHEN emergency THEN 'emergency'
             WHEN expense_heavy THEN 'expenditure'
             WHEN below THEN 'income'
             WHEN disabled_elders > 0 OR severe_count > 0 OR children_alone THEN 'care'
             WHEN unemployed > 0 AND income_12m >= line AND income_12m <= %(dev_max)s * line THEN 'development'
             ELSE 'none' END AS main_type
    FROM idx
)"""


# Columns of a score row, in the order ``final`` provides them.
_FINAL_TO_COLUMN = {
    "standard": "standard", "member_count": "n", "income_12m": "income_12m", "per_capita_income": "pci",
    "income_ratio": "income_ratio", "expense_12m": "expense_12m", "expense_share": "expense_share",
    "financial_assets": "financial_assets", "asset_ratio": "asset_ratio", "properties": "properties",
    "vehicles": "vehicles", "severe_count": "severe_count", "chronic_count": "chronic_count",
    "disabled_elders": "disabled_elders", "children": "children", "elders": "elders", "unable": "unable",
    "able_working": "able_working", "unemployed": "unemployed", "emergency": "emergency",
    "children_alone": "children_alone", "eligible": "eligible", "covered": "covered",
    "review_needed": "review_needed", "d_income": "d_income", "d_expense": "d_expense",
    "d_assets": "d_assets", "d_health": "d_health", "d_dependency": "d_dependency",
    "d_employment": "d_employment", "difficulty_index": "difficulty_index", "colour": "colour",
    "main_type": "main_type",
}
SCORE_COLUMNS = tuple(_FINAL_TO_COLUMN)
# What the numeric stage reads: if these equal the stored row, so does every other column
# (the stage is a pure function of them and the model version). A change to the rules'
# code therefore ships with a new model version, which changes ``model_version_id``.
SCORE_INPUT_COLUMNS = (
    "community_id", "model_version_id", "standard", "member_count", "income_12m", "expense_12m",
    "financial_assets", "properties", "vehicles", "severe_count", "chronic_count", "disabled_elders", "children",
    "elders", "unable", "able_working", "unemployed", "emergency", "children_alone", "covered", "review_needed",
)
_CONTENT = ("community_id", "model_version_id", *SCORE_COLUMNS)
_ALL = ("household_id", "community_id", "model_version_id", "scored_on", "computed_at", "run_id", *SCORE_COLUMNS)


def _score_statement(target: str, person_range: bool = False, records_by_range: bool = False) -> str:
    """Compute, then UPDATE the rows whose inputs changed and INSERT the households
    scored for the first time; households whose inputs equal their stored row skip the
    numeric stage altogether (``compute_ctes(only_changed=True)``). (An upsert's
    ON CONFLICT DO UPDATE would lock — i.e. write — every existing row even when nothing
    changed.) Concurrent runs stay safe: the UPDATE compares the inputs again, so one
    waiting on another run's row re-checks against the committed version and skips it;
    a racing first INSERT is absorbed by ON CONFLICT DO NOTHING. Written rows are copied
    to the history."""
    fin = {c: ("%(model_version_id)s" if c == "model_version_id" else "%(on)s" if c == "scored_on"
               else "now()" if c == "computed_at" else "%(run_id)s" if c == "run_id"
               else f"f.{_FINAL_TO_COLUMN.get(c, c)}") for c in _ALL}
    set_cols = ", ".join(f"{c} = {fin[c]}" for c in _ALL if c != "household_id")
    cur_row = ", ".join(f"cur.{c}" for c in SCORE_INPUT_COLUMNS)
    new_row = ", ".join(fin[c] for c in SCORE_INPUT_COLUMNS)
    cols = ", ".join(_ALL)
    values = ", ".join(fin[c] for c in _ALL)
    return f"""
WITH {compute_ctes(target, person_range, records_by_range, only_changed=True)},
upd AS (
    UPDATE scoring_householdscore cur SET {set_cols}
    FROM final f
    WHERE cur.household_id = f.household_id AND f.existing AND {target.replace("{col}", "cur.household_id")}
      AND ({cur_row}) IS DISTINCT FROM ({new_row})
    RETURNING cur.*
),
ins AS (
    INSERT INTO scoring_householdscore ({cols})
    SELECT {values} FROM final f WHERE NOT f.existing
    ON CONFLICT (household_id) DO NOTHING
    RETURNING *
),
hist AS (
    INSERT INTO scoring_scorehistory ({cols})
    SELECT {cols} FROM upd UNION ALL SELECT {cols} FROM ins
    RETURNING 1
)
SELECT (SELECT count(*) FROM hh), (SELECT count(*) FROM base), (SELECT count(*) FROM hist)"""


@dataclass
class ScoreCounts:
    targeted: int = 0
    scored: int = 0
    changed: int = 0

    @property
    def failed(self) -> int:
        return self.targeted - self.scored


def _execute(cursor, sql: str, params: dict, hashagg: bool = True):
    # JIT off (see settings); enough work_mem that a 100 k chunk sorts and hashes in memory.
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL work_mem = '64MB'")
    # The chunk workers already use the cores; parallel query only added overhead here.
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    # Index probes on members/persons/records are cheap when the tables are cached; at
    # the default 4.0 the planner seq-scanned 2.7 M persons for 10 k dirty households.
    cursor.execute("SET LOCAL random_page_cost = 1.1")
    if not hashagg:
        cursor.execute("SET LOCAL enable_hashagg = off")
    cursor.execute(sql, params)


def score_range(*, model, on: dt.date, lo: int, hi: int, run_id: int | None) -> ScoreCounts:
    """Score households with ids in [lo, hi]; write only changed rows. Call inside a transaction."""
    with connection.cursor() as cur:
        cur.execute("SELECT min(person_id), max(person_id), count(*) FROM registry_householdmember "
                    "WHERE household_id BETWEEN %s AND %s AND is_active", [lo, hi])
        pmin, pmax, members = cur.fetchone()
        if pmin is None:
            return ScoreCounts(*_count_targets(cur, lo, hi))
        # Persons are mostly created with their household, so a chunk's members usually
        # hold a tight id range; when they do, reading the range's records in index order
        # beats joining the members first. A sparse range (people who moved in later) falls
        # back to the join. Both give the same rows.
        tight = (pmax - pmin + 1) <= RANGE_SLACK * members
        # Sorted group aggregates stream in memory where a hash aggregate of 100 k
        # households' numeric sums spilled to disk.
        _execute(cur, _score_statement(TARGET_RANGE, person_range=True, records_by_range=tight),
                 {**model_params(model, on), "lo": lo, "hi": hi, "pmin": pmin, "pmax": pmax, "run_id": run_id},
                 hashagg=False)
        counts = ScoreCounts(*cur.fetchone())
        cur.execute("SET LOCAL enable_hashagg = on")
        return counts


def _count_targets(cur, lo: int, hi: int) -> tuple[int, int, int]:
    cur.execute("SELECT count(*) FROM registry_household WHERE id BETWEEN %s AND %s", [lo, hi])
    return cur.fetchone()[0], 0, 0


def load_target(ids: list[int]) -> None:
    """Make ``ids`` the target set of ``score_target``/``raise_leads_target`` for this transaction."""
    engine_sql.load_target(ids)


def score_target(*, model, on: dt.date, run_id: int | None) -> ScoreCounts:
    """Score the households of the target set (``load_target``, or the engine's incremental batch)."""
    with connection.cursor() as cur:
        _execute(cur, _score_statement(TARGET_SET), {**model_params(model, on), "run_id": run_id})
        return ScoreCounts(*cur.fetchone())


def score_ids(*, model, on: dt.date, ids: list[int], run_id: int | None) -> ScoreCounts:
    load_target(ids)
    return score_target(model=model, on=on, run_id=run_id)


def compute_rows(*, model, on: dt.date, ids: list[int]) -> dict[int, dict]:
    """Compute (without writing) the bulk path's result for a few households: used by
    the property test to compare the two paths column by column."""
    cols = ", ".join(f"{src} AS {col}" for col, src in _FINAL_TO_COLUMN.items())
    sql = f"WITH {compute_ctes(TARGET_IDS)} SELECT household_id, {cols} FROM final"
    with connection.cursor() as cur:
        _execute(cur, sql, {**model_params(model, on), "ids": list(ids)})
        names = [c.name for c in cur.description]
        return {row[0]: dict(zip(names[1:], row[1:])) for row in cur.fetchall()}


# --- leads ------------------------------------------------------------------------

_LEAD_TARGET_RANGE = TARGET_RANGE


def _lead_statement(target: str, lead_range: bool = False) -> str:
    """Raise or refresh leads for the target households, set-based, and their worklist
    items. For a target set the condition is applied once, to the scores, and the lead
    table is reached by equality on the household only, so even planned from stale
    statistics (the first run fills the table as it goes) a nested loop does index lookups
    instead of re-reading the chunk's range of leads for every candidate. For a whole
    id-range chunk (``lead_range``, planned without nested loops) the lead table is also
    limited to the range: hash joins then read the chunk's leads by index instead of every
    open lead of the city (300 k rows hashed per chunk, ~0.5 s). Work items use the same dedupe key as
    ``workitem_raise``. An open lead is refreshed when its colour, type, model version or
    community changes; a re-run with unchanged scores writes
    nothing (UPDATE … IS DISTINCT FROM, then INSERT where no open lead exists; the
    unique open (household, kind) index absorbs a concurrent run's insert). A lead
    closed within the model's cool-down is not raised again."""
    def leads(alias: str) -> str:
        return target.replace("{col}", f"{alias}.household_id") if lead_range else "true"

    return f"""
WITH cand AS (
    SELECT s.household_id, s.community_id, k.kind, s.model_version_id, s.difficulty_index, s.colour,
           s.main_type, s.per_capita_income, s.standard, s.covered
    FROM scoring_householdscore s
    CROSS JOIN LATERAL (VALUES ('discovery', s.colour = 'red' AND NOT s.covered),
                               ('review', s.review_needed)) AS k(kind, hit)
    WHERE {target.replace("{col}", "s.household_id")} AND k.hit AND s.model_version_id = %(model_version_id)s
      AND NOT EXISTS (SELECT 1 FROM scoring_lead c
                      WHERE c.household_id = s.household_id AND c.kind = k.kind AND c.status = 'closed'
                        AND {leads("c")}
                        AND c.closed_at > now() - make_interval(days => %(cooldown_days)s))
),
upd AS (
    UPDATE scoring_lead l SET
        community_id = c.community_id, model_version_id = c.model_version_id,
        difficulty_index = c.difficulty_index, colour = c.colour, main_type = c.main_type,
        per_capita_income = c.per_capita_income, standard = c.standard, run_id = %(run_id)s, updated_at = now()
    FROM cand c
    WHERE l.household_id = c.household_id AND l.kind = c.kind AND l.status = 'open' AND {leads("l")}
      -- refreshed on a material change only (colour, type, model, community): numbers that
      -- merely drift (a new standard moves every index a little) leave the lead and its work
      -- item alone; the lead page explains the current score.
      AND (l.community_id, l.model_version_id, l.colour, l.main_type)
          IS DISTINCT FROM (c.community_id, c.model_version_id, c.colour, c.main_type)
    RETURNING l.id, l.household_id, l.kind, l.community_id, l.due_at, l.difficulty_index, l.colour, l.main_type,
              l.per_capita_income, l.standard, false AS inserted
),
new AS (
    INSERT INTO scoring_lead AS l (household_id, community_id, kind, status, model_version_id, difficulty_index,
        colour, main_type, per_capita_income, standard, run_id, raised_at, due_at, updated_at, outcome,
        outcome_reason)
    SELECT c.household_id, c.community_id, c.kind, 'open', c.model_version_id, c.difficulty_index, c.colour,
           c.main_type, c.per_capita_income, c.standard, %(run_id)s, now(),
           now() + CASE WHEN c.kind = 'discovery' THEN make_interval(hours => coalesce(h.value, 48)::int)
                        ELSE make_interval(days => %(review_days)s) END,
           now(), '', ''
    FROM (SELECT * FROM cand c
          WHERE NOT EXISTS (SELECT 1 FROM scoring_lead o
                            WHERE o.household_id = c.household_id AND o.kind = c.kind AND o.status = 'open'
                              AND {leads("o")})
          OFFSET 0) c
    LEFT JOIN LATERAL (  -- discovery_lead_hours for the community (same inheritance as parameter_row)
        SELECT p.value FROM registry_policyparameter p
        WHERE p.key = 'discovery_lead_hours'
          AND p.region_id IN (left(c.community_id, 2), left(c.community_id, 4), left(c.community_id, 6),
                              left(c.community_id, 9), c.community_id)
          AND p.effective_from <= %(on)s AND (p.effective_to IS NULL OR p.effective_to >= %(on)s)
        ORDER BY length(p.region_id) DESC, p.effective_from DESC
        LIMIT 1) h ON true
    ON CONFLICT (household_id, kind) WHERE status = 'open' DO NOTHING
    RETURNING l.id, l.household_id, l.kind, l.community_id, l.due_at, l.difficulty_index, l.colour, l.main_type,
              l.per_capita_income, l.standard, true AS inserted
),
ins AS (SELECT * FROM upd UNION ALL SELECT * FROM new),
items AS ({worklist_sql.raise_from(_LEAD_ITEMS_SELECT.replace("{target}", target.replace("{col}", "h.id")),
                                   refresh=("title", "detail", "link", "subject_id", "priority"))})
SELECT (SELECT count(*) FROM ins WHERE inserted), (SELECT count(*) FROM ins WHERE NOT inserted),
       p.n, p.lead_ids, p.item_ids, p.created, p.keys, p.kinds
FROM (SELECT count(*) AS n,  -- (lead, item) pairs, in one scan so the arrays line up
             coalesce(array_agg(subject_id::bigint ORDER BY id), ARRAY[]::bigint[]) AS lead_ids,
             coalesce(array_agg(id ORDER BY id), ARRAY[]::bigint[]) AS item_ids,
             coalesce(array_agg(created ORDER BY id), ARRAY[]::boolean[]) AS created,
             coalesce(array_agg(dedupe_key ORDER BY id), ARRAY[]::text[]) AS keys,
             coalesce(array_agg(kind ORDER BY id), ARRAY[]::text[]) AS kinds
      FROM items) p"""


# A lead's priority on the worklist comes from its colour (POLICY.md's 三色): red 高, yellow 普通,
# green 低 — a discovery lead is red by definition; a 渐退 review lead may be any colour.
COLOUR_PRIORITY = {Colour.RED: Priority.HIGH, Colour.YELLOW: Priority.NORMAL, Colour.GREEN: Priority.LOW}
_PRIORITY_BY_COLOUR = ("CASE i.colour "
                       + " ".join(f"WHEN '{c.value}' THEN {int(p)}" for c, p in COLOUR_PRIORITY.items())
                       + f" ELSE {int(Priority.NORMAL)} END")

# The work items of the leads raised or refreshed (``ins``), as the worklist's raising SELECT
# (``civilaffairs.worklist.sql.raise_from``: the worklist writes them). Dedupe key as
# ``models.lead_dedupe_key``.
_LEAD_ITEMS_SELECT = f"""
    SELECT 'scoring.' || i.kind AS kind,
           CASE WHEN i.kind = 'discovery' THEN '主动发现：' ELSE '渐退复核：' END
             || coalesce(nullif(h.head_name, ''), '家庭' || i.household_id) || '户，困难指数 '
             || i.difficulty_index::text AS title,
           CASE WHEN i.kind = 'discovery'
             THEN format('人均月收入 %%s 元（低保标准 %%s 元），未享受低保、特困或低边。请入户核实并记录结果。',
                         i.per_capita_income, round(i.standard, 2))
             ELSE format('人均月收入 %%s 元已超过收入线（低保标准 %%s 元）。请复核并决定是否进入渐退期。',
                         i.per_capita_income, round(i.standard, 2)) END AS detail,
           i.community_id AS region_id, 'scoring.lead' AS subject_type, i.id::text AS subject_id,
           %(link_prefix)s || i.id || '/' AS link, i.due_at AS due_at, {_PRIORITY_BY_COLOUR} AS priority,
           'scoring.' || i.kind || ':' || i.household_id AS dedupe_key
    FROM ins i JOIN registry_household h ON h.id = i.household_id AND {{target}}"""


# Each raised or refreshed lead points at its work item: the pairs come back from the lead
# statement (a statement cannot update the rows its own CTEs inserted), so this is a
# primary-key lookup per pair instead of a join with every open work item.
_LINK_LEADS_TO_ITEMS = """
UPDATE scoring_lead l SET work_item_id = x.item_id
FROM unnest(%(lead_ids)s::bigint[], %(item_ids)s::bigint[]) AS x(lead_id, item_id)
WHERE l.id = x.lead_id AND l.work_item_id IS DISTINCT FROM x.item_id"""


# A household that now receives 低保/特困/低边 (``covered`` on its fresh score) needs no
# discovery visit any more: its open discovery lead is closed as included, with its work
# item (same dedupe key as the lead statement). The granting service does the same for one
# household at once (``services.leads_close_covered``); this catches every other way a
# benefit arrives (imports, the demo loader) at the next re-score. Closed leads are never
# touched again, so a re-run closes nothing.
_CLOSE_COVERED_LEADS = """
WITH closed AS (
    UPDATE scoring_lead l SET status = 'closed', outcome = %(covered_outcome)s, outcome_reason = %(covered_note)s,
           closed_at = now(), updated_at = now()
    FROM scoring_householdscore s
    WHERE l.kind = 'discovery' AND l.status = 'open' AND {lead_target} AND {score_target}
      AND s.household_id = l.household_id
      AND s.covered AND s.model_version_id = %(model_version_id)s
    RETURNING l.id, l.household_id
),
items AS (""" + worklist_sql.close_keys_from(  # the worklist closes the items (sql.close_where)
    "SELECT 'scoring.discovery:' || c.household_id FROM closed c",
    outcome_param="covered_item_outcome", status_param="covered_item_status") + """
)
SELECT coalesce(array_agg(c.id ORDER BY c.id), ARRAY[]::bigint[]),
       (SELECT coalesce(json_agg(json_build_array(id, region_id, status, assignee_id, dedupe_key)), '[]')
        FROM items)
FROM closed c"""


@dataclass
class LeadCounts:
    raised: int = 0
    updated: int = 0
    items: int = 0
    closed: list[int] = field(default_factory=list)   # ids of discovery leads closed because covered
    closed_items: int = 0
    # for the worklist's batch audit: the items raised/refreshed (id, lead id, key, created, kind)
    # and those closed because covered (id, region, previous status, assignee, key)
    item_rows: list[tuple] = field(default_factory=list)
    closed_item_rows: list[tuple] = field(default_factory=list)


def _raise_leads(target_where: str, params: dict, nestloop: bool = True, lead_range: bool = False) -> LeadCounts:
    """``nestloop=False`` for whole chunks: every set is chunk-sized there, and the lead
    table may have been filled by this very run since its statistics were taken (the
    first run; this chunk's own new leads) — planned as empty, a nested loop re-read the
    chunk's leads for every candidate (minutes). Hash and merge joins stay linear."""
    with connection.cursor() as cur:
        if not nestloop:
            cur.execute("SET LOCAL enable_nestloop = off")
        _execute(cur, _lead_statement(target_where, lead_range=lead_range), params)
        raised, updated, items, lead_ids, item_ids, created, keys, kinds = cur.fetchone()
        counts = LeadCounts(raised, updated, items,
                            item_rows=list(zip(item_ids, lead_ids, keys, created, kinds)))
        if not nestloop:
            # What follows reaches other rows by primary key (the links) or by a few closed
            # leads' dedupe keys (their work items): index lookups, not hashes of whole tables.
            cur.execute("SET LOCAL enable_nestloop = on")
        if lead_ids:
            cur.execute(_LINK_LEADS_TO_ITEMS, {"lead_ids": lead_ids, "item_ids": item_ids})
        # For a range the scores are limited too (else every covered score of the city is read).
        score_target = target_where.replace("{col}", "s.household_id") if lead_range else "true"
        cur.execute(_CLOSE_COVERED_LEADS.format(lead_target=target_where.replace("{col}", "l.household_id"),
                                                score_target=score_target), params)
        counts.closed, closed_items = cur.fetchone()
        counts.closed_item_rows = [tuple(r) for r in closed_items]
        counts.closed_items = len(closed_items)
        return counts


def covered_item_outcome() -> str:
    """The outcome of a work item closed because its household is covered: it reads like one
    closed by ``lead_record_outcome``."""
    return f"{LeadOutcome(COVERED_OUTCOME).label}：{COVERED_LEAD_NOTE}"


def _lead_params(model, on: dt.date, run_id: int | None, link_prefix: str) -> dict:
    note = str(COVERED_LEAD_NOTE)
    return {"on": on, "model_version_id": model.pk, "cooldown_days": model.lead_cooldown_days,
            "review_days": model.review_lead_days, "run_id": run_id, "link_prefix": link_prefix,
            "covered_outcome": str(COVERED_OUTCOME), "covered_note": note,
            "covered_item_outcome": covered_item_outcome(), "covered_item_status": "done"}


def raise_leads_range(*, model, on: dt.date, lo: int, hi: int, run_id: int | None, link_prefix: str) -> LeadCounts:
    """Raise/refresh leads for households with ids in [lo, hi] and close the covered ones."""
    return _raise_leads(_LEAD_TARGET_RANGE, {**_lead_params(model, on, run_id, link_prefix), "lo": lo, "hi": hi},
                        nestloop=False, lead_range=True)


def raise_leads_target(*, model, on: dt.date, run_id: int | None, link_prefix: str) -> LeadCounts:
    """Raise/refresh leads for the households of the target set and close the covered ones."""
    return _raise_leads(TARGET_SET, _lead_params(model, on, run_id, link_prefix))


def raise_leads_ids(*, model, on: dt.date, ids: list[int], run_id: int | None, link_prefix: str) -> LeadCounts:
    load_target(ids)
    return raise_leads_target(model=model, on=on, run_id=run_id, link_prefix=link_prefix)


# --- dry run ----------------------------------------------------------------------

DRY_RUN = """
WITH {ctes}
SELECT left(f.community_id, 6) AS district,
       count(*) AS households,
       count(*) FILTER (WHERE f.colour = 'red') AS red,
       count(*) FILTER (WHERE f.colour = 'yellow') AS yellow,
       count(*) FILTER (WHERE f.colour = 'green') AS green,
       count(*) FILTER (WHERE s.colour IS DISTINCT FROM f.colour) AS changed,
       count(*) FILTER (WHERE f.colour = 'red' AND s.colour IS DISTINCT FROM 'red') AS to_red,
       count(*) FILTER (WHERE s.colour = 'red' AND f.colour <> 'red') AS from_red
FROM final f LEFT JOIN scoring_householdscore s ON s.household_id = f.household_id
GROUP BY 1 ORDER BY 1"""


def dry_run(*, model, on: dt.date) -> list[dict]:
    """Score the whole city with ``model`` without writing; per district, how many
    households would change colour against their current score. Aggregated in
    PostgreSQL: nothing but one row per district reaches Python."""
    with connection.cursor() as cur:
        _execute(cur, DRY_RUN.format(ctes=compute_ctes(TARGET_ALL)), model_params(model, on))
        names = [c.name for c in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


# --- planner statistics -------------------------------------------------------------

# The tables a scoring statement reads. Its joins are planned from their statistics: a
# table that grew from a few rows to thousands since it was last analysed (a fresh demo
# city, a large import that autovacuum has not caught up with) is planned as tiny, and a
# nested loop over a CTE scan turns the chunk quadratic (2,000 demo households: 16 s
# instead of 0.2 s).
SCORING_INPUT_TABLES = ("registry_household", "registry_householdmember", "registry_person",
                        "registry_departmentrecord", "registry_policyparameter", "assistance_benefit",
                        "scoring_householdscore", "scoring_lead", "worklist_workitem")
STALE_FRACTION = 0.1  # autovacuum's default analyze scale factor

# Stale means never analyzed (and not empty), or the row count moved by more than the
# fraction since the last ANALYZE (``reltuples``): a first run filling the score and lead
# tables, a large department import. Rows merely *updated* keep their plans: a full
# re-score that rewrites every score used to re-ANALYZE the score table every other chunk
# (~0.3 s each, on the chunk's worker); autovacuum's own analyze catches drifting values.
_STALE_TABLES = """
SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.schemaname = current_schema() AND s.relname = ANY(%(tables)s)
  AND (c.reltuples < 0 AND s.n_live_tup + s.n_mod_since_analyze > 0
       OR coalesce(s.last_analyze, s.last_autoanalyze) IS NULL AND s.n_live_tup > 0
       OR abs(s.n_live_tup - greatest(c.reltuples, 0)) > 1000 + %(fraction)s * greatest(c.reltuples, 0))"""


def refresh_stale_statistics() -> list[str]:
    """ANALYZE the input tables whose statistics are missing or stale; returns their names.
    (ANALYZE samples a fixed number of rows, takes no lock that blocks reads or writes,
    and may run inside the caller's transaction.)"""
    with connection.cursor() as cur:
        cur.execute(_STALE_TABLES, {"tables": list(SCORING_INPUT_TABLES), "fraction": STALE_FRACTION})
        stale = [r[0] for r in cur.fetchall()]
        for table in stale:
            cur.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return stale


# --- locks ------------------------------------------------------------------------

def try_lock(key: int) -> bool:
    """Transaction-scoped advisory lock in the engine's namespace."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, key])
        return cur.fetchone()[0]


def lock(key: int) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, key])
