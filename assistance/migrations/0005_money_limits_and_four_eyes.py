"""Money limits and the four-eyes rule (issue 9): who generated, last changed and exported a roll, who
recorded a payment's result, proposed decisions and their confirmer, hard caps on every money column
(CheckConstraints), and the limit parameters' defaults."""
import datetime
from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The money limits' defaults (issue 9), seeded at city level from the parameters' first date like the
# other defaults; POLICY.md gives none of these values, so they are documented defaults (README).
LIMITS = [
    ("temporary_aid_ceiling", Decimal("20000"), "默认值：临时救助单次上限，约 1.5 倍年低保标准"),
    ("emergency_township_ceiling", Decimal("5000"), "默认值：乡镇（街道）可独立先行救助的上限，超过须区县审批"),
    ("decision_second_approval_monthly", Decimal("5000"), "默认值：月救助合计高于此额须第二审批人确认"),
    ("decision_second_approval_one_off", Decimal("10000"), "默认值：一次性救助高于此额须第二审批人确认"),
    ("declared_income_max", Decimal("100000"), "默认值：申报月收入合理上限（元/人·月）"),
]


def seed_limits(apps, schema_editor):
    PolicyParameter = apps.get_model("registry", "PolicyParameter")
    Region = apps.get_model("registry", "Region")
    if not Region.objects.filter(code="3302").exists():
        return
    for key, value, note in LIMITS:
        PolicyParameter.objects.get_or_create(key=key, region_id="3302", effective_from=datetime.date(2023, 9, 1),
                                              defaults={"value": value, "note": note})


def unseed_limits(apps, schema_editor):
    apps.get_model("registry", "PolicyParameter").objects.filter(key__in=[k for k, _v, _n in LIMITS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('assistance', '0004_application_list_indexes'),
        ('registry', '0006_person_id_digest_hash_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='decision',
            name='confirmed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='确认时间'),
        ),
        migrations.AddField(
            model_name='decision',
            name='confirmed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='确认（复核）人'),
        ),
        migrations.AddField(
            model_name='decision',
            name='monthly_total',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='核定月救助金额合计（元）'),
        ),
        migrations.AddField(
            model_name='decision',
            name='one_off_total',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='核定一次性救助金额合计（元）'),
        ),
        migrations.AddField(
            model_name='decision',
            name='state',
            field=models.CharField(choices=[('effective', '已生效'), ('proposed', '待确认'), ('declined', '未予确认')], default='effective', max_length=10, verbose_name='生效状态'),
        ),
        migrations.AddField(
            model_name='payment',
            name='marked_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人'),
        ),
        migrations.AddField(
            model_name='paymentroll',
            name='changed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='最后修改人'),
        ),
        migrations.AddField(
            model_name='paymentroll',
            name='exported_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='导出人'),
        ),
        migrations.AddField(
            model_name='paymentroll',
            name='generated_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='生成人'),
        ),
        migrations.AlterField(
            model_name='application',
            name='status',
            field=models.CharField(choices=[('draft', '草稿'), ('submitted', '已提交，待受理'), ('returned', '退回补正材料'), ('accepted', '已受理，待核对'), ('verified', '已核对，待入户调查'), ('visited', '已入户，待公示'), ('notice', '公示中'), ('decision', '待区县审批'), ('proposed', '拟批准，待第二审批人确认'), ('approved', '已批准'), ('rejected', '不予批准'), ('withdrawn', '已撤回')], db_index=True, default='draft', max_length=12, verbose_name='状态'),
        ),
        migrations.AddConstraint(
            model_name='application',
            constraint=models.CheckConstraint(condition=models.Q(('temporary_aid_amount__isnull', True), models.Q(('temporary_aid_amount__gte', 0), ('temporary_aid_amount__lte', Decimal('1000000'))), _connector='OR'), name='application_temporary_amount_bounds'),
        ),
        migrations.AddConstraint(
            model_name='applicationmember',
            constraint=models.CheckConstraint(condition=models.Q(('declared_monthly_income__gte', 0), ('declared_monthly_income__lte', Decimal('10000000'))), name='application_member_income_bounds'),
        ),
        migrations.AddConstraint(
            model_name='benefit',
            constraint=models.CheckConstraint(condition=models.Q(('monthly_amount__lte', Decimal('100000'))), name='benefit_amount_max'),
        ),
        migrations.AddConstraint(
            model_name='decision',
            constraint=models.CheckConstraint(condition=models.Q(('confirmed_by__isnull', True), models.Q(('confirmed_by', models.F('decided_by')), _negated=True), _connector='OR'), name='decision_confirmed_by_another'),
        ),
        migrations.AddConstraint(
            model_name='decision',
            constraint=models.CheckConstraint(condition=models.Q(('monthly_total__gte', 0), ('monthly_total__lte', Decimal('300000')), ('one_off_total__gte', 0), ('one_off_total__lte', Decimal('1000000'))), name='decision_amount_bounds'),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.CheckConstraint(condition=models.Q(('amount__lte', Decimal('1000000'))), name='payment_amount_max'),
        ),
        migrations.AddConstraint(
            model_name='paymentroll',
            constraint=models.CheckConstraint(condition=models.Q(('approved_by__isnull', True), models.Q(models.Q(models.Q(('approved_by', models.F('generated_by')), _negated=True), ('generated_by__isnull', True), _connector='OR'), models.Q(models.Q(('approved_by', models.F('changed_by')), _negated=True), ('changed_by__isnull', True), _connector='OR')), _connector='OR'), name='roll_approved_by_another'),
        ),
        migrations.AddConstraint(
            model_name='pricesubsidyround',
            constraint=models.CheckConstraint(condition=models.Q(('amount_per_person__lte', Decimal('100000')), ('multiplier__lte', Decimal('10'))), name='subsidy_max'),
        ),
        migrations.RunPython(seed_limits, unseed_limits),
    ]
