"""Regions, people, households, department data and dated policy parameters."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.contrib.postgres.indexes import BrinIndex, GinIndex, HashIndex
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, JSONField, Q, Value
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _

from civilaffairs.lib.crypto import decrypt_text


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    DISTRICT = 3, _("区县")
    TOWNSHIP = 4, _("乡镇/街道")
    COMMUNITY = 5, _("村/社区")


# Significant length of a division code at each level: the materialised path.
LEVEL_CODE_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.DISTRICT: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.COMMUNITY: 12,
}


class Region(models.Model):
    """An administrative division. The primary key is the significant prefix of its
    division code (e.g. ``3302`` Ningbo, ``330203`` Haishu, ``330203001`` a street,
    ``330203001001`` a community), so "everything under R" is ``code LIKE 'R%'``."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("级别"), choices=RegionLevel.choices)
    parent = models.ForeignKey("self", verbose_name=_("上级"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [models.Index(fields=["code"], name="region_code_prefix_idx", opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]+$"), name="region_code_digits"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_code(self) -> str:
        """The 12-digit statistical division code."""
        return self.code.ljust(12, "0")

    def ancestor_codes(self) -> list[str]:
        return ancestor_codes(self.code)


def ancestor_codes(code: str) -> list[str]:
    """All prefixes of ``code`` that are division codes, including itself, root first."""
    return [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Person(models.Model):
    """A resident. The ID number is stored encrypted, found by a keyed digest and
    shown masked; ``id_number_masked`` is kept so lists never decrypt."""

    name = models.CharField(_("姓名"), max_length=50)
    id_number_encrypted = models.BinaryField(_("身份证号（密文）"), editable=False)
    id_digest = models.CharField(_("身份证号摘要"), max_length=64, editable=False)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    phone_encrypted = models.BinaryField(_("手机号（密文）"), null=True, blank=True, editable=False)
    phone_digest = models.CharField(_("手机号摘要"), max_length=64, blank=True, default="", db_index=True,
                                    editable=False)
    phone_masked = models.CharField(_("手机号"), max_length=20, blank=True, default="", editable=False)
    registered_region = models.ForeignKey(Region, verbose_name=_("户籍地"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")
    death_date = models.DateField(_("死亡日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        indexes = [
            GinIndex(fields=["name"], name="person_name_trgm", opclasses=["gin_trgm_ops"]),
            # Every lookup by digest is an equality (a department import probes it once per row):
            # a hash index answers in about half the time of the btree, which stays for uniqueness.
            HashIndex(fields=["id_digest"], name="person_id_digest_hash"),
        ]
        constraints = [
            # A constraint rather than unique=True: no second (varchar_pattern_ops) btree for LIKE,
            # which no query uses on a digest.
            models.UniqueConstraint(fields=["id_digest"], name="person_id_digest_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    # Jurisdiction: a person is in a region when their current household is.
    @staticmethod
    def jurisdiction_q(codes: list[str]) -> Q:
        from civilaffairs.accounts.scoping import region_q

        return Q(pk__in=HouseholdMember.objects.filter(
            region_q("household__community__code", codes), is_active=True).values("person_id"))

    @staticmethod
    def resident_q(person_id: int) -> Q:
        """A resident sees themself and the members of their household."""
        return Q(pk=person_id) | Q(pk__in=HouseholdMember.objects.filter(
            household_id__in=HouseholdMember.household_ids_of(person_id), is_active=True).values("person_id"))

    def reveal_id_number(self) -> str:
        """Plain ID number. Call only through the audited reveal service."""
        return decrypt_text(self.id_number_encrypted)

    def reveal_phone(self) -> str:
        return decrypt_text(self.phone_encrypted) if self.phone_encrypted else ""

    def age_on(self, day) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("户籍")
    RESIDENT = "resident", _("常住")


class UrbanRural(models.TextChoices):
    URBAN = "urban", _("城镇")
    RURAL = "rural", _("农村")


class Household(models.Model):
    """A household (家庭) in a community. ``community_id`` is the community's code,
    so jurisdiction is a prefix filter on this column with no join."""

    jurisdiction_field = "community__code"

    community = models.ForeignKey(Region, verbose_name=_("所属村社"), on_delete=models.PROTECT,
                                  related_name="households", limit_choices_to={"level": RegionLevel.COMMUNITY})
    head = models.ForeignKey(Person, verbose_name=_("户主"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="headed_households")
    head_name = models.CharField(_("户主姓名"), max_length=50, blank=True, default="")
    address = models.CharField(_("住址"), max_length=200, blank=True, default="")
    residence_type = models.CharField(_("户籍/常住"), max_length=12, choices=ResidenceType.choices,
                                      default=ResidenceType.REGISTERED)
    urban_rural = models.CharField(_("城乡"), max_length=8, choices=UrbanRural.choices, default=UrbanRural.URBAN)
    member_count = models.PositiveSmallIntegerField(_("人数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")
        # The caseworker list (migration 0003): scope (community code prefix) plus HOUSEHOLD_LIST_ORDER, page 1
        # an index range scan that stops after 51 rows. "C" collation: a btree serves both LIKE 'prefix%' and
        # the ORDER BY only with it (a varchar_pattern_ops index cannot order). One each for the two choice
        # filters, so a filter that matches few (or no) rows does not walk the whole scope.
        indexes = [
            models.Index(Collate(F("community_id"), "C"), F("id"), name="household_scope_order_idx"),
            models.Index(F("residence_type"), Collate(F("community_id"), "C"), F("id"),
                         name="household_residence_scope_idx"),
            models.Index(F("urban_rural"), Collate(F("community_id"), "C"), F("id"),
                         name="household_urban_scope_idx"),
            # Head-name prefix search (one or two characters, see filters.head_name_lookup) with the scope
            # checked inside the index; also serves the application list's name search.
            models.Index(Collate(F("head_name"), "C"), Collate(F("community_id"), "C"),
                         name="household_name_scope_idx"),
            GinIndex(fields=["head_name"], name="household_head_name_trgm", opclasses=["gin_trgm_ops"]),
        ]

    def __str__(self) -> str:
        return _("%(name)s户") % {"name": self.head_name or self.pk}

    @staticmethod
    def resident_q(person_id: int) -> Q:
        return Q(pk__in=HouseholdMember.household_ids_of(person_id))


# Caseworker lists order households by community, then id. The codes are digits, so "C" order is the
# order they always had; spelt out so the ORDER BY matches household_scope_order_idx.
HOUSEHOLD_LIST_ORDER = (Collate(F("community_id"), "C").asc(), F("id").asc())


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.CASCADE,
                                  related_name="members")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField(_("与户主关系"), max_length=12, choices=Relation.choices)
    joined_on = models.DateField(_("加入日期"), null=True, blank=True)
    left_on = models.DateField(_("离开日期"), null=True, blank=True)
    is_active = models.BooleanField(_("当前成员"), default=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(is_active=True),
                                    name="one_active_household_per_person"),
        ]
        indexes = [models.Index(fields=["household", "is_active"], name="member_household_idx")]

    jurisdiction_field = "household__community__code"

    def __str__(self) -> str:
        return f"{self.person.name} - {self.get_relation_display()}"

    @staticmethod
    def household_ids_of(person_id: int):
        return HouseholdMember.objects.filter(person_id=person_id, is_active=True).values("household_id")

    @staticmethod
    def resident_q(person_id: int) -> Q:
        return Q(household_id__in=HouseholdMember.household_ids_of(person_id))


class Department(models.TextChoices):
    HRSS = "hrss", _("人社")
    MEDICAL_INSURANCE = "medins", _("医保")
    PUBLIC_SECURITY = "police", _("公安")
    REAL_ESTATE = "realestate", _("不动产")
    MARKET = "market", _("市场监管")
    TAX = "tax", _("税务")
    BANK = "bank", _("银行")
    EDUCATION = "education", _("教育")
    DISABLED_FEDERATION = "dpf", _("残联")
    HEALTH = "health", _("卫健")
    JUSTICE = "justice", _("司法")


class RecordKind(models.TextChoices):
    INCOME = "income", _("收入")
    PENSION = "pension", _("养老金")
    MEDICAL_EXPENSE = "medical_expense", _("医疗支出")
    EDUCATION_EXPENSE = "education_expense", _("教育支出")
    FINANCIAL_ASSETS = "financial_assets", _("金融资产")
    REAL_ESTATE = "real_estate", _("不动产")
    VEHICLE = "vehicle", _("车辆")
    DISABILITY = "disability", _("残疾证")
    SERIOUS_ILLNESS = "serious_illness", _("重大疾病")
    CHRONIC_ILLNESS = "chronic_illness", _("慢性病")
    EMPLOYMENT = "employment", _("就业")
    SOCIAL_INSURANCE = "social_insurance", _("社保缴费")
    SCHOOL_ENROLMENT = "school_enrolment", _("在校就读")
    DEATH = "death", _("死亡")
    CUSTODY = "custody", _("羁押/服刑")
    BUSINESS = "business", _("工商登记")
    MISSING = "missing", _("失踪/失联")
    COURT_DECLARATION = "court_declaration", _("法院宣告")
    GUARDIANSHIP_REVOKED = "guardianship_revoked", _("撤销监护资格")
    DEPORTED = "deported", _("遣送出境")
    MIGRANT_WORK = "migrant_work", _("外出务工")


class BatchStatus(models.TextChoices):
    PROCESSING = "processing", _("处理中")
    DONE = "done", _("已完成")
    DONE_WITH_ERRORS = "done_with_errors", _("部分行有误")
    FAILED = "failed", _("失败")


class BatchChannel(models.TextChoices):
    FILE = "file", _("文件上传")
    API = "api", _("接口")


class BatchAction(models.TextChoices):
    LOAD = "load", _("导入")
    REVOKE = "revoke", _("撤销")


class ImportBatch(models.Model):
    """One delivery of records from another department (file upload or API), or one list of facts the
    department revokes (``action`` revoke)."""

    source = models.CharField(_("来源部门"), max_length=16, choices=Department.choices)
    channel = models.CharField(_("渠道"), max_length=8, choices=BatchChannel.choices)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True, default="")
    content_sha256 = models.CharField(_("内容摘要"), max_length=64, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("状态"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.PROCESSING)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    loaded_rows = models.PositiveIntegerField(_("已导入"), default=0)
    duplicate_rows = models.PositiveIntegerField(_("重复跳过"), default=0)
    error_rows = models.PositiveIntegerField(_("错误行"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    # Rows this batch loaded whose ID number matches no registered person (kept, not linked to a
    # person). Database defaults too: bulk generators insert batches with SQL.
    unmatched_rows = models.PositiveIntegerField(_("未匹配人员"), default=0, db_default=0)
    unmatched_lines = models.JSONField(_("未匹配人员的行号"), default=list, db_default=Value([], JSONField()),
                                       blank=True, help_text=_("最多列出前 1000 行"))
    action = models.CharField(_("操作"), max_length=8, choices=BatchAction.choices, default=BatchAction.LOAD,
                              db_default=BatchAction.LOAD)
    # Earlier facts this batch replaced (a corrected re-delivery) or revoked; database defaults too.
    superseded_rows = models.PositiveIntegerField(_("更正替换"), default=0, db_default=0)
    revoked_rows = models.PositiveIntegerField(_("撤销"), default=0, db_default=0)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("部门数据批次")
        verbose_name_plural = _("部门数据批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk}"

    @property
    def errors_not_listed(self) -> int:
        """Error rows beyond the listed ones (the list is capped per batch; whole-file errors have no line)."""
        return max(0, self.error_rows - sum(1 for e in self.errors or [] if e.get("line")))


class FactStatus(models.TextChoices):
    CURRENT = "current", _("现行")
    SUPERSEDED = "superseded", _("已被更正")
    REVOKED = "revoked", _("已撤销")


# Key attributes per kind, as ``facts.schema.SCHEMAS[kind].key_attributes`` declares them (a test
# holds the two equal): part of a fact's identity, e.g. two medical bills of one day.
NATURAL_KEY_ATTRIBUTES = {
    "income": "employer", "medical_expense": "bill_no", "education_expense": "bill_no",
    "financial_assets": "account", "real_estate": "certificate_no", "vehicle": "plate_masked",
    "court_declaration": "declaration",
}
NATURAL_KEY_EPOCH = dt.date(2000, 1, 1)


class NaturalKey(models.Func):
    """md5 of source | kind | digest | period start (days since 2000-01-01) | key attribute, as a
    uuid: an immutable expression, so a generated column that every writer (the import, the demo,
    the benchmarks' SQL) gets without computing it. ``facts.schema.natural_key`` is its twin."""

    @staticmethod
    def sql(*, source: str = "source", kind: str = "kind", id_digest: str = "id_digest",
            period_start: str = "period_start", attributes: str = "attributes") -> str:
        """The expression over other column expressions: the import computes the key of staged rows
        (source a parameter) with the very expression of the generated column."""
        return (f"md5({source} || '|' || {kind} || '|' || {id_digest} || '|' || ({period_start} - DATE '2000-01-01')"
                f"::text || '|' || coalesce(CASE {kind} "
                + " ".join(f"WHEN '{k}' THEN {attributes} ->> '{a}'" for k, a in NATURAL_KEY_ATTRIBUTES.items())
                + " END, ''))::uuid")

    template = sql()
    output_field = models.UUIDField()

    def __init__(self, **extra):
        super().__init__(**extra)


class DepartmentRecord(models.Model):
    """One fact about one person from another department, keyed by ID digest.

    The biggest table, written in bulk by the import pipeline only (``registry.imports``), so
    every index and per-row check is paid on each of millions of rows. It keeps what is read:
    the fingerprint (dedupe), person/kind/period (the scoring engine and the person pages), the
    digest of rows not linked to a person (finding them by ID number), and a BRIN index on the
    batch (rows of one batch are written together). The two foreign keys have no database
    constraint: a per-row check that locks the referenced row cost about as much as the rest
    of the insert. The pipeline sets ``person`` from a join with ``registry_person`` in the
    statement that inserts the row and ``batch`` to the batch it created in the same
    transaction; persons and batches are deleted only through the ORM (SET_NULL / PROTECT).
    """

    person = models.ForeignKey(Person, verbose_name=_("人员"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="department_records", db_index=False, db_constraint=False)
    id_digest = models.CharField(_("身份证号摘要"), max_length=64)
    source = models.CharField(_("来源部门"), max_length=16, choices=Department.choices)
    kind = models.CharField(_("类别"), max_length=24, choices=RecordKind.choices)
    period_start = models.DateField(_("期间起"))
    period_end = models.DateField(_("期间止"))
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    attributes = models.JSONField(_("属性"), default=dict, blank=True)
    batch = models.ForeignKey(ImportBatch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="records",
                              db_index=False, db_constraint=False)
    # 128 bits of the SHA-256 of the record (``imports.rows.fingerprint``): a 16-byte key compared as
    # bytes keeps the unique index a third of the size of 64 hex characters under a collation.
    fingerprint = models.UUIDField(_("指纹"), editable=False)
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    # Re-delivery: the same fact (``natural_key``) sent again with other values supersedes the
    # current one, which is kept with ``status`` superseded and the id of its successor; a
    # department may revoke a fact. Only current facts count anywhere (``facts.reader``).
    natural_key = models.GeneratedField(expression=NaturalKey(), output_field=models.UUIDField(), db_persist=True,
                                        verbose_name=_("事实标识"))
    status = models.CharField(_("状态"), max_length=12, choices=FactStatus.choices, default=FactStatus.CURRENT,
                              db_default=FactStatus.CURRENT)
    superseded_by = models.BigIntegerField(_("更正后的记录"), null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(_("更正/撤销时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("部门数据")
        verbose_name_plural = _("部门数据")
        indexes = [
            models.Index(fields=["person", "kind", "period_end"], name="deptrec_person_kind_idx"),
            models.Index(fields=["id_digest"], condition=Q(person__isnull=True), name="deptrec_unlinked_digest_idx"),
            BrinIndex(fields=["batch"], name="deptrec_batch_brin"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="deptrec_period_order"),
            # A constraint rather than unique=True: no second (varchar_pattern_ops) index on the column.
            models.UniqueConstraint(fields=["fingerprint"], name="deptrec_fingerprint_unique"),
            # One current fact per identity: a re-delivery supersedes in the same statement.
            models.UniqueConstraint(fields=["natural_key"], condition=Q(status="current"),
                                    name="deptrec_one_current_fact"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.get_kind_display()} {self.period_start}"

    @staticmethod
    def jurisdiction_q(codes: list[str]) -> Q:
        return Q(person_id__in=Person.objects.filter(Person.jurisdiction_q(codes)).values("pk"))

    @staticmethod
    def resident_q(person_id: int) -> Q:
        return Q(person_id=person_id)


class PolicyParameter(models.Model):
    """A dated, region-scoped policy value. A region inherits its ancestors' value
    unless it has its own; see ``selectors.parameter_value``."""

    key = models.CharField(_("参数"), max_length=64, db_index=True)
    region = models.ForeignKey(Region, verbose_name=_("适用区域"), on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("取值"), max_digits=14, decimal_places=4,
                                validators=[MinValueValidator(0)])
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    note = models.CharField(_("依据/备注"), max_length=255, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("设置人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")
        ordering = ["key", "region_id", "-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                                   name="param_dates_order"),
            models.UniqueConstraint(fields=["key", "region", "effective_from"], name="param_unique_start"),
            # No two values of one parameter for one region may overlap in time.
            ExclusionConstraint(
                name="param_no_overlap",
                expressions=[
                    ("key", RangeOperators.EQUAL),
                    ("region", RangeOperators.EQUAL),
                    (models.Func(models.F("effective_from"), models.F("effective_to"), models.Value("[]"),
                                 function="daterange", output_field=DateRangeField()), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.region_id} {self.effective_from}"




# --- guardianship (监护关系) -------------------------------------------------------------------------

class GuardianRole(models.TextChoices):
    FATHER = "father", _("父亲")
    MOTHER = "mother", _("母亲")
    GRANDPARENT = "grandparent", _("祖父母、外祖父母")
    SIBLING = "sibling", _("成年兄、姐")
    RELATIVE = "relative", _("其他近亲属")
    SPOUSE = "spouse", _("配偶")
    ADULT_CHILD = "adult_child", _("成年子女")
    OTHER = "other", _("其他个人")


class GuardianshipBasis(models.TextChoices):
    STATUTORY = "statutory", _("法定监护")
    AGREED = "agreed", _("协议确定监护人")
    APPOINTED = "appointed", _("指定监护（居/村委会、民政部门或法院）")
    ENTRUSTED = "entrusted", _("委托照护（监护人外出等，不转移监护职责）")


class GuardianshipStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    ENDED = "ended", _("已终止")
    REVOKED = "revoked", _("监护资格被撤销")


class Guardianship(models.Model):
    """Who is guardian of whom (a child, or an adult without full capacity): persons of the registry
    on both sides, who may live in different households and places (a child left behind with a
    grandparent, parents working away). Ended or revoked links are kept, never deleted: child
    welfare's categories and the proactive engine read the links in force on a day. A current
    GUARDIANSHIP_REVOKED department fact about the guardian revokes their links (sweep)."""

    ward = models.ForeignKey(Person, verbose_name=_("被监护人"), on_delete=models.PROTECT, related_name="guardianships")
    guardian = models.ForeignKey(Person, verbose_name=_("监护人"), on_delete=models.PROTECT, related_name="wards")
    role = models.CharField(_("监护人身份"), max_length=12, choices=GuardianRole.choices)
    basis = models.CharField(_("监护依据"), max_length=12, choices=GuardianshipBasis.choices)
    is_primary = models.BooleanField(_("主要监护人"), default=False)
    since = models.DateField(_("起始日期"))
    until = models.DateField(_("终止日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=GuardianshipStatus.choices,
                              default=GuardianshipStatus.ACTIVE)
    end_reason = models.CharField(_("终止原因"), max_length=200, blank=True, default="")
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("终止登记人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    ended_at = models.DateTimeField(_("终止登记时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("监护关系")
        verbose_name_plural = _("监护关系")
        ordering = ["ward", "-is_primary", "since", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(ward=models.F("guardian")), name="guardianship_not_self"),
            models.CheckConstraint(condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                                   name="guardianship_dates_order"),
            models.CheckConstraint(condition=Q(status="active", until__isnull=True, ended_at__isnull=True)
                                   | (~Q(status="active") & Q(until__isnull=False, ended_at__isnull=False)),
                                   name="guardianship_end_recorded"),
            models.UniqueConstraint(fields=["ward", "guardian"], condition=Q(status="active"),
                                    name="guardianship_one_active_per_pair"),
            models.UniqueConstraint(fields=["ward"], condition=Q(status="active", is_primary=True),
                                    name="guardianship_one_primary"),
        ]
        indexes = [models.Index(fields=["guardian", "status"], name="guardianship_guardian_idx")]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.ward}"

    @property
    def is_active(self) -> bool:
        return self.status == GuardianshipStatus.ACTIVE
