"""The assessment's life: a draft per elder, answers frozen after the first signature, two
different qualified assessors (same person twice, expired certificate, wrong role refused), the
second signature supersedes the previous signed assessment and sets the validity, voiding by a
second person, the reassessment worklist (a month ahead, on request, closed by the next signing)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civilaffairs.lib.dates import add_months
from civilaffairs.worklist.models import ItemStatus, WorkItem
from eldercare.models import AbilityGrade, Assessment, AssessmentStatus
from eldercare.selectors import grade_on
from eldercare.services import assessment as svc
from tests import factories as f
from tests.eldercare.elders_helpers import fill, options_totalling, qualify, signed

pytest_plugins = ("tests.eldercare.elders_fixtures",)

pytestmark = pytest.mark.django_db


def test_starting_twice_opens_one_draft_that_records_the_instrument_version(elder, assessor, instrument):
    first = svc.assessment_start(actor=assessor, person_id=elder.pk)
    again = svc.assessment_start(actor=assessor, person_id=elder.pk)
    assert first.pk == again.pk
    assert first.detail.instrument_id == instrument.pk
    assert first.community_id == elder.memberships.get().household.community_id


def test_a_person_under_60_is_not_assessed(city, assessor, instrument):
    from tests.eldercare.elders_helpers import elder_in

    young = elder_in(city.community, name="年轻人", age=59)
    with pytest.raises(ValidationError, match="60周岁"):
        svc.assessment_start(actor=assessor, person_id=young.pk)


def test_two_different_qualified_assessors_make_it_signed(elder, assessor, second_assessor, instrument):
    draft = svc.assessment_start(actor=assessor, person_id=elder.pk)
    fill(draft, assessor, options_totalling(instrument, 70))
    after_one = svc.assessment_sign(actor=assessor, assessment_id=draft.pk)
    assert after_one.status == AssessmentStatus.DRAFT
    with pytest.raises(ValidationError, match="另一名评估员"):  # the same person twice
        svc.assessment_sign(actor=assessor, assessment_id=draft.pk)
    done = svc.assessment_sign(actor=second_assessor, assessment_id=draft.pk)
    today = timezone.localdate()
    assert done.status == AssessmentStatus.SIGNED and done.grade == AbilityGrade.MILD
    assert done.valid_from == today
    assert done.valid_to == add_months(today, 12) - dt.timedelta(days=1)
    assert done.detail.total_score == 70
    assert grade_on(elder.pk, today) == AbilityGrade.MILD
    with pytest.raises(ValidationError):  # a third signature on a signed one: state conflict
        svc.assessment_sign(actor=assessor, assessment_id=draft.pk)


def test_answers_are_frozen_after_the_first_signature(elder, assessor, instrument):
    draft = svc.assessment_start(actor=assessor, person_id=elder.pk)
    options = options_totalling(instrument, 70)
    fill(draft, assessor, options)
    svc.assessment_sign(actor=assessor, assessment_id=draft.pk)
    with pytest.raises(ValidationError, match="锁定"):
        svc.assessment_answer(actor=assessor, assessment_id=draft.pk, answers={options[0].item_id: options[0].pk})


def test_an_incomplete_draft_cannot_be_signed(elder, assessor, instrument):
    draft = svc.assessment_start(actor=assessor, person_id=elder.pk)
    fill(draft, assessor, options_totalling(instrument, 70)[:-1])
    with pytest.raises(ValidationError, match="未评估"):
        svc.assessment_sign(actor=assessor, assessment_id=draft.pk)
    assert not draft.signatures.exists()


@pytest.mark.parametrize("days_left, refused", [(-1, True), (0, False), (1, False)])
def test_a_certificate_must_cover_the_signing_day(elder, assessor, city, instrument, days_left, refused):
    other = f.staff(username="township3", role="township_officer", region=city.township)
    qualify(other, number="PG-0003", days_left=days_left)
    draft = svc.assessment_start(actor=assessor, person_id=elder.pk)
    fill(draft, assessor, options_totalling(instrument, 70))
    svc.assessment_sign(actor=assessor, assessment_id=draft.pk)
    if refused:
        with pytest.raises(PermissionDenied, match="资格证书"):
            svc.assessment_sign(actor=other, assessment_id=draft.pk)
    else:
        assert svc.assessment_sign(actor=other, assessment_id=draft.pk).status == AssessmentStatus.SIGNED


def test_an_assessor_without_a_certificate_is_refused(elder, assessor, city, instrument):
    uncertified = f.staff(username="township4", role="township_officer", region=city.township)
    draft = svc.assessment_start(actor=assessor, person_id=elder.pk)
    fill(draft, assessor, options_totalling(instrument, 70))
    with pytest.raises(PermissionDenied):
        svc.assessment_sign(actor=uncertified, assessment_id=draft.pk)


def test_a_qualified_user_without_the_assess_role_is_refused(elder, assessor, grid_worker, instrument):
    qualify(grid_worker, number="PG-0009")
    draft = svc.assessment_start(actor=assessor, person_id=elder.pk)
    fill(draft, assessor, options_totalling(instrument, 70))
    with pytest.raises(PermissionDenied):
        svc.assessment_sign(actor=grid_worker, assessment_id=draft.pk)
    with pytest.raises(PermissionDenied):
        svc.assessment_start(actor=grid_worker, person_id=elder.pk)


def test_another_townships_assessor_is_refused(elder, assessor, city, instrument):
    far = f.staff(username="township-far", role="township_officer", region=city.other_township)
    qualify(far, number="PG-0010")
    draft = svc.assessment_start(actor=assessor, person_id=elder.pk)
    fill(draft, assessor, options_totalling(instrument, 70))
    svc.assessment_sign(actor=assessor, assessment_id=draft.pk)
    with pytest.raises(PermissionDenied):
        svc.assessment_sign(actor=far, assessment_id=draft.pk)


def test_the_second_signing_supersedes_the_previous_signed_assessment(elder, assessor, second_assessor, instrument):
    old = signed(elder, assessor, second_assessor, total=90)
    new = signed(elder, second_assessor, assessor, total=40, dementia=True)
    old.refresh_from_db()
    assert old.status == AssessmentStatus.SUPERSEDED
    assert new.status == AssessmentStatus.SIGNED and new.grade == AbilityGrade.TOTAL  # 重度 + 痴呆
    assert Assessment.objects.filter(person=elder, status=AssessmentStatus.SIGNED).count() == 1
    assert grade_on(elder.pk, timezone.localdate()) == AbilityGrade.TOTAL


def test_void_needs_a_reason_and_a_person_who_did_not_sign(elder, assessor, second_assessor, city, instrument):
    done = signed(elder, assessor, second_assessor, total=70)
    with pytest.raises(ValidationError, match="原因"):
        svc.assessment_void(actor=assessor, assessment_id=done.pk, reason=" ")
    with pytest.raises(PermissionDenied, match="另一名"):
        svc.assessment_void(actor=assessor, assessment_id=done.pk, reason="录入错误")
    third = f.staff(username="township5", role="township_officer", region=city.township)
    voided = svc.assessment_void(actor=third, assessment_id=done.pk, reason="录入错误")
    assert voided.status == AssessmentStatus.VOID and voided.detail.void_reason == "录入错误"
    assert grade_on(elder.pk, timezone.localdate()) is None
    with pytest.raises(ValidationError):  # voiding twice
        svc.assessment_void(actor=third, assessment_id=done.pk, reason="录入错误")


def _items(elder):
    return WorkItem.objects.filter(dedupe_key=svc.reassessment_key(elder.pk))


def test_reassessment_is_raised_a_month_before_validity_ends_once(elder, assessor, second_assessor, instrument):
    done = signed(elder, assessor, second_assessor, total=70)
    valid_to = done.valid_to
    assert svc.reassessment_raise_due(on=valid_to - dt.timedelta(days=svc.REASSESSMENT_LEAD_DAYS + 1)) == 0
    assert svc.reassessment_raise_due(on=valid_to - dt.timedelta(days=svc.REASSESSMENT_LEAD_DAYS)) == 1
    assert svc.reassessment_raise_due(on=valid_to - dt.timedelta(days=svc.REASSESSMENT_LEAD_DAYS - 1)) == 0
    item = _items(elder).get()
    assert item.status not in (ItemStatus.DONE, ItemStatus.CANCELLED)
    assert item.kind == svc.REASSESSMENT_KIND and item.region_id == done.community_id
    signed(elder, second_assessor, assessor, total=60)  # the next signing closes it
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE


def test_a_caseworker_requests_a_reassessment_once(elder, grid_worker, neighbour_grid_worker, instrument):
    assert svc.reassessment_request(actor=grid_worker, person_id=elder.pk) == 1
    assert svc.reassessment_request(actor=grid_worker, person_id=elder.pk) == 0
    assert _items(elder).count() == 1
    with pytest.raises(PermissionDenied):
        svc.reassessment_request(actor=neighbour_grid_worker, person_id=elder.pk)


def test_a_signed_grade_and_a_voided_one_send_the_elder_back_to_the_engine(elder, assessor, second_assessor, city,
                                                                           instrument):
    """护理补贴 and the service credit read the grade in force: signing or voiding marks the elder."""
    from civilaffairs.entitlements.models import DirtySubject

    DirtySubject.objects.all().delete()
    done = signed(elder, assessor, second_assessor, total=50)
    assert DirtySubject.objects.filter(subject_type="person", subject_id=elder.pk, reason="other").exists()
    DirtySubject.objects.all().delete()
    voider = f.staff(username="void-officer", role="township_officer", region=city.township)
    svc.assessment_void(actor=voider, assessment_id=done.pk, reason="评估员填写有误")
    assert DirtySubject.objects.filter(subject_type="person", subject_id=elder.pk, reason="other").exists()
