"""Score rows are rewritten in place whenever a household's inputs change — on a new
standard, all of them in one night. With half of every page free, each new version fits
on its own page (a HOT update: no index entry written); at fillfactor 80 only ~30 % did
(measured at 1 M households), the rest wrote two index entries each. The table is about
twice as large (≈ 0.8 GB at 1 M households). Existing pages take the setting when they
are next rewritten (or at once with VACUUM FULL scoring_householdscore)."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("scoring", "0004_drop_redundant_household_indexes"),
    ]

    operations = [
        migrations.RunSQL("ALTER TABLE scoring_householdscore SET (fillfactor = 50)",
                          "ALTER TABLE scoring_householdscore SET (fillfactor = 80)"),
    ]
