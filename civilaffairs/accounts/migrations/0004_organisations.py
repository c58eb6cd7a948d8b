"""Organisations as a platform model; role assignments of facility, provider and charity staff
are bound to one (a foreign key replaces the free-text "所属单位").

The free text cannot be matched to a registered organisation (no credit code), so existing
facility / provider / charity assignments are removed: those roles held no capability before
this migration, so nobody loses access to a record; an administrator re-grants them with an
organisation. Other roles' free text is dropped (it was informational only)."""

import civilaffairs.lib.uscc
import django.db.models.deletion
from django.db import migrations, models

ORGANISATION_ROLES = ["charity_staff", "facility_staff", "provider_staff"]


def drop_unbound_organisation_staff(apps, schema_editor):
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    RoleAssignment.objects.filter(role__in=ORGANISATION_ROLES).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_api_tokens_hashed_with_scope_and_expiry'),
        ('registry', '0006_person_id_digest_hash_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='Organisation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('type', models.CharField(choices=[('care_home', '养老机构'), ('home_care_centre', '居家养老服务中心'), ('day_care_centre', '日间照料中心'), ('canteen', '老年食堂/助餐点'), ('service_provider', '服务商'), ('charity', '慈善组织')], max_length=20, verbose_name='机构类型')),
                ('name', models.CharField(max_length=100, verbose_name='机构名称')),
                ('uscc', models.CharField(error_messages={'unique': '该统一社会信用代码已登记。'}, max_length=18, unique=True, validators=[civilaffairs.lib.uscc.validate_uscc], verbose_name='统一社会信用代码')),
                ('status', models.CharField(choices=[('active', '正常'), ('suspended', '暂停'), ('closed', '已关闭')], default='active', max_length=10, verbose_name='状态')),
                ('grade', models.PositiveSmallIntegerField(blank=True, help_text='养老机构星级 1–5；慈善组织评估等级 1A–5A 填 1–5；其他类型不填。', null=True, verbose_name='等级/评级')),
                ('status_reason', models.CharField(blank=True, default='', max_length=200, verbose_name='状态说明')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='登记时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='organisations', to='registry.region', verbose_name='所在区域')),
            ],
            options={
                'verbose_name': '机构',
                'verbose_name_plural': '机构',
                'ordering': ['region_id', 'name', 'id'],
            },
        ),
        migrations.RunPython(drop_unbound_organisation_staff, migrations.RunPython.noop),
        migrations.RemoveField(model_name='roleassignment', name='organisation'),
        migrations.AddField(
            model_name='roleassignment',
            name='organisation',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='accounts.organisation', verbose_name='所属机构'),
        ),
        migrations.AddConstraint(
            model_name='roleassignment',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('role__in', ['charity_staff', 'facility_staff', 'provider_staff']), ('organisation__isnull', False)), models.Q(models.Q(('role__in', ['charity_staff', 'facility_staff', 'provider_staff']), _negated=True), ('organisation__isnull', True)), _connector='OR'), name='assignment_organisation_by_role'),
        ),
        migrations.AddIndex(
            model_name='organisation',
            index=models.Index(fields=['type', 'region'], name='organisation_type_region'),
        ),
        migrations.AddConstraint(
            model_name='organisation',
            constraint=models.CheckConstraint(condition=models.Q(('grade__isnull', True), models.Q(('type__in', ['care_home', 'charity']), ('grade__gte', 1), ('grade__lte', 5)), _connector='OR'), name='organisation_grade_by_type'),
        ),
    ]
