"""A believable demo city: regions, households, department records and demo sign-ins.

Persons, households, members and department records are streamed into PostgreSQL
with ``COPY`` in chunks of households, so a million households need neither ORM
saves nor the whole city in memory. Everything is drawn from one seeded
``random.Random``: the same ``seed`` and size give the same city.

What was seeded (id ranges, region codes, batches) is written to the audit log
(``registry.demo_seeded``); ``demo_reset`` reads it back to remove exactly that.
Accounts and worklist items go through the ordinary services.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import os
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from civilaffairs import programmes
from civilaffairs.lib.crypto import _aead, _index_key, _VERSION
from civilaffairs.lib.idnumber import check_digit
from civilaffairs.lib.masking import mask_id_number, mask_phone

from .facts.schema import canonical_attributes
from .models import (
    BatchStatus, Department, Household, ImportBatch, RecordKind, Region, RegionLevel,
    Relation,
)

CITY_CODE = "3302"
DEFAULT_HOUSEHOLDS = 2000
DEFAULT_SEED = 20230901
CHUNK_HOUSEHOLDS = 2000
DIBAO_STANDARD = 1135  # only shapes the generated income distribution; policy reads PolicyParameter
RESIDENT_PHONE = "13800001234"

# The demo sign-ins: username, role, where (resolved at seed time), organisation, is_staff.
DEMO_STAFF = [
    ("demo-grid", "grid_worker", "community", "", False),
    ("demo-grid-other", "grid_worker", "other_community", "", False),
    ("demo-township", "township_officer", "township", "", False),
    ("demo-district", "district_approver", "district", "", False),
    # A second approver of the same district: rolls and large decisions need two people (four eyes).
    ("demo-district2", "district_approver", "district", "", False),
    ("demo-city", "city_admin", "city", "宁波市民政局", True),
    ("demo-facility", "facility_staff", "district", "海曙区社会福利院", False),
    ("demo-provider", "provider_staff", "district", "颐乐居家养老服务有限公司", False),
    ("demo-charity", "charity_staff", "city", "宁波市慈善总会", False),
    ("demo-data", "data_provider", "city", "宁波市医疗保障局", False),
]
DEMO_USERNAMES = [u for u, *_ in DEMO_STAFF] + ["demo-resident", "admin"]
DEMO_SOURCES = [Department.HRSS, Department.MEDICAL_INSURANCE, Department.BANK, Department.REAL_ESTATE,
                Department.PUBLIC_SECURITY, Department.EDUCATION, Department.DISABLED_FEDERATION, Department.HEALTH]

# --- Names -------------------------------------------------------------------------
# Surnames weighted roughly as in Zhejiang (Ningbo has many 陈, 王, 张, 李, 周, 胡, 徐, 林, 应, 俞).
SURNAMES = ("王" * 9 + "陈" * 10 + "张" * 7 + "李" * 7 + "周" * 5 + "胡" * 4 + "徐" * 4 + "林" * 4 + "朱" * 3
            + "应" * 2 + "俞" * 2 + "孙" * 3 + "毛" * 2 + "邵" * 2 + "鲍" + "竺" + "蒋" * 2 + "吴" * 3 + "杨" * 3
            + "刘" * 3 + "黄" * 3 + "赵" * 2 + "郑" * 2 + "董" * 2 + "叶" * 2 + "方" * 2 + "金" * 2 + "沈" * 2
            + "史" + "贺" + "袁" + "戴" + "钱" + "何" + "郭" + "马" + "罗" + "梁" + "谢" + "韩" + "唐" + "冯"
            + "曹" + "傅" + "舒" + "楼" + "虞" + "励" + "翁" + "屠" + "柴" + "忻" + "乐" + "包" + "项" + "邬")
SURNAMES_2 = ["欧阳", "司马", "诸葛", "上官"]
GIVEN_MALE_OLD = ["建国", "建华", "国庆", "志强", "德明", "福根", "阿根", "根宝", "永康", "国平", "金海", "昌明", "世荣",
                  "忠良", "裕民", "祥林", "宝昌", "海生", "水根", "兴国"]
GIVEN_FEMALE_OLD = ["秀英", "桂英", "玉兰", "秀兰", "凤英", "素珍", "月娥", "金娣", "阿娣", "美华", "雪芬", "彩娣",
                    "杏芬", "菊香", "巧云", "爱娣", "翠英", "小妹", "美芳", "丽娟"]
MALE_CHARS = "伟刚勇军杰涛明辉强磊斌超鹏华平波宁峰健浩宇俊凯晨睿轩泽然博文昊天航哲铭瑞彬毅晓东亮晖鑫"
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲婷雪琳颖倩洁佳欣怡萱涵雨梦晨瑶琪诗悦妍蕾薇璐露菲婧雯慧月蓉"

# --- Places --------------------------------------------------------------------------
PLACE_FIRST = "东西南北新古青白梅桃柳石龙凤云溪湖山江海金银长永福安和兴华明慈德孝义仁"
PLACE_SECOND = "湖塘桥港山浦岙溪林园湾坊河岭田门亭庄洋墩头浜岸峰泉"
URBAN_DISTRICTS = {"330203", "330205", "330206", "330211", "330212"}
MIGRANT_REGIONS = ["342401", "411521", "513030", "522427", "362329", "421127", "341221", "433022"]
AWAY_CITIES = ["上海市", "杭州市", "苏州市", "深圳市", "广州市", "义乌市", "温州市"]
HOSPITALS = ["宁波市第一医院", "宁波市第二医院", "李惠利医院", "宁波大学附属人民医院", "宁波市中医院",
             "鄞州人民医院", "余姚市人民医院", "慈溪市人民医院"]
SERIOUS = ["恶性肿瘤", "尿毒症", "白血病", "重症精神病", "器官移植术后", "脑卒中后遗症"]
CHRONIC = ["高血压", "糖尿病", "慢性阻塞性肺病", "冠心病", "类风湿关节炎"]
DISABILITY_TYPES = ["肢体", "视力", "听力", "言语", "智力", "精神", "多重"]
EMPLOYERS = ["宁波港集团", "吉利汽车", "奥克斯集团", "方太厨具", "雅戈尔", "均胜电子", "宁波银行", "个体经营",
             "舟山渔业合作社", "宁波舟山港物流", "海天塑机", "公牛集团"]
PHONE_PREFIXES = ["135", "136", "137", "139", "150", "151", "152", "157", "158", "159", "177", "180", "181",
                  "182", "186", "187", "188", "189", "199"]


@dataclass
class DemoPerson:
    pid: int
    name: str
    gender: str
    birth: dt.date
    relation: str
    id_digest: str = ""
    flags: set = field(default_factory=set)

    def age(self, on: dt.date) -> int:
        b = self.birth
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


@dataclass
class SeedStats:
    regions: int = 0
    households: int = 0
    persons: int = 0
    members: int = 0
    guardianships: int = 0
    records: dict = field(default_factory=dict)


NULL = "\\N"


def _json(attributes: dict) -> str:
    # The same serialisation as the department import, so fingerprints agree.
    return json.dumps(attributes, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _canonical(kind: str, attributes: dict) -> str:
    """What the import would store for ``attributes`` (``facts.schema``: 肢体 → physical, area → "93.00")."""
    return _json(canonical_attributes(kind, attributes))


class DemoAlreadySeeded(Exception):
    pass


@dataclass(frozen=True)
class DemoCity:
    """What the platform seeded, handed to each programme's demo step: inclusive id ranges of
    the demo households and persons, the home community of the demo sign-ins, and (when
    seeding) the day the city was built for."""

    household_ids: tuple[int, int]
    person_ids: tuple[int, int]
    home_community: str = ""
    today: dt.date | None = None

    @classmethod
    def from_seeded(cls, meta: dict) -> "DemoCity":
        """From the ``registry.demo_seeded`` audit event's ``after``."""
        return cls(household_ids=tuple(meta["household_ids"]), person_ids=tuple(meta["person_ids"]))


# --- Public entry points -------------------------------------------------------------

def is_seeded() -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username="demo-grid").exists()


def seed_demo(*, households: int = DEFAULT_HOUSEHOLDS, seed: int = DEFAULT_SEED, today: dt.date | None = None,
              chunk: int = CHUNK_HOUSEHOLDS, log=None) -> SeedStats:
    """Build the demo city (regions, people, households, department records, platform accounts),
    then run every registered demo step (``civilaffairs.programmes.register_demo_step``) in order.
    Raises ``DemoAlreadySeeded`` if it is there already."""
    if is_seeded():
        raise DemoAlreadySeeded
    log = log or (lambda msg: None)
    today = today or timezone.localdate()
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
        builder = _CityBuilder(households=households, seed=seed, today=today, chunk=chunk, log=log)
        stats = builder.build()
        _create_accounts(builder)
        demo = DemoCity(household_ids=tuple(builder.household_range), person_ids=tuple(builder.person_range),
                        home_community=builder.home_community, today=today)
        for step in programmes.demo_steps():  # each programme seeds its own part
            if step.seed is not None:
                step.seed(demo=demo, log=log)
        from civilaffairs.audit.services import audit_log

        audit_log(actor=None, action="registry.demo_seeded", object_type="registry.demo",
                  after={"households": households, "seed": seed, "person_ids": builder.person_range,
                         "created_admin": builder.created_admin,
                         "household_ids": builder.household_range, "batches": builder.batch_ids,
                         "regions": builder.new_region_codes})
    with connection.cursor() as cur:  # plan the first queries (and the first scoring run) on real sizes
        cur.execute("ANALYZE registry_household, registry_householdmember, registry_person, "
                    "registry_departmentrecord")
    return stats


def demo_reset(*, log=None) -> None:
    """Remove what ``seed_demo`` created: first each registered demo step's part (in reverse
    order), then the accounts, worklist items, records, households, persons."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from civilaffairs.accounts.demo import demo_organisations_delete
    from civilaffairs.audit.models import AuditEvent
    from civilaffairs.audit.services import audit_log
    from civilaffairs.worklist.models import WorkItem

    log = log or (lambda msg: None)
    event = AuditEvent.objects.filter(action="registry.demo_seeded").order_by("-id").first()
    with transaction.atomic():
        User = get_user_model()
        if event is not None and event.after:  # first what the programmes hold on the households
            demo = DemoCity.from_seeded(event.after)
            for step in reversed(programmes.demo_steps()):
                if step.reset is not None:
                    step.reset(demo=demo, log=log)
        WorkItem.objects.filter(dedupe_key__startswith="demo:").delete()
        created_admin = bool(event and event.after and event.after.get("created_admin"))
        users = User.objects.filter(username__in=[u for u in DEMO_USERNAMES if u != "admin" or created_admin])
        users.delete()  # their API tokens go with them
        demo_organisations_delete()
        if event is None or not event.after:
            log("没有找到演示数据的记录，仅删除了演示账号。")
            return
        meta = event.after
        p_lo, p_hi = meta["person_ids"]
        h_lo, h_hi = meta["household_ids"]
        from civilaffairs.payments.models import BankAccount, PaymentLine

        # The ledger's lines and accounts for the demo people and households (payee ids carry no
        # database constraint, so this is what keeps none behind).
        payee = Q(household__gte=h_lo, household__lte=h_hi) | Q(person__gte=p_lo, person__lte=p_hi)
        delete_rows(PaymentLine.objects.filter(payee))
        delete_rows(BankAccount.objects.filter(payee))
        with connection.cursor() as cur:
            cur.execute("DELETE FROM registry_departmentrecord WHERE batch_id = ANY(%s)", [meta["batches"]])
            cur.execute("DELETE FROM registry_departmentrecord WHERE person_id BETWEEN %s AND %s", [p_lo, p_hi])
            ImportBatch.objects.filter(pk__in=meta["batches"]).delete()
            cur.execute("DELETE FROM registry_guardianship WHERE ward_id BETWEEN %s AND %s OR guardian_id BETWEEN %s AND %s",
                        [p_lo, p_hi, p_lo, p_hi])
            cur.execute("DELETE FROM registry_householdmember WHERE household_id BETWEEN %s AND %s", [h_lo, h_hi])
            cur.execute("DELETE FROM registry_household WHERE id BETWEEN %s AND %s", [h_lo, h_hi])
            cur.execute("DELETE FROM registry_person WHERE id BETWEEN %s AND %s", [p_lo, p_hi])
        # Regions are reference data others may now point at: remove only the unused ones.
        codes = sorted(meta.get("regions", []), key=len, reverse=True)
        removed = 0
        for code in codes:
            try:
                with transaction.atomic():
                    removed += Region.objects.filter(code=code).filter(~Q(children__isnull=False)).delete()[0]
            except Exception:  # noqa: BLE001  (ProtectedError / IntegrityError: still referenced, keep it)
                pass
        audit_log(actor=None, action="registry.demo_reset", object_type="registry.demo",
                  after={"seeded_event": event.pk, "regions_removed": removed})
        log(f"已删除演示数据（家庭 {h_hi - h_lo + 1 if h_hi >= h_lo else 0} 户，区划 {removed} 个）。")


def delete_rows(queryset) -> None:
    """One DELETE statement for the rows of ``queryset``: no signals, no cascade collection
    (the caller deletes children first), nothing loaded into Python. For the programmes' demo
    reset steps."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connection

    model = queryset.model
    try:
        select, params = queryset.values("pk").query.sql_with_params()
    except EmptyResultSet:  # e.g. ``pk__in=[]``: nothing to delete
        return
    table, pk = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {table} WHERE {pk} IN ({select})", params)


def demo_signins() -> list[dict]:
    """The demo sign-ins, for the command's summary and the run launcher. Empty when not seeded."""
    from django.contrib.auth import get_user_model

    from civilaffairs.accounts.roles import Role

    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)
             .select_related("person").prefetch_related("assignments__region")}
    if "demo-grid" not in users:
        return []
    rows = []
    for username in DEMO_USERNAMES:
        user = users.get(username)
        if user is None:
            continue
        note = ""
        if username == "admin":
            role, region_code, region_name = "superuser", "", ""
            role_label, note = "超级管理员", "/admin/"
        elif user.is_resident:
            role, role_label = Role.RESIDENT.value, str(Role.RESIDENT.label)
            membership = user.person.memberships.filter(is_active=True).select_related("household__community").first()
            region_code = membership.household.community_id if membership else ""
            region_name = membership.household.community.name if membership else ""
            note = f"手机号 {user.person.reveal_phone()} 或身份证号登录"
        else:
            assignment = next(iter(user.assignments.all()), None)
            role = assignment.role if assignment else ""
            role_label = assignment.get_role_display() if assignment else ""
            region_code = assignment.region_id if assignment else ""
            region_name = assignment.region.name if assignment else ""
            if username == "demo-data":
                from civilaffairs.accounts.services import api_token_digest

                key = demo_api_token_key()
                note = f"API token {key}" if user.api_tokens.filter(key_digest=api_token_digest(key)).exists() else ""
            elif user.is_staff:
                note = "可登录管理后台"
        rows.append({"username": username, "role": role, "role_label": str(role_label), "region": region_code,
                     "region_name": region_name, "password": settings.DEMO_PASSWORD, "note": note})
    return rows


# --- Accounts and worklist -------------------------------------------------------------

def demo_api_token_key() -> str:
    """The demo data provider's key, derived from SECRET_KEY so the sign-in list can show it
    (only a digest is stored)."""
    import hashlib
    import hmac

    secret = hmac.new(settings.SECRET_KEY.encode(), b"demo-data api token", hashlib.sha256).hexdigest()
    return f"ca_demo0000_{secret}"


def _create_accounts(builder: "_CityBuilder") -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from civilaffairs.accounts.demo import seed_demo_organisations
    from civilaffairs.accounts.models import TokenScope, UserKind
    from civilaffairs.accounts.services import api_token_issue, resident_user_create, staff_user_create
    from civilaffairs.worklist.services import workitem_raise

    from .services import person_update_phone

    password = settings.DEMO_PASSWORD
    community = builder.home_community
    where = {"community": community, "other_community": builder.other_community,
             "township": community[:9], "district": community[:6], "city": CITY_CODE}
    names = {"demo-grid": "演示网格员", "demo-grid-other": "演示网格员（江北）", "demo-township": "演示街道民政干部",
             "demo-district": "演示区民政局审批人",
             "demo-district2": "演示区民政局第二审批人", "demo-city": "演示市民政局管理员", "demo-facility": "演示养老机构",
             "demo-provider": "演示服务商", "demo-charity": "演示慈善组织", "demo-data": "演示数据提供方"}
    # One PBKDF2 hash (about a second each) shared by every demo account: same password anyway.
    hashed = make_password(password)
    organisations = seed_demo_organisations(where)  # the facility / provider / charity accounts work in one
    for username, role, place, organisation, is_staff in DEMO_STAFF:
        staff_user_create(actor=None, username=username, password=None, display_name=names[username],
                          role=role, region_code=where[place], organisation=organisations.get(organisation),
                          is_staff=is_staff)
    api_token_issue(actor=None, user=get_user_model().objects.get(username="demo-data"), organisation="演示人社局",
                    scope=TokenScope.IMPORT, purpose="演示：部门数据报送", key=demo_api_token_key())

    household = (Household.objects.filter(community_id=community, pk__gte=builder.household_range[0])
                 .select_related("head").order_by("pk").first())
    person_update_phone(actor=None, person=household.head, phone=RESIDENT_PHONE)
    resident_user_create(actor=None, person=household.head, password=None, username="demo-resident")

    User = get_user_model()
    ours = [u for u in DEMO_USERNAMES if u != "admin"]
    builder.created_admin = not User.objects.filter(username="admin").exists()
    if builder.created_admin:  # an existing admin keeps its own password
        User.objects.create_superuser(username="admin", password=None, kind=UserKind.STAFF,
                                      display_name="系统管理员")
        ours.append("admin")
    User.objects.filter(username__in=ours).update(password=hashed)

    now = timezone.now()
    others = list(Household.objects.filter(community_id=community, pk__gte=builder.household_range[0])
                  .order_by("pk")[1:4])
    # Discovery and 渐退 leads come from the scoring engine (``scoring_run``), not from here.
    items = [
        ("elderly_visit", "独居老人本周巡访（已超期）", now - dt.timedelta(hours=6), 3),
    ]
    for (kind, title, due, priority), target in zip(items, others or [household] * 3):
        workitem_raise(kind=kind, title=f"{target.head_name}户：{title}", region_code=community, due_at=due,
                       priority=priority, subject=target, dedupe_key=f"demo:{kind}:{target.pk}")


# --- The city ------------------------------------------------------------------------

BULK_INDEX_THRESHOLD = 20_000
BULK_TABLES = ("registry_person", "registry_household", "registry_householdmember", "registry_departmentrecord",
               "registry_guardianship")


def _drop_secondary_indexes(cursor) -> list[str]:
    """Drop the indexes that back no constraint on the bulk tables; return their definitions."""
    cursor.execute("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT i.indisunique
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    """, [list(BULK_TABLES)])
    rows = cursor.fetchall()
    for name, _definition in rows:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in rows]


class _CityBuilder:
    def __init__(self, *, households: int, seed: int, today: dt.date, chunk: int, log):
        self.n = max(int(households), 10)
        self.rng = random.Random(seed)
        self.seed = seed
        self.today = today
        self.chunk = max(chunk, 50)
        self.log = log
        self.stats = SeedStats()
        self.record_counts: dict[str, int] = dict.fromkeys(DEMO_SOURCES, 0)
        self.now = timezone.now().isoformat()
        self.id_counters: dict[tuple[str, int, str], int] = {}
        self.phone_seq = self.rng.randrange(10_000_000)
        self.new_region_codes: list[str] = []
        self.batch_ids: list[int] = []
        self.person_range = [0, -1]
        self.household_range = [0, -1]
        self.aead = _aead(settings.FIELD_ENCRYPTION_KEY)
        self.index_key = _index_key(settings.BLIND_INDEX_KEY)
        # The 12 whole months before this month: the economic-verification window.
        first = today.replace(day=1)
        self.months = []
        for back in range(12, 0, -1):
            index = first.year * 12 + first.month - 1 - back
            start = dt.date(index // 12, index % 12 + 1, 1)
            nxt = dt.date((index + 1) // 12, (index + 1) % 12 + 1, 1)
            self.months.append((start, nxt - dt.timedelta(days=1)))

    # -- regions --
    def build_regions(self) -> list[tuple[str, str]]:
        """Townships and communities under the ten districts; returns [(community_code, kind)]."""
        districts = list(Region.objects.filter(level=RegionLevel.DISTRICT, code__startswith=CITY_CODE)
                         .order_by("code").values_list("code", "name"))
        n_comm = max(20, min(3200, self.n // 300))
        per_district = max(2, n_comm // len(districts))
        townships_per_district = max(1, per_district // 18)
        rows, communities = [], []
        for code6, _name in districts:
            urban = code6 in URBAN_DISTRICTS
            used: set[str] = set()
            per_township = [per_district // townships_per_district] * townships_per_district
            per_township[0] += per_district - sum(per_township)
            street_no = town_no = 0
            for t, count in enumerate(per_township):
                is_street = urban and t < max(1, int(townships_per_district * 0.7)) or (not urban and t == 0)
                if is_street:
                    street_no += 1
                    t_code, t_name = f"{code6}{street_no:03d}", self._place(used) + "街道"
                else:
                    town_no += 1
                    t_code, t_name = f"{code6}{100 + town_no:03d}", self._place(used) + "镇"
                rows.append((t_code, t_name, RegionLevel.TOWNSHIP, code6))
                c_used: set[str] = set()
                shequ = cun = 0
                for c in range(count):
                    community_like = is_street or c < count // 4
                    if community_like:
                        shequ += 1
                        c_code, c_name, kind = f"{t_code}{shequ:03d}", self._place(c_used) + "社区", "urban"
                    else:
                        cun += 1
                        c_code, c_name, kind = f"{t_code}{200 + cun:03d}", self._place(c_used) + "村", "rural"
                    rows.append((c_code, c_name, RegionLevel.COMMUNITY, t_code))
                    communities.append((c_code, kind))
        existing = set(Region.objects.filter(code__in=[r[0] for r in rows]).values_list("code", flat=True))
        new = [Region(code=c, name=n, level=lv, parent_id=p) for c, n, lv, p in rows if c not in existing]
        Region.objects.bulk_create(new, batch_size=1000)
        self.new_region_codes = [r.code for r in new]
        self.stats.regions = len(new)
        return communities

    def _place(self, used: set[str]) -> str:
        for _ in range(200):
            name = self.rng.choice(PLACE_FIRST) + self.rng.choice(PLACE_SECOND)
            if name not in used:
                used.add(name)
                return name
        name = f"{self.rng.choice(PLACE_FIRST)}{self.rng.choice(PLACE_SECOND)}{len(used)}"
        used.add(name)
        return name

    # -- people --
    def _name(self, surname: str | None, gender: str, birth_year: int) -> str:
        rng = self.rng
        surname = surname or (rng.choice(SURNAMES_2) if rng.random() < 0.004 else rng.choice(SURNAMES))
        if birth_year < 1965 and rng.random() < 0.5:
            return surname + rng.choice(GIVEN_MALE_OLD if gender == "M" else GIVEN_FEMALE_OLD)
        chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
        given = rng.choice(chars) if rng.random() < 0.35 else rng.choice(chars) + rng.choice(chars)
        return surname + given

    def _birth(self, age: int) -> dt.date:
        age = max(0, min(age, 99))
        start = dt.date(self.today.year - age - 1, self.today.month, 1) + dt.timedelta(days=1)
        return min(start + dt.timedelta(days=self.rng.randrange(365)), self.today - dt.timedelta(days=1))

    def _id_number(self, region6: str, birth: dt.date, female: bool) -> str:
        # Demo numbers use sequences 250..499 so they do not meet hand-made test numbers.
        key = (region6, birth.toordinal(), "F" if female else "M")
        seq = self.id_counters.get(key, 250)
        while seq >= 500:  # that birthday is full: move to the next day
            birth += dt.timedelta(days=1)
            key = (region6, birth.toordinal(), key[2])
            seq = self.id_counters.get(key, 250)
        self.id_counters[key] = seq + 1
        body = f"{region6}{birth:%Y%m%d}{seq * 2 + (0 if female else 1):03d}"
        return body + check_digit(body)

    def _phone(self) -> str:
        self.phone_seq = (self.phone_seq + 7_919) % 100_000_000
        return f"{self.rng.choice(PHONE_PREFIXES)}{self.phone_seq:08d}"

    def _encrypt(self, text: str) -> str:
        nonce = os.urandom(12)
        return "\\\\x" + (_VERSION + nonce + self.aead.encrypt(nonce, text.encode(), None)).hex()

    def _digest(self, value: str, purpose: str) -> str:
        return hmac.new(self.index_key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def _family(self, urban: bool) -> list[tuple[str, str, int]]:
        """(relation, gender, age) of one household's members, head first."""
        rng, r = self.rng, self.rng.random()
        head_gender = "M" if rng.random() < 0.72 else "F"
        other = "F" if head_gender == "M" else "M"

        def kids(parent_age: int, count: int, relation: str = Relation.CHILD):
            return [(relation, rng.choice("MF"), max(0, parent_age - rng.randint(23, 34) - 2 * i))
                    for i in range(count)]

        if r < 0.07:  # elder living alone
            return [(Relation.HEAD, head_gender if rng.random() < 0.4 else "F", rng.randint(65, 94))]
        if r < 0.17:  # elderly couple (empty nest)
            age = rng.randint(60, 88)
            return [(Relation.HEAD, head_gender, age), (Relation.SPOUSE, other, age + rng.randint(-4, 3))]
        if r < 0.25:  # single adult
            return [(Relation.HEAD, head_gender, rng.randint(22, 59))]
        if r < 0.34:  # young couple
            age = rng.randint(24, 40)
            return [(Relation.HEAD, head_gender, age), (Relation.SPOUSE, other, age + rng.randint(-3, 3))]
        if r < 0.68:  # couple with children
            age = rng.randint(28, 55)
            return ([(Relation.HEAD, head_gender, age), (Relation.SPOUSE, other, age + rng.randint(-3, 3))]
                    + kids(age, 1 if rng.random() < (0.65 if urban else 0.45) else 2))
        if r < 0.84:  # three generations
            age = rng.randint(32, 52)
            members = [(Relation.HEAD, head_gender, age), (Relation.SPOUSE, other, age + rng.randint(-3, 3))]
            members += kids(age, rng.choice((1, 1, 2)))
            p_age = min(age + rng.randint(24, 32), 98)
            members.append((Relation.PARENT, "F", p_age))
            if rng.random() < 0.5:
                members.append((Relation.PARENT, "M", min(p_age + rng.randint(0, 4), 99)))
            return members
        if r < 0.90 and not urban or r < 0.86:  # grandparents with left-behind grandchildren
            age = rng.randint(56, 74)
            members = [(Relation.HEAD, "M", age), (Relation.SPOUSE, "F", age - rng.randint(0, 4))]
            parent_age = age - rng.randint(24, 30)
            members += [("away_child", "M", parent_age), ("away_inlaw", "F", parent_age - rng.randint(0, 3))]
            members += kids(parent_age, rng.choice((1, 2)), Relation.GRANDCHILD)
            return [(rel, g, a) for rel, g, a in members]
        if r < 0.95:  # single parent
            age = rng.randint(28, 50)
            return [(Relation.HEAD, "F" if rng.random() < 0.7 else "M", age)] + kids(age, rng.choice((1, 1, 2)))
        age = rng.randint(25, 60)  # siblings sharing a home
        return [(Relation.HEAD, head_gender, age), (Relation.SIBLING, rng.choice("MF"), age + rng.randint(-6, 6))]

    # -- the load --
    def build(self) -> SeedStats:
        communities = self.build_regions()
        self.home_community = next(c for c, _ in communities if c.startswith("330203"))
        self.other_community = next(c for c, _ in communities if c.startswith("330205"))
        self.batches = {}
        digest_src = hashlib.sha256(f"demo:{self.seed}:{self.n}".encode()).hexdigest()
        for source in DEMO_SOURCES:
            batch = ImportBatch.objects.create(source=source, channel="file", file_name=f"demo-seed-{source}.csv",
                                               content_sha256=digest_src, status=BatchStatus.PROCESSING)
            self.batches[source] = batch.pk
            self.batch_ids.append(batch.pk)
        # Every community gets a share; the home community is guaranteed a few households.
        assignment = [communities[i % len(communities)] for i in range(self.n)]
        self.rng.shuffle(assignment)
        home_index = next(i for i, (c, _) in enumerate(communities) if c == self.home_community)
        for i in range(min(5, self.n)):
            assignment[i] = communities[home_index]
        done = 0
        with connection.cursor() as cursor:
            # A big load builds secondary indexes once at the end (a sorted build) instead of
            # updating them row by row; the tables are locked until commit anyway.
            dropped = _drop_secondary_indexes(cursor) if self.n >= BULK_INDEX_THRESHOLD else []
            while done < self.n:
                part = assignment[done:done + self.chunk]
                self._load_chunk(cursor.cursor, part)
                done += len(part)
                self.log(f"  {done:,} / {self.n:,} 户")
            if dropped:
                self.log(f"  重建 {len(dropped)} 个索引 …")
                # Deferred foreign-key checks must run before CREATE INDEX may touch the tables.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for definition in dropped:
                    cursor.execute(definition)
        self.stats.records = counts = {k: v for k, v in self.record_counts.items() if v}
        for source, batch_id in self.batches.items():
            n = counts.get(source, 0)
            ImportBatch.objects.filter(pk=batch_id).update(status=BatchStatus.DONE, total_rows=n, loaded_rows=n,
                                                            finished_at=timezone.now())
        return self.stats

    def _reserve(self, cursor, table: str, count: int) -> int:
        cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
        seq = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [seq])
        start = cursor.fetchone()[0]
        if count > 1:
            cursor.execute("SELECT setval(%s, %s)", [seq, start + count - 1])
        return start

    def _load_chunk(self, cursor, part: list[tuple[str, str]]) -> None:
        rng, today = self.rng, self.today
        families = []
        for community, kind in part:
            urban = kind == "urban"
            migrant = rng.random() < (0.16 if urban else 0.05)
            families.append((community, urban, migrant, self._family(urban)))
        n_people = sum(len(f[3]) for f in families)
        pid = self._reserve(cursor, "registry_person", n_people)
        hid = self._reserve(cursor, "registry_household", len(families))
        if self.person_range[1] < self.person_range[0]:
            self.person_range[0] = pid
            self.household_range[0] = hid
        self.person_range[1] = pid + n_people - 1
        self.household_range[1] = hid + len(families) - 1

        persons, households, members, records = io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO()
        guardianships = io.StringIO()
        now = self.now
        for community, urban, migrant, family in families:
            region6 = rng.choice(MIGRANT_REGIONS) if migrant else community[:6]
            surname = rng.choice(SURNAMES_2) if rng.random() < 0.004 else rng.choice(SURNAMES)
            people: list[DemoPerson] = []
            for relation, gender, age in family:
                birth = self._birth(age)
                own_surname = surname if relation in (Relation.HEAD, Relation.CHILD, Relation.GRANDCHILD, Relation.SIBLING,
                                                      "away_child") else None
                if relation == Relation.PARENT and gender == "M":
                    own_surname = surname if people[0].gender == "M" else None
                name = self._name(own_surname, gender, birth.year)
                rel = {"away_child": Relation.CHILD, "away_inlaw": Relation.OTHER}.get(relation, relation)
                person = DemoPerson(pid=pid, name=name, gender=gender, birth=birth, relation=rel)
                if relation in ("away_child", "away_inlaw"):
                    person.flags.add("away")
                pid += 1
                number = self._id_number(region6 if rng.random() < 0.9 or migrant else community[:6], birth,
                                         gender == "F")
                person.id_digest = self._digest(number, "id")
                age_now = person.age(today)
                has_phone = 18 <= age_now <= 75 and rng.random() < 0.75 or age_now > 75 and rng.random() < 0.25
                if has_phone:
                    phone = self._phone()
                    phone_cols = f"{self._encrypt(phone)}\t{self._digest(phone, 'phone')}\t{mask_phone(phone)}"
                else:
                    phone_cols = "\\N\t\t"
                registered = "\\N" if migrant else community
                persons.write(f"{person.pid}\t{name}\t{self._encrypt(number)}\t{person.id_digest}\t"
                              f"{mask_id_number(number)}\t{gender}\t{birth.isoformat()}\t{phone_cols}\t"
                              f"{registered}\t{now}\t{now}\n")
                people.append(person)
            head = people[0]
            if urban:
                address = f"{rng.randint(1, 60)}幢{rng.randint(1, 30)}0{rng.randint(1, 4)}室"
            else:
                address = f"{rng.randint(1, 400)}号"
            households.write(f"{hid}\t{community}\t{head.pid}\t{head.name}\t{address}\t"
                             f"{'resident' if migrant else 'registered'}\t{'urban' if urban else 'rural'}\t"
                             f"{len(people)}\t{now}\t{now}\n")
            for person in people:
                joined = max(person.birth, dt.date(2000, 1, 1)).isoformat()
                members.write(f"{hid}\t{person.pid}\t{person.relation}\t{joined}\tt\n")
            self._records(records, people, urban)
            self._guardians(guardianships, people, now)
            hid += 1
        self.stats.households += len(families)
        self.stats.persons += n_people
        self.stats.members += n_people
        for table, columns, buf in (
            ("registry_person", "id, name, id_number_encrypted, id_digest, id_number_masked, gender, birth_date, "
                                "phone_encrypted, phone_digest, phone_masked, registered_region_id, created_at, "
                                "updated_at", persons),
            ("registry_household", "id, community_id, head_id, head_name, address, residence_type, urban_rural, "
                                   "member_count, created_at, updated_at", households),
            ("registry_householdmember", "household_id, person_id, relation, joined_on, is_active", members),
            ("registry_guardianship", "ward_id, guardian_id, role, basis, is_primary, since, status, end_reason, "
                                      "note, created_at", guardianships),
            ("registry_departmentrecord", "person_id, id_digest, source, kind, period_start, period_end, amount, "
                                          "attributes, batch_id, fingerprint, created_at", records),
        ):
            buf.seek(0)
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buf)

    def _guardians(self, out, people: list[DemoPerson], now: str) -> None:
        """Statutory guardians of the household's minors: the head and spouse of their children (the
        head first, as primary); the head of a grandchild living with them entrusted with the care
        (its parents live elsewhere)."""
        head = people[0]
        spouse = next((p for p in people if p.relation == Relation.SPOUSE), None)
        for child in people[1:]:
            if child.age(self.today) >= 18:
                continue
            if child.relation == Relation.CHILD:
                for primary, parent in ((True, head), (False, spouse)):
                    if parent is not None and parent.age(child.birth) >= 18:
                        role = "father" if parent.gender == "M" else "mother"
                        out.write(f"{child.pid}\t{parent.pid}\t{role}\tstatutory\t{'t' if primary else 'f'}\t"
                                  f"{child.birth.isoformat()}\tactive\t\t\t{now}\n")
                        self.stats.guardianships += 1
            elif child.relation == Relation.GRANDCHILD and head.age(child.birth) >= 18:
                out.write(f"{child.pid}\t{head.pid}\tgrandparent\tentrusted\tt\t{child.birth.isoformat()}\t"
                          f"active\t\t\t{now}\n")
                self.stats.guardianships += 1

    # -- department records --
    def _record(self, out, person: DemoPerson, source: str, kind: str, start: dt.date, end: dt.date,
                amount: float | None, attributes: dict | str) -> None:
        """One record row. ``attributes`` may be pre-serialised (monthly rows share theirs, by ``_canonical``);
        either way they are stored in the kind's canonical form, as the department import stores them."""
        attrs = attributes if isinstance(attributes, str) else _canonical(kind, attributes)
        amount_text = "" if amount is None else f"{amount:.2f}"
        s, e = start.isoformat(), end.isoformat()
        fingerprint = hashlib.sha256(
            f"{source}|{kind}|{person.id_digest}|{s}|{e}|{amount_text}|{attrs}".encode()).hexdigest()[:32]
        out.write(f"{person.pid}\t{person.id_digest}\t{source}\t{kind}\t{s}\t{e}\t{amount_text or NULL}\t"
                  f"{attrs}\t{self.batches[source]}\t{fingerprint}\t{self.now}\n")
        self.record_counts[source] += 1

    def _records(self, out, people: list[DemoPerson], urban: bool) -> None:
        rng, today = self.rng, self.today
        win_start, win_end = self.months[0][0], self.months[-1][1]
        # Household economic profile: a minority below the 低保 line, some marginal, most comfortable.
        r = rng.random()
        if r < 0.06:
            per_capita = rng.uniform(0.2, 1.0) * DIBAO_STANDARD
        elif r < 0.16:
            per_capita = rng.uniform(1.0, 2.0) * DIBAO_STANDARD
        else:
            per_capita = rng.uniform(2.0, 7.0 if urban else 4.5) * DIBAO_STANDARD
        poor = per_capita < 2 * DIBAO_STANDARD
        ages = [p.age(today) for p in people]
        pension_total = 0.0
        for person, age in zip(people, ages):
            if age >= 60:
                employee_pension = urban and rng.random() < 0.75 and not poor
                monthly = rng.uniform(2800, 5200) if employee_pension else rng.uniform(330, 900)
                pension_total += monthly
                person.flags.add("pension")
                person.pension = monthly
        earners = [p for p, a in zip(people, ages) if 18 <= a < 60 and (not poor or rng.random() < 0.7)]
        needed = max(per_capita * len(people) - pension_total, 0)
        shares = [rng.uniform(0.6, 1.4) for _ in earners]
        for person, share in zip(earners, shares):
            person.wage = needed * share / sum(shares) if earners else 0

        for person, age in zip(people, ages):
            # Pensions and wages: one record per month (the verification convention).
            if "pension" in person.flags:
                kind_label = "城镇职工基本养老金" if person.pension > 2000 else "城乡居民基本养老金"
                attrs = _canonical(RecordKind.PENSION, {"type": kind_label})
                for start, end in self.months:
                    self._record(out, person, Department.HRSS, RecordKind.PENSION, start, end, person.pension, attrs)
            wage = getattr(person, "wage", 0)
            if wage > 0:
                away = "away" in person.flags
                employer = rng.choice(EMPLOYERS)
                steady = not poor or rng.random() < 0.5
                attrs = _canonical(RecordKind.INCOME, {"type": "工资", "employer": employer})
                for start, end in self.months:
                    if not steady and rng.random() < 0.3:
                        continue  # irregular work: months without pay
                    self._record(out, person, Department.HRSS, RecordKind.INCOME, start, end,
                                 wage * rng.uniform(0.93, 1.07), attrs)
                since = self.today.replace(day=1) - dt.timedelta(days=rng.randint(200, 3000))
                attrs = {"employer": employer, "city": rng.choice(AWAY_CITIES) if away else "宁波市"}
                if away:
                    attrs["away"] = True
                self._record(out, person, Department.HRSS, RecordKind.EMPLOYMENT, since, win_end, None, attrs)
                if steady and not away or rng.random() < 0.3:
                    self._record(out, person, Department.HRSS, RecordKind.SOCIAL_INSURANCE, win_start, win_end, None,
                                 {"type": "职工养老保险", "months": 12})
            # Health: bills, serious and chronic illness, disability.
            p_bill = 0.35 if age >= 60 else 0.12
            if rng.random() < p_bill:
                for n in range(rng.randint(1, 3)):
                    start, end = rng.choice(self.months)
                    self._record(out, person, Department.MEDICAL_INSURANCE, RecordKind.MEDICAL_EXPENSE, start, end,
                                 rng.uniform(120, 6000),
                                 {"hospital": rng.choice(HOSPITALS), "type": "门诊", "bill_no": f"MZ{n + 1}"})
            if rng.random() < (0.04 if age >= 45 else 0.008):
                diagnosis = rng.choice(SERIOUS)
                recent = self.months[-rng.randint(1, 4)]
                self._record(out, person, Department.MEDICAL_INSURANCE, RecordKind.MEDICAL_EXPENSE, recent[0],
                             recent[1], rng.uniform(30000, 320000),
                             {"hospital": rng.choice(HOSPITALS), "type": "住院", "diagnosis": diagnosis, "bill_no": "ZY1"})
                self._record(out, person, Department.HEALTH, RecordKind.SERIOUS_ILLNESS,
                             recent[0] - dt.timedelta(days=rng.randint(0, 400)), win_end, None,
                             {"diagnosis": diagnosis})
            if age >= 50 and rng.random() < 0.25:
                self._record(out, person, Department.HEALTH, RecordKind.CHRONIC_ILLNESS, win_start, win_end, None,
                             {"diagnosis": rng.choice(CHRONIC)})
            if rng.random() < (0.06 if age >= 60 else 0.02):
                issued = today - dt.timedelta(days=rng.randint(30, 3000))
                self._record(out, person, Department.DISABLED_FEDERATION, RecordKind.DISABILITY, issued,
                             issued + dt.timedelta(days=3650), None,
                             {"grade": rng.choices((1, 2, 3, 4), weights=(12, 23, 30, 35))[0],
                              "category": rng.choice(DISABILITY_TYPES)})
            # Children at school; tuition and fees for older pupils.
            if 6 <= age <= 17:
                level = "小学" if age < 12 else "初中" if age < 15 else "高中"
                school = f"{rng.choice(PLACE_FIRST)}{rng.choice(PLACE_SECOND)}{level}"
                self._record(out, person, Department.EDUCATION, RecordKind.SCHOOL_ENROLMENT, win_start, win_end,
                             None, {"school": school, "grade": age - 5 if age < 12 else age - 11 if age < 15 else age - 14,
                                    "level": level})
                if age >= 15 and rng.random() < 0.5:
                    self._record(out, person, Department.EDUCATION, RecordKind.EDUCATION_EXPENSE, *self.months[8],
                                 rng.uniform(800, 6000), {"type": "学杂费"})
            # Bank balances for adults.
            if age >= 18:
                scale = 3000 if poor else 60000
                balance = rng.lognormvariate(0, 1.0) * scale
                self._record(out, person, Department.BANK, RecordKind.FINANCIAL_ASSETS, win_end, win_end,
                             balance, {"type": "存款"})
        head = people[0]
        if rng.random() < (0.55 if poor else 0.85):
            self._record(out, head, Department.REAL_ESTATE, RecordKind.REAL_ESTATE, dt.date(2005, 1, 1), win_end,
                         None, {"type": "住宅", "area": rng.randint(45, 140), "is_home": True})
        if not poor and rng.random() < 0.12:
            self._record(out, head, Department.REAL_ESTATE, RecordKind.REAL_ESTATE, dt.date(2015, 1, 1), win_end,
                         None, {"type": "商铺" if rng.random() < 0.3 else "住宅", "area": rng.randint(30, 160),
                                "is_home": False})
        drivers = [p for p, a in zip(people, ages) if 20 <= a < 70]
        if drivers and rng.random() < (0.08 if poor else 0.5):
            owner = rng.choice(drivers)
            self._record(out, owner, Department.PUBLIC_SECURITY, RecordKind.VEHICLE, dt.date(2018, 1, 1), win_end,
                         None, {"plate_masked": f"浙B·***{rng.randint(10, 99)}",
                                "model": rng.choice(("小型轿车", "SUV", "面包车", "电动汽车")), "exempt": False})
