import datetime as dt

import pytest

from tests import factories as f
from tests.sampleprogramme import reg_entitlements


@pytest.fixture(autouse=True)
def _sample_calls():
    reg_entitlements.GRANTED.clear()
    reg_entitlements.STOPPED.clear()
    yield
    reg_entitlements.GRANTED.clear()
    reg_entitlements.STOPPED.clear()


@pytest.fixture
def elder_in(city):
    """A person born on ``birth``, the only member of a new household in the home community."""
    from civilaffairs.registry.services import household_create

    def make(birth: dt.date, *, community=None, death: dt.date | None = None):
        person = f.person(name="高龄老人", birth=birth)
        if death is not None:
            type(person).objects.filter(pk=person.pk).update(death_date=death)
            person.refresh_from_db()
        household_create(actor=None, community_code=(community or city.community).code, head=person)
        return person

    return make
