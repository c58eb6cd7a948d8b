"""Elder care's part of the demo (registered in ``EldercareConfig.ready`` as demo steps). One block per area."""
from __future__ import annotations


# --- allowances and service credit (area C) ---------------------------------------------------------
# The parameters are seeded by the migrations (city level). The demo runs the engine for the two
# allowance rules over the demo city (the 80+ get 高龄津贴, elders with a 失能 grade in force — from the
# assessment area's demo step, which runs before — get 护理补贴), then issues this month's service credit.

def seed_allowances(*, demo, log=None) -> None:
    from django.utils import timezone

    from civilaffairs.entitlements import services as engine
    from civilaffairs.entitlements.models import EntitlementChunk

    from .rules import CARE, HIGH_AGE
    from .services.credit import credit_issue_month

    on = demo.today or timezone.localdate()
    _ensure_a_few_grades(demo, on)
    for key in (HIGH_AGE, CARE):
        run, _created = engine.entitlement_full_run_start(rule_key=key, on=on, enqueue_chunks=False, force=True)
        for chunk_id in EntitlementChunk.objects.filter(run=run).order_by("lo").values_list("pk", flat=True):
            engine.entitlement_chunk_process(chunk_id=chunk_id)
    issued, total = credit_issue_month(month=on.replace(day=1))
    _spend_a_little(demo, on)
    if log:
        from .models import Allowance

        log(f"eldercare allowances: {Allowance.objects.count()} allowances, {issued} credit issues ({total} 元)")


def _ensure_a_few_grades(demo, on) -> None:
    """Without the assessment area's demo (it runs first and signs real assessments) the credit and the
    care allowance would have nobody to show: sign a grade for four elders of the home community, one per
    失能 grade. Skipped when any demo elder already has a signed assessment."""
    import datetime as dt

    from civilaffairs.registry.models import HouseholdMember

    from .models import Assessment, AssessmentStatus

    p_lo, p_hi = demo.person_ids
    if Assessment.objects.filter(person_id__gte=p_lo, person_id__lte=p_hi, status=AssessmentStatus.SIGNED).exists():
        return
    cutoff = on.replace(year=on.year - 75) if not (on.month == 2 and on.day == 29) else on.replace(year=on.year - 75, day=28)
    members = (HouseholdMember.objects.filter(person_id__gte=p_lo, person_id__lte=p_hi, is_active=True,
                                              household__community_id=demo.home_community or "",
                                              person__birth_date__lte=cutoff, person__death_date__isnull=True)
               .order_by("person_id").values_list("person_id", "household__community_id")[:4])
    for grade, (person_id, community) in zip((1, 2, 3, 4), members):
        Assessment.objects.create(person_id=person_id, community_id=community, status=AssessmentStatus.SIGNED,
                                  grade=grade, assessed_on=on - dt.timedelta(days=20),
                                  valid_from=on - dt.timedelta(days=20), valid_to=on + dt.timedelta(days=345))


def _spend_a_little(demo, on) -> None:
    """A service order or two paid with credit, so the ledger shows a spend."""
    from civilaffairs.accounts.models import Organisation, OrganisationStatus

    from .models import CreditAccount
    from .services.credit import credit_spend

    provider = (Organisation.objects.filter(type__in=("service_provider", "home_care_centre"),
                                            status=OrganisationStatus.ACTIVE).order_by("pk").first())
    if provider is None:
        return
    p_lo, p_hi = demo.person_ids
    for account in CreditAccount.objects.filter(person_id__gte=p_lo, person_id__lte=p_hi, balance__gte=30)[:2]:
        credit_spend(account=account, amount="30.00", organisation=provider, reference=f"DEMO-{on:%Y%m}-{account.pk}")


def reset_allowances(*, demo, log=None) -> None:
    """What the allowances hold on the demo persons: ledger entries, accounts, allowances, their items."""
    from civilaffairs.registry.demo import delete_rows
    from civilaffairs.worklist.models import WorkItem

    from .models import Allowance, CreditAccount, CreditEntry
    from .services.allowances import SUBJECT_TYPE

    p_lo, p_hi = demo.person_ids
    persons = {"person_id__gte": p_lo, "person_id__lte": p_hi}
    ids = [str(pk) for pk in Allowance.objects.filter(**persons).values_list("pk", flat=True)]
    delete_rows(WorkItem.objects.filter(subject_type=SUBJECT_TYPE, subject_id__in=ids))
    delete_rows(CreditEntry.objects.filter(account__person_id__gte=p_lo, account__person_id__lte=p_hi))
    delete_rows(CreditAccount.objects.filter(**persons))
    delete_rows(Allowance.objects.filter(**persons))
    # the few grades ``_ensure_a_few_grades`` signed are the assessment core's rows: the assessment area's
    # reset removes the demo persons' assessments (if it is not merged, they go with this step)
    from .models import Assessment

    delete_rows(Assessment.objects.filter(**persons, assessed_on__isnull=False))
