"""Sign-in, sign-out, password change and lock-out, as a user meets them."""
from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_the_sign_in_page_asks_for_username_phone_or_id_number(client):
    r = client.get(LOGIN)
    assert r.status_code == 200
    assert "用户名 / 手机号 / 身份证号" in r.content.decode()


def test_a_grid_worker_signs_in_with_username_and_lands_on_the_workbench(client, grid_worker):
    r = sign_in(client, "grid")
    assert r.status_code == 302
    r = client.get(r["Location"], follow=True)
    assert r.redirect_chain[-1][0] == reverse("portal:caseworker_home")


def test_a_resident_signs_in_with_their_phone_number(client, resident):
    r = sign_in(client, "13800138000")
    assert r.status_code == 302
    assert client.get(reverse("portal:home"))["Location"] == reverse("portal:resident_home")


def test_a_resident_signs_in_with_their_id_number(client, resident):
    id_number = resident.person.reveal_id_number()
    r = sign_in(client, id_number)
    assert r.status_code == 302
    assert int(client.session["_auth_user_id"]) == resident.pk


def test_a_wrong_password_shows_a_clear_message_and_does_not_sign_in(client, resident):
    r = sign_in(client, "13800138000", "wrong-password")
    assert r.status_code == 200
    assert "账号或密码不正确" in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_unknown_phone_number_is_refused_with_the_same_message(client, resident):
    r = sign_in(client, "13900000000")
    assert "账号或密码不正确" in r.content.decode()


def test_five_bad_passwords_lock_the_account_out(client, grid_worker):
    for _ in range(4):
        assert sign_in(client, "grid", "wrong-password").status_code == 200
    r = sign_in(client, "grid", "wrong-password")
    assert r.status_code == 429
    assert "登录失败次数过多，请15分钟后再试" in r.content.decode()
    # Even the right password is refused while locked out.
    r = sign_in(client, "grid")
    assert r.status_code == 429
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post_and_ends_the_session(client, grid_worker):
    client.force_login(grid_worker)
    assert client.get("/accounts/logout/").status_code == 405
    r = client.post("/accounts/logout/")
    assert r.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_user_changes_their_password(client, grid_worker):
    client.force_login(grid_worker)
    r = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "a-much-better-secret-42", "new_password2": "a-much-better-secret-42",
    })
    assert r["Location"] == reverse("accounts:password_change_done")
    grid_worker.refresh_from_db()
    assert grid_worker.check_password("a-much-better-secret-42")


def test_password_change_shows_errors_on_a_wrong_old_password(client, grid_worker):
    client.force_login(grid_worker)
    r = client.post(reverse("accounts:password_change"), {
        "old_password": "nope", "new_password1": "a-much-better-secret-42", "new_password2": "a-much-better-secret-42",
    })
    assert r.status_code == 200
    assert "invalid-feedback" in r.content.decode()


def test_password_change_refuses_anonymous_visitors(client):
    r = client.get(reverse("accounts:password_change"))
    assert r.status_code == 302
    assert r["Location"].startswith(LOGIN)
