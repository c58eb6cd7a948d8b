"""The child-welfare categories decided by rule (POLICY.md "Child welfare"; 民发〔2019〕62号), each a
rule on the proactive engine over the department facts of the child's parents, read through the one
facts reader (``person_facts_sql`` / ``facts_for``).

Who the parents are: the child's guardianship links (``registry.Guardianship``) of role father or
mother, active or revoked (a parent stripped of guardianship is still the parent, and that is one of
the situations). A rule decides only for a child with exactly two such links; a child with one
registered parent is not decided by rule (the child director registers the other, or handles the
case by hand) — the engine's page shows them with no candidate.

What each parent's facts on the day say (the reader's fields):
- gone (for 孤儿): dead (the registry's death date, or a death fact), declared dead or declared
  missing by a court;
- unable to raise the child (事实无人抚养): severely disabled (grade 1–2, or grade 3–4 intellectual
  or mental: the reader's best certificate), seriously ill, in custody for a term of six months or
  more, out of contact more than six months after the police report, stripped of guardianship, or
  deported;
- away (留守): working away from home (a migrant-work fact valid on the day).

The categories, for a living child under 18 (under 16 for 留守):
- ``orphan`` (孤儿): both parents gone;
- ``unsupported`` (事实无人抚养儿童): not an orphan; both parents unable, or one gone (dead, declared
  dead or missing) and the other unable;
- ``left_behind`` (留守儿童): under 16, neither of the above; both parents away, or one away and the
  other gone or unable.
A new candidate is raised to the child director for a home check (REVIEW); a child whose facts end
(a parent released, found, recovered) or who turns 18 (16) is lost, and the engine closes the item.

The reasons are plain Chinese, one line for the category and one per parent listing what their facts
say (the same text from the SQL and the Python twin: the property test compares them).
"""
from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from civilaffairs.entitlements.rules import DirtyReason, OnGain, Rule, RuleResult, Subject, age_cutoff
from civilaffairs.registry.facts.reader import facts_for, person_facts_sql
from civilaffairs.registry.facts.windows import window
from civilaffairs.registry.models import Guardianship, GuardianshipStatus, Person

ADULT_AGE = 18
LEFT_BEHIND_AGE = 16
PARENT_ROLES = ("father", "mother")
PARENT_STATUSES = (GuardianshipStatus.ACTIVE, GuardianshipStatus.REVOKED)
RULE_VERSION = 1


class Category(models.TextChoices):
    ORPHAN = "orphan", _("孤儿")
    UNSUPPORTED = "unsupported", _("事实无人抚养儿童")
    LEFT_BEHIND = "left_behind", _("留守儿童")


# (field, reason text). The texts are stored in the candidates' reasons as they are (Chinese):
# the SQL twin builds the same strings.
GONE = (("dead", "死亡"), ("declared_dead", "被人民法院宣告死亡"), ("declared_missing", "被人民法院宣告失踪"))
UNABLE = (("severe_disability", "重度残疾"), ("serious_illness", "患重病"),
          ("custody_6m", "服刑或被限制人身自由 6 个月以上"), ("missing_6m", "失联超过 6 个月"),
          ("guardianship_revoked", "被撤销监护资格"), ("deported", "被遣送出境"))
AWAY = (("migrant_work", "外出务工"),)
SITUATIONS = GONE + UNABLE + AWAY
NONE_TEXT = "无上述情形"
ROLE_TEXT = {"father": "父亲", "mother": "母亲"}
HEADLINE = {
    Category.ORPHAN: "孤儿：父母均已死亡或被宣告死亡、失踪",
    Category.UNSUPPORTED: "事实无人抚养：父母均不能履行抚养义务（或一方死亡、失踪，另一方不能履行）",
    Category.LEFT_BEHIND: "留守儿童：未满 16 周岁，父母均外出务工（或一方外出，另一方无监护能力）",
}
NOT_HEADLINE = {
    Category.ORPHAN: "不符合孤儿条件",
    Category.UNSUPPORTED: "不符合事实无人抚养儿童条件",
    Category.LEFT_BEHIND: "不符合留守儿童条件",
}


# --- Python (the explain twin) -------------------------------------------------------------------

def _situations(person: Person, facts, on: dt.date) -> dict[str, bool]:
    severe = facts.disability_grade is not None and (
        facts.disability_grade <= 2 or facts.disability_category in ("intellectual", "mental"))
    return {
        "dead": (person.death_date is not None and person.death_date <= on) or facts.died_on is not None,
        "declared_dead": facts.declared_dead, "declared_missing": facts.declared_missing,
        "severe_disability": severe, "serious_illness": facts.serious_illness,
        "custody_6m": facts.custody_6m, "missing_6m": facts.missing_6m,
        "guardianship_revoked": facts.guardianship_revoked, "deported": facts.deported,
        "migrant_work": facts.migrant_work,
    }


def _any(s: dict, group) -> bool:
    return any(s[name] for name, _text in group)


def _line(role: str, s: dict) -> str:
    found = [text for name, text in SITUATIONS if s[name]]
    return f"{ROLE_TEXT[role]}：{'、'.join(found) if found else NONE_TEXT}"


def _decide(a: dict, b: dict, age_under_16: bool) -> str | None:
    gone_a, gone_b = _any(a, GONE), _any(b, GONE)
    unable_a, unable_b = _any(a, UNABLE), _any(b, UNABLE)
    away_a, away_b = _any(a, AWAY), _any(b, AWAY)
    if gone_a and gone_b:
        return Category.ORPHAN
    if (unable_a or gone_a) and (unable_b or gone_b):
        return Category.UNSUPPORTED
    # Neither of the above: at least one parent away, the other away too, or gone, or unable.
    if age_under_16 and (away_a or away_b) and (away_a or gone_a or unable_a) and (away_b or gone_b or unable_b):
        return Category.LEFT_BEHIND
    return None


def explain(category: str, subject_id: int, on: dt.date) -> RuleResult:
    child = Person.objects.get(pk=subject_id)
    if not (age_cutoff(on, ADULT_AGE) < child.birth_date <= on) or (
            child.death_date is not None and child.death_date <= on):
        return RuleResult(False)
    links = list(Guardianship.objects.filter(ward=child, role__in=PARENT_ROLES, status__in=PARENT_STATUSES)
                 .select_related("guardian").order_by("id"))
    if len(links) != 2:
        return RuleResult(False)
    links.sort(key=lambda g: (PARENT_ROLES.index(g.role), g.guardian_id))
    facts = facts_for([g.guardian_id for g in links], window(on))
    (ra, a), (rb, b) = [(g.role, _situations(g.guardian, facts[g.guardian_id], on)) for g in links]
    decided = _decide(a, b, child.birth_date > age_cutoff(on, LEFT_BEHIND_AGE))
    lines = (_line(ra, a), _line(rb, b))
    if decided == category:
        return RuleResult(True, category, None, (HEADLINE[category],) + lines)
    return RuleResult(False, "", None, (NOT_HEADLINE[category],) + lines)


# --- SQL (the set-based twin) --------------------------------------------------------------------

def _flag_sql(names) -> str:
    return " OR ".join(f"s.{name}" for name, _text in names)


def _line_sql() -> str:
    parts = ", ".join(f"CASE WHEN s.{name} THEN '{text}' END" for name, text in SITUATIONS)
    return (f"(CASE s.role WHEN 'father' THEN '{ROLE_TEXT['father']}' ELSE '{ROLE_TEXT['mother']}' END) || '：' "
            f"|| coalesce(nullif(concat_ws('、', {parts}), ''), '{NONE_TEXT}')")


def category_sql(category: str, target: str) -> str:
    gone, unable, away = _flag_sql(GONE), _flag_sql(UNABLE), _flag_sql(AWAY)
    decide = f"""CASE
        WHEN bool_and({gone}) THEN 'orphan'
        WHEN bool_and({gone} OR {unable}) THEN 'unsupported'
        WHEN k.under_16 AND bool_or({away}) AND bool_and({away} OR {gone} OR {unable}) THEN 'left_behind' END"""
    return f"""
WITH kids AS (
    SELECT p.id, p.birth_date > (%(on)s::date - make_interval(years => {LEFT_BEHIND_AGE})) AS under_16
    FROM registry_person p
    WHERE {target.replace("{col}", "p.id")}
      AND p.birth_date > (%(on)s::date - make_interval(years => {ADULT_AGE})) AND p.birth_date <= %(on)s
      AND (p.death_date IS NULL OR p.death_date > %(on)s)
),
par AS (
    SELECT g.ward_id, g.guardian_id, g.role, q.death_date,
           count(*) OVER (PARTITION BY g.ward_id) AS parents
    FROM registry_guardianship g
    JOIN kids ON kids.id = g.ward_id
    JOIN registry_person q ON q.id = g.guardian_id
    WHERE g.role IN ('father', 'mother') AND g.status IN ('active', 'revoked')
),
pf AS ({person_facts_sql("{col} IN (SELECT guardian_id FROM par)")}),
s AS (
    SELECT par.ward_id, par.guardian_id, par.role,
           (par.death_date IS NOT NULL AND par.death_date <= %(on)s) OR pf.died_on IS NOT NULL AS dead,
           coalesce(pf.declared_dead, false) AS declared_dead,
           coalesce(pf.declared_missing, false) AS declared_missing,
           coalesce(pf.disability_grade <= 2 OR pf.disability_category IN ('intellectual', 'mental'), false)
             AS severe_disability,
           coalesce(pf.serious_illness, false) AS serious_illness,
           coalesce(pf.custody_6m, false) AS custody_6m, coalesce(pf.missing_6m, false) AS missing_6m,
           coalesce(pf.guardianship_revoked, false) AS guardianship_revoked,
           coalesce(pf.deported, false) AS deported, coalesce(pf.migrant_work, false) AS migrant_work
    FROM par LEFT JOIN pf ON pf.person_id = par.guardian_id
    WHERE par.parents = 2
),
d AS (
    SELECT k.id, {decide} AS decided,
           jsonb_agg({_line_sql()} ORDER BY CASE s.role WHEN 'father' THEN 0 ELSE 1 END, s.guardian_id) AS lines
    FROM kids k JOIN s ON s.ward_id = k.id
    GROUP BY k.id, k.under_16
)
SELECT d.id, d.decided IS NOT DISTINCT FROM '{category}',
       CASE WHEN d.decided IS NOT DISTINCT FROM '{category}' THEN '{category}' ELSE '' END,
       NULL::numeric,
       jsonb_build_array(CASE WHEN d.decided IS NOT DISTINCT FROM '{category}' THEN '{HEADLINE[category]}'
                              ELSE '{NOT_HEADLINE[category]}' END) || d.lines
FROM d"""


def _rule(category: str, label) -> Rule:
    return Rule(key=f"childwelfare.{category}", programme="childwelfare", label=label, subject=Subject.PERSON,
                version=RULE_VERSION, sql=lambda target: category_sql(category, target),
                explain=lambda subject_id, on: explain(category, subject_id, on), on_gain=OnGain.REVIEW,
                age_lines=(LEFT_BEHIND_AGE, ADULT_AGE) if category == Category.LEFT_BEHIND else (ADULT_AGE,),
                triggers=(DirtyReason.FACTS, DirtyReason.MEMBERSHIP, DirtyReason.PERSON, DirtyReason.AGE_LINE),
                review_days=15, order=30)


RULES = (
    _rule(Category.ORPHAN, _("孤儿（规则判定）")),
    _rule(Category.UNSUPPORTED, _("事实无人抚养儿童（规则判定）")),
    _rule(Category.LEFT_BEHIND, _("留守儿童（规则判定）")),
)


def register() -> None:
    from civilaffairs.entitlements.rules import register_rule

    for rule in RULES:
        register_rule(rule)
