"""Elderly care's part of the demo (registered in ``EldercareConfig.ready`` as demo steps; each
area adds its block). Demo elders are the demo city's own registry persons (never copies)."""
from __future__ import annotations

# --- elders / assessment area (elders helper) -----------------------------------------------------
# In the demo home community: elders 80+ and 90+, living alone and empty-nest, with profiles (one
# 失独), family contacts, and signed assessments of several grades (signed by demo-township and
# admin, each with a demo assessor certificate). Idempotent: an elder who already has contacts or
# an assessment is left alone. The generated city has no one over 99, so no 100+ elder is seeded.

import datetime as dt  # noqa: E402

DEMO_CERTIFICATES = (("demo-township", "DEMO-PG-0001"), ("admin", "DEMO-PG-0002"))
_FRACTIONS = (1.0, 0.8, 0.62, 0.42, 0.8)  # → 能力完好, 轻度, 中度, 重度, 轻度 + 痴呆 → 中度


def _say(log, text: str) -> None:
    if log is not None:
        log(text)


def _demo_elders(demo, on: dt.date) -> dict[str, list[int]]:
    from django.db import connection

    from .selectors import elders_sql

    lo, hi = demo.person_ids
    sql = (f"SELECT e.person_id, e.age, e.arrangement FROM ({elders_sql('{col} BETWEEN %(lo)s AND %(hi)s')}) e "
           "WHERE e.community_id = %(community)s ORDER BY e.person_id")
    with connection.cursor() as cur:
        cur.execute(sql, {"on": on, "lo": lo, "hi": hi, "community": demo.home_community})
        rows = cur.fetchall()
    return {"90": [r[0] for r in rows if r[1] >= 90][:3], "80": [r[0] for r in rows if 80 <= r[1] < 90][:4],
            "alone": [r[0] for r in rows if r[2] == "alone"][:4],
            "empty_nest": [r[0] for r in rows if r[2] == "empty_nest"][:4]}


def _answers(instrument, fraction: float) -> dict[int, int]:
    answers = {}
    for dim in instrument.dimensions.prefetch_related("items__options"):
        for item in dim.items.all():
            options = [o for o in item.options.all() if not o.flag]
            top = max(o.score for o in options)
            target = round(top * fraction)
            answers[item.pk] = min(options, key=lambda o: (abs(o.score - target), -o.score)).pk
    return answers


def seed_elders(*, demo, log=None) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from .models import Assessment, AssessorQualification, ElderProfile, FamilyContact
    from .services import assessment as assess
    from .services import elders as elder_svc

    if not demo.home_community:
        return
    from django.apps import apps

    from .instrument_seed import seed_instrument

    seed_instrument(apps)  # the migration's version 1, should a flushed database lack it (idempotent)
    User = get_user_model()
    on = demo.today or timezone.localdate()
    groups = _demo_elders(demo, on)
    chosen = list(dict.fromkeys(pid for ids in groups.values() for pid in ids))
    grid = User.objects.filter(username="demo-grid").first()
    assessors = [User.objects.filter(username=u).first() for u, _n in DEMO_CERTIFICATES]
    admin = assessors[1]
    if admin is not None:
        for user, (_u, number) in zip(assessors, DEMO_CERTIFICATES):
            if user is not None and not AssessorQualification.objects.filter(certificate_number=number).exists():
                assess.assessor_qualification_record(actor=admin, user_id=user.pk, certificate_number=number,
                                                     valid_from=on - dt.timedelta(days=365),
                                                     valid_to=on + dt.timedelta(days=3 * 365))
    editor = grid or admin
    for n, pid in enumerate(chosen):
        if editor is None:
            break
        if not ElderProfile.objects.filter(person_id=pid).exists():
            elder_svc.elder_profile_update(actor=editor, person_id=pid, lost_only_child=(n == 1),
                                           community_doctor=("王医生", "陈医生", "李医生")[n % 3],
                                           doctor_phone=f"0574-8765{4300 + n:04d}")
        if not FamilyContact.objects.filter(elder_id=pid).exists():
            elder_svc.family_contact_add(actor=editor, person_id=pid, name=("儿子", "女儿", "侄子")[n % 3] + "（演示）",
                                         relation=("儿子", "女儿", "侄子")[n % 3], phone=f"139{pid % 10**8:08d}")
            if n % 2 == 0:
                elder_svc.family_contact_add(actor=editor, person_id=pid, name="邻居（演示）", relation="邻居",
                                             phone=f"138{(pid * 7) % 10**8:08d}", priority=2, notify_alarms=False)
    first, second = assessors
    if first is None or second is None:
        _say(log, "eldercare: demo-township or admin missing, no demo assessments")
        return
    instrument = assess.instrument_published()
    for n, pid in enumerate(chosen[:len(_FRACTIONS)]):
        if Assessment.objects.filter(person_id=pid).exists():
            continue
        draft = assess.assessment_start(actor=first, person_id=pid)
        assess.assessment_answer(actor=first, assessment_id=draft.pk, answers=_answers(instrument, _FRACTIONS[n]))
        assess.assessment_set_facts(actor=first, assessment_id=draft.pk, diagnosed_dementia=(n == 4),
                                    diagnosed_psychiatric=False, risk_events_30d=0)
        assess.assessment_sign(actor=first, assessment_id=draft.pk)
        assess.assessment_sign(actor=second, assessment_id=draft.pk)
    _say(log, f"eldercare: {len(chosen)} demo elders with profiles and contacts")


def reset_elders(*, demo, log=None) -> None:
    """What this area holds on the demo persons, and the demo certificates."""
    from civilaffairs.registry.demo import delete_rows
    from civilaffairs.worklist.models import WorkItem

    from .models import (Assessment, AssessmentAnswer, AssessmentDetail, AssessmentSignature,
                         AssessorQualification, ElderProfile, FamilyContact)
    from .services.assessment import REASSESSMENT_SUBJECT

    lo, hi = demo.person_ids
    person = {"person_id__gte": lo, "person_id__lte": hi}
    via = {"assessment__person_id__gte": lo, "assessment__person_id__lte": hi}
    delete_rows(WorkItem.objects.filter(subject_type=REASSESSMENT_SUBJECT).extra(
        where=["subject_id ~ '^[0-9]{1,18}$' AND subject_id::bigint BETWEEN %s AND %s"], params=[lo, hi]))
    numbers = [n for _u, n in DEMO_CERTIFICATES]
    delete_rows(AssessmentSignature.objects.filter(qualification__certificate_number__in=numbers))
    for model, where in ((AssessmentSignature, via), (AssessmentAnswer, via), (AssessmentDetail, via),
                         (Assessment, person), (FamilyContact, {"elder_id__gte": lo, "elder_id__lte": hi}),
                         (ElderProfile, person)):
        delete_rows(model.objects.filter(**where))
    delete_rows(AssessorQualification.objects.filter(certificate_number__in=numbers))


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
    # the few grades ``_ensure_a_few_grades`` signed are bare assessment-core rows (no detail, answers or
    # signatures); the assessment area's reset, which runs after this one, removes the others
    from .models import Assessment

    delete_rows(Assessment.objects.filter(**persons, detail__isnull=True, answers__isnull=True,
                                          signatures__isnull=True))


# --- visits, devices and alarms (area D) -----------------------------------------------------------
# Visit plans for the home community's elders living alone / empty-nest, started three weeks ago;
# visits this week and last for most of them, none last week for the rest (their missed-week
# items), three devices of the demo provider with a day of readings, one SOS alarm left open.


DEMO_DEVICE_PREFIX = "DEMO-"


def seed_visits(*, demo, log=None) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from civilaffairs.accounts.models import Organisation, OrganisationType

    from .models import Device, EventKind, Health, PlanStatus, Safety, VisitMode, VisitPlan
    from .services import devices as device_svc
    from .services import visits as visit_svc

    log = log or (lambda msg: None)
    community = demo.home_community
    if not community:
        return
    users = get_user_model().objects.in_bulk(["demo-grid", "demo-township", "demo-provider"], field_name="username")
    grid, township, provider_staff = users.get("demo-grid"), users.get("demo-township"), users.get("demo-provider")
    if grid is None or township is None:
        return
    today = getattr(demo, "today", None) or timezone.localdate()
    visit_svc.visit_plans_sync(community_prefix=community, on=today - dt.timedelta(days=21))
    plans = list(VisitPlan.objects.filter(community_id=community, status=PlanStatus.ACTIVE).order_by("person_id"))
    now = timezone.now()
    this_week = timezone.make_aware(dt.datetime.combine(visit_svc.week_start(today), dt.time(9)))
    for index, plan in enumerate(plans):
        times = [this_week - dt.timedelta(days=14)]
        if index % 4:  # one in four was not visited last week
            times.append(this_week - dt.timedelta(days=7))
        if index % 2 and this_week < now:
            times.append(this_week)
        for at in times:
            visit_svc.visit_record(actor=grid, plan_id=plan.pk, mode=VisitMode.IN_PERSON if index % 3 else VisitMode.PHONE,
                                   visited_at=at, health=Health.GOOD if index % 5 else Health.FAIR,
                                   safety=Safety.SAFE, needs=["meals"] if index % 6 == 0 else [], risks=[])
    missed = visit_svc.visits_missed_week(today=today).created_count
    provider = Organisation.objects.filter(type=OrganisationType.SERVICE_PROVIDER, name="颐乐居家养老服务有限公司").first()
    devices = []
    if provider is not None:
        kinds = ("mattress", "button", "wristband")
        for index, plan in enumerate(plans[:3]):
            serial = f"{DEMO_DEVICE_PREFIX}{plan.person_id}-{kinds[index]}"
            if Device.objects.filter(serial=serial).exists():
                continue
            devices.append(device_svc.device_register(actor=township, person=plan.person, provider_id=provider.pk,
                                                      kind=kinds[index], serial=serial,
                                                      installed_on=today - dt.timedelta(days=30)))
        if devices and provider_staff is not None:  # a district's provider: its own staff hold its keys
            token, _key = device_svc.device_token_issue(actor=provider_staff, provider_id=provider.pk, label="演示")
            events = []
            for hour in range(12):
                at = (now - dt.timedelta(hours=12 - hour)).isoformat()
                events.append({"device": devices[0].serial, "event_id": f"hr-{hour}", "kind": EventKind.HEART_RATE,
                               "value": 62 + hour % 7, "occurred_at": at})
            if len(devices) > 1:
                events.append({"device": devices[1].serial, "event_id": "sos-1", "kind": EventKind.SOS,
                               "occurred_at": (now - dt.timedelta(minutes=5)).isoformat()})
            device_svc.device_events_ingest(token=token, events=events, now=now)
    log(f"巡访计划 {len(plans)} 个，上周未巡访待办 {missed} 件，智能设备 {len(devices)} 台。")


def reset_visits(*, demo, log=None) -> None:
    """What area D holds on the demo persons, and the demo provider's keys."""
    from civilaffairs.registry.demo import delete_rows
    from civilaffairs.worklist.models import WorkItem

    from .models import Alarm, AlarmSms, Device, DeviceEvent, DeviceToken, Visit, VisitPlan

    p_lo, p_hi = demo.person_ids
    person = {"person_id__gte": p_lo, "person_id__lte": p_hi}
    plan_ids = [str(pk) for pk in VisitPlan.objects.filter(**person).values_list("pk", flat=True)]
    visit_ids = [str(pk) for pk in Visit.objects.filter(**person).values_list("pk", flat=True)]
    alarm_ids = [str(pk) for pk in Alarm.objects.filter(**person).values_list("pk", flat=True)]
    provider_ids = list(Device.objects.filter(**person).values_list("provider_id", flat=True).distinct())
    delete_rows(WorkItem.objects.filter(subject_type="eldercare.visitplan", subject_id__in=plan_ids))
    delete_rows(WorkItem.objects.filter(subject_type="eldercare.visit", subject_id__in=visit_ids))
    delete_rows(WorkItem.objects.filter(subject_type="eldercare.alarm", subject_id__in=alarm_ids))
    delete_rows(AlarmSms.objects.filter(alarm__person_id__gte=p_lo, alarm__person_id__lte=p_hi))
    delete_rows(DeviceEvent.objects.filter(device__person_id__gte=p_lo, device__person_id__lte=p_hi))
    delete_rows(Alarm.objects.filter(**person))
    delete_rows(Device.objects.filter(**person))
    delete_rows(DeviceToken.objects.filter(provider_id__in=provider_ids, label="演示"))
    delete_rows(Visit.objects.filter(**person))
    delete_rows(VisitPlan.objects.filter(**person))


def register_visits() -> None:
    from civilaffairs import programmes

    programmes.register_demo_step("eldercare.visits", seed=seed_visits, reset=reset_visits, order=60)
