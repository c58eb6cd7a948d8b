"""Smart devices at elders' homes (Ningbo smart mattresses, emergency buttons): the device
registry, the providers' ingestion tokens, the events the providers post and the alarms they open.

A device belongs to one elder and one provider (an ``Organisation`` of type service_provider); the
provider's staff see their organisation's devices and alarms only (``organisation_field``). An
event is unique per (device, the device's own event id): a re-sent batch adds nothing. An abnormal
event opens an alarm, or joins the open alarm of its device and kind (``services.alarms``)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DeviceKind(models.TextChoices):
    MATTRESS = "mattress", _("智能床垫")
    BUTTON = "button", _("紧急呼叫按钮")
    WRISTBAND = "wristband", _("智能手环")
    SMOKE = "smoke", _("烟感报警器")
    GAS = "gas", _("燃气报警器")


class DeviceStatus(models.TextChoices):
    ACTIVE = "active", _("在用")
    RETIRED = "retired", _("已停用")


class Device(models.Model):
    jurisdiction_field = "community_id"
    organisation_field = "provider"

    person = models.ForeignKey("registry.Person", verbose_name=_("老年人"), on_delete=models.PROTECT,
                               related_name="elder_devices")
    community_id = models.CharField(_("村社代码"), max_length=12)
    provider = models.ForeignKey("accounts.Organisation", verbose_name=_("服务商"), on_delete=models.PROTECT,
                                 related_name="elder_devices")
    kind = models.CharField(_("设备类型"), max_length=10, choices=DeviceKind.choices)
    serial = models.CharField(_("设备编号"), max_length=64, unique=True,
                              error_messages={"unique": _("该设备编号已登记。")})
    status = models.CharField(_("状态"), max_length=8, choices=DeviceStatus.choices, default=DeviceStatus.ACTIVE)
    installed_on = models.DateField(_("安装日期"))
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("智能设备")
        verbose_name_plural = _("智能设备")
        ordering = ["community_id", "person_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(status="active", retired_at__isnull=True)
                                              | Q(status="retired", retired_at__isnull=False),
                                              name="eldercare_device_retired_at")]
        indexes = [models.Index(fields=["community_id", "status"], name="eldercare_device_scope_idx",
                                opclasses=["varchar_pattern_ops", "varchar_ops"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"


class DeviceToken(models.Model):
    """A provider's key for the ingestion API. Only a SHA-256 digest is kept (the key is shown
    once, when issued); ``prefix`` is the key's public part, used to find the row."""

    jurisdiction_field = "provider__region__code"
    organisation_field = "provider"

    provider = models.ForeignKey("accounts.Organisation", verbose_name=_("服务商"), on_delete=models.PROTECT,
                                 related_name="device_tokens")
    label = models.CharField(_("用途说明"), max_length=100, blank=True, default="")
    prefix = models.CharField(_("令牌前缀"), max_length=16, unique=True)
    key_digest = models.CharField(_("令牌摘要"), max_length=64)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("吊销人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("设备数据接入令牌")
        verbose_name_plural = _("设备数据接入令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} · {self.prefix}"


class EventKind(models.TextChoices):
    HEART_RATE = "heart_rate", _("心率")
    BREATHING = "breathing", _("呼吸频率")
    FALL = "fall", _("跌倒")
    SOS = "sos", _("紧急呼叫")
    INACTIVITY = "inactivity", _("长时间无活动")
    LEAVE_BED_NIGHT = "leave_bed_night", _("夜间离床未归")
    SMOKE = "smoke", _("烟雾报警")
    GAS = "gas", _("燃气泄漏")


class DeviceEvent(models.Model):
    """One reading or signal a device sent. ``value``: beats or breaths a minute, hours without
    activity, minutes out of bed; none for a fall, an SOS, smoke or gas."""

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(Device, verbose_name=_("设备"), on_delete=models.PROTECT, related_name="events")
    event_id = models.CharField(_("设备事件编号"), max_length=64)
    kind = models.CharField(_("事件类型"), max_length=16, choices=EventKind.choices)
    value = models.DecimalField(_("数值"), max_digits=7, decimal_places=2, null=True, blank=True)
    occurred_at = models.DateTimeField(_("发生时间"))
    received_at = models.DateTimeField(_("接收时间"))
    abnormal = models.BooleanField(_("异常"), default=False)
    alarm = models.ForeignKey("Alarm", verbose_name=_("告警"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="events")

    class Meta:
        verbose_name = _("设备事件")
        verbose_name_plural = _("设备事件")
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["device", "event_id"], name="eldercare_event_once")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.event_id}"


class AlarmStatus(models.TextChoices):
    OPEN = "open", _("待响应")
    ACKNOWLEDGED = "acknowledged", _("处置中")
    CLOSED = "closed", _("已关闭")


ALARM_OPEN_STATUSES = (AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED)


class AlarmOutcome(models.TextChoices):
    FALSE_ALARM = "false_alarm", _("误报")
    FAMILY = "family", _("家属已处置")
    DOCTOR = "doctor", _("医生上门")
    HOSPITAL = "hospital", _("送医")


class Alarm(models.Model):
    """An abnormal situation at an elder's home, opened by its first abnormal event; later abnormal
    events of the same device and kind join it while it is open (``event_count``)."""

    jurisdiction_field = "community_id"
    organisation_field = "provider"

    device = models.ForeignKey(Device, verbose_name=_("设备"), on_delete=models.PROTECT, related_name="alarms")
    person = models.ForeignKey("registry.Person", verbose_name=_("老年人"), on_delete=models.PROTECT,
                               related_name="elder_alarms")
    community_id = models.CharField(_("村社代码"), max_length=12)
    provider = models.ForeignKey("accounts.Organisation", verbose_name=_("服务商"), on_delete=models.PROTECT,
                                 related_name="+")
    kind = models.CharField(_("告警类型"), max_length=16, choices=EventKind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=AlarmStatus.choices, default=AlarmStatus.OPEN)
    value = models.DecimalField(_("首次异常数值"), max_digits=7, decimal_places=2, null=True, blank=True)
    opened_at = models.DateTimeField(_("告警时间"))
    first_event_at = models.DateTimeField(_("首次异常发生时间"))
    last_event_at = models.DateTimeField(_("最近异常发生时间"))
    event_count = models.PositiveIntegerField(_("异常事件数"), default=1)
    due_at = models.DateTimeField(_("响应期限"))
    escalated_at = models.DateTimeField(_("超时上报时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("响应人"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("关闭人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(_("处置结果"), max_length=12, choices=AlarmOutcome.choices, blank=True, default="")
    note = models.TextField(_("处置说明"), blank=True, default="", max_length=2000)

    class Meta:
        verbose_name = _("设备告警")
        verbose_name_plural = _("设备告警")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["device", "kind"], condition=Q(status__in=["open", "acknowledged"]),
                                    name="eldercare_one_open_alarm"),
            models.CheckConstraint(condition=~Q(status="closed") | (Q(closed_at__isnull=False) & ~Q(outcome="")),
                                   name="eldercare_alarm_closed_outcome"),
        ]
        indexes = [models.Index(fields=["community_id", "status"], name="eldercare_alarm_scope_idx",
                                opclasses=["varchar_pattern_ops", "varchar_ops"]),
                   models.Index(fields=["due_at"], condition=Q(status__in=["open", "acknowledged"],
                                                               escalated_at__isnull=True),
                                name="eldercare_alarm_overdue_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status in ALARM_OPEN_STATUSES


class SmsStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class AlarmSms(models.Model):
    """The SMS an alarm sends to one family contact (a contact is no user of the site, so the
    platform inbox cannot hold it). Written with the alarm; sent by a task queued after the commit;
    the phone is read from the contact when sending and never stored here."""

    alarm = models.ForeignKey(Alarm, verbose_name=_("告警"), on_delete=models.CASCADE, related_name="sms")
    contact = models.ForeignKey("eldercare.FamilyContact", verbose_name=_("家属联系人"), on_delete=models.CASCADE,
                                related_name="+")
    status = models.CharField(_("状态"), max_length=8, choices=SmsStatus.choices, default=SmsStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    error = models.CharField(_("失败原因"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("告警短信")
        verbose_name_plural = _("告警短信")
        ordering = ["alarm", "id"]
        constraints = [models.UniqueConstraint(fields=["alarm", "contact"], name="eldercare_alarm_sms_once")]

    def __str__(self) -> str:
        return f"{self.alarm_id} → {self.contact_id}"
