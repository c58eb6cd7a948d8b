"""The rules programmes register with the proactive engine (政策找人).

A programme declares each rule once, in its ``AppConfig.ready()``::

    register_rule(Rule(key="eldercare.age80", programme="eldercare", label=_("高龄津贴（80 周岁以上）"),
                       subject=Subject.PERSON, version=1, sql=age80_sql, explain=age80_explain,
                       on_gain=OnGain.GRANT, grant=grant_allowances, on_loss=stop_allowances,
                       age_lines=(80,), triggers=(DirtyReason.PERSON, DirtyReason.AGE_LINE)))

- ``sql(target)`` returns one SELECT of ``RESULT_COLUMNS`` (subject_id bigint, eligible bool,
  category text, amount numeric(12,2) or NULL, reasons jsonb: a list of Chinese sentences) for
  the subjects whose id satisfies ``target``: a condition with a ``{col}`` placeholder the rule
  applies to each base table's id column (``target.replace("{col}", "p.id")``), as the scoring
  engine does. The engine gives an id range (a full run's chunk) or a semi-join against a temp
  table of ids (an incremental batch). Named parameters: ``%(on)s`` (the evaluation date), the facts reader's window of that day
  (``Window.sql_params()``: a rule may embed ``person_facts_sql``) and
  whatever the target needs (``%(lo)s``/``%(hi)s``); ``%%`` for a literal percent sign. A subject
  of the target with no row counts as not eligible (a rule may leave out the dead).
- ``explain(subject_id, on)`` is the Python twin for one subject: the same answer, for the
  caseworker's page and for the property test that holds the two equal.
- ``on_gain``: ``GRANT`` — ``grant(candidate_ids, on)`` is called with every new candidate of a
  batch (set-based: create the allowances, notify the households); ``REVIEW`` — the engine raises
  one worklist item per new candidate for verification (kind ``entitlement.<key>``).
- ``on_loss(candidate_ids, on)``: called with every candidate a batch lost (stop with a notice
  and an item, after whatever phase-out the programme decides). ``on_change(candidate_ids, on)``
  (optional): still eligible, but the category, amount or reasons changed.
  Callbacks run in the transaction that changed the candidates: if one raises, nothing of the
  batch is written and the subjects stay dirty.
- ``version``: bump it when the rule's meaning changes; the next incremental job starts a full
  run for that rule, and every candidate it writes carries the new version.
- ``age_lines``: ages (in years) whose crossing changes the answer; the daily age-line job marks
  persons who reach any registered line. ``triggers``: the dirty reasons the rule cares about
  (empty: every reason); ``parameters``: policy-parameter keys whose new rows call for a full run.

The run machinery (dirty claims, chunks and their claims, sweeps, run totals) knows a rule only
through ``services._apply`` (evaluate one target, write, call back, audit). A rule set that
writes tables of its own (the difficulty index: scores, history, leads) plugs in there with
``apply``, called instead of the candidate upsert:

    apply(*, target_kind, on, run, lo, hi, chunk_id) -> sql.ApplyCounts   (keyword arguments)

``target_kind`` is ``TARGET_KIND_RANGE`` (a full run's chunk: ids ``lo``..``hi``) or
``TARGET_KIND_SET`` (an incremental batch, or a caller's few ids: the session temp table
``entitlement_target`` is loaded, ``sql.TARGET_SET`` selects it; ``lo``/``hi`` are None);
``chunk_id`` names the full run's chunk (None for a batch), for the rule set's audit. It runs
inside the transaction that marks the chunk done (or consumes the dirty batch), writes and audits
its own tables, and returns counts (ids or plain numbers: ``ApplyCounts.n_gained`` …) that the
engine adds to the run and the chunk, once. Such a rule needs no ``sql``/``explain`` (its explain
twin is its own, property-tested against its own SQL) and gets no candidate callbacks.

``version`` is an int, or a callable returning the version in force (``None``: the rule set is
not in force — no published model — and runs skip it). It is read once when a run starts and
recorded in ``EntitlementRun.rule_versions``; a rule set's ``apply`` reads the version it must
evaluate from there (``run.rule_versions[key]``), so a run started before a new version keeps
its own to the last chunk, and the new version calls for a full run (``rules_needing_full_run``).
``chunk_size`` (optional) caps the id range of a full run's chunks of the rule's subject type;
``input_tables`` names the tables whose planner statistics the engine keeps fresh for it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

RESULT_COLUMNS = ("subject_id", "eligible", "category", "amount", "reasons")
TARGET_KIND_RANGE = "range"
TARGET_KIND_SET = "set"
KEY_MAX = 36  # the worklist kind ``entitlement.<key>`` fits in 48 characters


class Subject(models.TextChoices):
    PERSON = "person", _("人员")
    HOUSEHOLD = "household", _("家庭")


class OnGain(models.TextChoices):
    GRANT = "grant", _("自动给予并告知")
    REVIEW = "review", _("生成待办，核实后办理")


class DirtyReason(models.TextChoices):
    FACTS = "facts", _("部门数据变化")
    MEMBERSHIP = "membership", _("家庭成员变化")
    PERSON = "person", _("人员信息变化（出生、死亡、登记）")
    AGE_LINE = "age_line", _("跨越年龄线")
    PARAMETER = "parameter", _("政策参数变化")
    OTHER = "other", _("其他")


@dataclass(frozen=True)
class RuleResult:
    """What a rule says about one subject on one day (the explain twin's answer)."""

    eligible: bool
    category: str = ""
    amount: Decimal | None = None
    reasons: tuple[str, ...] = ()

    def as_row(self) -> tuple:
        return (self.eligible, self.category, self.amount, list(self.reasons))


@dataclass(frozen=True)
class Rule:
    key: str
    programme: str
    label: Any
    subject: str
    version: int | Callable[[], int | None]
    sql: Callable[[str], str] | None = None
    explain: Callable[[int, dt.date], RuleResult] | None = None
    on_gain: str = OnGain.REVIEW
    grant: Callable[[list[int], dt.date], None] | None = None
    on_loss: Callable[[list[int], dt.date], None] | None = None
    on_change: Callable[[list[int], dt.date], None] | None = None
    age_lines: tuple[int, ...] = ()
    triggers: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()
    # A REVIEW rule's worklist item is due this many days after it is raised.
    review_days: int = 15
    order: int = 100
    # A rule set writing its own tables (see the module docstring).
    apply: Callable[..., Any] | None = None
    chunk_size: int | None = None
    # Tables the rule reads beyond the engine's own: their planner statistics are refreshed
    # before each chunk and incremental run when missing or stale (``sql.refresh_stale_statistics``).
    input_tables: tuple[str, ...] = ()
    # Where a rule set with its own tables shows its results (a URL name), instead of the
    # engine's candidate list.
    results_url_name: str = ""

    @property
    def work_kind(self) -> str:
        return f"entitlement.{self.key}"

    @property
    def version_now(self) -> int | None:
        """The version in force now (a callable version is asked; None: not in force)."""
        return self.version() if callable(self.version) else self.version

    def cares_about(self, reasons: Sequence[str]) -> bool:
        return not self.triggers or any(r in self.triggers for r in reasons)


_RULES: dict[str, Rule] = {}
_LISTENERS: list[Callable[[], None]] = []


def _check(rule: Rule) -> None:
    if not rule.key or len(rule.key) > KEY_MAX or not rule.key.startswith(f"{rule.programme}."):
        raise ValueError(f"rule key {rule.key!r}: '<programme>.<name>', at most {KEY_MAX} characters")
    if rule.subject not in Subject.values:
        raise ValueError(f"rule {rule.key!r}: subject must be one of {Subject.values}")
    if rule.on_gain not in OnGain.values:
        raise ValueError(f"rule {rule.key!r}: on_gain must be one of {OnGain.values}")
    if rule.on_gain == OnGain.GRANT and rule.grant is None:
        raise ValueError(f"rule {rule.key!r}: a GRANT rule needs grant(candidate_ids, on)")
    if not callable(rule.version) and (not isinstance(rule.version, int) or rule.version < 1):
        raise ValueError(f"rule {rule.key!r}: version is a positive int (or a callable returning one)")
    if rule.apply is None and (rule.sql is None or rule.explain is None):
        raise ValueError(f"rule {rule.key!r}: a rule needs sql(target) and explain(subject_id, on), or apply(...)")
    if rule.apply is not None and rule.on_gain == OnGain.GRANT:
        raise ValueError(f"rule {rule.key!r}: a rule set with its own apply() gets no grant callback")
    if rule.chunk_size is not None and (not isinstance(rule.chunk_size, int) or rule.chunk_size < 1):
        raise ValueError(f"rule {rule.key!r}: chunk_size is a positive int")
    unknown = set(rule.triggers) - set(DirtyReason.values)
    if unknown:
        raise ValueError(f"rule {rule.key!r}: unknown triggers {sorted(unknown)}")
    if any(not isinstance(a, int) or a < 1 or a > 130 for a in rule.age_lines):
        raise ValueError(f"rule {rule.key!r}: age lines are whole years between 1 and 130")


def register_rule(rule: Rule) -> Rule:
    """Register (or replace, for an app reloaded in tests) a rule under its key."""
    _check(rule)
    _RULES[rule.key] = rule
    _changed()
    return rule


def unregister_rule(key: str) -> None:
    _RULES.pop(key, None)
    _changed()


def rule_registry() -> dict[str, Rule]:
    """Every registered rule by key, in (order, key) order."""
    return {r.key: r for r in sorted(_RULES.values(), key=lambda r: (r.order, r.key))}


def get_rule(key: str) -> Rule:
    try:
        return _RULES[key]
    except KeyError:
        raise LookupError(f"no entitlement rule {key!r} is registered") from None


def registered_age_lines() -> tuple[int, ...]:
    return tuple(sorted({a for r in _RULES.values() for a in r.age_lines}))


def on_registry_change(listener: Callable[[], None]) -> None:
    """Called after every (un)registration (the worklist source lists the REVIEW rules' kinds)."""
    _LISTENERS.append(listener)


def _changed() -> None:
    for listener in _LISTENERS:
        listener()


def age_cutoff(on: dt.date, years: int) -> dt.date:
    """The latest birth date of someone aged ``years`` on ``on``: the same day ``years`` earlier,
    and 28 February for 29 February in a common year — what PostgreSQL's
    ``on - make_interval(years => N)`` gives, and what ``Person.age_on`` counts (a person born
    on 29 February is a year older on 1 March of a common year)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)
