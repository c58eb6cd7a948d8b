"""A deterministic synthetic city for the scoring benchmarks, generated inside
PostgreSQL (INSERT … SELECT over generate_series: the same bytes as a COPY, with no
round trip through Python, and identical on every run for the same size).

Shape per household (the issue's 1 M figures scale linearly): ~2.7 members, ~2
income records, ~1 expense record, ~0.6 asset records, a few health/employment
records, 3 % on 低保. Person rows carry placeholder ciphertext: the engine never
decrypts. Run only against a database whose name contains "bench".
"""
from __future__ import annotations

from django.db import connection

DISTRICTS = ("330203", "330205", "330206", "330211", "330212", "330213", "330225", "330226", "330281", "330282")
TOWNSHIPS_PER_DISTRICT = 5
COMMUNITIES_PER_TOWNSHIP = 20

STEPS = [
    # regions: 10 districts × 5 townships × 20 communities = 1000 communities
    """INSERT INTO registry_region (code, name, level, parent_id, is_active)
       SELECT d || lpad(t::text, 3, '0'), '街道' || t, 4, d, true
       FROM unnest(%(districts)s::text[]) d, generate_series(1, %(townships)s) t
       ON CONFLICT DO NOTHING""",
    """INSERT INTO registry_region (code, name, level, parent_id, is_active)
       SELECT r.code || lpad(c::text, 3, '0'), '社区' || c, 5, r.code, true
       FROM registry_region r, generate_series(1, %(communities)s) c
       WHERE r.level = 4 AND left(r.code, 6) = ANY(%(districts)s::text[])
       ON CONFLICT DO NOTHING""",
    "CREATE TEMP TABLE bench_comm AS SELECT row_number() OVER (ORDER BY code) - 1 AS k, code "
    "FROM registry_region WHERE level = 5 AND length(code) = 12",
    # households 1..n; members per household cycle 1,2,2,3,3,3,4,2,3,4 (avg 2.7)
    """INSERT INTO registry_household (id, community_id, head_id, head_name, address, residence_type, urban_rural,
                                       member_count, created_at, updated_at)
       SELECT h, c.code, NULL, '户主' || h, '', 'registered', 'urban',
              (ARRAY[1,2,2,3,3,3,4,2,3,4])[1 + h %% 10], now(), now()
       FROM generate_series(1, %(n)s) h
       JOIN bench_comm c ON c.k = (h / 50) %% (SELECT count(*) FROM bench_comm)""",
    """CREATE TEMP TABLE bench_people AS
       SELECT row_number() OVER (ORDER BY h.id, k) AS pid, h.id AS hid, k
       FROM registry_household h, generate_series(1, h.member_count) k""",
    # ages: head 25–84, second adult similar, others children or elders by hash
    """INSERT INTO registry_person (id, name, id_number_encrypted, id_digest, id_number_masked, gender, birth_date,
                                    phone_encrypted, phone_digest, phone_masked, registered_region_id, death_date,
                                    created_at, updated_at)
       SELECT pid, '居民' || pid, '\\x00'::bytea, md5('p' || pid), '330203********0000',
              CASE WHEN pid %% 2 = 0 THEN 'F' ELSE 'M' END,
              DATE '2024-06-30' - ((CASE WHEN k <= 2 THEN 25 + (pid * 7919) %% 60
                                         ELSE (pid * 104729) %% 90 END) * 365 + (pid %% 300)) * interval '1 day',
              NULL, '', '', NULL, NULL, now(), now()
       FROM bench_people""",
    """INSERT INTO registry_householdmember (household_id, person_id, relation, joined_on, left_on, is_active)
       SELECT hid, pid, CASE WHEN k = 1 THEN 'head' ELSE 'other' END, NULL, NULL, true FROM bench_people""",
    "UPDATE registry_household h SET head_id = p.pid FROM bench_people p WHERE p.hid = h.id AND p.k = 1",
    """INSERT INTO registry_importbatch (id, source, channel, file_name, content_sha256, status, total_rows,
                                         loaded_rows, duplicate_rows, error_rows, errors, created_at)
       VALUES (1, 'hrss', 'api', 'bench', 'bench', 'done', 0, 0, 0, 0, '[]', now()) ON CONFLICT DO NOTHING""",
    # records: kind, person, amount chosen by deterministic hashes of the household/person ids
    """CREATE TEMP TABLE bench_rec AS
       -- two half-year income records per household (head), amount 2 000–50 000
       SELECT p.pid, 'income' AS kind, DATE '2023-07-01' + (s * 182)::int AS ps, DATE '2023-12-31' + (s * 182)::int AS pe,
              (2000 + (p.hid * 7919 + s) %% 48000)::numeric(14, 2) AS amount, '{}'::jsonb AS attrs
       FROM bench_people p, generate_series(0, 1) s WHERE p.k = 1
       UNION ALL -- one expense per household: medical 60 %%, education 40 %%
       SELECT p.pid, CASE WHEN p.hid %% 5 < 3 THEN 'medical_expense' ELSE 'education_expense' END,
              DATE '2024-01-01' + (p.hid %% 170)::int, DATE '2024-01-01' + (p.hid %% 170)::int,
              (100 + (p.hid * 104729) %% 30000)::numeric(14, 2), '{}'::jsonb
       FROM bench_people p WHERE p.k = 1
       UNION ALL -- assets on 60 %% of households: savings, property, vehicle
       SELECT p.pid, (ARRAY['financial_assets','financial_assets','real_estate','vehicle'])[1 + p.hid %% 4],
              DATE '2024-03-31', DATE '2024-03-31',
              CASE WHEN p.hid %% 4 < 2 THEN (p.hid * 31 %% 200000)::numeric(14, 2) END, '{}'::jsonb
       FROM bench_people p WHERE p.k = 1 AND p.hid %% 10 < 6
       UNION ALL -- health on ~10 %% of people, employment on the second adult
       SELECT p.pid, (ARRAY['disability','chronic_illness','serious_illness'])[1 + p.pid %% 3],
              DATE '2020-01-01', DATE '2027-01-01', NULL, jsonb_build_object('grade', 1 + p.pid %% 4)
       FROM bench_people p WHERE p.pid %% 10 = 3
       UNION ALL
       SELECT p.pid, 'employment', DATE '2024-04-01', DATE '2024-06-30', NULL, '{}'::jsonb
       FROM bench_people p WHERE p.k = 2 AND p.hid %% 3 <> 0""",
    """INSERT INTO registry_departmentrecord (person_id, id_digest, source, kind, period_start, period_end, amount,
                                              attributes, batch_id, fingerprint, created_at)
       SELECT pid, md5('p' || pid), 'hrss', kind, ps, pe, amount, attrs, 1,
              md5(pid || kind || ps || row_number() OVER ())::uuid, now()
       FROM bench_rec ORDER BY pid""",
    """INSERT INTO assistance_benefit (household_id, programme, status, monthly_amount, members_covered, start_date,
                                       end_date, phaseout_until, end_reason, created_at, updated_at{extra_cols})
       SELECT h, 'dibao', 'active', 500, 1, DATE '2023-01-01', NULL, NULL, '', now(), now(){extra_vals}
       FROM generate_series(1, %(n)s) h WHERE h %% 33 = 0""",
    "SELECT setval(pg_get_serial_sequence('registry_household', 'id'), %(n)s)",
    "SELECT setval(pg_get_serial_sequence('registry_person', 'id'), (SELECT max(id) FROM registry_person))",
    "SELECT setval(pg_get_serial_sequence('registry_importbatch', 'id'), (SELECT max(id) FROM registry_importbatch))",
    "TRUNCATE entitlements_dirtysubject",
    "DROP TABLE bench_comm, bench_people, bench_rec",
]

CLEAR = """TRUNCATE scoring_lead, scoring_householdscore, scoring_scorehistory, entitlements_entitlementchunk,
    entitlements_entitlementrun, entitlements_dirtysubject, worklist_workitem, assistance_benefit,
    registry_departmentrecord, registry_householdmember, registry_household, registry_person,
    registry_importbatch CASCADE"""


def check_database() -> None:
    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        raise SystemExit(f"refusing to fill database {name!r}: its name must contain 'bench'")


def _seed_parameters() -> None:
    """TRUNCATE … CASCADE reaches the parameter table through accounts_user: seed the
    catalogue's city-wide defaults again (as migration registry 0002 does)."""
    from civilaffairs.registry.models import PolicyParameter
    from civilaffairs.registry.parameters import CATALOGUE, SEED_EFFECTIVE_FROM

    for spec in CATALOGUE:
        PolicyParameter.objects.get_or_create(key=spec.key, region_id="3302", effective_from=SEED_EFFECTIVE_FROM,
                                              defaults={"value": spec.default, "note": "bench"})


def generate(n: int) -> dict:
    """Replace the city with ``n`` households; returns the row counts."""
    check_database()
    params = {"n": n, "districts": list(DISTRICTS), "townships": TOWNSHIPS_PER_DISTRICT,
              "communities": COMMUNITIES_PER_TOWNSHIP}
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # skip FK checks and dirty triggers while loading
        cur.execute(CLEAR)
        # Columns other issues add to Benefit (NOT NULL jsonb without a default) get '{}'.
        cur.execute("""SELECT column_name FROM information_schema.columns WHERE table_name = 'assistance_benefit'
                       AND is_nullable = 'NO' AND column_default IS NULL AND data_type = 'jsonb'""")
        extra = [r[0] for r in cur.fetchall()]
        fill = {"extra_cols": "".join(f", {c}" for c in extra), "extra_vals": ", '{{}}'::jsonb" * len(extra)}
        for step in STEPS:
            cur.execute(step.replace("{extra_cols}", fill["extra_cols"]).replace("{extra_vals}", fill["extra_vals"]
                                                                                  .replace("{{}}", "{}")), params)
        cur.execute("SET session_replication_role = DEFAULT")
    _seed_parameters()
    with connection.cursor() as cur:
        cur.execute("ANALYZE registry_household, registry_householdmember, registry_person, "
                    "registry_departmentrecord, assistance_benefit, registry_policyparameter")
        counts = {}
        for table in ("registry_household", "registry_person", "registry_departmentrecord"):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
        cur.execute("SELECT kind, count(*) FROM registry_departmentrecord GROUP BY 1")
        counts["by_kind"] = dict(cur.fetchall())
    return counts
