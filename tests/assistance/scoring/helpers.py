"""Building households with department records for scoring tests."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from civilaffairs.registry.facts import schema
from civilaffairs.registry.facts.windows import window
from civilaffairs.registry.models import DepartmentRecord, ImportBatch
from civilaffairs.registry.services import household_add_member, household_create
from tests import factories as f

ON = dt.date(2024, 6, 30)


def batch() -> ImportBatch:
    return ImportBatch.objects.create(source="hrss", channel="api", content_sha256=uuid.uuid4().hex)


def record(person, kind: str, start: dt.date, end: dt.date | None = None, amount=None, _batch=None, _status="current",
           **attrs):
    """One fact, its attributes canonicalised as the import stores them (``二级`` → 2, ``false`` → False)."""
    return DepartmentRecord.objects.create(
        person=person, id_digest=person.id_digest, source="hrss", kind=kind, period_start=start,
        period_end=end or start, amount=None if amount is None else Decimal(str(amount)),
        attributes=schema.canonical_attributes(kind, attrs), batch=_batch or batch(), fingerprint=uuid.uuid4().hex,
        status=_status)


def months_back(n: int, on: dt.date = ON):
    """(first, last) day of the ``n`` months ending with ``on``'s month, oldest first."""
    result = []
    y, m = on.year, on.month
    for _ in range(n):
        first = dt.date(y, m, 1)
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        result.append((first, nxt - dt.timedelta(days=1)))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return list(reversed(result))


def monthly(person, kind: str, amount, months: int = 12, on: dt.date = ON):
    """Monthly records for the last ``months`` of the income window (the 12 whole months before
    ``on``'s month)."""
    b = batch()
    for first in window(on).months[-months:]:
        record(person, kind, first, (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
               - dt.timedelta(days=1), amount, _batch=b)


def household(community, births: list[dt.date], name: str = "测试"):
    """A household whose members are born on ``births`` (the first is the head)."""
    people = [f.person(name=f"{name}{i}", birth=b) for i, b in enumerate(births)]
    hh = household_create(actor=None, community_code=community.code, head=people[0])
    for p in people[1:]:
        household_add_member(actor=None, household=hh, person=p, relation="other")
    return hh, people


# --- runs of the difficulty index on the proactive engine ----------------------------------------

def start_full_run(*, on: dt.date = ON, chunk_size: int = 100, force: bool = False):
    """An engine full run of the difficulty index (chunks not queued: the test processes them)."""
    from assistance.scoring.engine import RULE_KEY
    from civilaffairs.entitlements import services as engine

    return engine.entitlement_full_run_start(rule_key=RULE_KEY, on=on, chunk_size=chunk_size, force=force,
                                             enqueue_chunks=False)


def run_all(run):
    """Process every chunk of ``run`` as the workers would, in id order."""
    from civilaffairs.entitlements import services as engine
    from civilaffairs.entitlements.models import EntitlementChunk

    for chunk in EntitlementChunk.objects.filter(run=run).order_by("lo"):
        engine.entitlement_chunk_process(chunk_id=chunk.pk)
    run.refresh_from_db()
    return run


def incremental_run(on: dt.date = ON):
    from civilaffairs.entitlements import services as engine

    return engine.entitlement_incremental_run(on=on)


def leads_updated(run) -> int:
    """Open leads ``run`` refreshed (material change) or closed because covered: its batches'
    audit events (the run's own columns count households and raised/closed leads)."""
    from civilaffairs.audit.models import AuditEvent

    events = AuditEvent.objects.filter(object_type="entitlements.entitlementrun", object_id=str(run.pk))
    return (sum(e.after.get("updated", 0) for e in events.filter(action="scoring.leads_raised"))
            + sum(e.after.get("closed", 0) for e in events.filter(action="scoring.leads_closed_covered")))


def clear_dirty() -> None:
    from civilaffairs.entitlements.models import DirtySubject

    DirtySubject.objects.all().delete()
