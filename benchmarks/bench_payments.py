"""Payment-roll generation for a whole city and month across programmes (issue 10: 500,000 lines
≤ 10 s; a second run adds 0).

The city is benchmarks.city's synthetic one (households, ~3 % on 低保: assistance's real payable
source). Two synthetic programmes register sources the way a programme does (a SELECT the ledger
wraps in INSERT … SELECT … ON CONFLICT DO NOTHING): "bench_elder" pays every household, "bench_child"
every fourth. ``payment_rolls_generate_district`` then runs for every district — what the monthly
beat task does: one task per district, consumed by BENCH_WORKERS (default 2, the machine's cores)
worker processes like Celery workers — once (timed: lines/s), and again (timed: adds 0).
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from django.db import connection
from django.utils import timezone

from benchmarks import city
from benchmarks.common import machine

QUICK_HOUSEHOLDS = 20_000
FULL_HOUSEHOLDS = 390_000  # → ~390 k + ~97 k + ~12 k (低保) ≈ 500 k lines

_SQL = """
SELECT '{p}.household:' || h.id, 'allowance', NULL::bigint, h.id, h.community_id, {amount}::numeric
  FROM registry_household h
 WHERE h.community_id LIKE %s AND h.id %% {every} = 0
"""


def _source(programme: str, every: int, amount: str):
    from civilaffairs.payments.sources import PayableSource

    sql = _SQL.format(p=programme, every=every, amount=amount)
    return PayableSource(programme=programme, label=programme, categories={"allowance": "津贴"},
                         lines=lambda *, month, month_end, district_code: (sql, [district_code + "%"]))


def _generate_district(district: str, month) -> int:
    """One beat task: every programme's roll of one district (in a worker process)."""
    from civilaffairs.payments.services import payment_rolls_generate_district

    try:
        return sum(n for _roll, n in payment_rolls_generate_district(district_code=district, month=month))
    finally:
        connection.close()


def _generate_city(month, workers: int) -> tuple[float, int]:
    connection.close()  # never share a connection with the forked workers (they inherit the registered sources)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        created = sum(pool.map(_generate_district, city.DISTRICTS, [month] * len(city.DISTRICTS)))
    return time.perf_counter() - t0, created


def run(quick: bool):
    from assistance.payables import register as register_assistance
    from civilaffairs.payments.sources import source_register, source_unregister, sources

    n = QUICK_HOUSEHOLDS if quick else FULL_HOUSEHOLDS
    yield machine()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE payments_paymentline, payments_paymentroll, payments_bankaccount CASCADE")
        cur.execute("SELECT count(*) FROM registry_household")
        have = cur.fetchone()[0]
    if os.environ.get("BENCH_REUSE") and have == n:
        yield f"city: {have:,} households (kept, BENCH_REUSE=1)"
    else:
        t0 = time.perf_counter()
        counts = city.generate(n)
        yield f"city: {counts['registry_household']:,} households generated in {time.perf_counter() - t0:.1f} s"
    with connection.cursor() as cur:
        cur.execute("CHECKPOINT")  # the city's writes are not billed to the generation
    register_assistance()
    source_register(_source("bench_elder", 1, "200.00"))
    source_register(_source("bench_child", 4, "150.50"))
    try:
        month = timezone.localdate().replace(day=1)
        programmes = ", ".join(s.programme for s in sources())
        workers = int(os.environ.get("BENCH_WORKERS", 2))
        seconds, created = _generate_city(month, workers)
        yield (f"generate {len(city.DISTRICTS)} districts × [{programmes}] for {month:%Y-%m} on {workers} workers: "
               f"{created:,} lines in {seconds:.2f} s = {created / seconds:,.0f} lines/s "
               f"(target: 500,000 lines ≤ 10 s)")
        again_s, again = _generate_city(month, workers)
        yield f"second run: {again} lines added in {again_s:.2f} s (target: 0)"
        with connection.cursor() as cur:
            cur.execute("SELECT programme, count(*), sum(amount) FROM payments_paymentline GROUP BY 1 ORDER BY 1")
            for programme, lines, total in cur.fetchall():
                yield f"  {programme}: {lines:,} lines, {total:,} 元"
        if again:
            raise AssertionError(f"the second run added {again} lines")
    finally:
        source_unregister("bench_elder")
        source_unregister("bench_child")
