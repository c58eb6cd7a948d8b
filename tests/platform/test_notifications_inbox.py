"""The inbox on the platform (/notifications/) and a resident's choice of channels."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from civilaffairs.audit.models import AuditEvent
from civilaffairs.notifications.models import Notification, NotificationPreference
from civilaffairs.notifications.services import notify_user

INBOX = "/notifications/"
PREFS = "/notifications/preferences/"


def note(user, title="您的救助申请 DB20260001：已批准", **kw):
    return notify_user(user=user, title=title, **kw)


def test_the_inbox_is_the_platforms_and_the_old_assistance_address_is_gone(client, resident, other_resident):
    assert reverse("notifications:list") == INBOX
    mine, theirs = note(resident, "给我的消息"), note(other_resident, "给别人的消息")
    client.force_login(resident)
    html = client.get(INBOX).content.decode()
    assert "给我的消息" in html and "给别人的消息" not in html
    assert "1 条未读" in html
    assert f'action="/notifications/{mine.pk}/read/"' in html and f"/notifications/{theirs.pk}/" not in html
    assert client.get("/assistance/notifications/").status_code == 404


def test_staff_have_an_inbox_too_and_the_nav_links_to_it_with_the_unread_count(client, grid_worker, resident):
    for who in (grid_worker, resident):
        note(who, "新的待办提醒")
        note(who, "第二条")
        client.force_login(who)
        html = client.get(reverse("portal:policy_guide")).content.decode()
        assert f'href="{INBOX}"' in html
        assert '<span class="badge rounded-pill text-bg-danger">2<span class="visually-hidden">' in html
        assert "新的待办提醒" in client.get(INBOX).content.decode()


def test_an_empty_inbox_says_so_and_offers_no_mark_all_button(client, resident):
    client.force_login(resident)
    html = client.get(INBOX).content.decode()
    assert "暂无消息。" in html and "全部标为已读" not in html and "条未读" not in html


def test_the_inbox_is_paged_thirty_at_a_time_newest_first(client, resident):
    for i in range(31):
        note(resident, f"消息第{i:02d}条")
    client.force_login(resident)
    first = client.get(INBOX).content.decode()
    assert first.count("btn-outline-secondary\">标为已读</button>") == 30 and "消息第30条" in first and "消息第00条" not in first
    second = client.get(INBOX, {"page": 2}).content.decode()
    assert second.count("btn-outline-secondary\">标为已读</button>") == 1 and "消息第00条" in second


def test_reading_someone_elses_notification_is_404_and_leaves_it_unread(client, resident, other_resident):
    theirs = note(other_resident)
    client.force_login(resident)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/read/", {"follow": "1"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_notification_opens_its_subject_page_and_a_foreign_link_is_not_followed(client, resident):
    subject = note(resident, link="/assistance/mine/")
    foreign = note(resident, link="https://evil.example.com/")
    client.force_login(resident)
    r = client.post(f"/notifications/{subject.pk}/read/", {"follow": "1"})
    assert r.status_code == 302 and r["Location"] == "/assistance/mine/"
    subject.refresh_from_db()
    assert subject.read_at is not None
    r = client.post(f"/notifications/{foreign.pk}/read/", {"follow": "1"})
    assert r["Location"] == INBOX


def test_mark_all_read_needs_a_post_with_the_csrf_token_and_marks_only_ones_own(resident, other_resident):
    note(resident), note(resident)
    theirs = note(other_resident)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(resident)
    assert browser.get("/notifications/read-all/").status_code == 405
    assert browser.post("/notifications/read-all/").status_code == 403  # no token
    assert Notification.objects.filter(read_at__isnull=True).count() == 3
    browser.get(INBOX)
    token = browser.cookies["csrftoken"].value
    r = browser.post("/notifications/read-all/", {"csrfmiddlewaretoken": token})
    assert r.status_code == 302 and r["Location"] == INBOX
    assert list(Notification.objects.filter(read_at__isnull=True)) == [theirs]
    assert "已全部标记为已读" in browser.get(INBOX).content.decode()


# --- the channel choice ----------------------------------------------------------------------------

def test_the_preferences_page_shows_in_app_always_on_and_the_masked_phone(client, resident):
    client.force_login(resident)
    html = client.get(PREFS).content.decode()
    assert "站内消息（始终开启）" in html and "checked disabled" in html
    assert "138****8000" in html and "13800138000" not in html
    assert 'name="sms" id="id_sms" class="form-check-input" checked' in html  # a phone on file: SMS by default


def test_sms_cannot_be_chosen_without_a_phone_on_file(client, other_resident):
    client.force_login(other_resident)  # the other household's head has no phone
    r = client.post(PREFS, {"sms": "on"})
    assert r.status_code == 200 and "您没有登记手机号，不能选择短信通知" in r.content.decode()
    assert not NotificationPreference.objects.exists()
    assert not AuditEvent.objects.filter(action="notifications.preference_changed").exists()
    assert client.post(PREFS, {}).status_code == 302  # in-app only is fine
    assert NotificationPreference.objects.get(user=other_resident).sms is False


@pytest.mark.parametrize("address, error", [("", "选择邮件通知时，请填写电子邮箱地址"),
                                            ("not-an-address", "请填写正确的电子邮箱地址"),
                                            ("wang@", "请填写正确的电子邮箱地址")])
def test_email_needs_a_valid_address(client, resident, address, error):
    client.force_login(resident)
    r = client.post(PREFS, {"email": "on", "email_address": address})
    assert r.status_code == 200 and error in r.content.decode()
    assert not NotificationPreference.objects.exists()


def test_the_address_is_stored_encrypted_and_shown_masked(client, resident):
    from django.db import connection

    client.force_login(resident)
    client.post(PREFS, {"email": "on", "email_address": "wang.xiaoming@example.com"})
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM notifications_notificationpreference WHERE user_id = %s", [resident.pk])
        row = cur.fetchone()
    assert not any("wang.xiaoming" in (bytes(v).decode("latin-1") if isinstance(v, memoryview) else str(v))
                   for v in row)
    pref = NotificationPreference.objects.get(user=resident)
    assert pref.email_address_masked == "w***@example.com"
    assert pref.email_address == "wang.xiaoming@example.com"  # decrypted for sending


def test_a_valid_choice_is_saved_and_audited_without_the_address(client, resident):
    client.force_login(resident)
    r = client.post(PREFS, {"email": "on", "email_address": " wang@example.com "})
    assert r.status_code == 302 and r["Location"] == PREFS
    pref = NotificationPreference.objects.get(user=resident)
    assert (pref.sms, pref.email, pref.email_address) == (False, True, "wang@example.com")
    event = AuditEvent.objects.get(action="notifications.preference_changed")
    assert event.actor == resident and event.object_id == str(resident.pk)
    assert event.before is None and event.after == {"sms": False, "email": True, "email_address_set": True}
    assert "wang@example.com" not in str(event.before) + str(event.after)
    assert event.region_code == resident.person.memberships.get().household.community_id
    html = client.get(PREFS).content.decode()
    assert "通知方式已保存" in html and 'value="wang@example.com"' in html
    client.post(PREFS, {"sms": "on"})
    event = AuditEvent.objects.filter(action="notifications.preference_changed").latest("pk")
    assert event.before == {"sms": False, "email": True, "email_address_set": True}
    assert event.after == {"sms": True, "email": False, "email_address_set": False}


def test_email_cannot_be_chosen_where_the_platform_sends_no_email(client, resident, settings):
    settings.NOTIFICATIONS_EMAIL_ENABLED = False
    client.force_login(resident)
    html = client.get(PREFS).content.decode()
    assert "本平台暂未开通邮件通知" in html
    client.post(PREFS, {"sms": "on", "email": "on", "email_address": "wang@example.com"})
    assert NotificationPreference.objects.get(user=resident).email is False  # the disabled box is ignored


def test_staff_choose_no_channels_here(client, grid_worker):
    client.force_login(grid_worker)
    assert client.get(PREFS).status_code == 403


# --- a programme's stored texts, shown in the reader's language -------------------------------------

@pytest.fixture
def sample_programme():
    from tests.sampleprogramme import reg_notifications

    reg_notifications.register()
    yield reg_notifications
    reg_notifications.unregister()


def test_a_registered_programme_shows_its_stored_titles_in_english(client, resident, sample_programme):
    note(resident, sample_programme.STORED_TITLE)
    client.force_login(resident)
    assert sample_programme.STORED_TITLE in client.get(INBOX).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": INBOX})
    html = client.get(INBOX).content.decode()
    assert sample_programme.ENGLISH_TITLE in html and sample_programme.STORED_TITLE not in html
    sample_programme.unregister()
    assert sample_programme.STORED_TITLE in client.get(INBOX).content.decode()  # unknown: as stored
