"""Persons are found by ID digest through a hash index; the LIKE btree on the digest goes.

A department import resolves every row's person by digest in the statement that inserts it
(one probe per row). Measured on 540,000 persons: 2.1 µs per probe through a hash index,
3.8 µs through the varchar_pattern_ops btree Django adds beside a unique CharField (which the
planner picked), 4.5 µs through the unique btree (compared under the database collation).
Every query on the digest is an equality, so the LIKE index served nothing else; the unique
btree stays for uniqueness, renamed from ``unique=True``'s name to the model's constraint.
No index is rebuilt except the new hash index.
"""
import django.contrib.postgres.indexes
from django.db import migrations, models

FORWARD = [
    "ALTER TABLE registry_person RENAME CONSTRAINT registry_person_id_digest_key TO person_id_digest_unique",
    "DROP INDEX IF EXISTS registry_person_id_digest_be99f134_like",
    "CREATE INDEX person_id_digest_hash ON registry_person USING hash (id_digest)",
]
BACKWARD = [
    "DROP INDEX person_id_digest_hash",
    "CREATE INDEX registry_person_id_digest_be99f134_like ON registry_person (id_digest varchar_pattern_ops)",
    "ALTER TABLE registry_person RENAME CONSTRAINT person_id_digest_unique TO registry_person_id_digest_key",
]


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0005_department_record_uuid_fingerprint"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AlterField(
                    model_name="person",
                    name="id_digest",
                    field=models.CharField(editable=False, max_length=64, verbose_name="身份证号摘要"),
                ),
                migrations.AddIndex(
                    model_name="person",
                    index=django.contrib.postgres.indexes.HashIndex(fields=["id_digest"],
                                                                    name="person_id_digest_hash"),
                ),
                migrations.AddConstraint(
                    model_name="person",
                    constraint=models.UniqueConstraint(fields=("id_digest",), name="person_id_digest_unique"),
                ),
            ],
        ),
    ]
