"""Personas built once per test: a small city with two districts.

330203 海曙区 / 330203001 街道 / 330203001001 (home community), 330203001002 (neighbour)
330205 江北区 / 330205001 街道 / 330205001001 (other district)
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from hypothesis import settings as hypothesis_settings

from tests import factories as f

# Property tests (SQL = Python twins) run the same examples on every CI run, so a failure seen
# once is seen again with the same command (issue 16); locally they explore new examples.
# HYPOTHESIS_PROFILE=ci reproduces CI's examples anywhere.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright + live_server


@dataclass
class City:
    city: object
    district: object
    township: object
    community: object
    neighbour: object
    other_district: object
    other_township: object
    other_community: object


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language (Chinese): a request in English earlier in the
    same thread (LocaleMiddleware activates the language and nothing deactivates it) must not turn
    the next test's lazily translated messages into English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def reseed_migration_data() -> None:
    """Transactional tests flush every table, including the rows migrations seeded
    (the city, its districts, the policy parameters); put them back (idempotent)."""
    import importlib

    from django.apps import apps

    importlib.import_module("civilaffairs.registry.migrations.0002_seed_regions_parameters").seed(apps, None)


@pytest.fixture
def city(db) -> City:
    from civilaffairs.registry.models import Region

    reseed_migration_data()
    c = Region.objects.get(code="3302")
    d = Region.objects.get(code="330203")
    t = f.region("330203001", "测试街道", d)
    od = Region.objects.get(code="330205")
    ot = f.region("330205001", "江北测试街道", od)
    return City(city=c, district=d, township=t,
                community=f.region("330203001001", "第一社区", t),
                neighbour=f.region("330203001002", "第二社区", t),
                other_district=od, other_township=ot,
                other_community=f.region("330205001001", "江北社区", ot))


@pytest.fixture
def home_household(city):
    return f.household(community=city.community, head_name="王小明", members=2, head_phone="13800138000")


@pytest.fixture
def other_household(city):
    return f.household(community=city.other_community, head_name="李四", members=1)


@pytest.fixture
def grid_worker(city):
    return f.staff(username="grid", role="grid_worker", region=city.community)


@pytest.fixture
def neighbour_grid_worker(city):
    return f.staff(username="grid-neighbour", role="grid_worker", region=city.neighbour)


@pytest.fixture
def other_district_worker(city):
    return f.staff(username="grid-other", role="grid_worker", region=city.other_community)


@pytest.fixture
def township_officer(city):
    return f.staff(username="township", role="township_officer", region=city.township)


@pytest.fixture
def district_approver(city):
    return f.staff(username="district", role="district_approver", region=city.district)


@pytest.fixture
def city_admin(city):
    return f.staff(username="cityadmin", role="city_admin", region=city.city, is_staff=True)


@pytest.fixture
def data_provider(city):
    return f.staff(username="dataprov", role="data_provider", region=city.city)


@pytest.fixture
def resident(home_household):
    return f.resident(person_obj=home_household.head, username="resident")


@pytest.fixture
def other_resident(other_household):
    return f.resident(person_obj=other_household.head, username="resident-other")


@pytest.fixture
def admin_user(db):
    return f.superuser()
