"""Dirty-household triggers and the first published scoring model.

Statement-level triggers with transition tables mark households whose inputs
changed, whatever wrote them (ORM, COPY, bulk import, admin): one set-based
INSERT per statement, not one per row, so department imports stay fast.
"""
from decimal import Decimal

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION scoring_dirty_from_person_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scoring_dirtyhousehold (household_id, marked_at)
    SELECT DISTINCT hm.household_id, now()
    FROM changed_rows c JOIN registry_householdmember hm ON hm.person_id = c.person_id AND hm.is_active
    ORDER BY 1
    ON CONFLICT (household_id) DO NOTHING;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION scoring_dirty_from_household_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scoring_dirtyhousehold (household_id, marked_at)
    SELECT DISTINCT c.household_id, now() FROM changed_rows c WHERE c.household_id IS NOT NULL
    ORDER BY 1
    ON CONFLICT (household_id) DO NOTHING;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION scoring_dirty_from_person_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scoring_dirtyhousehold (household_id, marked_at)
    SELECT DISTINCT hm.household_id, now()
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    JOIN registry_householdmember hm ON hm.person_id = n.id AND hm.is_active
    WHERE n.birth_date IS DISTINCT FROM o.birth_date OR n.death_date IS DISTINCT FROM o.death_date
    ORDER BY 1
    ON CONFLICT (household_id) DO NOTHING;
    RETURN NULL;
END $$;
"""

TRIGGERS = []
for table, func in (("registry_departmentrecord", "scoring_dirty_from_person_rows"),
                    ("registry_householdmember", "scoring_dirty_from_household_rows"),
                    ("assistance_benefit", "scoring_dirty_from_household_rows")):
    for event, ref in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        name = f"scoring_dirty_{table.split('_', 1)[1]}_{event.lower()}"
        TRIGGERS.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {ref} TABLE AS changed_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {func}();")
        TRIGGERS.append(f"-- drop\nDROP TRIGGER IF EXISTS {name} ON {table};")
TRIGGERS.append("CREATE TRIGGER scoring_dirty_person_update AFTER UPDATE ON registry_person "
                "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
                "FOR EACH STATEMENT EXECUTE FUNCTION scoring_dirty_from_person_update();")
TRIGGERS.append("-- drop\nDROP TRIGGER IF EXISTS scoring_dirty_person_update ON registry_person;")

CREATE_SQL = FUNCTIONS + "\n".join(t for t in TRIGGERS if not t.startswith("-- drop"))
DROP_SQL = "\n".join(t.split("\n", 1)[1] for t in TRIGGERS if t.startswith("-- drop")) + """
DROP FUNCTION IF EXISTS scoring_dirty_from_person_rows();
DROP FUNCTION IF EXISTS scoring_dirty_from_household_rows();
DROP FUNCTION IF EXISTS scoring_dirty_from_person_update();
"""


def seed_model(apps, schema_editor):
    ScoringModel = apps.get_model("scoring", "ScoringModel")
    if not ScoringModel.objects.exists():
        from django.utils import timezone

        ScoringModel.objects.create(version=1, name="六维困难指数（POLICY.md 默认值）", status="published",
                                    note="默认权重与阈值见 POLICY.md《主动发现》", published_at=timezone.now(),
                                    w_income=Decimal("0.30"))


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0001_initial"),
        ("assistance", "0001_initial"),
        ("registry", "0002_seed_regions_parameters"),
    ]
    operations = [
        migrations.RunSQL(CREATE_SQL, DROP_SQL),
        migrations.RunPython(seed_model, migrations.RunPython.noop),
    ]
