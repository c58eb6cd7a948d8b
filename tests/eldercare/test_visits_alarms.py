"""Device events and alarms (area D): idempotent, per-event validated ingestion; thresholds at their
boundaries; one alarm and one work item per device and kind; the family's SMS after the commit;
escalation; closure outcomes; the ingestion key."""
from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civilaffairs.lib.errors import StateConflict
from civilaffairs.notifications.models import Notification
from civilaffairs.worklist.models import ItemStatus, Priority, WorkItem
from eldercare import tasks
from eldercare.models import Alarm, AlarmOutcome, AlarmSms, AlarmStatus, DeviceEvent
from eldercare.services import alarms as alarm_svc
from eldercare.services import devices as svc
from tests import factories as f
from tests.eldercare import visits_fixtures as fx

# The area's fixtures (module attributes, so pytest finds them; imported names would read as unused).
device, elder, other_provider, outbox, provider = fx.device, fx.elder, fx.other_provider, fx.outbox, fx.provider
provider_staff, token, token_key, township_officer = fx.provider_staff, fx.token, fx.token_key, fx.township_officer
event, FAMILY_PHONE = fx.event, fx.FAMILY_PHONE

pytestmark = pytest.mark.django_db

URL = "/api/v1/eldercare/device-events/"


def post(key, events):
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    return client.post(URL, {"events": events}, content_type="application/json", **headers)


def test_the_same_batch_twice_stores_it_once(device, token):
    batch = [event(event_id=f"e{i}", value=60 + i) for i in range(5)]
    first = svc.device_events_ingest(token=token, events=batch)
    second = svc.device_events_ingest(token=token, events=batch)
    assert len(first.accepted) == 5 and first.duplicates == []
    assert second.accepted == [] and sorted(second.duplicates) == sorted(e["event_id"] for e in batch)
    assert DeviceEvent.objects.count() == 5


def test_a_mixed_batch_keeps_the_good_events_and_names_each_bad_one(device, token, elder, other_provider,
                                                                   township_officer):
    svc.device_register(actor=township_officer, person=elder, provider_id=other_provider.pk, kind="button",
                        serial="BTN-OTHER")
    now = timezone.now()
    batch = [event(event_id="ok1"), event(serial="NOPE", event_id="x1"), event(serial="BTN-OTHER", event_id="x2"),
             event(event_id="x3", value=999), event(event_id="x4", at=now + dt.timedelta(hours=1)),
             event(event_id="x5", at=now - dt.timedelta(days=8)), event(event_id="x6", kind="teleport"),
             event(event_id="ok2", value=80), {"device": "MAT-0001"}]
    result = svc.device_events_ingest(token=token, events=batch, now=now)
    assert result.accepted == ["ok1", "ok2"]
    reasons = {r["index"]: r["reason"] for r in result.rejected}
    assert sorted(reasons) == [1, 2, 3, 4, 5, 6, 8]
    assert "未登记" in reasons[1] and "不属于本服务商" in reasons[2] and "不可能" in reasons[3]
    assert "晚于当前" in reasons[4] and "7 天前" in reasons[5] and "无法识别" in reasons[6]
    assert DeviceEvent.objects.count() == 2


@pytest.mark.parametrize("kind,value,abnormal", [
    ("heart_rate", "39.99", True), ("heart_rate", 40, False), ("heart_rate", "40.01", False),
    ("heart_rate", "119.99", False), ("heart_rate", 120, False), ("heart_rate", "120.01", True),
    ("breathing", "7.99", True), ("breathing", 8, False), ("breathing", 30, False), ("breathing", "30.01", True),
    ("inactivity", "11.99", False), ("inactivity", 12, True), ("inactivity", "12.01", True),
    ("leave_bed_night", "29.99", False), ("leave_bed_night", 30, True),
])
def test_thresholds_at_their_boundaries(device, token, kind, value, abnormal):
    svc.device_events_ingest(token=token, events=[event(kind=kind, value=value)])
    assert DeviceEvent.objects.get().abnormal is abnormal
    assert Alarm.objects.count() == (1 if abnormal else 0)


def test_a_changed_threshold_parameter_moves_the_line(city, device, token):
    from civilaffairs.registry.models import PolicyParameter

    PolicyParameter.objects.create(key="alarm_heart_rate_high", region=city.district, value=100,
                                   effective_from=dt.date(2020, 1, 1))
    svc.device_events_ingest(token=token, events=[event(value=101)])
    assert Alarm.objects.count() == 1


def test_an_sos_opens_exactly_one_alarm_and_one_item_and_a_repeat_joins_it(device, token):
    svc.device_events_ingest(token=token, events=[event(kind="sos", value=None, event_id="s1")])
    svc.device_events_ingest(token=token, events=[event(kind="sos", value=None, event_id="s2"),
                                                  event(kind="sos", value=None, event_id="s3")])
    alarm = Alarm.objects.get()
    assert (alarm.status, alarm.event_count, alarm.kind) == (AlarmStatus.OPEN, 3, "sos")
    assert set(DeviceEvent.objects.values_list("alarm_id", flat=True)) == {alarm.pk}
    item = WorkItem.objects.get(kind="eldercare.alarm")
    assert item.region_id == device.community_id and item.subject_id == str(alarm.pk)
    assert abs((item.due_at - alarm.opened_at) - dt.timedelta(minutes=30)) < dt.timedelta(seconds=1)
    assert AlarmSms.objects.filter(alarm=alarm).count() == 1


def test_the_family_sms_goes_after_the_commit_and_only_to_contacts_who_take_alarms(
        elder, device, token, outbox, django_capture_on_commit_callbacks):
    fx.contact(elder, notify=False, phone="13700137000")
    with mock.patch.object(tasks.send_alarm_sms, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            svc.device_events_ingest(token=token, events=[event(kind="fall", value=None)])
        sms = AlarmSms.objects.get()
        delay.assert_not_called()
        for callback in callbacks:
            callback()
    delay.assert_called_once_with(sms.pk)  # the id only: no number through the broker
    assert outbox == []
    assert tasks.send_alarm_sms.run(sms.pk) == "sent"
    assert [phone for phone, _m in outbox] == [FAMILY_PHONE] and "孙奶奶" in outbox[0][1]
    assert tasks.send_alarm_sms.run(sms.pk) == "skipped"  # sent once
    assert len(outbox) == 1


def test_a_rolled_back_batch_texts_nobody(device, token, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            svc.device_events_ingest(token=token, events=[event(kind="sos", value=None)])
            raise RuntimeError
    assert callbacks == [] and not Alarm.objects.exists()


def test_an_overdue_alarm_is_escalated_once_to_the_township(device, token, township_officer):
    svc.device_events_ingest(token=token, events=[event(kind="sos", value=None)])
    alarm = Alarm.objects.get()
    assert alarm_svc.alarms_escalate_overdue(now=alarm.due_at - dt.timedelta(seconds=1)) == 0
    assert alarm_svc.alarms_escalate_overdue(now=alarm.due_at + dt.timedelta(seconds=1)) == 1
    assert alarm_svc.alarms_escalate_overdue(now=alarm.due_at + dt.timedelta(minutes=5)) == 0
    alarm.refresh_from_db()
    assert alarm.escalated_at is not None
    assert WorkItem.objects.get(kind="eldercare.alarm").priority == Priority.URGENT
    assert Notification.objects.filter(user=township_officer).count() == 1


def test_an_acknowledged_alarm_is_not_escalated(device, token, grid_worker):
    svc.device_events_ingest(token=token, events=[event(kind="sos", value=None)])
    alarm = Alarm.objects.get()
    alarm_svc.alarm_acknowledge(actor=grid_worker, alarm_id=alarm.pk)
    assert alarm_svc.alarms_escalate_overdue(now=alarm.due_at + dt.timedelta(minutes=1)) == 0


@pytest.mark.parametrize("outcome", AlarmOutcome.values)
def test_closing_with_an_outcome_closes_its_item_and_a_new_event_opens_a_new_alarm(device, token, grid_worker,
                                                                                  outcome):
    svc.device_events_ingest(token=token, events=[event(kind="sos", value=None, event_id="a")])
    alarm = Alarm.objects.get()
    alarm_svc.alarm_close(actor=grid_worker, alarm_id=alarm.pk, outcome=outcome, note="已联系")
    alarm.refresh_from_db()
    assert (alarm.status, alarm.outcome) == (AlarmStatus.CLOSED, outcome)
    assert WorkItem.objects.get(kind="eldercare.alarm").status == ItemStatus.DONE
    with pytest.raises(StateConflict):
        alarm_svc.alarm_close(actor=grid_worker, alarm_id=alarm.pk, outcome=outcome)
    svc.device_events_ingest(token=token, events=[event(kind="sos", value=None, event_id="b")])
    assert Alarm.objects.count() == 2


def test_closing_needs_an_outcome_and_the_right(device, token, grid_worker, other_district_worker,
                                                neighbour_grid_worker):
    svc.device_events_ingest(token=token, events=[event(kind="sos", value=None)])
    alarm = Alarm.objects.get()
    with pytest.raises(ValidationError):
        alarm_svc.alarm_close(actor=grid_worker, alarm_id=alarm.pk, outcome="")
    for outsider in (other_district_worker, neighbour_grid_worker):
        with pytest.raises(PermissionDenied):
            alarm_svc.alarm_close(actor=outsider, alarm_id=alarm.pk, outcome="false_alarm")


def test_the_alarm_item_cannot_be_closed_on_the_worklist_while_the_alarm_is_open(device, token, grid_worker):
    from civilaffairs.worklist.services import workitem_transition

    svc.device_events_ingest(token=token, events=[event(kind="sos", value=None)])
    item = WorkItem.objects.get(kind="eldercare.alarm")
    with pytest.raises(ValidationError):
        workitem_transition(item_id=item.pk, actor=grid_worker, to_status="done", outcome="看过了")


# --- the API and its key ----------------------------------------------------------------------------

def test_the_api_takes_a_batch_and_answers_accepted_duplicate_and_rejected(device, token_key):
    response = post(token_key, [event(event_id="a", kind="sos", value=None), event(serial="NOPE", event_id="b")])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == ["a"] and body["alarms_opened"] == 1
    assert body["rejected"] == [{"index": 1, "event_id": "b", "reason": "设备编号未登记。"}]
    again = post(token_key, [event(event_id="a", kind="sos", value=None)]).json()
    assert again["duplicates"] == ["a"] and again["accepted"] == []


def test_the_api_refuses_no_key_a_wrong_key_a_revoked_key_and_a_user_session(device, token, token_key,
                                                                            township_officer, provider_staff):
    assert post("", [event()]).status_code == 401
    assert post("dev_00000000_" + "x" * 40, [event()]).status_code == 401
    assert post(f.api_token(township_officer), [event()]).status_code == 401  # a platform key is no device key
    client = Client()
    client.force_login(township_officer)
    assert client.post(URL, {"events": [event()]}, content_type="application/json").status_code == 401
    svc.device_token_revoke(actor=provider_staff, token_id=token.pk)
    response = post(token_key, [event()])
    assert response.status_code == 401 and "吊销" in response.json()["detail"]
    assert not DeviceEvent.objects.exists()


def test_the_api_bounds_the_batch(device, token_key):
    assert post(token_key, [event(event_id=str(i)) for i in range(svc.MAX_BATCH)]).status_code == 200
    response = post(token_key, [event(event_id=f"n{i}") for i in range(svc.MAX_BATCH + 1)])
    assert response.status_code == 400 and "最多 1000" in response.json()["events"][0]
    assert post(token_key, "not a list").status_code == 400


def test_the_key_is_stored_as_a_digest_only(token, token_key):
    assert token_key not in (token.key_digest, token.prefix) and token.key_digest == svc.token_digest(token_key)


# --- pages: who sees which devices and alarms ---------------------------------------------------------

def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_provider_staff_see_their_organisation_s_devices_only(city, elder, device, other_provider, provider_staff,
                                                              township_officer):
    other = svc.device_register(actor=township_officer, person=elder, provider_id=other_provider.pk, kind="button",
                                serial="BTN-OTHER")
    page = _client(provider_staff).get(reverse("eldercare:device_list"))
    assert page.status_code == 200
    assert "MAT-0001" in page.content.decode() and "BTN-OTHER" not in page.content.decode()
    assert _client(provider_staff).post(reverse("eldercare:device_retire", args=[other.pk])).status_code == 404
    assert _client(provider_staff).post(reverse("eldercare:device_retire", args=[device.pk])).status_code == 302


def test_alarm_pages_refuse_the_wrong_role_and_another_community(device, token, grid_worker, neighbour_grid_worker,
                                                                 resident):
    svc.device_events_ingest(token=token, events=[event(kind="sos", value=None)])
    alarm = Alarm.objects.get()
    detail = reverse("eldercare:alarm_detail", args=[alarm.pk])
    assert _client(grid_worker).get(detail).status_code == 200
    assert _client(neighbour_grid_worker).get(detail).status_code == 404
    assert _client(resident).get(detail).status_code == 403
    close = reverse("eldercare:alarm_close", args=[alarm.pk])
    assert _client(neighbour_grid_worker).post(close, {"outcome": "false_alarm"}).status_code == 404
    assert _client(grid_worker).post(close, {"outcome": "nonsense"}).status_code == 400
    assert _client(grid_worker).post(close, {"outcome": "family"}).status_code == 302
    alarm.refresh_from_db()
    assert alarm.outcome == "family"


def test_the_alarm_api_acknowledges_and_closes_with_the_page_s_rights(device, token, grid_worker,
                                                                      neighbour_grid_worker):
    svc.device_events_ingest(token=token, events=[event(kind="sos", value=None)])
    alarm = Alarm.objects.get()
    base = f"/api/v1/eldercare/alarms/{alarm.pk}/"
    assert [a["id"] for a in _client(grid_worker).get("/api/v1/eldercare/alarms/").json()["results"]] == [alarm.pk]
    assert _client(neighbour_grid_worker).get("/api/v1/eldercare/alarms/").json()["results"] == []
    assert _client(neighbour_grid_worker).post(base + "close/", {"outcome": "family"},
                                               content_type="application/json").status_code == 404
    assert _client(grid_worker).post(base + "close/", {"outcome": "maybe"},
                                     content_type="application/json").status_code == 400
    assert _client(grid_worker).post(base + "acknowledge/", {}, content_type="application/json").json()["status"] \
        == "acknowledged"
    assert _client(grid_worker).post(base + "acknowledge/", {}, content_type="application/json").status_code == 409
    closed = _client(grid_worker).post(base + "close/", {"outcome": "hospital"}, content_type="application/json")
    assert closed.status_code == 200 and closed.json()["outcome"] == "hospital"


def test_an_sms_the_broker_never_took_is_queued_again_by_the_sweep(device, token):
    svc.device_events_ingest(token=token, events=[event(kind="sos", value=None)])
    sms = AlarmSms.objects.get()
    assert alarm_svc.alarm_sms_stalled(now=sms.created_at + dt.timedelta(minutes=1)) == []
    assert alarm_svc.alarm_sms_stalled(now=sms.created_at + dt.timedelta(minutes=3)) == [sms.pk]
    assert alarm_svc.alarm_sms_stalled(now=sms.created_at + dt.timedelta(hours=7)) == []
    sms.refresh_from_db()
    assert sms.status == "failed"


def test_alarms_per_device_and_the_false_alarm_rate_on_the_dashboard(city, device, token, grid_worker,
                                                                     township_officer):
    from civilaffairs.portal.dashboards import Period, scoped_regions
    from eldercare.capabilities import HANDLE_ALARM
    from eldercare.dashboards_visits import alarms_per_device

    svc.device_events_ingest(token=token, events=[event(kind="sos", value=None, event_id="1"),
                                                  event(kind="fall", value=None, event_id="2")])
    sos, fall = Alarm.objects.get(kind="sos"), Alarm.objects.get(kind="fall")
    alarm_svc.alarm_close(actor=grid_worker, alarm_id=sos.pk, outcome="false_alarm")
    alarm_svc.alarm_close(actor=grid_worker, alarm_id=fall.pk, outcome="hospital")
    month = timezone.localdate().replace(day=1)
    figures = alarms_per_device(regions=scoped_regions(township_officer, HANDLE_ALARM, city.township.code),
                                period=Period(month, month), breakdown=12)
    row = {key: [s.values[i] for s in figures.series] for i, (key, _l) in enumerate(figures.categories)}
    assert row[city.community.code] == [2.0, 50.0, 2, 1]  # per device, false-alarm %, alarms, devices
    assert row[city.neighbour.code] == [None, None, 0, 0]
