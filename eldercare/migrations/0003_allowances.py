"""Allowances found without application (高龄津贴, 护理补贴) and the service-credit ledger (养老服务补贴),
issue 12 area C; and the defaults of their parameters at city level (POLICY.md names no amounts: the
Ningbo-like demo defaults of ``civilaffairs.registry.parameters``), for a database migrated before the
keys were declared (a new database gets them from registry 0002 already; get_or_create either way)."""
import datetime

import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


KEYS = ("high_age_allowance_80", "high_age_allowance_90", "high_age_allowance_100", "eldercare_arrears_months",
        "care_allowance_mild", "care_allowance_moderate", "care_allowance_severe", "care_allowance_total",
        *(f"service_subsidy_{s}_{g}" for s in ("tekun", "dibao", "dibian", "other") for g in ("mild", "moderate", "severe")),
        "service_credit_expiry_months")


def seed_parameters(apps, schema_editor):
    from civilaffairs.registry.parameters import BY_KEY

    PolicyParameter = apps.get_model("registry", "PolicyParameter")
    Region = apps.get_model("registry", "Region")
    if not Region.objects.filter(code="3302").exists():
        return
    for key in KEYS:
        spec = BY_KEY[key]
        PolicyParameter.objects.get_or_create(key=key, region_id="3302", effective_from=datetime.date(2023, 9, 1),
                                              defaults={"value": spec.default, "note": f"默认值 {spec.note}".strip()})


def unseed_parameters(apps, schema_editor):
    apps.get_model("registry", "PolicyParameter").objects.filter(key__in=KEYS).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_organisations'),
        ('eldercare', '0002_elders'),
        ('registry', '0008_import_batch_action_superseded_revoked'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CreditAccount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('community_id', models.CharField(blank=True, default='', max_length=12, verbose_name='村社代码')),
                ('balance', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=12, verbose_name='余额（元）')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='开户时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('person', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='eldercare_credit_account', to='registry.person', verbose_name='老年人')),
            ],
            options={
                'verbose_name': '服务额度账户',
                'verbose_name_plural': '服务额度账户',
                'ordering': ['community_id', 'person_id'],
            },
        ),
        migrations.CreateModel(
            name='CreditEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('issued', '发放'), ('spent', '消费'), ('expired', '过期'), ('reversed', '冲正')], max_length=10, verbose_name='类型')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='金额（元）')),
                ('period', models.DateField(blank=True, null=True, verbose_name='所属月份')),
                ('reference', models.CharField(blank=True, default='', max_length=64, verbose_name='业务编号')),
                ('note', models.CharField(blank=True, default='', max_length=200, verbose_name='说明')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='记账时间')),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='eldercare.creditaccount', verbose_name='账户')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='经办人')),
                ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='服务机构')),
                ('related', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='eldercare.creditentry', verbose_name='冲正的原流水')),
            ],
            options={
                'verbose_name': '服务额度流水',
                'verbose_name_plural': '服务额度流水',
                'ordering': ['account', '-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='Allowance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('high_age', '高龄津贴'), ('care', '护理补贴')], max_length=12, verbose_name='待遇')),
                ('community_id', models.CharField(blank=True, default='', max_length=12, verbose_name='村社代码')),
                ('band', models.CharField(max_length=16, verbose_name='档次')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=8, verbose_name='月发放金额（元）')),
                ('from_month', models.DateField(verbose_name='起发月份')),
                ('to_month', models.DateField(blank=True, null=True, verbose_name='止发月份')),
                ('status', models.CharField(choices=[('active', '发放中'), ('stop_proposed', '拟停发（待区县确认）'), ('stopped', '已停发')], default='active', max_length=16, verbose_name='状态')),
                ('reasons', models.JSONField(default=list, verbose_name='理由')),
                ('stop_reason', models.CharField(blank=True, default='', max_length=200, verbose_name='停发原因')),
                ('candidate_id', models.BigIntegerField(blank=True, null=True, verbose_name='政策找人结果编号')),
                ('eligible_month', models.DateField(verbose_name='符合条件月份')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='eldercare_allowances', to='registry.person', verbose_name='老年人')),
                ('stop_proposed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='提出停发人')),
            ],
            options={
                'verbose_name': '养老津贴',
                'verbose_name_plural': '养老津贴',
                'ordering': ['community_id', 'person_id', 'kind', '-from_month', '-id'],
                'indexes': [models.Index(fields=['community_id', 'kind', 'status'], name='eldercare_allowance_scope_idx', opclasses=['varchar_pattern_ops', 'varchar_ops', 'varchar_ops'])],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'stopped'), _negated=True), fields=('person', 'kind'), name='eldercare_one_open_allowance'), models.CheckConstraint(condition=models.Q(('amount__gt', 0), ('amount__lte', Decimal('5000.00'))), name='eldercare_allowance_amount_bounds'), models.CheckConstraint(condition=models.Q(('from_month__day', 1), ('eligible_month__day', 1)), name='eldercare_allowance_months_first_day'), models.CheckConstraint(condition=models.Q(('to_month__isnull', True), models.Q(('to_month__day', 1), ('to_month__gte', models.F('from_month'))), ('status', 'stopped'), _connector='OR'), name='eldercare_allowance_to_month'), models.CheckConstraint(condition=models.Q(('from_month__gte', models.F('eligible_month'))), name='eldercare_allowance_not_before_eligible'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'stopped'), _negated=True), models.Q(('stop_reason', ''), _negated=True), _connector='OR'), name='eldercare_allowance_stop_has_reason')],
            },
        ),
        migrations.AddIndex(
            model_name='creditaccount',
            index=models.Index(fields=['community_id'], name='eldercare_credit_scope_idx', opclasses=['varchar_pattern_ops']),
        ),
        migrations.AddConstraint(
            model_name='creditaccount',
            constraint=models.CheckConstraint(condition=models.Q(('balance__gte', 0)), name='eldercare_credit_balance_nonnegative'),
        ),
        migrations.AddIndex(
            model_name='creditentry',
            index=models.Index(fields=['kind', 'period'], name='eldercare_credit_kind_period'),
        ),
        migrations.AddConstraint(
            model_name='creditentry',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'issued')), fields=('account', 'kind', 'period'), name='eldercare_credit_one_issue_per_month'),
        ),
        migrations.AddConstraint(
            model_name='creditentry',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'expired')), fields=('account', 'kind', 'period'), name='eldercare_credit_one_expiry_per_month'),
        ),
        migrations.AddConstraint(
            model_name='creditentry',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'spent')), fields=('account', 'reference'), name='eldercare_credit_one_spend_per_order'),
        ),
        migrations.AddConstraint(
            model_name='creditentry',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'reversed')), fields=('related',), name='eldercare_credit_one_reversal'),
        ),
        migrations.AddConstraint(
            model_name='creditentry',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('amount__gt', 0), ('kind', 'issued'), ('period__isnull', False)), models.Q(('amount__lt', 0), ('kind', 'spent'), models.Q(('reference', ''), _negated=True)), models.Q(('amount__lt', 0), ('kind', 'expired'), ('period__isnull', False)), models.Q(('kind', 'reversed'), ('related__isnull', False), models.Q(('amount', 0), _negated=True)), _connector='OR'), name='eldercare_credit_entry_sign'),
        ),
        migrations.AddConstraint(
            model_name='creditentry',
            constraint=models.CheckConstraint(condition=models.Q(('amount__lte', Decimal('100000.00')), ('amount__gte', Decimal('-100000.00'))), name='eldercare_credit_entry_bounds'),
        ),
        migrations.RunPython(seed_parameters, unseed_parameters),
    ]
