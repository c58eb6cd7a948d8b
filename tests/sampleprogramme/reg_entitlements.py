"""Two entitlement rules, registered as a programme would (civilaffairs.entitlements.rules):

- ``sample.age80`` (persons): alive and aged 80 or more on the evaluation day — granted without
  an application (a 高龄津贴 of 100 元, 200 元 from 90), with a notice to the person's account;
  a lost one is stopped with a notice and a worklist item.
- ``sample.elderly_household`` (households): every living member aged 60 or more — raised as a
  worklist item for a visit (REVIEW).

What the callbacks were called with is kept in GRANTED / STOPPED (the sample has no tables)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model

from civilaffairs.entitlements.models import EntitlementCandidate
from civilaffairs.entitlements.rules import (
    DirtyReason, OnGain, Rule, RuleResult, Subject, age_cutoff, register_rule, unregister_rule,
)
from civilaffairs.notifications.services import notify_user
from civilaffairs.registry.models import HouseholdMember, Person
from civilaffairs.worklist.services import ItemRow, workitem_raise_many

AGE80 = "sample.age80"
ELDERLY_HOUSEHOLD = "sample.elderly_household"
GRANTED: list[tuple[list[int], dt.date]] = []
STOPPED: list[tuple[list[int], dt.date]] = []
GRANT_TITLE = "示例项目：高龄津贴已为您办理"
STOP_TITLE = "示例项目：高龄津贴已停发"


def age80_sql(target: str) -> str:
    return f"""
    SELECT p.id,
           p.death_date IS NULL OR p.death_date > %(on)s,
           CASE WHEN p.death_date <= %(on)s THEN ''
                WHEN p.birth_date <= %(on)s::date - interval '90 years' THEN '90+' ELSE '80-89' END,
           CASE WHEN p.death_date <= %(on)s THEN NULL
                WHEN p.birth_date <= %(on)s::date - interval '90 years' THEN 200.00 ELSE 100.00 END,
           CASE WHEN p.death_date <= %(on)s THEN '["已去世"]'::jsonb
                WHEN p.birth_date <= %(on)s::date - interval '90 years' THEN '["年满 90 周岁"]'::jsonb
                ELSE '["年满 80 周岁"]'::jsonb END
    FROM registry_person p
    WHERE {target.replace("{col}", "p.id")} AND p.birth_date <= %(on)s::date - interval '80 years'"""


def age80_explain(subject_id: int, on: dt.date) -> RuleResult:
    person = Person.objects.get(pk=subject_id)
    age = person.age_on(on)
    if age < 80:
        return RuleResult(False)
    if person.death_date is not None and person.death_date <= on:
        return RuleResult(False, "", None, ("已去世",))
    if age >= 90:
        return RuleResult(True, "90+", Decimal("200.00"), ("年满 90 周岁",))
    return RuleResult(True, "80-89", Decimal("100.00"), ("年满 80 周岁",))


def _notify(candidate_ids: list[int], title: str) -> None:
    persons = EntitlementCandidate.objects.filter(pk__in=candidate_ids).values_list("subject_id", flat=True)
    for user in get_user_model().objects.filter(kind="resident", person_id__in=persons):
        notify_user(user=user, title=title)


def grant(candidate_ids: list[int], on: dt.date) -> None:
    GRANTED.append((list(candidate_ids), on))
    _notify(candidate_ids, GRANT_TITLE)


def stop(candidate_ids: list[int], on: dt.date) -> None:
    STOPPED.append((list(candidate_ids), on))
    _notify(candidate_ids, STOP_TITLE)
    rows = [ItemRow(kind="sample.allowance_stopped", title="示例项目：高龄津贴停发，请核实",
                    region_code=c.community_id, dedupe_key=f"sample.allowance_stopped:{c.pk}",
                    subject_type="registry.person", subject_id=str(c.subject_id), detail="；".join(c.reasons))
            for c in EntitlementCandidate.objects.filter(pk__in=candidate_ids).exclude(community_id="")]
    workitem_raise_many(rows=rows, context={"rule": AGE80})


def elderly_household_sql(target: str) -> str:
    return f"""
    SELECT m.household_id, true, 'elderly_only', NULL::numeric, '["家庭成员均年满 60 周岁"]'::jsonb
    FROM registry_householdmember m JOIN registry_person p ON p.id = m.person_id
    WHERE m.is_active AND {target.replace("{col}", "m.household_id")}
    GROUP BY m.household_id
    HAVING count(*) FILTER (WHERE p.death_date IS NULL OR p.death_date > %(on)s) > 0
       AND bool_and((p.death_date IS NOT NULL AND p.death_date <= %(on)s)
                    OR p.birth_date <= %(on)s::date - interval '60 years')"""


def elderly_household_explain(subject_id: int, on: dt.date) -> RuleResult:
    living = [m.person for m in HouseholdMember.objects.filter(household_id=subject_id, is_active=True)
              .select_related("person") if m.person.death_date is None or m.person.death_date > on]
    if living and all(p.birth_date <= age_cutoff(on, 60) for p in living):
        return RuleResult(True, "elderly_only", None, ("家庭成员均年满 60 周岁",))
    return RuleResult(False)


RULES = (
    Rule(key=AGE80, programme="sample", label="示例项目：高龄津贴", subject=Subject.PERSON, version=1,
         sql=age80_sql, explain=age80_explain, on_gain=OnGain.GRANT, grant=grant, on_loss=stop, age_lines=(80, 90),
         triggers=(DirtyReason.PERSON, DirtyReason.AGE_LINE, DirtyReason.OTHER)),
    Rule(key=ELDERLY_HOUSEHOLD, programme="sample", label="示例项目：老年人家庭走访", subject=Subject.HOUSEHOLD,
         version=1, sql=elderly_household_sql, explain=elderly_household_explain, on_gain=OnGain.REVIEW,
         age_lines=(60,)),
)


def register() -> None:
    for rule in RULES:
        register_rule(rule)


def unregister() -> None:
    for rule in RULES:
        unregister_rule(rule.key)
