"""The instrument (GB/T 42195-2022, version 1 as seeded): its shape, the grade bands at every
boundary, each adjustment rule at its boundary, and the version rules (published frozen, a new
version is a draft, publishing retires the old one)."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eldercare.models import AbilityGrade, GradeBand, Instrument, InstrumentStatus
from eldercare.services.assessment import assessment_compute, instrument_new_version, instrument_publish
from tests.eldercare.elders_helpers import options_scoring, options_totalling

pytest_plugins = ("tests.eldercare.elders_fixtures",)

pytestmark = pytest.mark.django_db
G = AbilityGrade


def grade_of(instrument, total, **facts):
    return assessment_compute(instrument=instrument, options=options_totalling(instrument, total), **facts)


def test_version_1_has_four_dimensions_26_items_and_a_total_of_90(instrument):
    dims = list(instrument.dimensions.all())
    assert [d.name for d in dims] == ["自理能力", "基础运动能力", "精神状态", "感知觉与社会参与"]
    assert sum(d.items.count() for d in dims) == 26
    assert instrument.max_total == 90
    assert [d.max_score for d in dims] == [32, 16, 27, 15]


@pytest.mark.parametrize("total, grade", [
    (90, G.INTACT), (89, G.MILD),
    (67, G.MILD), (66, G.MILD), (65, G.MODERATE),
    (47, G.MODERATE), (46, G.MODERATE), (45, G.SEVERE),
    (31, G.SEVERE), (30, G.SEVERE), (29, G.TOTAL), (0, G.TOTAL),
])
def test_grade_bands_at_every_boundary(instrument, total, grade):
    result = grade_of(instrument, total)
    assert result["total"] == total
    assert result["raw_grade"] == result["grade"] == grade
    assert result["adjustments"] == []


@pytest.mark.parametrize("fact", [{"dementia": True}, {"psychiatric": True}])
def test_a_diagnosis_makes_the_grade_one_worse(instrument, fact):
    assert grade_of(instrument, 90, **fact)["grade"] == G.MILD
    assert grade_of(instrument, 66, **fact)["grade"] == G.MODERATE
    assert grade_of(instrument, 65, **fact)["grade"] == G.SEVERE
    result = grade_of(instrument, 29, **fact)
    assert result["grade"] == G.TOTAL  # nothing worse than 完全失能
    assert "提高一个级别" in result["explanation"]


@pytest.mark.parametrize("events, grade", [(1, G.MILD), (2, G.MODERATE), (3, G.MODERATE)])
def test_care_risk_events_worsen_from_two_in_30_days(instrument, events, grade):
    assert grade_of(instrument, 70, risk_events=events)["grade"] == grade


def test_several_conditions_worsen_once(instrument):
    result = grade_of(instrument, 70, dementia=True, psychiatric=True, risk_events=2)
    assert result["raw_grade"] == G.MILD and result["grade"] == G.MODERATE
    assert len(result["adjustments"]) == 3
    assert "只提高一个级别" in result["explanation"]


def test_coma_is_total_loss_whatever_the_score(instrument):
    options = options_scoring(instrument, flag="coma")  # every other item at its maximum
    result = assessment_compute(instrument=instrument, options=options)
    assert result["total"] == 89 and result["raw_grade"] == G.MILD
    assert result["grade"] == G.TOTAL
    assert [a["code"] for a in result["adjustments"]] == ["coma"]
    # drowsy (same 0 points, no coma flag): the band decides
    drowsy = options_scoring(instrument, {"consciousness": 0})
    result = assessment_compute(instrument=instrument, options=drowsy)
    assert (result["total"], result["grade"], result["adjustments"]) == (89, G.MILD, [])


def test_an_unanswered_item_is_refused_with_its_name(instrument):
    options = options_totalling(instrument, 90)[1:]
    with pytest.raises(ValidationError, match="进食"):
        assessment_compute(instrument=instrument, options=options)


def test_the_explanation_names_total_dimensions_band_and_final_grade(instrument):
    text = grade_of(instrument, 70, dementia=True)["explanation"]
    for part in ("总分 70 分", "自理能力", "66–89", "轻度失能", "最终评定为“中度失能”"):
        assert part in text


def test_a_new_version_is_a_draft_copy_and_publishing_retires_the_old(instrument, city_admin):
    draft = instrument_new_version(actor=city_admin, from_id=instrument.pk)
    assert draft.status == InstrumentStatus.DRAFT and draft.version == 2
    assert draft.max_total == 90 and draft.bands.count() == 5 and draft.adjustments.count() == 4
    with pytest.raises(ValidationError):  # one draft at a time
        instrument_new_version(actor=city_admin, from_id=instrument.pk)
    instrument_publish(actor=city_admin, instrument_id=draft.pk)
    instrument.refresh_from_db()
    draft.refresh_from_db()
    assert (instrument.status, draft.status) == (InstrumentStatus.RETIRED, InstrumentStatus.PUBLISHED)
    with pytest.raises(ValidationError):  # frozen: published cannot be published again
        instrument_publish(actor=city_admin, instrument_id=draft.pk)


def test_a_draft_whose_bands_leave_a_gap_is_not_published(instrument, city_admin):
    draft = instrument_new_version(actor=city_admin, from_id=instrument.pk)
    GradeBand.objects.filter(instrument=draft, grade=G.MILD).update(min_score=67)
    with pytest.raises(ValidationError, match="覆盖"):
        instrument_publish(actor=city_admin, instrument_id=draft.pk)
    assert Instrument.objects.get(pk=instrument.pk).status == InstrumentStatus.PUBLISHED


def test_only_city_admins_make_and_publish_versions(instrument, township_officer):
    with pytest.raises(PermissionDenied):
        instrument_new_version(actor=township_officer, from_id=instrument.pk)
