"""The platform marks subjects dirty, whatever wrote the rows (ORM, COPY, the import pipeline, admin).

``entitlements_mark_dirty(subject_type, ids, reason)`` is the engine's marking function (the
same INSERT … ON CONFLICT DO NOTHING as ``sql.mark_ids``); statement-level triggers with
transition tables call it once per statement, not once per row, so department imports stay fast:

  registry_departmentrecord  insert/update/delete  the persons          reason ``facts``
  registry_householdmember   insert/update/delete  households, persons  reason ``membership``
  registry_person            insert (a birth, a registration)           reason ``person``
  registry_person            update of birth or death date              reason ``person``

The incremental run expands dirty persons to their households and dirty households to their
members (``sql.claim_dirty``), so a fact about one member re-evaluates the household rules too.
Programmes mark from their own tables through the same function (the difficulty index's
benefits trigger: assistance/scoring migration 0008); the platform never references them.
"""
from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION entitlements_mark_dirty(p_subject_type text, p_ids bigint[], p_reason text)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO entitlements_dirtysubject (subject_type, subject_id, reason, marked_at)
    SELECT p_subject_type, s.id, p_reason, now()
    FROM (SELECT DISTINCT i AS id FROM unnest(p_ids) AS i WHERE i IS NOT NULL) s
    ORDER BY 1
    ON CONFLICT (subject_type, subject_id, reason) DO NOTHING;
$$;

-- The import's hot path (10,000 records a statement): the marking INSERT inline, no array between.
CREATE OR REPLACE FUNCTION entitlements_dirty_from_records() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO entitlements_dirtysubject (subject_type, subject_id, reason, marked_at)
    SELECT 'person', c.person_id, 'facts', now()
    FROM (SELECT DISTINCT person_id FROM changed_rows WHERE person_id IS NOT NULL) c
    ORDER BY 2
    ON CONFLICT (subject_type, subject_id, reason) DO NOTHING;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION entitlements_dirty_from_memberships() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM entitlements_mark_dirty('household', ARRAY(SELECT DISTINCT household_id FROM changed_rows
                                                       WHERE household_id IS NOT NULL), 'membership');
    PERFORM entitlements_mark_dirty('person', ARRAY(SELECT DISTINCT person_id FROM changed_rows
                                                    WHERE person_id IS NOT NULL), 'membership');
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION entitlements_dirty_from_new_persons() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM entitlements_mark_dirty('person', ARRAY(SELECT id FROM changed_rows), 'person');
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION entitlements_dirty_from_person_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM entitlements_mark_dirty('person', ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.birth_date IS DISTINCT FROM o.birth_date OR n.death_date IS DISTINCT FROM o.death_date), 'person');
    RETURN NULL;
END $$;
"""

TRIGGERS = []  # (create, drop)
for table, func in (("registry_departmentrecord", "entitlements_dirty_from_records"),
                    ("registry_householdmember", "entitlements_dirty_from_memberships")):
    for event, ref in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        name = f"entitlements_dirty_{table.split('_', 1)[1]}_{event.lower()}"
        TRIGGERS.append((f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {ref} TABLE AS changed_rows "
                         f"FOR EACH STATEMENT EXECUTE FUNCTION {func}();",
                         f"DROP TRIGGER IF EXISTS {name} ON {table};"))
TRIGGERS.append(("CREATE TRIGGER entitlements_dirty_person_insert AFTER INSERT ON registry_person "
                 "REFERENCING NEW TABLE AS changed_rows "
                 "FOR EACH STATEMENT EXECUTE FUNCTION entitlements_dirty_from_new_persons();",
                 "DROP TRIGGER IF EXISTS entitlements_dirty_person_insert ON registry_person;"))
TRIGGERS.append(("CREATE TRIGGER entitlements_dirty_person_update AFTER UPDATE ON registry_person "
                 "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
                 "FOR EACH STATEMENT EXECUTE FUNCTION entitlements_dirty_from_person_update();",
                 "DROP TRIGGER IF EXISTS entitlements_dirty_person_update ON registry_person;"))

CREATE_SQL = FUNCTIONS + "\n".join(create for create, _drop in TRIGGERS)
DROP_SQL = "\n".join(drop for _create, drop in TRIGGERS) + """
DROP FUNCTION IF EXISTS entitlements_dirty_from_records();
DROP FUNCTION IF EXISTS entitlements_dirty_from_memberships();
DROP FUNCTION IF EXISTS entitlements_dirty_from_new_persons();
DROP FUNCTION IF EXISTS entitlements_dirty_from_person_update();
DROP FUNCTION IF EXISTS entitlements_mark_dirty(text, bigint[], text);
"""


class Migration(migrations.Migration):

    dependencies = [
        ("entitlements", "0001_initial"),
        ("registry", "0008_import_batch_action_superseded_revoked"),
    ]

    operations = [
        migrations.RunSQL(CREATE_SQL, DROP_SQL),
    ]
