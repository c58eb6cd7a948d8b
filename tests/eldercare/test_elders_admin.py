"""The instrument in the admin: published versions are frozen (no change page form, no inline edits);
an administrator makes a draft with the action, edits it, publishes it with the action (the service
checks the bands); assessor certificates are recorded through the service; the daily task raises the
reassessment items."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from civilaffairs.audit.models import AuditEvent
from eldercare.models import AssessorQualification, GradeBand, Instrument, InstrumentStatus
from eldercare.tasks import reassessment_raise_due
from tests.eldercare.elders_helpers import signed

pytest_plugins = ("tests.eldercare.elders_fixtures",)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_staff(admin_client):
    """A superuser: the admin's pages need Django model permissions; the services check MANAGE_INSTRUMENT."""
    return admin_client


def _changelist(model: str) -> str:
    return reverse(f"admin:eldercare_{model}_changelist")


def test_a_published_version_is_read_only(city_staff, instrument):
    url = reverse("admin:eldercare_instrument_change", args=[instrument.pk])
    response = city_staff.post(url, {"name": "改名", "validity_months": "6"})
    instrument.refresh_from_db()
    assert instrument.name != "改名" and instrument.validity_months == 12
    assert response.status_code in (200, 403)


def test_new_draft_edit_and_publish_through_the_actions(city_staff, instrument):
    city_staff.post(_changelist("instrument"), {"action": "new_version", "_selected_action": [instrument.pk]})
    draft = Instrument.objects.get(status=InstrumentStatus.DRAFT)
    band = GradeBand.objects.get(instrument=draft, grade=1)
    GradeBand.objects.filter(pk=band.pk).update(min_score=70)  # a gap 66–69: refused on publish
    city_staff.post(_changelist("instrument"), {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == InstrumentStatus.DRAFT
    GradeBand.objects.filter(pk=band.pk).update(min_score=66)
    city_staff.post(_changelist("instrument"), {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    instrument.refresh_from_db()
    assert draft.status == InstrumentStatus.PUBLISHED and instrument.status == InstrumentStatus.RETIRED
    assert AuditEvent.objects.filter(action="eldercare.instrument_published").count() == 1


def test_a_certificate_is_recorded_through_the_service(city_staff, township_officer):
    today = timezone.localdate()
    url = reverse("admin:eldercare_assessorqualification_add")
    bad = city_staff.post(url, {"user": township_officer.pk, "certificate_number": "PG-77",
                                "valid_from": today.isoformat(), "valid_to": (today - dt.timedelta(days=1)).isoformat()})
    assert bad.status_code == 200 and "有效期止不能早于有效期起" in bad.content.decode()
    ok = city_staff.post(url, {"user": township_officer.pk, "certificate_number": "PG-77",
                               "valid_from": today.isoformat(), "valid_to": (today + dt.timedelta(days=365)).isoformat()})
    assert ok.status_code == 302
    assert AssessorQualification.objects.filter(certificate_number="PG-77").exists()
    assert AuditEvent.objects.filter(action="eldercare.qualification_recorded").exists()


def test_the_daily_task_raises_items_once(elder, assessor, second_assessor):
    from civilaffairs.worklist.models import WorkItem

    done = signed(elder, assessor, second_assessor, total=70)
    on = (done.valid_to - dt.timedelta(days=10)).isoformat()
    assert reassessment_raise_due(on) == 1
    assert reassessment_raise_due(on) == 0
    assert WorkItem.objects.filter(kind="eldercare.reassessment").count() == 1


def test_a_drafts_pages_open_and_its_option_edits_are_audited(city_staff, instrument, admin_user):
    from eldercare.services.assessment import instrument_new_version

    draft = instrument_new_version(actor=admin_user, from_id=instrument.pk)
    dimension = draft.dimensions.first()
    item = dimension.items.first()
    for url in (reverse("admin:eldercare_instrument_change", args=[draft.pk]),
                reverse("admin:eldercare_instrumentdimension_change", args=[dimension.pk]),
                reverse("admin:eldercare_instrumentitem_change", args=[item.pk])):
        assert city_staff.get(url).status_code == 200, url
    published_item = instrument.dimensions.first().items.first()
    page = city_staff.get(reverse("admin:eldercare_instrumentitem_change", args=[published_item.pk]))
    assert page.status_code == 200 and 'name="options-0-wording"' not in page.content.decode()
    assert 'name="options-0-wording"' in city_staff.get(
        reverse("admin:eldercare_instrumentitem_change", args=[item.pk])).content.decode()
