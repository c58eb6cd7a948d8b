"""Fixtures of the elders / assessment tests (loaded with ``pytest_plugins``): an 85-year-old living
alone in the home community, an elder in the neighbouring community and one in the other district,
two qualified township assessors. Helpers are in ``elders_helpers``."""
from __future__ import annotations

import pytest

from eldercare.instrument_seed import seed_instrument
from eldercare.models import Instrument, InstrumentStatus
from tests import factories as f
from tests.eldercare.elders_helpers import elder_in, qualify


@pytest.fixture
def instrument(db):
    from django.apps import apps

    seed_instrument(apps)  # transactional tests flush migration rows
    return Instrument.objects.get(code="gbt42195", status=InstrumentStatus.PUBLISHED)


@pytest.fixture
def elder(city, instrument):
    return elder_in(city.community)


@pytest.fixture
def neighbour_elder(city, instrument):
    return elder_in(city.neighbour, name="吴阿公", age=82, female=False)


@pytest.fixture
def other_district_elder(city, instrument):
    return elder_in(city.other_community, name="郑阿婆", age=91)


@pytest.fixture
def assessor(township_officer):
    qualify(township_officer, number="PG-0001")
    return township_officer


@pytest.fixture
def second_assessor(city):
    user = f.staff(username="township2", role="township_officer", region=city.township)
    qualify(user, number="PG-0002")
    return user
