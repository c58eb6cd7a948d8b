"""Elderly care's part of the demo: each area registers its seed and reset steps from
``EldercareConfig.ready`` (``register_<area>()`` below)."""
from __future__ import annotations

# --- visits, devices and alarms (area D) -----------------------------------------------------------
# Visit plans for the home community's elders living alone / empty-nest, started three weeks ago;
# visits this week and last for most of them, none last week for the rest (their missed-week
# items), three devices of the demo provider with a day of readings, one SOS alarm left open.

import datetime as dt  # noqa: E402

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
