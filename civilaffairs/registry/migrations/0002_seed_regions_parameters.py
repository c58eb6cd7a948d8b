"""Seed the city's region tree down to districts (real GB/T 2260 codes) and the
policy parameter defaults from shared/POLICY.md at city level."""
from django.db import migrations

PROVINCE = ("33", "浙江省")
CITY = ("3302", "宁波市")
DISTRICTS = [
    ("330203", "海曙区"),
    ("330205", "江北区"),
    ("330206", "北仑区"),
    ("330211", "镇海区"),
    ("330212", "鄞州区"),
    ("330213", "奉化区"),
    ("330225", "象山县"),
    ("330226", "宁海县"),
    ("330281", "余姚市"),
    ("330282", "慈溪市"),
]


def seed(apps, schema_editor):
    from civilaffairs.registry.parameters import CATALOGUE, SEED_EFFECTIVE_FROM

    Region = apps.get_model("registry", "Region")
    PolicyParameter = apps.get_model("registry", "PolicyParameter")
    province, _ = Region.objects.get_or_create(code=PROVINCE[0], defaults={"name": PROVINCE[1], "level": 1})
    city, _ = Region.objects.get_or_create(code=CITY[0], defaults={"name": CITY[1], "level": 2, "parent": province})
    for code, name in DISTRICTS:
        Region.objects.get_or_create(code=code, defaults={"name": name, "level": 3, "parent": city})
    for spec in CATALOGUE:
        PolicyParameter.objects.get_or_create(
            key=spec.key, region=city, effective_from=SEED_EFFECTIVE_FROM,
            defaults={"value": spec.default, "note": f"默认值（POLICY.md）{spec.note}".strip()},
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
