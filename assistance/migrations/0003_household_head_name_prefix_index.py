"""The caseworker application list searches head names. Names of three or more characters use the
households' trigram index (registry); a two-character name (刘怡) has no trigram, so it is searched as
a prefix, which needs this btree. It lives on registry_household but serves the assistance list, so it
is created here with SQL and not declared on the registry model (no state change)."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0002_casework"),
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS assistance_household_head_name_prefix_idx "
            "ON registry_household (head_name varchar_pattern_ops)",
            "DROP INDEX IF EXISTS assistance_household_head_name_prefix_idx",
        ),
    ]
