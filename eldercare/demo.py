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
    for key in (HIGH_AGE, CARE):
        run, _created = engine.entitlement_full_run_start(rule_key=key, on=on, enqueue_chunks=False, force=True)
        for chunk_id in EntitlementChunk.objects.filter(run=run).order_by("lo").values_list("pk", flat=True):
            engine.entitlement_chunk_process(chunk_id=chunk_id)
    issued, total = credit_issue_month(month=on.replace(day=1))
    if log:
        from .models import Allowance

        log(f"eldercare allowances: {Allowance.objects.count()} allowances, {issued} credit issues ({total} 元)")


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
