"""Helpers of the elders / assessment tests: elders in a community, assessor certificates, answers
with chosen scores, a signed assessment in one call. Fixtures are in ``elders_fixtures``."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from civilaffairs.registry.services import household_create
from eldercare.models import AssessorQualification, Instrument, InstrumentOption, InstrumentStatus
from eldercare.services import assessment as svc
from tests import factories as f


def years_ago(n: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - n)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - n, day=28)
    return day - dt.timedelta(days=days)


def elder_in(community, *, name: str = "周阿婆", age: int = 85, female: bool = True):
    person = f.person(name=name, birth=years_ago(age, 10), female=female)
    household_create(actor=None, community_code=community.code, head=person)
    return person


def qualify(user, *, number: str, days_left: int = 365):
    today = timezone.localdate()
    return AssessorQualification.objects.create(user=user, certificate_number=number,
                                                valid_from=today - dt.timedelta(days=30),
                                                valid_to=today + dt.timedelta(days=days_left))


def options_scoring(instrument, scores: dict[str, int] | None = None, *, default: str = "max", flag: str = ""):
    """One option per item: ``scores`` by item code, else each item's max (``default="max"``) or 0."""
    scores = scores or {}
    chosen = []
    for option_item in instrument.dimensions.all():
        for item in option_item.items.all():
            options = list(item.options.all())
            if flag and any(o.flag == flag for o in options):
                chosen.append(next(o for o in options if o.flag == flag))
                continue
            want = scores.get(item.code, max(o.score for o in options) if default == "max" else 0)
            chosen.append(next(o for o in options if o.score == want and not o.flag))
    return chosen


def options_totalling(instrument, total: int) -> list[InstrumentOption]:
    """Options whose scores add up to ``total`` (0..90): start from all-max and lower items in turn."""
    chosen = {o.item_id: o for o in options_scoring(instrument)}
    excess = sum(o.score for o in chosen.values()) - total
    for item_id, option in list(chosen.items()):
        if excess <= 0:
            break
        lower = sorted((o for o in option.item.options.all() if not o.flag), key=lambda o: o.score)
        target = max(option.score - excess, lower[0].score)
        pick = min((o for o in lower if o.score >= target), key=lambda o: o.score)
        excess -= option.score - pick.score
        chosen[item_id] = pick
    assert sum(o.score for o in chosen.values()) == total
    return list(chosen.values())


def fill(assessment, actor, options, **facts):
    svc.assessment_answer(actor=actor, assessment_id=assessment.pk, answers={o.item_id: o.pk for o in options})
    if facts:
        svc.assessment_set_facts(actor=actor, assessment_id=assessment.pk,
                                 diagnosed_dementia=facts.get("dementia", False),
                                 diagnosed_psychiatric=facts.get("psychiatric", False),
                                 risk_events_30d=facts.get("risk_events", 0))


def signed(elder, first, second, *, total: int = 90, **facts):
    instrument = Instrument.objects.get(code="gbt42195", status=InstrumentStatus.PUBLISHED)
    draft = svc.assessment_start(actor=first, person_id=elder.pk)
    fill(draft, first, options_totalling(instrument, total), **facts)
    svc.assessment_sign(actor=first, assessment_id=draft.pk)
    return svc.assessment_sign(actor=second, assessment_id=draft.pk)
