"""Department records: the fingerprint is 128 bits (a uuid column) instead of 64 hex characters.

Every imported row probes and inserts into the fingerprint's unique index, with keys spread
at random. As varchar(64) under the database collation each key took about 80 bytes in the
index and every comparison went through the collation; as uuid a key is 16 bytes compared
as bytes, so the index is a third of the size (it stays in memory longer as the table grows)
and each probe is cheaper. 128 bits of SHA-256 are as good as 256 for telling records apart
(a collision is expected after about 2^64 records).

Existing fingerprints keep their first 32 hex digits, which is what the import now computes
(``imports.rows.fingerprint``), so a batch sent before the migration is still recognised when
sent again. The statement rewrites the table and its indexes under an exclusive lock: on a
table of tens of millions of records, run it in a maintenance window. Reversing keeps the
32 digits (the code before this migration computed 64, so it would not recognise rows
imported after it).
"""
from django.db import migrations, models

TO_UUID = """
ALTER TABLE registry_departmentrecord
    ALTER COLUMN fingerprint TYPE uuid USING left(fingerprint, 32)::uuid
"""
TO_VARCHAR = """
ALTER TABLE registry_departmentrecord
    ALTER COLUMN fingerprint TYPE varchar(64) USING replace(fingerprint::text, '-', '')
"""


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0004_department_record_bulk_load"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(TO_UUID, TO_VARCHAR)],
            state_operations=[
                migrations.AlterField(
                    model_name="departmentrecord",
                    name="fingerprint",
                    field=models.UUIDField(editable=False, verbose_name="指纹"),
                ),
            ],
        ),
    ]
