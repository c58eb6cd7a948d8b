"""The elders demo step: elders of several kinds with profiles, contacts and signed assessments in the
demo home community, visible to the demo grid worker; seeding again adds nothing; the reset removes
them (and the demo certificates)."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from civilaffairs.registry import demo
from eldercare.demo import DEMO_CERTIFICATES, seed_elders
from eldercare.models import Assessment, AssessmentStatus, AssessorQualification, ElderProfile, FamilyContact
from tests.conftest import reseed_migration_data

pytestmark = pytest.mark.django_db


def test_demo_elders_seeded_once_visible_and_reset(client):
    reseed_migration_data()
    demo.seed_demo(households=300, seed=7)
    signed = Assessment.objects.filter(status=AssessmentStatus.SIGNED)
    grades = set(signed.values_list("grade", flat=True))
    assert signed.count() >= 4 and len(grades) >= 3
    assert ElderProfile.objects.filter(lost_only_child=True).exists()
    assert FamilyContact.objects.count() >= 4
    counts = (Assessment.objects.count(), FamilyContact.objects.count(), ElderProfile.objects.count())
    meta = demo.DemoCity(household_ids=(0, 10**9), person_ids=(0, 10**9),
                         home_community=signed.first().community_id)
    seed_elders(demo=meta)  # again: nothing new
    assert (Assessment.objects.count(), FamilyContact.objects.count(), ElderProfile.objects.count()) == counts
    client.force_login(get_user_model().objects.get(username="demo-grid"))
    page = client.get("/eldercare/elders/", {"group": "disabled"})
    assert page.status_code == 200 and len(page.context["page"].object_list) >= 3
    demo.demo_reset()
    assert not Assessment.objects.exists() and not FamilyContact.objects.exists()
    assert not AssessorQualification.objects.filter(certificate_number__in=[n for _u, n in DEMO_CERTIFICATES]).exists()
