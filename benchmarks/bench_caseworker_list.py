"""Caseworker list benchmark: the application list page and the household list page over a large city,
measured as whole requests through the Django test client (scoping + FilterSet + capped paginator + template).

``run(quick)`` returns the lines to print. It needs a database that may be filled: the database name
must contain "bench" (or set BENCH_ALLOW_ANY_DB=1). The city comes from the demo generator
(``civilaffairs.registry.demo.seed_demo``, deterministic, 20,000 households with persons and department
data), grown to the target size set-based (see ``_REPLICATE_SQL``); applications and their worklist items are
added set-based, deterministically from the household ids (about 30 % of households have one).

    python -c "import benchmarks.bench_caseworker_list as b; print('\\n'.join(b.run(quick=True)))"

Sizes: quick = 20,000 households (5,000 generated in full), full = 1,000,000 (20,000 generated in full);
override the total with BENCH_HOUSEHOLDS. Run through the package runner: ``python -m benchmarks [--quick]``.
The city is kept between runs (rebuilt only when it is missing or of another size); with BENCH_REUSE=1 the
applications are kept too instead of running their idempotent insert again (a minute at full size).
"""
from __future__ import annotations

import os
import random
import statistics
import time

DEMO_HOUSEHOLDS = 20_000  # generated in full by the demo generator; the rest is grown set-based
QUICK_DEMO_HOUSEHOLDS = 5_000  # keeps --quick (CI) well under two minutes
QUICK_HOUSEHOLDS = 20_000
FULL_HOUSEHOLDS = 1_000_000
APPLICATION_PERCENT = 30
NUMBER_PREFIX = "SQB"

# Deterministic spread over the household ids: about one in six applications is still being worked
# (submitted in the last 45 days, with an open worklist item due 15 days after submission); the rest
# were decided or withdrawn over the past two years.
_APPLICATIONS_SQL = """
INSERT INTO assistance_application (number, household_id, community_id, applicant_id, programmes, channel, status,
                                    reason, emergency, precheck, missing_materials, draft_data, created_by_id,
                                    submitted_at, decided_at, created_at, updated_at, version)
SELECT %(prefix)s || lpad(h.id::text, 12, '0'), h.id, h.community_id, h.head_id,
       (CASE h.id %% 10 WHEN 0 THEN ARRAY['dibao', 'temporary'] WHEN 1 THEN ARRAY['tekun']
             WHEN 2 THEN ARRAY['dibian'] WHEN 3 THEN ARRAY['temporary'] ELSE ARRAY['dibao'] END)::varchar[],
       CASE WHEN h.id %% 4 = 0 THEN 'walk_in' ELSE 'online' END,
       CASE WHEN b.bucket < 7
            THEN (ARRAY['submitted','accepted','verified','visited','notice','decision','returned'])[1 + b.bucket]
            WHEN b.bucket < 10 THEN 'rejected' WHEN b.bucket = 10 THEN 'withdrawn' ELSE 'approved' END,
       '', false, '{}'::jsonb, '', '{}'::jsonb, %(user)s,
       now() - (CASE WHEN b.bucket < 7 THEN (h.id * 7919) %% 45 ELSE 45 + (h.id * 7919) %% 685 END) * interval '1 day'
             - ((h.id * 104729) %% 86400) * interval '1 second',
       NULL, now(), now(), 0
  FROM registry_household h, LATERAL (SELECT (h.id * 2654435761) %% 40 AS bucket) b
 WHERE h.head_id IS NOT NULL AND (h.id * 40503) %% 100 < %(percent)s
ON CONFLICT (number) DO NOTHING
"""

# Grows the demo city to the target size at SQL speed: copies of the demo households in the same
# communities, each with a name recombined from two demo households (surname of one, given name of
# another), heads pointing at the demo persons. The list pages read households and applications only.
_REPLICATE_SQL = """
WITH base AS (SELECT array_agg(head_name ORDER BY id) AS names, count(*)::int AS n, min(id) AS first
                FROM registry_household WHERE id <= %(last_demo)s)
INSERT INTO registry_household (community_id, head_id, head_name, address, residence_type, urban_rural, member_count,
                                created_at, updated_at)
SELECT h.community_id, h.head_id,
       left(h.head_name, 1) || substr(base.names[1 + ((h.id - base.first) * 7919 + s * 104729) %% base.n], 2),
       h.address, h.residence_type, h.urban_rural, h.member_count, now(), now()
  FROM base, generate_series(1, %(copies)s) AS s, registry_household h
 WHERE h.id <= %(last_demo)s
 LIMIT %(missing)s
"""

_WORKITEMS_SQL = """
INSERT INTO worklist_workitem (kind, title, detail, region_id, subject_type, subject_id, link, due_at, priority,
                               status, outcome, dedupe_key, escalated, created_at, updated_at)
SELECT 'assistance.' || a.status, '办理救助申请：' || h.head_name || '户', '', left(a.community_id, 9),
       'assistance.application', a.id::text, '', a.submitted_at + interval '15 days', 2, 'open', '',
       'assistance.application:' || a.id || ':' || a.status, false, now(), now()
  FROM assistance_application a JOIN registry_household h ON h.id = a.household_id
 WHERE a.number LIKE %(like)s
   AND a.status IN ('submitted','accepted','verified','visited','notice','decision')
ON CONFLICT DO NOTHING
"""


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civilaffairs.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from django.test.utils import setup_test_environment

    try:
        setup_test_environment()  # lets the test client's "testserver" host through
    except RuntimeError:
        pass  # the runner set it up already


def _check_database() -> str:
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if "bench" not in name and os.environ.get("BENCH_ALLOW_ANY_DB") != "1":
        raise SystemExit(f"refusing to fill database {name!r}: use a *bench* database (or BENCH_ALLOW_ANY_DB=1)")
    return name


def _ensure_city(households: int, demo_size: int, log) -> int:
    from django.db import connection, transaction

    from civilaffairs.registry import demo
    from civilaffairs.registry.models import Household

    if not demo.is_seeded():
        if Household.objects.exists():
            # Another benchmark's synthetic city (bench_scoring) is loaded: replace it, as it replaces ours.
            from .city import CLEAR, _seed_parameters

            with connection.cursor() as cur:
                cur.execute(CLEAR)
            _seed_parameters()
            log("replaced the synthetic city left by another benchmark")
        started = time.monotonic()
        demo.seed_demo(households=min(households, demo_size), log=lambda msg: None)
        log(f"seeded the demo city ({min(households, demo_size):,} households, persons, department data) "
            f"in {time.monotonic() - started:.0f} s")
    have = Household.objects.count()
    if have < households:
        started = time.monotonic()
        base = min(have, demo_size)
        last_demo = Household.objects.order_by("id").values_list("id", flat=True)[base - 1]
        copies = -(-(households - have) // base)
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
            cur.execute(_REPLICATE_SQL, {"last_demo": last_demo, "copies": copies, "missing": households - have})
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE registry_household")
        log(f"grew the city to {households:,} households (recombined names) in {time.monotonic() - started:.0f} s")
    return Household.objects.count()


def _ensure_applications(log) -> int:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from assistance.models import Application

    like = NUMBER_PREFIX + "%"
    started = time.monotonic()
    if os.environ.get("BENCH_REUSE") and Application.objects.filter(number__startswith=NUMBER_PREFIX).exists():
        count = Application.objects.filter(number__startswith=NUMBER_PREFIX).count()
        log(f"reusing the {count:,} applications already generated (BENCH_REUSE)")
        return count
    creator = get_user_model().objects.get(username="demo-grid")
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute(_APPLICATIONS_SQL, {"prefix": NUMBER_PREFIX, "user": creator.pk, "percent": APPLICATION_PERCENT})
        cur.execute(_WORKITEMS_SQL, {"like": like})
    with connection.cursor() as cur:
        # A settled table, as autovacuum keeps one in production: statistics, and the visibility map
        # that index-only scans need (right after the bulk insert no page is marked all-visible).
        cur.execute("VACUUM ANALYZE assistance_application")
        cur.execute("VACUUM ANALYZE worklist_workitem")
        cur.execute("ANALYZE registry_household")
    count = Application.objects.filter(number__startswith=NUMBER_PREFIX).count()
    log(f"applications ready: {count:,} ({time.monotonic() - started:.0f} s, idempotent insert)")
    return count


def _timed(client, url: str, params: dict, reps: int) -> list[float]:
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {params} answered {response.status_code}")
    return times


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def _queries(client, url: str, params: dict) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(url, params)
    return len(ctx.captured_queries)


def run(quick: bool) -> list[str]:
    _setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from assistance.models import Application

    lines: list[str] = []
    log = lines.append
    db_name = _check_database()
    target = int(os.environ.get("BENCH_HOUSEHOLDS", QUICK_HOUSEHOLDS if quick else FULL_HOUSEHOLDS))
    households = _ensure_city(target, QUICK_DEMO_HOUSEHOLDS if quick else DEMO_HOUSEHOLDS, log)
    applications = _ensure_applications(log)
    reps = 5 if quick else 20

    User = get_user_model()
    district = User.objects.get(username="demo-district")
    township = User.objects.get(username="demo-township")
    grid = User.objects.get(username="demo-grid")
    district_code = district.assignments.get().region_id
    township_code = township.assignments.get().region_id
    in_district = Application.objects.filter(community__code__startswith=district_code).count()

    rng = random.Random(20260301)
    names = list(Application.objects.filter(community__code__startswith=district_code)
                 .values_list("household__head_name", flat=True).order_by("id")[:5000])
    numbers = list(Application.objects.filter(community__code__startswith=district_code)
                   .values_list("number", flat=True).order_by("id")[:5000])
    name_sample = rng.sample(names, min(reps, len(names)))
    number_sample = rng.sample(numbers, min(reps, len(numbers)))

    apps_url = reverse("assistance:application_list")
    households_url = reverse("registry:household_list")
    today = time.strftime("%Y-%m-%d")
    month_ago = time.strftime("%Y-%m-%d", time.localtime(time.time() - 30 * 86400))

    log(f"caseworker list benchmark — database {db_name}, PostgreSQL "
        f"{connection.pg_version // 10000}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    log(f"city: {households:,} households, {applications:,} applications "
        f"({in_district:,} in district {district_code}); {reps} requests per row, whole request via test client")
    log(f"{'page':<44}{'p50 ms':>9}{'p95 ms':>9}")

    results = {}
    for label, user, url, params in [
        ("applications, district, page 1", district, apps_url, {}),
        ("applications, district, page 50", district, apps_url, {"page": 50}),
        ("applications, district, status=decision", district, apps_url, {"status": "decision"}),
        ("applications, district, programme=tekun", district, apps_url, {"programme": "tekun"}),
        ("applications, district, overdue", district, apps_url, {"overdue": "true"}),
        ("applications, district, last 30 days", district, apps_url,
         {"submitted_from": month_ago, "submitted_to": today}),
        ("applications, district, region=township", district, apps_url, {"region": township_code}),
        ("applications, township, page 1", township, apps_url, {}),
        ("households, district, page 1", district, households_url, {}),
        ("households, district, page 50", district, households_url, {"page": 50}),
        ("households, township, page 1", township, households_url, {}),
        ("households, grid worker, page 1", grid, households_url, {}),
    ]:
        client = Client()
        client.force_login(user)
        client.get(url, params)  # warm-up
        times = _timed(client, url, params, reps)
        results[label] = times
        log(f"{label:<44}{statistics.median(times):>9.0f}{_p95(times):>9.0f}")

    client = Client()
    client.force_login(district)
    client.get(apps_url, {"q": name_sample[0]})
    for label, sample in [("applications, name search (full head name)", name_sample),
                          ("applications, number search", number_sample)]:
        times = []
        for value in sample:
            times += _timed(client, apps_url, {"q": value}, 1)
        log(f"{label:<44}{statistics.median(times):>9.0f}{_p95(times):>9.0f}")
    client = Client()
    client.force_login(district)
    client.get(households_url, {"q": name_sample[0]})
    times = []
    for value in name_sample:
        times += _timed(client, households_url, {"q": value}, 1)
    log(f"{'households, name search':<44}{statistics.median(times):>9.0f}{_p95(times):>9.0f}")

    page1 = _queries(client, apps_url, {})
    page50 = _queries(client, apps_url, {"page": 50})
    households1 = _queries(client, households_url, {})
    households50 = _queries(client, households_url, {"page": 50})
    log(f"SQL queries per request: application list page 1 = {page1}, page 50 = {page50}; "
        f"household list page 1 = {households1}, page 50 = {households50}")
    return lines


if __name__ == "__main__":
    import sys

    print("\n".join(run(quick="--quick" in sys.argv)))
