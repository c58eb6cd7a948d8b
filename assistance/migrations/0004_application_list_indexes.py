"""Indexes for the caseworker application list at 300,000 applications (issue 4): its order (submitted_at,
id) with the scope and the status inside the index, so page 50 reads 51 rows from the table and not the
25,000 before them; a GIN index for the programme filter (``programmes @> '{tekun}'``). The head-name
prefix btree of 0003 goes: registry 0003's household_name_scope_idx serves the same prefix search
("C" collation) and checks the scope too. Built concurrently: the tables stay writable meanwhile."""
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.models.functions import Collate


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("assistance", "0003_household_head_name_prefix_index"),
        ("registry", "0003_household_list_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="application",
            index=models.Index(models.F("submitted_at"), models.F("id"), Collate(models.F("community_id"), "C"),
                               models.F("status"), name="application_list_order_idx"),
        ),
        AddIndexConcurrently(
            model_name="application",
            index=GinIndex(fields=["programmes"], name="application_programmes_gin"),
        ),
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS assistance_household_head_name_prefix_idx",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS assistance_household_head_name_prefix_idx "
            "ON registry_household (head_name varchar_pattern_ops)",
        ),
    ]
