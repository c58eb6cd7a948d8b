"""The proactive engine (civilaffairs.entitlements) on the synthetic city: a simple person rule
(alive and aged 80 or more: the age line crossed) over every person, full — target ≤ 3 s at
2.7 M persons (the 1 M-household city).

A rule registered as a programme would (GRANT, with a callback that only counts) is run fully
twice: first with no candidates (every elder is a new candidate, written and granted), then
again with nothing changed (must write nothing). The chunks fan out to BENCH_WORKERS (default
2) worker processes, as Celery workers would take the chunk tasks. The floor is PostgreSQL's
own: a plain aggregate scan of the same persons (count of those past the cut-off) over the same
chunks on the same workers; each line gives floor ÷ our time.
"""
from __future__ import annotations

import datetime as dt
import os
import time

from django.db import connection

from benchmarks import city
from benchmarks.common import figure, machine

QUICK_HOUSEHOLDS = 20_000
FULL_HOUSEHOLDS = 1_000_000
ON = dt.date(2024, 6, 30)  # the city's ages are laid out around this day
CHUNK = 200_000
RULE_KEY = "bench.age80"

FLOOR_SQL = """SELECT count(*) FILTER (WHERE birth_date <= %(cutoff)s AND death_date IS NULL)
FROM registry_person WHERE id BETWEEN %(lo)s AND %(hi)s"""


def _sql(target: str) -> str:
    return f"""
    SELECT p.id, true, '', 100.00, '["年满 80 周岁"]'::jsonb
    FROM registry_person p
    WHERE {target.replace("{col}", "p.id")} AND p.birth_date <= %(on)s::date - interval '80 years'
      AND (p.death_date IS NULL OR p.death_date > %(on)s)"""


def _grant(candidate_ids, on) -> None:  # a programme would create allowances and notify, set-based
    return None


def register() -> None:
    from civilaffairs.entitlements.rules import DirtyReason, OnGain, Rule, RuleResult, Subject, register_rule

    register_rule(Rule(key=RULE_KEY, programme="bench", label="高龄（基准）", subject=Subject.PERSON, version=1,
                       sql=_sql, explain=lambda subject_id, on: RuleResult(False), on_gain=OnGain.GRANT,
                       grant=_grant, age_lines=(80,), triggers=(DirtyReason.PERSON, DirtyReason.AGE_LINE)))


def _worker_init() -> None:
    import django

    django.setup()
    register()


def _worker_chunk(chunk_id: int) -> int:
    from civilaffairs.entitlements.services import entitlement_chunk_process

    return entitlement_chunk_process(chunk_id=chunk_id).evaluated


def _worker_floor(bounds) -> int:
    from civilaffairs.entitlements.rules import age_cutoff

    lo, hi = bounds
    with connection.cursor() as cur:
        cur.execute("SET jit = off")
        cur.execute(FLOOR_SQL, {"cutoff": age_cutoff(ON, 80), "lo": lo, "hi": hi})
        return cur.fetchone()[0]


_POOL = None


def _pool():
    global _POOL
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    if _POOL is None:
        connection.close()  # never share a connection with the workers
        _POOL = ProcessPoolExecutor(max_workers=int(os.environ.get("BENCH_WORKERS", 2)),
                                    mp_context=get_context("spawn"), initializer=_worker_init)
    return _POOL


def _full_run() -> tuple[float, object]:
    from civilaffairs.entitlements.models import EntitlementRun
    from civilaffairs.entitlements.services import entitlement_full_run_start

    t = time.perf_counter()
    run, _ = entitlement_full_run_start(rule_key=RULE_KEY, on=ON, chunk_size=CHUNK, force=True,
                                        enqueue_chunks=False)
    ids = list(run.chunks.order_by("lo").values_list("pk", flat=True))
    connection.close()
    list(_pool().map(_worker_chunk, ids))
    seconds = time.perf_counter() - t
    return seconds, EntitlementRun.objects.get(pk=run.pk)


def run(quick: bool):
    global _POOL
    n = QUICK_HOUSEHOLDS if quick else FULL_HOUSEHOLDS
    yield machine()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM registry_household")
        have = cur.fetchone()[0]
    if os.environ.get("BENCH_REUSE") and have == n:
        yield f"city: {have:,} households (kept, BENCH_REUSE=1)"
    else:
        t0 = time.perf_counter()
        counts = city.generate(n)
        yield f"city: {counts['registry_household']:,} households generated in {time.perf_counter() - t0:.1f} s"
    with connection.cursor() as cur:
        cur.execute("TRUNCATE entitlements_entitlementcandidate, entitlements_entitlementchunk, "
                    "entitlements_entitlementrun, entitlements_dirtysubject")
        cur.execute("SELECT count(*), min(id), max(id) FROM registry_person")
        persons, lo, hi = cur.fetchone()
        cur.execute("ANALYZE entitlements_entitlementcandidate")
        cur.execute("CHECKPOINT")
    register()
    workers = int(os.environ.get("BENCH_WORKERS", 2))
    try:
        chunks = [(a, min(hi, a + CHUNK - 1)) for a in range(lo, hi + 1, CHUNK)]
        connection.close()
        list(_pool().map(_worker_floor, chunks))  # warm the cache as the first run would find it
        t = time.perf_counter()
        elders = sum(_pool().map(_worker_floor, chunks))
        floor = time.perf_counter() - t
        yield (f"floor: aggregate scan of registry_person, {persons:,} persons, chunk {CHUNK:,}, {workers} workers: "
               f"{floor:.2f} s ({elders:,} aged 80+)")
        first, run1 = _full_run()
        yield (f"full run, {persons:,} persons, no candidates yet: {first:.2f} s, {run1.gained:,} granted, "
               f"{run1.chunks_done}/{run1.chunks_total} chunks, efficiency {floor / first:.2f} "
               f"(target ≤ 3 s at 2.7 M persons)")
        second, run2 = _full_run()
        full = persons >= 2_000_000
        for label, seconds in (("no candidates yet", first), ("nothing changed", second)):
            figure(f"simple person rule (age line), full run, {label} ({persons:,} persons)", f"{seconds:.2f} s",
                   target="≤ 3 s at 2.7 M persons", floor_ratio=seconds / floor,
                   met=(seconds <= 3) if full else None)
        yield (f"full run, {persons:,} persons, nothing changed: {second:.2f} s, {run2.changed:,} written, "
               f"efficiency {floor / second:.2f} (target ≤ 3 s at 2.7 M persons; 0 written)")
        if run1.gained != elders or run2.changed:
            raise AssertionError(f"granted {run1.gained} of {elders} elders; second run wrote {run2.changed}")
    finally:
        from civilaffairs.entitlements.rules import unregister_rule

        unregister_rule(RULE_KEY)
        if _POOL is not None:
            _POOL.shutdown()
            _POOL = None
