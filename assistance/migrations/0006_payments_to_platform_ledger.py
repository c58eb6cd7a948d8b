"""Assistance's payment rolls and payments move to the platform ledger (civilaffairs.payments):
every roll and every payment is copied with its id, status, amounts and people, then the old
tables go. Entitlement keys: a regular payment "assistance.benefit:<benefit>", a price subsidy
"assistance.subsidy:<round>:<benefit>", a one-off "assistance.one_off:<benefit>" (the keys
assistance.payables uses), the period the payment's month. Counts and sums are checked before
the old tables are dropped (tests/platform/payments/test_migration.py)."""
from django.db import migrations

FORWARD = [
    """
    INSERT INTO payments_paymentroll (id, district_id, programme, month, status, generated_at, generated_by_id,
                                      changed_by_id, changed_at, approved_by_id, approved_at, exported_at,
                                      exported_by_id)
    SELECT id, district_id, 'assistance', month, status, generated_at, generated_by_id, changed_by_id, NULL,
           approved_by_id, approved_at, exported_at, exported_by_id
      FROM assistance_paymentroll
    """,
    """
    INSERT INTO payments_paymentline (id, roll_id, programme, category, entitlement, person_id, household_id,
                                      region_id, period, amount, kind, reverses_id, status, attempts,
                                      failure_reason, paid_at, marked_by_id, created_at)
    SELECT p.id, p.roll_id, 'assistance', CASE p.kind WHEN 'regular' THEN 'monthly' ELSE p.kind END,
           CASE p.kind WHEN 'regular' THEN 'assistance.benefit:' || p.benefit_id
                       WHEN 'price_subsidy' THEN 'assistance.subsidy:' || p.subsidy_round_id || ':' || p.benefit_id
                       ELSE 'assistance.one_off:' || p.benefit_id END,
           NULL, p.household_id, h.community_id, date_trunc('month', p.month)::date, p.amount, 'regular', NULL,
           p.status, p.attempts, p.failure_reason, p.paid_at, p.marked_by_id, p.created_at
      FROM assistance_payment p
      JOIN registry_household h ON h.id = p.household_id
    """,
    "SELECT setval(pg_get_serial_sequence('payments_paymentroll', 'id'), "
    "COALESCE((SELECT max(id) FROM payments_paymentroll), 0) + 1, false)",
    "SELECT setval(pg_get_serial_sequence('payments_paymentline', 'id'), "
    "COALESCE((SELECT max(id) FROM payments_paymentline), 0) + 1, false)",
]

# Back to the assistance tables (reversal lines, which the old tables cannot hold, are not copied back).
BACKWARD = [
    """
    INSERT INTO assistance_paymentroll (id, district_id, month, status, generated_at, generated_by_id, changed_by_id,
                                        approved_by_id, approved_at, exported_at, exported_by_id)
    SELECT id, district_id, month, status, generated_at, generated_by_id, changed_by_id, approved_by_id, approved_at,
           exported_at, exported_by_id
      FROM payments_paymentroll WHERE programme = 'assistance'
    """,
    """
    INSERT INTO assistance_payment (id, roll_id, benefit_id, household_id, kind, subsidy_round_id, month, amount,
                                    status, attempts, failure_reason, paid_at, marked_by_id, created_at)
    SELECT l.id, l.roll_id,
           (CASE l.category WHEN 'price_subsidy' THEN split_part(l.entitlement, ':', 3)
                            ELSE split_part(l.entitlement, ':', 2) END)::bigint,
           l.household_id, CASE l.category WHEN 'monthly' THEN 'regular' ELSE l.category END,
           CASE l.category WHEN 'price_subsidy' THEN split_part(l.entitlement, ':', 2)::bigint END,
           l.period, l.amount, CASE l.status WHEN 'suspended' THEN 'pending' ELSE l.status END, l.attempts,
           l.failure_reason, l.paid_at, l.marked_by_id, l.created_at
      FROM payments_paymentline l
     WHERE l.programme = 'assistance' AND l.kind = 'regular' AND l.household_id IS NOT NULL
    """,
    "DELETE FROM payments_paymentline WHERE programme = 'assistance' AND kind = 'reversal'",
    "DELETE FROM payments_paymentline WHERE programme = 'assistance'",
    "DELETE FROM payments_paymentroll WHERE programme = 'assistance'",
    "SELECT setval(pg_get_serial_sequence('assistance_paymentroll', 'id'), "
    "COALESCE((SELECT max(id) FROM assistance_paymentroll), 0) + 1, false)",
    "SELECT setval(pg_get_serial_sequence('assistance_payment', 'id'), "
    "COALESCE((SELECT max(id) FROM assistance_payment), 0) + 1, false)",
]


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        cur.execute("SELECT count(*), COALESCE(sum(amount), 0) FROM assistance_payment")
        before = cur.fetchone()
        for sql in FORWARD:
            cur.execute(sql)
        cur.execute("SELECT count(*), COALESCE(sum(amount), 0) FROM payments_paymentline "
                    "WHERE programme = 'assistance'")
        after = cur.fetchone()
    if tuple(before) != tuple(after):
        raise RuntimeError(f"payments copied to the ledger do not match: before {before}, after {after}")


def backward(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        for sql in BACKWARD:
            cur.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('assistance', '0005_money_limits_and_four_eyes'),
        ('payments', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
        migrations.DeleteModel(
            name='Payment',
        ),
        migrations.DeleteModel(
            name='PaymentRoll',
        ),
    ]
