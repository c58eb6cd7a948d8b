"""Alarms raised by smart devices: thresholds, opening (inside the event insert's transaction),
the family's SMS after the commit, acknowledging, closing with an outcome, escalating the overdue.

The state machine, in one place (``ALARM_TRANSITIONS``):

    ==============  =====================  ==============  ===================================
    action          from                   to              who
    ==============  =====================  ==============  ===================================
    open            (abnormal event)       open            the ingestion API (a provider's key)
    attach          open, acknowledged     (same)          a repeat of the same device and kind
    acknowledge     open                   acknowledged    HANDLE_ALARM over the community
    close           open, acknowledged     closed          HANDLE_ALARM, with an outcome
    escalate        open (overdue)         (same, flag)    the beat: priority 紧急, township told
    ==============  =====================  ==============  ===================================
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civilaffairs.accounts.scoping import user_can
from civilaffairs.audit.services import audit_log
from civilaffairs.lib.errors import StateConflict
from civilaffairs.lib.tasks import enqueue_on_commit
from civilaffairs.registry.parameters import BY_KEY
from civilaffairs.registry.selectors import ParameterMissing, parameter_rows
from civilaffairs.worklist.models import Priority
from civilaffairs.worklist.services import ItemRow, workitem_close, workitem_raise, workitem_raise_many

from ..capabilities import HANDLE_ALARM
from ..models import Alarm, AlarmOutcome, AlarmSms, AlarmStatus, EventKind

ALARM_KIND = "eldercare.alarm"
ALARM_SUBJECT = "eldercare.alarm"
THRESHOLD_KEYS = ("alarm_heart_rate_low", "alarm_heart_rate_high", "alarm_breathing_low", "alarm_breathing_high",
                  "alarm_inactivity_hours", "alarm_leave_bed_minutes", "alarm_response_minutes")
ALWAYS_ABNORMAL = frozenset({EventKind.FALL, EventKind.SOS, EventKind.SMOKE, EventKind.GAS})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str | None  # None: the status stays (a flag or a counter moves)
    capability: str | None
    label: str


ALARM_TRANSITIONS = {
    "open": Transition("open", frozenset(), AlarmStatus.OPEN, None, gettext_lazy("设备告警")),
    "attach": Transition("attach", frozenset({AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED}), None, None,
                         gettext_lazy("重复告警并入")),
    "acknowledge": Transition("acknowledge", frozenset({AlarmStatus.OPEN}), AlarmStatus.ACKNOWLEDGED, HANDLE_ALARM,
                              gettext_lazy("响应告警")),
    "close": Transition("close", frozenset({AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED}), AlarmStatus.CLOSED,
                        HANDLE_ALARM, gettext_lazy("关闭告警")),
    "escalate": Transition("escalate", frozenset({AlarmStatus.OPEN}), None, None, gettext_lazy("超时上报")),
}


def allowed_actions(alarm: Alarm, user) -> list[str]:
    """The worker's actions on this alarm now (the page's buttons)."""
    return [t.action for t in ALARM_TRANSITIONS.values()
            if t.capability and alarm.status in t.sources
            and user_can(user, t.capability, alarm.community_id, organisation_id=alarm.provider_id)]


# --- thresholds ------------------------------------------------------------------------------------

def thresholds(*, community_code: str, on: dt.date) -> dict[str, Decimal]:
    """The alarm parameters in force for a community (a key without a value: the catalogue's default)."""
    try:
        rows = parameter_rows(keys=THRESHOLD_KEYS, region_code=community_code, on=on)
        return {key: rows[key].value for key in THRESHOLD_KEYS}
    except ParameterMissing:
        values = {}
        for key in THRESHOLD_KEYS:
            try:
                values[key] = parameter_rows(keys=(key,), region_code=community_code, on=on)[key].value
            except ParameterMissing:
                values[key] = BY_KEY[key].default
        return values


def is_abnormal(kind: str, value: Decimal | None, limits: dict[str, Decimal]) -> bool:
    """Outside the band is abnormal; a value at a limit is not (below 40 / above 120 for the heart,
    12 hours of inactivity and more, 30 minutes out of bed and more)."""
    if kind in ALWAYS_ABNORMAL:
        return True
    if value is None:
        return False
    if kind == EventKind.HEART_RATE:
        return value < limits["alarm_heart_rate_low"] or value > limits["alarm_heart_rate_high"]
    if kind == EventKind.BREATHING:
        return value < limits["alarm_breathing_low"] or value > limits["alarm_breathing_high"]
    if kind == EventKind.INACTIVITY:
        return value >= limits["alarm_inactivity_hours"]
    if kind == EventKind.LEAVE_BED_NIGHT:
        return value >= limits["alarm_leave_bed_minutes"]
    return False


# --- opening alarms (called by the ingestion, inside its transaction) --------------------------------

def _alarm_url(pk: int) -> str:
    from django.urls import reverse

    return reverse("eldercare:alarm_detail", args=[pk])


_OPEN_SQL = """
INSERT INTO eldercare_alarm (device_id, person_id, community_id, provider_id, kind, status, value, opened_at,
                             first_event_at, last_event_at, event_count, due_at, outcome, note)
SELECT r.device_id, d.person_id, d.community_id, d.provider_id, r.kind, 'open', r.value, %(now)s,
       r.first_at, r.last_at, r.n, %(now)s + make_interval(mins => r.due_minutes), '', ''
FROM unnest(%(device)s::bigint[], %(kind)s::text[], %(value)s::numeric[], %(first_at)s::timestamptz[],
            %(last_at)s::timestamptz[], %(n)s::int[], %(due_minutes)s::int[])
     AS r(device_id, kind, value, first_at, last_at, n, due_minutes)
JOIN eldercare_device d ON d.id = r.device_id
ORDER BY r.device_id, r.kind
ON CONFLICT (device_id, kind) WHERE status IN ('open', 'acknowledged')
DO UPDATE SET event_count = eldercare_alarm.event_count + EXCLUDED.event_count,
              last_event_at = greatest(eldercare_alarm.last_event_at, EXCLUDED.last_event_at)
RETURNING id, device_id, kind, (xmax = 0) AS created, person_id, community_id, due_at
"""


def alarms_open_for_events(*, abnormal: list[dict], now: dt.datetime) -> list[int]:
    """Open (or join) the alarms of a batch's accepted abnormal events — each a dict with id,
    device_id, kind, value, occurred_at, due_minutes — and link the events to them. For each new
    alarm: a worklist item for its community and the family's SMS rows (sent after the commit).
    Returns the ids of the alarms opened."""
    if not abnormal:
        return []
    groups: dict[tuple[int, str], dict] = {}
    for e in sorted(abnormal, key=lambda e: e["occurred_at"]):
        g = groups.setdefault((e["device_id"], e["kind"]), {"value": e["value"], "first": e["occurred_at"],
                                                             "last": e["occurred_at"], "n": 0,
                                                             "due": e["due_minutes"], "events": []})
        g["last"], g["n"] = e["occurred_at"], g["n"] + 1
        g["events"].append(e["id"])
    keys = sorted(groups)
    with connection.cursor() as cur:
        cur.execute(_OPEN_SQL, {
            "now": now, "device": [k[0] for k in keys], "kind": [k[1] for k in keys],
            "value": [groups[k]["value"] for k in keys], "first_at": [groups[k]["first"] for k in keys],
            "last_at": [groups[k]["last"] for k in keys], "n": [groups[k]["n"] for k in keys],
            "due_minutes": [int(groups[k]["due"]) for k in keys]})
        returned = cur.fetchall()
        alarm_of = {(r[1], r[2]): r[0] for r in returned}
        cur.execute("""UPDATE eldercare_deviceevent e SET alarm_id = r.alarm_id
                       FROM unnest(%(events)s::bigint[], %(alarms)s::bigint[]) AS r(event_id, alarm_id)
                       WHERE e.id = r.event_id""",
                    {"events": [ev for k in keys for ev in groups[k]["events"]],
                     "alarms": [alarm_of[k] for k in keys for _ev in groups[k]["events"]]})
    created = [r for r in returned if r[3]]
    if not created:
        return []
    kinds = dict(EventKind.choices)
    names = dict(Alarm.objects.filter(pk__in=[r[0] for r in created]).values_list("pk", "person__name"))
    workitem_raise_many(rows=[ItemRow(
        kind=ALARM_KIND, title=_("设备告警：%(name)s %(kind)s") % {"name": names.get(r[0], ""), "kind": kinds[r[2]]},
        region_code=r[5], dedupe_key=f"{ALARM_KIND}:{r[0]}", due_at=r[6], priority=Priority.HIGH,
        subject_type=ALARM_SUBJECT, subject_id=str(r[0]), link=_alarm_url(r[0])) for r in created],
        context={"source": "eldercare.device_events"})
    with connection.cursor() as cur:
        cur.execute("""INSERT INTO eldercare_alarmsms (alarm_id, contact_id, status, attempts, error, created_at)
                       SELECT a.id, c.id, 'pending', 0, '', %(now)s
                       FROM eldercare_alarm a JOIN eldercare_familycontact c ON c.elder_id = a.person_id
                       WHERE a.id = ANY(%(ids)s) AND c.notify_alarms
                       ON CONFLICT DO NOTHING RETURNING id""", {"now": now, "ids": [r[0] for r in created]})
        sms_ids = [r[0] for r in cur.fetchall()]
    from ..tasks import send_alarm_sms

    for sms_id in sms_ids:
        enqueue_on_commit(send_alarm_sms, sms_id)
    # One audit event per batch (a batch opens up to a thousand alarms): each alarm with its device and kind.
    audit_log(actor=None, action="eldercare.alarms_opened", object_type="eldercare.alarm",
              region_code=created[0][5] if len({r[5] for r in created}) == 1 else "",
              after={"count": len(created), "alarms": [[r[0], r[1], r[2]] for r in created][:1000]})
    return [r[0] for r in created]


# --- the family's SMS ------------------------------------------------------------------------------

def alarm_sms_text(sms: AlarmSms) -> str:
    alarm = sms.alarm
    return _("【民政】%(name)s家中的%(device)s于%(time)s发出“%(kind)s”告警，社区已收到并将跟进，请尽快联系老人确认。") % {
        "name": alarm.person.name, "device": alarm.device.get_kind_display(),
        "time": timezone.localtime(alarm.first_event_at).strftime("%m-%d %H:%M"), "kind": alarm.get_kind_display()}


def alarm_sms_send(*, sms_id: int) -> str:
    """Send one pending alarm SMS (not atomic: the gateway is called with no lock held). The
    gateway drops a repeat of the same idempotency key, so a resend after a crash texts once.
    Returns "sent" or "skipped"; raises ``SmsSendError`` (after recording it) for a retry."""
    from civilaffairs.lib.sms import SmsSendError, send_sms

    sms = AlarmSms.objects.select_related("alarm__person", "alarm__device", "contact").filter(
        pk=sms_id, status="pending").first()
    if sms is None:
        return "skipped"
    AlarmSms.objects.filter(pk=sms_id).update(attempts=sms.attempts + 1)
    try:
        send_sms(phone=sms.contact.reveal_phone(), message=alarm_sms_text(sms),
                 idempotency_key=f"ca-eldercare-alarm-sms-{sms.pk}")
    except SmsSendError as exc:
        AlarmSms.objects.filter(pk=sms_id).update(error=str(exc)[:200])
        raise
    AlarmSms.objects.filter(pk=sms_id, status="pending").update(status="sent", sent_at=timezone.now(), error="")
    return "sent"


def alarm_sms_stalled(*, now: dt.datetime | None = None, older_than: dt.timedelta = dt.timedelta(minutes=2),
                      give_up_after: dt.timedelta = dt.timedelta(hours=6), limit: int = 500) -> list[int]:
    """Pending alarm SMS the broker never took (no attempt after ``older_than``): the sweep queues
    them again. Older than ``give_up_after``: no longer news, marked failed."""
    now = now or timezone.now()
    AlarmSms.objects.filter(status="pending", created_at__lt=now - give_up_after).update(
        status="failed", error="not sent in time")
    return list(AlarmSms.objects.filter(status="pending", attempts=0, created_at__lt=now - older_than)
                .order_by("id").values_list("pk", flat=True)[:limit])


def alarm_sms_give_up(*, sms_id: int) -> None:
    AlarmSms.objects.filter(pk=sms_id, status="pending").update(status="failed")


# --- the worker's transitions -----------------------------------------------------------------------

def _locked(alarm_id: int, actor, action: str) -> Alarm:
    alarm = Alarm.objects.select_for_update().filter(pk=alarm_id).first()
    if alarm is None:
        raise ValidationError(_("告警不存在。"))
    transition = ALARM_TRANSITIONS[action]
    if not user_can(actor, transition.capability, alarm.community_id, organisation_id=alarm.provider_id):
        raise PermissionDenied(_("您无权处置该告警。"))
    if alarm.status not in transition.sources:
        raise StateConflict(_("告警当前状态为“%(cur)s”，不能%(action)s。") % {
            "cur": alarm.get_status_display(), "action": transition.label})
    return alarm


@transaction.atomic
def alarm_acknowledge(*, actor, alarm_id: int, note: str = "") -> Alarm:
    alarm = _locked(alarm_id, actor, "acknowledge")
    alarm.status, alarm.acknowledged_at, alarm.acknowledged_by = AlarmStatus.ACKNOWLEDGED, timezone.now(), actor
    if note.strip():
        alarm.note = note.strip()[:2000]
    alarm.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "note"])
    audit_log(actor=actor, action="eldercare.alarm_acknowledged", obj=alarm, region_code=alarm.community_id,
              before={"status": AlarmStatus.OPEN}, after={"status": alarm.status})
    return alarm


@transaction.atomic
def alarm_close(*, actor, alarm_id: int, outcome: str, note: str = "") -> Alarm:
    if outcome not in AlarmOutcome.values:
        raise ValidationError({"outcome": _("请选择处置结果。")})
    alarm = _locked(alarm_id, actor, "close")
    before = alarm.status
    alarm.status, alarm.outcome, alarm.closed_at, alarm.closed_by = AlarmStatus.CLOSED, outcome, timezone.now(), actor
    if note.strip():
        alarm.note = note.strip()[:2000]
    alarm.save(update_fields=["status", "outcome", "closed_at", "closed_by", "note"])
    workitem_close(outcome=_("告警已关闭：%(o)s") % {"o": alarm.get_outcome_display()},
                   subject_type=ALARM_SUBJECT, subject_ids=[alarm.pk], actor=actor)
    audit_log(actor=actor, action="eldercare.alarm_closed", obj=alarm, region_code=alarm.community_id,
              before={"status": before}, after={"status": alarm.status, "outcome": outcome})
    return alarm


@transaction.atomic
def alarms_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Open alarms past their response time (not yet acknowledged): flagged once, their item raised
    to 紧急, and the township officers over the community told (in the app and by SMS)."""
    from civilaffairs.accounts.models import RoleAssignment
    from civilaffairs.accounts.roles import Role
    from civilaffairs.notifications.services import notify_user

    now = now or timezone.now()
    overdue = list(Alarm.objects.select_for_update(skip_locked=True).select_related("person")
                   .filter(status=AlarmStatus.OPEN, escalated_at__isnull=True, due_at__lt=now))
    if not overdue:
        return 0
    Alarm.objects.filter(pk__in=[a.pk for a in overdue]).update(escalated_at=now)
    officers = list(RoleAssignment.objects.filter(role=Role.TOWNSHIP_OFFICER, is_active=True,
                                                  organisation__isnull=True, user__is_active=True)
                    .select_related("user"))
    for alarm in overdue:
        title = _("告警超时未响应：%(name)s %(kind)s") % {"name": alarm.person.name, "kind": alarm.get_kind_display()}
        workitem_raise(kind=ALARM_KIND, title=title, region_code=alarm.community_id, due_at=alarm.due_at,
                       priority=Priority.URGENT, subject_type=ALARM_SUBJECT, subject_id=str(alarm.pk),
                       link=_alarm_url(alarm.pk), dedupe_key=f"{ALARM_KIND}:{alarm.pk}")
        for assignment in officers:
            if alarm.community_id.startswith(assignment.region_id):
                notify_user(user=assignment.user, title=title, link=_alarm_url(alarm.pk), sms=True)
        audit_log(actor=None, action="eldercare.alarm_escalated", obj=alarm, region_code=alarm.community_id,
                  after={"due_at": alarm.due_at, "escalated_at": now})
    return len(overdue)
