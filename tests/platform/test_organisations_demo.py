"""The demo city's organisations: some of every type, and the demo facility, provider and charity
accounts each working in one, seeing it only; a reset removes them."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from civilaffairs.accounts.models import Organisation, OrganisationType
from civilaffairs.accounts.roles import Capability
from civilaffairs.accounts.scoping import scope_queryset
from civilaffairs.registry import demo
from tests.conftest import reseed_migration_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    reseed_migration_data()  # a transactional test before may have flushed the city
    return demo.seed_demo(households=60, seed=7)


def test_the_demo_has_organisations_of_every_type_and_binds_the_organisation_accounts(seeded):
    assert set(Organisation.objects.values_list("type", flat=True)) == set(OrganisationType.values)
    User = get_user_model()
    expected = {"demo-facility": "海曙区社会福利院", "demo-provider": "颐乐居家养老服务有限公司",
                "demo-charity": "宁波市慈善总会"}
    for username, name in expected.items():
        user = User.objects.get(username=username)
        assert user.assignments.get().organisation.name == name
        seen = scope_queryset(Organisation.objects.all(), user, capability=Capability.VIEW_ORGANISATION)
        assert list(seen.values_list("name", flat=True)) == [name]
    for username in ("demo-grid", "demo-city", "demo-data"):
        assert User.objects.get(username=username).assignments.get().organisation is None


def test_a_reset_removes_the_demo_organisations_and_a_reseed_brings_them_back(seeded):
    count = Organisation.objects.count()
    call_command("seed_demo", households=60, seed=7, reset=True)
    assert Organisation.objects.count() == count
    demo.demo_reset()
    assert not Organisation.objects.exists()
