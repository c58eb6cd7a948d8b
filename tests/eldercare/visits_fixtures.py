"""Fixtures of the visits, devices and alarms tests (area D): import the ones a test module uses.

An elder living alone in the home community (with a family contact who takes alarm SMS), a
service provider with a device of that elder and an ingestion key, a second provider."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from civilaffairs.lib.crypto import encrypt_text
from civilaffairs.lib.masking import mask_phone
from civilaffairs.lib.sms import ConsoleSmsBackend
from civilaffairs.registry.services import household_create
from eldercare.models import FamilyContact
from eldercare.services import devices as device_svc
from tests import factories as f

FAMILY_PHONE = "13900139000"


def elder_alone(community, *, name="孙奶奶", birth=dt.date(1942, 3, 1)):
    person = f.person(name=name, birth=birth, female=True)
    household_create(actor=None, community_code=community.code, head=person)
    return person


def contact(elder, *, notify=True, phone=FAMILY_PHONE):
    # The contacts' service is the elders area's; the tests need only the row.
    return FamilyContact.objects.create(elder=elder, name="孙女", relation="孙女", phone_encrypted=encrypt_text(phone),
                                        phone_masked=mask_phone(phone), notify_alarms=notify)


@pytest.fixture
def township_officer(city):
    return f.staff(username="township", role="township_officer", region=city.township)


@pytest.fixture
def elder(city):
    person = elder_alone(city.community)
    contact(person)
    return person


@pytest.fixture
def provider(city):
    return f.organisation(region=city.district, type="service_provider", name="颐乐居家养老")


@pytest.fixture
def other_provider(city):
    return f.organisation(region=city.district, type="service_provider", name="甬康护理")


@pytest.fixture
def provider_staff(city, provider):
    return f.staff(username="provider", role="provider_staff", region=city.district, organisation=provider)


@pytest.fixture
def device(elder, provider, township_officer):
    return device_svc.device_register(actor=township_officer, person=elder, provider_id=provider.pk,
                                      kind="mattress", serial="MAT-0001", installed_on=timezone.localdate())


@pytest.fixture
def token_key(provider, provider_staff):
    # A district's provider: its own staff manage its keys (a township officer only those of its township's).
    _token, key = device_svc.device_token_issue(actor=provider_staff, provider_id=provider.pk, label="测试")
    return key


@pytest.fixture
def token(token_key):
    return device_svc.device_token_for_key(token_key)[0]


@pytest.fixture
def outbox():
    ConsoleSmsBackend.outbox.clear()
    ConsoleSmsBackend.keys.clear()
    yield ConsoleSmsBackend.outbox
    ConsoleSmsBackend.outbox.clear()


def event(serial="MAT-0001", event_id="e1", kind="heart_rate", value=70, at=None):
    at = at or timezone.now() - dt.timedelta(minutes=1)
    out = {"device": serial, "event_id": event_id, "kind": kind, "occurred_at": at.isoformat()}
    if value is not None:
        out["value"] = value
    return out
