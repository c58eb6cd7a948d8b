"""Assistance's part of the demo (registered in ``AssistanceConfig.ready`` as a demo step).

The platform's ``seed_demo`` builds the city, the people and the accounts; assistance seeds
nothing of its own (its applications, scores and leads come from the demo accounts and the
scoring engine). On ``demo_reset`` this step first removes what assistance holds on the demo
households, so the platform can then remove the households themselves.
"""
from __future__ import annotations

from civilaffairs.registry.demo import delete_rows


def reset(*, demo, log=None) -> None:
    """What assistance holds about the demo households (scores, leads and their work items,
    applications with their casework, benefits, reviews, payments). Raw deletes: the foreign
    keys are checked at commit, by which time every referencing row is gone."""
    from civilaffairs.worklist.models import WorkItem

    from .models import (
        Application,
        ApplicationEvent,
        ApplicationMember,
        Benefit,
        BenefitAdjustment,
        Decision,
        HomeVisit,
        Material,
        Objection,
        PublicNotice,
        Review,
        VerificationReport,
    )
    from civilaffairs.entitlements.models import DirtySubject

    from .scoring.models import HouseholdScore, Lead, ScoreHistory

    h_lo, h_hi = demo.household_ids
    household = {"household_id__gte": h_lo, "household_id__lte": h_hi}
    application = {"application__household_id__gte": h_lo, "application__household_id__lte": h_hi}
    benefit = {"benefit__household_id__gte": h_lo, "benefit__household_id__lte": h_hi}
    notice = {"notice__application__household_id__gte": h_lo, "notice__application__household_id__lte": h_hi}
    item_ids = list(Lead.objects.filter(**household, work_item__isnull=False).values_list("work_item_id", flat=True))
    application_ids = [str(pk) for pk in Application.objects.filter(**household).values_list("pk", flat=True)]
    item_ids += WorkItem.objects.filter(subject_type="assistance.application",
                                        subject_id__in=application_ids).values_list("pk", flat=True)
    plan = [(Lead, household), (HouseholdScore, household), (ScoreHistory, household),
            (Review, benefit), (BenefitAdjustment, benefit), (Benefit, household), (Objection, notice),
            (Decision, application), (HomeVisit, application), (PublicNotice, application),
            (Material, application), (ApplicationMember, application), (ApplicationEvent, application),
            (VerificationReport, household), (Application, household)]
    for model, where in plan:
        delete_rows(model.objects.filter(**where))
    delete_rows(DirtySubject.objects.filter(subject_type="household", subject_id__gte=h_lo, subject_id__lte=h_hi))
    delete_rows(WorkItem.objects.filter(pk__in=item_ids))
