"""Fixtures of the allowances and service-credit tests (area C): import the ones a test module uses."""
from __future__ import annotations

import datetime as dt

import pytest

from tests import factories as f


def run_rule(key: str, on: dt.date, chunk_size: int = 1000):
    """A full run of one rule, its chunks processed here (no worker)."""
    from civilaffairs.entitlements import services as engine
    from civilaffairs.entitlements.models import EntitlementChunk

    run, _created = engine.entitlement_full_run_start(rule_key=key, on=on, chunk_size=chunk_size,
                                                      enqueue_chunks=False, force=True)
    for chunk_id in EntitlementChunk.objects.filter(run=run).order_by("lo").values_list("pk", flat=True):
        engine.entitlement_chunk_process(chunk_id=chunk_id)
    run.refresh_from_db()
    return run


def sign_grade(person, grade: int, *, valid_from: dt.date, valid_to: dt.date, community_id: str = ""):
    """A signed assessment in force (the core row the assessment area writes when two assessors sign)."""
    from eldercare.models import Assessment, AssessmentStatus

    Assessment.objects.filter(person=person, status=AssessmentStatus.SIGNED).update(status=AssessmentStatus.SUPERSEDED)
    return Assessment.objects.create(person=person, community_id=community_id, status=AssessmentStatus.SIGNED,
                                     grade=grade, assessed_on=valid_from, valid_from=valid_from, valid_to=valid_to)


@pytest.fixture
def elder(city):
    """An elder born on ``birth``, registered (户籍) in and living alone in the home community (or ``community``)."""
    from civilaffairs.registry.services import household_create, person_create

    def make(birth: dt.date, *, community=None, registered: bool | str = True, name: str = "高龄老人",
             death: dt.date | None = None, phone: str = ""):
        where = community or city.community
        code = where.code if registered is True else (registered or None)
        person = person_create(actor=None, name=name, id_number=f.id_number(birth=birth), phone=phone,
                               registered_region_code=code)
        if death is not None:
            type(person).objects.filter(pk=person.pk).update(death_date=death)
            person.refresh_from_db()
        household_create(actor=None, community_code=where.code, head=person)
        return person

    return make


@pytest.fixture
def provider(city):
    return f.organisation(region=city.community, type="service_provider", name="第一社区助老服务社")
