"""Smart-device event ingestion: the issue-12 row "ingest ≥ 5,000 events/s sustained with 1 %
abnormal, alarm raised ≤ 1 s after its event is accepted".

Batches of 1,000 events (the API's largest) from one provider's key go through the service
behind ``POST /api/v1/eldercare/device-events/`` (``device_events_ingest``: per-event validation,
thresholds read per community, one ``INSERT … ON CONFLICT DO NOTHING``, alarms opened or joined,
their work items raised, one audit event — one transaction per batch). 1 % of the events are
abnormal (a heart rate of 150 on a device chosen at random: most open an alarm, a few join one).
An alarm is written in its event's transaction, so it exists the moment the event is accepted:
the latency line is the longest batch, from the call to its commit (the worst wait of any event
of that batch for its alarm), and the check that every abnormal event is linked to an alarm.

- Elders: 200 (quick) or 500 (full) elders living alone in one bench community, each with a smart mattress of
  the bench provider (created once, reused on later runs); no family contacts, so no SMS is
  queued (the broker is not what is measured).
- Floor: the same rows inserted straight into ``eldercare_deviceevent`` by one ``INSERT … SELECT
  FROM unnest`` per batch (no validation, no thresholds, no alarms), rolled back, in the same run;
  the ratio service ÷ floor is the figure to compare across machines.
- A second pass sends every batch again: all duplicates, nothing stored.
Afterwards the events, alarms and their work items are deleted.

Sizes: quick 20,000 events, full 300,000 (``BENCH_ALARM_EVENTS`` overrides).

    python -m benchmarks --quick --only bench_eldercare_alarms
"""
from __future__ import annotations

import datetime as dt
import os
import random
import time

from django.db import connection, transaction
from django.utils import timezone

from benchmarks.common import figure, machine

QUICK_EVENTS = 20_000
FULL_EVENTS = 300_000
BATCH = 1000
QUICK_DEVICES = 200
FULL_DEVICES = 500
ABNORMAL_EVERY = 100
COMMUNITY = "330203950001"
SERIAL = "BENCH-MAT-{:05d}"


def _setup(devices: int):
    """The bench community, provider, elders and devices (kept between runs); the provider's key."""
    from civilaffairs.accounts.models import Organisation
    from civilaffairs.accounts.services import organisation_create
    from civilaffairs.lib.uscc import make_uscc
    from civilaffairs.registry.models import Region, RegionLevel
    from civilaffairs.registry.services import household_create, person_create
    from civilaffairs.lib.idnumber import make_id_number
    from eldercare.models import Device, DeviceToken
    from eldercare.services.devices import token_digest, token_prefix

    district = Region.objects.get(code="330203")
    township, _ = Region.objects.get_or_create(code=COMMUNITY[:9], defaults={
        "name": "压测街道", "level": RegionLevel.TOWNSHIP, "parent": district})
    Region.objects.get_or_create(code=COMMUNITY, defaults={"name": "压测社区", "level": RegionLevel.COMMUNITY,
                                                           "parent": township})
    uscc = make_uscc("91", "330203", 799_000_001)
    provider = Organisation.objects.filter(uscc=uscc).first() or organisation_create(
        actor=None, type="service_provider", name="压测设备服务商", region_code=COMMUNITY, uscc=uscc)
    have = set(Device.objects.filter(serial__startswith="BENCH-MAT-").values_list("serial", flat=True))
    new = []
    for i in range(devices):
        if SERIAL.format(i) in have:
            continue
        person = person_create(actor=None, name=f"压测老人{i}", id_number=make_id_number(
            "330203", dt.date(1940, 1, 1) + dt.timedelta(days=i), 900 + i % 90, female=bool(i % 2)))
        household_create(actor=None, community_code=COMMUNITY, head=person)
        new.append(Device(person=person, community_id=COMMUNITY, provider=provider, kind="mattress",
                          serial=SERIAL.format(i), installed_on=timezone.localdate()))
    Device.objects.bulk_create(new)  # the bench's fixture; registration is not what is measured
    key = "dev_bench000_" + "k" * 43  # the key's issuing (a worker's right) is not what is measured
    token = DeviceToken.objects.filter(prefix=token_prefix(key)).first() or DeviceToken.objects.create(
        provider=provider, label="bench", prefix=token_prefix(key), key_digest=token_digest(key))
    return token, dict(Device.objects.filter(serial__in=[SERIAL.format(i) for i in range(devices)])
                       .values_list("serial", "pk"))


def _batches(n: int, devices: int, stamp: str, now: dt.datetime):
    rng = random.Random(12)
    batches = []
    for start in range(0, n, BATCH):
        events = []
        for i in range(start, min(n, start + BATCH)):
            abnormal = i % ABNORMAL_EVERY == ABNORMAL_EVERY // 2
            device = rng.randrange(devices)
            events.append({"device": SERIAL.format(device), "event_id": f"{stamp}-{i}", "kind": "heart_rate",
                           "value": 150 if abnormal else 55 + i % 40,
                           "occurred_at": (now - dt.timedelta(seconds=n - i)).isoformat()})
        batches.append(events)
    return batches


_FLOOR_SQL = """
INSERT INTO eldercare_deviceevent (device_id, event_id, kind, value, occurred_at, received_at, abnormal)
SELECT * FROM unnest(%(device)s::bigint[], %(event)s::text[], %(kind)s::text[], %(value)s::numeric[],
                     %(at)s::timestamptz[], %(now)s::timestamptz[], %(abnormal)s::boolean[])
ON CONFLICT (device_id, event_id) DO NOTHING"""


def _floor(batches, device_ids) -> float:
    """Events/s of the bare insert, batch by batch, rolled back."""
    now = timezone.now()
    n = sum(len(b) for b in batches)
    with transaction.atomic():
        t = time.perf_counter()
        with connection.cursor() as cur:
            for events in batches:
                cur.execute(_FLOOR_SQL, {"device": [device_ids[e["device"]] for e in events],
                                         "event": [e["event_id"] for e in events], "kind": [e["kind"] for e in events],
                                         "value": [e["value"] for e in events],
                                         "at": [e["occurred_at"] for e in events], "now": [now] * len(events),
                                         "abnormal": [e["value"] == 150 for e in events]})
        elapsed = time.perf_counter() - t
        transaction.set_rollback(True)
    with connection.cursor() as cur:
        cur.execute("VACUUM eldercare_deviceevent")
    return n / elapsed


def _cleanup(device_ids) -> None:
    from eldercare.models import Alarm, DeviceEvent
    from civilaffairs.worklist.models import WorkItem

    ids = list(device_ids.values())
    alarm_ids = [str(a) for a in Alarm.objects.filter(device_id__in=ids).values_list("pk", flat=True)]
    WorkItem.objects.filter(subject_type="eldercare.alarm", subject_id__in=alarm_ids).delete()
    DeviceEvent.objects.filter(device_id__in=ids).delete()
    Alarm.objects.filter(device_id__in=ids).delete()


def run(quick: bool):
    from eldercare.models import Alarm, DeviceEvent
    from eldercare.services.devices import device_events_ingest

    n = int(os.environ.get("BENCH_ALARM_EVENTS") or (QUICK_EVENTS if quick else FULL_EVENTS))
    yield machine()
    t0 = time.perf_counter()
    devices = QUICK_DEVICES if quick else FULL_DEVICES
    token, device_ids = _setup(devices)
    _cleanup(device_ids)
    yield f"setup: {len(device_ids)} devices in community {COMMUNITY} ({time.perf_counter() - t0:.1f} s)"
    now = timezone.now()
    batches = _batches(n, devices, f"r{int(time.time())}", now)
    floor = _floor(batches, device_ids)
    yield f"floor (bare INSERT … unnest, {n:,} events in batches of {BATCH}): {floor:,.0f} events/s"
    try:
        longest, accepted, opened = 0.0, 0, 0
        t = time.perf_counter()
        for events in batches:
            b = time.perf_counter()
            result = device_events_ingest(token=token, events=events)  # its own transaction: committed on return
            longest = max(longest, time.perf_counter() - b)
            accepted += len(result.accepted)
            opened += len(result.alarms_opened)
            if result.rejected:
                raise AssertionError(f"bench events rejected: {result.rejected[:3]}")
        elapsed = time.perf_counter() - t
        rate = n / elapsed
        abnormal = DeviceEvent.objects.filter(device_id__in=device_ids.values(), abnormal=True)
        unlinked = abnormal.filter(alarm__isnull=True).count()
        alarms = Alarm.objects.filter(device_id__in=device_ids.values()).count()
        yield (f"service: {accepted:,} events accepted in {elapsed:.2f} s = {rate:,.0f} events/s; "
               f"{abnormal.count():,} abnormal → {opened:,} alarms opened ({alarms:,} in all), "
               f"{unlinked} abnormal events without an alarm (target: 0)")
        yield figure("device events ingested (1 % abnormal)", f"{rate:,.0f} events/s", target="≥ 5,000 events/s",
                     floor_ratio=rate / floor, met=rate >= 5000)
        yield figure("alarm raised after its event is accepted (longest batch)", f"{longest * 1000:.0f} ms",
                     target="≤ 1 s", met=longest <= 1.0 and unlinked == 0)
        t = time.perf_counter()
        duplicates = sum(len(device_events_ingest(token=token, events=events).duplicates) for events in batches)
        again = time.perf_counter() - t
        yield (f"the same batches again: {duplicates:,} duplicates, "
               f"{DeviceEvent.objects.filter(device_id__in=device_ids.values()).count() - accepted} new events "
               f"(target: 0), {n / again:,.0f} events/s")
    finally:
        _cleanup(device_ids)
