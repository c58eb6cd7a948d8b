"""The difficulty index runs on the platform's proactive engine (civilaffairs.entitlements).

- Its own run machinery goes: ScoringRun, ScoringChunk and DirtyHousehold, and the
  DirtyHousehold triggers of migrations 0002/0006 (the platform's triggers, entitlements
  migration 0002, now mark persons and households in ``entitlements_dirtysubject``).
- Benefits are the programme's table: their trigger stays here and calls the engine's marking
  function (household, reason ``other``).
- Score rows, history and leads point at ``entitlements.EntitlementRun`` (still without a
  database constraint). Their old run ids named scoring runs, which are gone: set to NULL
  (a one-off rewrite of the score, history and lead tables) rather than left pointing at
  unrelated engine runs.
"""
import importlib

import django.db.models.deletion
from django.db import migrations, models


_0002 = importlib.import_module("assistance.scoring.migrations.0002_dirty_triggers_seed_model")
_0006 = importlib.import_module("assistance.scoring.migrations.0006_dirty_trigger_probes_members")

OLD_TRIGGERS_DROP = _0002.DROP_SQL
OLD_TRIGGERS_CREATE = _0002.CREATE_SQL + _0006.SMALL_BY_PROBE

BENEFIT_TRIGGERS = [(f"scoring_dirty_benefit_{event.lower()}", event, ref)
                    for event, ref in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))]
BENEFITS_CREATE = """
CREATE OR REPLACE FUNCTION scoring_dirty_from_benefit_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM entitlements_mark_dirty('household', ARRAY(SELECT DISTINCT household_id FROM changed_rows
                                                       WHERE household_id IS NOT NULL), 'other');
    RETURN NULL;
END $$;
""" + "\n".join(f"CREATE TRIGGER {name} AFTER {event} ON assistance_benefit REFERENCING {ref} TABLE AS changed_rows "
                f"FOR EACH STATEMENT EXECUTE FUNCTION scoring_dirty_from_benefit_rows();"
                for name, event, ref in BENEFIT_TRIGGERS)
BENEFITS_DROP = "\n".join(f"DROP TRIGGER IF EXISTS {name} ON assistance_benefit;" for name, _e, _r in BENEFIT_TRIGGERS) \
    + "\nDROP FUNCTION IF EXISTS scoring_dirty_from_benefit_rows();"

RUNS_TO_NULL = """
UPDATE scoring_householdscore SET run_id = NULL WHERE run_id IS NOT NULL;
UPDATE scoring_scorehistory SET run_id = NULL WHERE run_id IS NOT NULL;
UPDATE scoring_lead SET run_id = NULL WHERE run_id IS NOT NULL;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('entitlements', '0002_dirty_subject_triggers'),
        ('scoring', '0007_model_version_for_the_facts_reader'),
        ('assistance', '0001_initial'),
    ]

    operations = [
        migrations.RunSQL(OLD_TRIGGERS_DROP, OLD_TRIGGERS_CREATE),
        migrations.RunSQL(BENEFITS_CREATE, BENEFITS_DROP),
        migrations.RunSQL(RUNS_TO_NULL, migrations.RunSQL.noop),
        migrations.DeleteModel(
            name='DirtyHousehold',
        ),
        migrations.RemoveField(
            model_name='scoringrun',
            name='model_version',
        ),
        migrations.AlterField(
            model_name='scorehistory',
            name='run',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='entitlements.entitlementrun', verbose_name='评分批次'),
        ),
        migrations.AlterField(
            model_name='lead',
            name='run',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='entitlements.entitlementrun', verbose_name='评分批次'),
        ),
        migrations.AlterField(
            model_name='householdscore',
            name='run',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='entitlements.entitlementrun', verbose_name='评分批次'),
        ),
        migrations.DeleteModel(
            name='ScoringChunk',
        ),
        migrations.DeleteModel(
            name='ScoringRun',
        ),
    ]
