"""The device registry, the providers' ingestion tokens and the ingestion of device events.

``device_events_ingest`` takes a provider's batch (at most ``MAX_BATCH`` events): each event is
checked on its own (device known, the provider's own and in use, the kind known, the value
possible, the time neither in the future nor older than ``MAX_EVENT_AGE``) and a bad one is
answered with its index and the reason in Chinese while the good ones are kept. The good ones go
in with one ``INSERT … ON CONFLICT DO NOTHING`` (the device's event id makes a re-sent event a
duplicate), and the abnormal ones among those inserted open or join their alarms in the same
transaction (``services.alarms``)."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civilaffairs.accounts.models import Organisation, OrganisationType
from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log

from ..capabilities import MANAGE_DEVICES
from ..models import Device, DeviceKind, DeviceStatus, DeviceToken, EventKind
from ..selectors import household_of, is_elder
from . import alarms

MAX_BATCH = 1000
MAX_EVENT_AGE = dt.timedelta(days=7)
CLOCK_SKEW = dt.timedelta(minutes=5)  # a device clock a little ahead is not "the future"
TOKEN_PREFIX = "dev_"
# kind → (lowest, highest) possible value, or None: the kind carries no value
VALUE_BOUNDS: dict[str, tuple[Decimal, Decimal] | None] = {
    EventKind.HEART_RATE: (Decimal(1), Decimal(300)),
    EventKind.BREATHING: (Decimal(0), Decimal(100)),
    EventKind.INACTIVITY: (Decimal(0), Decimal(168)),
    EventKind.LEAVE_BED_NIGHT: (Decimal(0), Decimal(1440)),
    EventKind.FALL: None, EventKind.SOS: None, EventKind.SMOKE: None, EventKind.GAS: None,
}
KINDS = frozenset(EventKind.values)  # once: ``EventKind.values`` builds a list on every call
STATUS_ACTIVE = str(DeviceStatus.ACTIVE)
VALUE_UNITS = {EventKind.HEART_RATE: gettext_lazy("次/分"), EventKind.BREATHING: gettext_lazy("次/分"),
               EventKind.INACTIVITY: gettext_lazy("小时"), EventKind.LEAVE_BED_NIGHT: gettext_lazy("分钟")}


# --- devices ---------------------------------------------------------------------------------------

def _may_manage(actor, community_code: str, provider_id: int | None = None) -> None:
    if not user_can(actor, MANAGE_DEVICES, community_code, organisation_id=provider_id):
        raise PermissionDenied(_("您无权管理该社区的智能设备。"))


@transaction.atomic
def device_register(*, actor, person, provider_id: int, kind: str, serial: str,
                    installed_on: dt.date | None = None) -> Device:
    """Register an elder's device. The elder's community is their household's today."""
    today = timezone.localdate()
    serial = (serial or "").strip()
    errors = {}
    if kind not in DeviceKind.values:
        errors["kind"] = _("请选择设备类型。")
    if not serial or len(serial) > 64:
        errors["serial"] = _("请填写设备编号（不超过64个字符）。")
    elif Device.objects.filter(serial=serial).exists():
        errors["serial"] = _("该设备编号已登记。")
    provider = Organisation.objects.filter(pk=provider_id, type=OrganisationType.SERVICE_PROVIDER,
                                           status="active").first()
    if provider is None:
        errors["provider"] = _("请选择正常营业的服务商。")
    installed_on = installed_on or today
    if installed_on > today or installed_on < today - dt.timedelta(days=3650):
        errors["installed_on"] = _("安装日期不能晚于今天，也不能早于十年前。")
    membership = household_of(person)
    if not is_elder(person, today):
        errors["person"] = _("只能为60周岁及以上的在世老人登记设备。")
    elif membership is None:
        errors["person"] = _("该老人没有所在家庭，无法确定所属社区。")
    if errors:
        raise ValidationError(errors)
    community = membership.household.community_id
    _may_manage(actor, community, provider.pk)
    device = Device.objects.create(person=person, community_id=community, provider=provider, kind=kind,
                                   serial=serial, installed_on=installed_on,
                                   created_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit_log(actor=actor, action="eldercare.device_registered", obj=device, region_code=community,
              after={"kind": kind, "serial": serial, "provider": provider.pk})
    return device


@transaction.atomic
def device_retire(*, actor, device_id: int) -> Device:
    device = Device.objects.select_for_update().get(pk=device_id)
    _may_manage(actor, device.community_id, device.provider_id)
    if device.status == DeviceStatus.RETIRED:
        return device
    device.status, device.retired_at = DeviceStatus.RETIRED, timezone.now()
    device.save(update_fields=["status", "retired_at"])
    audit_log(actor=actor, action="eldercare.device_retired", obj=device, region_code=device.community_id,
              before={"status": DeviceStatus.ACTIVE}, after={"status": device.status})
    return device


# --- ingestion tokens -------------------------------------------------------------------------------

def token_digest(key: str) -> str:
    # 256 random bits: a plain SHA-256 cannot be brute-forced and needs no salt.
    return hashlib.sha256(key.encode()).hexdigest()


def token_prefix(key: str) -> str | None:
    """The lookup part of ``dev_<8 hex>_<secret>``, or None for anything else."""
    if not key.startswith(TOKEN_PREFIX) or len(key) < 24 or key[12:13] != "_":
        return None
    return key[4:12]


def _may_manage_provider(actor, provider: Organisation) -> None:
    if not user_can(actor, MANAGE_DEVICES, provider.region_id, organisation_id=provider.pk):
        raise PermissionDenied(_("您无权管理该服务商的接入令牌。"))


@transaction.atomic
def device_token_issue(*, actor, provider_id: int, label: str = "", key: str | None = None) -> tuple[DeviceToken, str]:
    """Issue a provider's ingestion key; returns ``(token, key)``: the key exists only in this return
    value (only its digest is stored). ``key``: for the demo only."""
    provider = Organisation.objects.filter(pk=provider_id, type=OrganisationType.SERVICE_PROVIDER).first()
    if provider is None:
        raise ValidationError({"provider": _("请选择服务商。")})
    _may_manage_provider(actor, provider)
    if key is None:
        prefix = secrets.token_hex(4)
        key = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    elif (prefix := token_prefix(key)) is None:
        raise ValidationError(_("令牌格式不正确。"))
    token = DeviceToken.objects.create(provider=provider, label=(label or "").strip()[:100], prefix=prefix,
                                       key_digest=token_digest(key),
                                       created_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit_log(actor=actor, action="eldercare.device_token_issued", obj=token, region_code=provider.region_id,
              after={"prefix": prefix, "provider": provider.pk})
    return token, key


@transaction.atomic
def device_token_revoke(*, actor, token_id: int) -> DeviceToken:
    token = DeviceToken.objects.select_for_update().select_related("provider").get(pk=token_id)
    _may_manage_provider(actor, token.provider)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_log(actor=actor, action="eldercare.device_token_revoked", obj=token, region_code=token.provider.region_id,
              before={"prefix": token.prefix})
    return token


def device_token_for_key(key: str) -> tuple[DeviceToken | None, str]:
    """(token, "") for a valid key of an active provider, else (None, the reason in Chinese)."""
    prefix = token_prefix(key)
    token = (DeviceToken.objects.select_related("provider").filter(prefix=prefix).first()
             if prefix is not None else None)
    if token is None or not hmac.compare_digest(token.key_digest, token_digest(key)):
        return None, _("设备接入令牌无效。")
    if token.revoked_at is not None:
        return None, _("该设备接入令牌已吊销，请向民政部门申请新令牌。")
    if token.provider.status != "active":
        return None, _("服务商已暂停或关闭，令牌不可用。")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        DeviceToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token, ""


# --- ingestion ---------------------------------------------------------------------------------------

@dataclass
class IngestResult:
    accepted: list[str] = field(default_factory=list)   # event ids stored now
    duplicates: list[str] = field(default_factory=list)  # event ids already stored (or twice in the batch)
    rejected: list[dict] = field(default_factory=list)   # {"index", "event_id", "reason"}
    alarms_opened: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected,
                "alarms_opened": len(self.alarms_opened)}


class BatchTooLarge(ValueError):
    pass


def _value(raw, kind: str) -> tuple[Decimal | None, str]:
    bounds = VALUE_BOUNDS[kind]
    if bounds is None:
        return None, ""
    if raw is None or isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        return None, _("“%(kind)s”事件须有数值。") % {"kind": EventKind(kind).label}
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None, _("数值不是有效数字。")
    if not value.is_finite() or not bounds[0] <= value <= bounds[1]:
        return None, _("数值 %(v)s 不可能（%(kind)s应在 %(lo)s–%(hi)s %(unit)s之间）。") % {
            "v": raw, "kind": EventKind(kind).label, "lo": bounds[0], "hi": bounds[1], "unit": VALUE_UNITS[kind]}
    return value.quantize(Decimal("0.01")), ""


def _occurred_at(raw, now: dt.datetime) -> tuple[dt.datetime | None, str]:
    when = None
    if isinstance(raw, str):
        try:
            when = dt.datetime.fromisoformat(raw)  # the C parser first; Django's for the other ISO spellings
        except ValueError:
            when = parse_datetime(raw) if len(raw) < 40 else None
    if when is None:
        return None, _("发生时间格式不正确（应为 ISO 8601，含时区）。")
    if timezone.is_naive(when):
        return None, _("发生时间须带时区（如 +08:00）。")
    if when > now + CLOCK_SKEW:
        return None, _("发生时间晚于当前时间。")
    if when < now - MAX_EVENT_AGE:
        return None, _("发生时间早于 %(days)d 天前，不再接收。") % {"days": MAX_EVENT_AGE.days}
    return when, ""


_INSERT_SQL = """
INSERT INTO eldercare_deviceevent (device_id, event_id, kind, value, occurred_at, received_at, abnormal)
SELECT * FROM unnest(%(device)s::bigint[], %(event)s::text[], %(kind)s::text[], %(value)s::numeric[],
                     %(at)s::timestamptz[], %(now)s::timestamptz[], %(abnormal)s::boolean[])
ON CONFLICT (device_id, event_id) DO NOTHING
RETURNING id, device_id, event_id
"""


@transaction.atomic
def device_events_ingest(*, token: DeviceToken, events: list, now: dt.datetime | None = None) -> IngestResult:
    """Validate and store a provider's batch (see the module's docstring)."""
    if len(events) > MAX_BATCH:
        raise BatchTooLarge(_("一批最多 %(n)d 条事件，本批 %(got)d 条。") % {"n": MAX_BATCH, "got": len(events)})
    now = now or timezone.now()
    result = IngestResult()
    serials = {e.get("device") for e in events if isinstance(e, dict) and isinstance(e.get("device"), str)}
    devices = {d[1]: d for d in Device.objects.filter(serial__in=serials).values_list(
        "pk", "serial", "provider_id", "community_id", "status")}
    good, seen = [], set()
    for index, event in enumerate(events):
        event_id = event.get("event_id") if isinstance(event, dict) else None
        reason = ""
        if not isinstance(event, dict):
            reason = _("事件格式不正确。")
        elif not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 64:
            reason = _("缺少事件编号（event_id，不超过64个字符）。")
        elif event.get("kind") not in KINDS:
            reason = _("事件类型“%(k)s”无法识别。") % {"k": str(event.get("kind"))[:30]}
        else:
            device = devices.get(event.get("device"))
            if device is None:
                reason = _("设备编号未登记。")
            elif device[2] != token.provider_id:
                reason = _("该设备不属于本服务商。")
            elif device[4] != STATUS_ACTIVE:
                reason = _("该设备已停用。")
        if not reason:
            value, reason = _value(event.get("value"), event["kind"])
        if not reason:
            when, reason = _occurred_at(event.get("occurred_at"), now)
        if reason:
            result.rejected.append({"index": index, "event_id": event_id if isinstance(event_id, str) else "",
                                    "reason": reason})
            continue
        key = (device[0], event_id)
        if key in seen:
            result.duplicates.append(event_id)
            continue
        seen.add(key)
        good.append((device[0], event_id, event["kind"], value, when, device[3]))
    if not good:
        return result
    limits = {c: alarms.thresholds(community_code=c, on=timezone.localdate(now)) for c in {g[5] for g in good}}
    abnormal = [alarms.is_abnormal(g[2], g[3], limits[g[5]]) for g in good]
    with connection.cursor() as cur:
        cur.execute(_INSERT_SQL, {"device": [g[0] for g in good], "event": [g[1] for g in good],
                                  "kind": [g[2] for g in good], "value": [g[3] for g in good],
                                  "at": [g[4] for g in good], "now": [now] * len(good), "abnormal": abnormal})
        inserted = {(r[1], r[2]): r[0] for r in cur.fetchall()}
    opened = []
    for g, bad in zip(good, abnormal):
        pk = inserted.get((g[0], g[1]))
        if pk is None:
            result.duplicates.append(g[1])
            continue
        result.accepted.append(g[1])
        if bad:
            opened.append({"id": pk, "device_id": g[0], "kind": g[2], "value": g[3], "occurred_at": g[4],
                           "due_minutes": limits[g[5]]["alarm_response_minutes"]})
    result.alarms_opened = alarms.alarms_open_for_events(abnormal=opened, now=now)
    if result.accepted:
        audit_log(actor=None, action="eldercare.device_events_received", object_type="eldercare.devicetoken",
                  object_id=token.pk, region_code=token.provider.region_id,
                  after={"provider": token.provider_id, "accepted": len(result.accepted),
                         "duplicates": len(result.duplicates), "rejected": len(result.rejected),
                         "alarms_opened": result.alarms_opened[:100]})
    return result
