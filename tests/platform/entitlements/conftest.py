import datetime as dt

import pytest

from civilaffairs.entitlements.models import DirtySubject
from tests import factories as f
from tests.sampleprogramme import reg_entitlements


@pytest.fixture(autouse=True)
def _only_the_sample_rules():
    """The engine driven through the sample programme's rules alone: the programmes' rule sets
    (the difficulty index) are registered back afterwards. Their own tests run them."""
    from civilaffairs.entitlements.rules import register_rule, rule_registry, unregister_rule

    others = [r for r in rule_registry().values() if r.programme != "sample"]
    for rule in others:
        unregister_rule(rule.key)
    yield
    for rule in others:
        register_rule(rule)


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
        # Registering them marked them dirty (the platform's triggers): the tests mark what they mean.
        DirtySubject.objects.all().delete()
        return person

    return make
