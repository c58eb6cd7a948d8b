"""The dirty-household trigger on department records looks up each changed person's active
membership by index when the statement is small, instead of joining the transition table
with every membership.

A statement of a few thousand records (the import pipeline loads 10,000 per statement) was
planned as a hash join over the whole of registry_householdmember: at 540,000 members about
0.2–0.4 s per statement, most of an import's cost, and growing with the city. Now, when
the statement has fewer than a tenth as many rows as there are memberships (planner
estimate), each distinct person is one probe of the person index: the cost follows the
statement, not the city. A bulk statement (a raw COPY of a million rows) still joins.
Both branches mark the same households in the same order: a person has at most one active
membership (one_active_household_per_person), so LIMIT 1 changes no result; it keeps the
lookup a per-person probe (the planner cannot flatten it into a join).
"""
from django.db import migrations

SMALL_BY_PROBE = """
CREATE OR REPLACE FUNCTION scoring_dirty_from_person_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM changed_rows) * 10
       < (SELECT reltuples FROM pg_class WHERE oid = 'registry_householdmember'::regclass) THEN
        INSERT INTO scoring_dirtyhousehold (household_id, marked_at)
        SELECT DISTINCT hm.household_id, now()
        FROM (SELECT DISTINCT person_id FROM changed_rows WHERE person_id IS NOT NULL) c
        CROSS JOIN LATERAL (SELECT m.household_id FROM registry_householdmember m
                            WHERE m.person_id = c.person_id AND m.is_active LIMIT 1) hm
        ORDER BY 1
        ON CONFLICT (household_id) DO NOTHING;
    ELSE
        INSERT INTO scoring_dirtyhousehold (household_id, marked_at)
        SELECT DISTINCT hm.household_id, now()
        FROM changed_rows c JOIN registry_householdmember hm ON hm.person_id = c.person_id AND hm.is_active
        ORDER BY 1
        ON CONFLICT (household_id) DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
"""

JOIN = """
CREATE OR REPLACE FUNCTION scoring_dirty_from_person_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scoring_dirtyhousehold (household_id, marked_at)
    SELECT DISTINCT hm.household_id, now()
    FROM changed_rows c JOIN registry_householdmember hm ON hm.person_id = c.person_id AND hm.is_active
    ORDER BY 1
    ON CONFLICT (household_id) DO NOTHING;
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("scoring", "0005_score_fillfactor_50"),
    ]

    operations = [
        migrations.RunSQL(SMALL_BY_PROBE, JOIN),
    ]
