"""Demo organisations: a few of each type in the demo city, and the ones the demo facility,
provider and charity accounts work in. Called by the demo seed (``registry.demo``) before the
demo accounts are made; ``demo_organisations_delete`` is its reset step."""
from __future__ import annotations

from civilaffairs.lib.uscc import make_uscc

from .models import Organisation, OrganisationType as T

# name, type, where (a key of the seed's places, or a district code), USCC prefix, grade.
DEMO_ORGANISATIONS = [
    ("海曙区社会福利院", T.CARE_HOME, "district", "12", 4),
    ("江北区颐康养老院", T.CARE_HOME, "330205", "52", 3),
    ("康乐居家养老服务中心", T.HOME_CARE_CENTRE, "township", "52", None),
    ("江北区孝慈居家养老服务中心", T.HOME_CARE_CENTRE, "330205", "52", None),
    ("夕阳红日间照料中心", T.DAY_CARE_CENTRE, "community", "52", None),
    ("乐龄日间照料中心", T.DAY_CARE_CENTRE, "other_community", "52", None),
    ("幸福老年食堂", T.CANTEEN, "community", "52", None),
    ("邻里助餐点", T.CANTEEN, "other_community", "52", None),
    ("颐乐居家养老服务有限公司", T.SERVICE_PROVIDER, "district", "91", None),
    ("甬康护理服务有限公司", T.SERVICE_PROVIDER, "330205", "91", None),
    ("宁波市慈善总会", T.CHARITY, "city", "51", 5),
    ("海曙区慈善总会", T.CHARITY, "district", "51", 4),
]
_SERIAL_BASE = 990000000  # the nine-character organisation codes of the demo, out of real ranges


def _demo_uscc(index: int, prefix: str, region_code: str) -> str:
    return make_uscc(prefix, region_code[:6].ljust(6, "0"), _SERIAL_BASE + index)


def seed_demo_organisations(where: dict[str, str]) -> dict[str, Organisation]:
    """Create the demo organisations (or find them, if a reset left them in use); ``where`` maps the
    seed's place names (community, township, district, city…) to region codes. Returns them by name."""
    from civilaffairs.registry.models import Region

    from .services import organisation_create

    result = {}
    for index, (name, type_, place, prefix, grade) in enumerate(DEMO_ORGANISATIONS, start=1):
        region_code = where.get(place, place)
        if not Region.objects.filter(code=region_code).exists():
            continue  # a trimmed demo city without that district
        uscc = _demo_uscc(index, prefix, region_code)
        org = Organisation.objects.filter(uscc=uscc).first() or organisation_create(
            actor=None, type=type_, name=name, region_code=region_code, uscc=uscc, grade=grade)
        result[name] = org
    return result


def demo_organisations_delete() -> int:
    """Remove the demo organisations nobody is assigned to any more (the demo accounts go first).
    They are known by their organisation codes (characters 9–17 of the USCC), which the demo owns."""
    serials = [f"{_SERIAL_BASE + i:09d}" for i in range(1, len(DEMO_ORGANISATIONS) + 1)]
    qs = Organisation.objects.filter(uscc__regex=r"^.{8}(" + "|".join(serials) + r").$", assignments__isnull=True)
    return qs.delete()[0]
