"""A new version of the published scoring model: the rules now read department facts through the
platform's one reader (issue 11) — income of the 12 whole months before the scoring month (not
365 days), only current facts, certificates and illnesses valid on the day, the latest balance
per account, property beyond the family home, boundaries on exact values, 单人户 recipients
reviewed against their own income.

The engine skips a household whose score *inputs* equal its stored row (``sql.SCORE_INPUT_COLUMNS``),
and the model version is one of those inputs: without a new version, rows whose inputs happen to
be unchanged would keep numbers the old rules computed (e.g. a rounded asset ratio). The new
version carries the same parameters; ``full_rescore_needed`` sees it and the next run re-scores
every household. Score rows and history keep pointing at the old version, which is retired.
"""
from django.db import migrations
from django.utils import timezone

NOTE = "规则改为统一读取部门事实（近12个完整自然月收入、仅现行事实、证照按有效期、边界按精确值、单人户按本人情况复核）；参数同上一版本"
COPIED = ("w_income", "w_expense", "w_assets", "w_health", "w_dependency", "w_employment", "income_full_ratio",
          "income_zero_ratio", "expense_full_share", "asset_multiplier", "severe_points", "chronic_points",
          "child_age", "elder_age", "recent_days", "emergency_medical_amount", "development_max_ratio",
          "dibian_ratio", "red_threshold", "yellow_threshold", "lead_cooldown_days", "review_lead_days")


def publish_new_version(apps, schema_editor):
    ScoringModel = apps.get_model("scoring", "ScoringModel")
    current = ScoringModel.objects.filter(status="published").first()
    if current is None:
        return
    version = (ScoringModel.objects.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    ScoringModel.objects.filter(pk=current.pk).update(status="retired")
    ScoringModel.objects.create(version=version, name=current.name, status="published", note=NOTE,
                                published_at=timezone.now(), **{f: getattr(current, f) for f in COPIED})


class Migration(migrations.Migration):
    dependencies = [("scoring", "0006_dirty_trigger_probes_members")]
    operations = [migrations.RunPython(publish_new_version, migrations.RunPython.noop)]
