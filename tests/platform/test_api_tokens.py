"""API tokens for department systems: issued by an administrator with an owner, scope and
expiry, stored only as a digest, shown once, revoked and rotated, every step audited; and
password changes audited."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from civilaffairs.accounts.models import ApiToken, TokenScope
from civilaffairs.accounts.services import api_token_issue, api_token_revoke, api_token_rotate
from civilaffairs.audit.models import AuditEvent
from civilaffairs.registry.models import ImportBatch
from tests import factories as f
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

API = "/api/v1/"
BATCH = {"source": "hrss", "records": [{}]}


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_an_issued_token_is_stored_only_as_a_digest_and_its_issue_is_audited(data_provider, admin_user):
    token, key = api_token_issue(actor=admin_user, user=data_provider, organisation="市人社局",
                                 scope=TokenScope.IMPORT)
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in repr(row) and key[12:] not in repr(row)
    assert row["key_digest"] == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(f"ca_{token.prefix}_")
    event = AuditEvent.objects.get(action="accounts.api_token_issued")
    assert event.actor == admin_user and event.after["organisation"] == "市人社局"
    assert event.after["scope"] == "import" and key not in repr(event.after)
    assert token.expires_at > timezone.now() + dt.timedelta(days=89)


def test_a_token_cannot_be_issued_without_an_owner_organisation_or_beyond_the_longest_validity(data_provider):
    with pytest.raises(ValidationError):
        api_token_issue(actor=None, user=data_provider, organisation=" ", scope=TokenScope.IMPORT)
    with pytest.raises(ValidationError):
        api_token_issue(actor=None, user=data_provider, organisation="市人社局", scope=TokenScope.IMPORT,
                        valid_days=1000)
    assert not ApiToken.objects.exists()


def test_a_valid_token_signs_its_account_in(data_provider):
    key = f.api_token(data_provider, scope=TokenScope.IMPORT)
    assert client_with(key).get(API + "department-batches/").status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_an_expired_token_answers_401_and_says_so(data_provider):
    key = f.api_token(data_provider)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client_with(key).get(API + "department-batches/")
    assert response.status_code == 401
    assert "过期" in response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_answers_401_and_says_so(data_provider, admin_user):
    key = f.api_token(data_provider)
    api_token_revoke(actor=admin_user, token_id=ApiToken.objects.get().pk)
    response = client_with(key).get(API + "department-batches/")
    assert response.status_code == 401
    assert "吊销" in response.json()["detail"]
    assert AuditEvent.objects.filter(action="accounts.api_token_revoked", actor=admin_user).count() == 1


@pytest.mark.parametrize("header", ["Token nonsense", "Token ca_00000000_wrong-secret-of-some-length",
                                    "Bearer ca_x", "Token a b"])
def test_an_unknown_or_malformed_token_answers_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(API + "regions/")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_guessed_secret_with_a_real_prefix_is_refused(data_provider):
    key = f.api_token(data_provider)
    assert client_with(key[:-4] + "AAAA").get(API + "department-batches/").status_code == 401


def test_a_bearer_header_works_too(data_provider):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_token(data_provider)}")
    assert client.get(API + "department-batches/").status_code == 200


def test_a_read_only_token_reads_but_cannot_write(data_provider):
    client = client_with(f.api_token(data_provider, scope=TokenScope.READ_ONLY))
    assert client.get(API + "department-batches/").status_code == 200
    response = client.post(API + "department-batches/", BATCH, format="json")
    assert response.status_code == 403 and "只读" in response.json()["detail"]
    assert ImportBatch.objects.count() == 0


def test_a_department_data_token_reaches_only_the_batch_endpoints(grid_worker, home_household):
    # Even an account that may read households cannot with an import token.
    client = client_with(f.api_token(grid_worker, scope=TokenScope.IMPORT))
    response = client.get(API + "households/")
    assert response.status_code == 403 and "部门数据" in response.json()["detail"]
    full = client_with(f.api_token(grid_worker, scope=TokenScope.FULL))
    assert full.get(API + "households/").status_code == 200


def test_rotating_a_token_replaces_the_key_and_the_old_one_stops_working(data_provider, admin_user):
    old, old_key = api_token_issue(actor=admin_user, user=data_provider, organisation="市人社局",
                                   scope=TokenScope.IMPORT)
    new, new_key = api_token_rotate(actor=admin_user, token_id=old.pk)
    assert (new.user, new.organisation, new.scope, new.replaces) == (data_provider, "市人社局", "import", old)
    assert client_with(old_key).get(API + "department-batches/").status_code == 401
    assert client_with(new_key).get(API + "department-batches/").status_code == 200
    event = AuditEvent.objects.get(action="accounts.api_token_rotated")
    assert event.before == {"prefix": old.prefix} and event.after["prefix"] == new.prefix
    with pytest.raises(ValidationError):
        api_token_rotate(actor=admin_user, token_id=old.pk)


def test_an_administrator_issues_a_token_on_the_admin_page_and_sees_the_key_once(admin_client, data_provider):
    url = reverse("admin:accounts_apitoken_add")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"username": "dataprov", "organisation": "市人社局", "purpose": "社保数据",
                                       "scope": "import", "valid_days": "30"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    text = response.content.decode()
    key = text.split('<code class="api-key">')[1].split("</code>")[0]
    assert key.startswith(f"ca_{token.prefix}_") and "no-store" in response["Cache-Control"]
    assert client_with(key).get(API + "department-batches/").status_code == 200
    assert token.created_by.username == "root" and token.organisation == "市人社局"
    assert key not in admin_client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).content.decode()
    assert key not in admin_client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()


def test_the_issue_page_says_what_is_wrong(admin_client, db):
    response = admin_client.post(reverse("admin:accounts_apitoken_add"),
                                 {"username": "nobody", "organisation": "", "scope": "full", "valid_days": "30"})
    assert response.status_code == 200
    assert "没有这个用户名的账号" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_admin_list_actions_revoke_and_rotate(admin_client, data_provider):
    first, _key = api_token_issue(actor=None, user=data_provider, organisation="市人社局", scope="import")
    second, second_key = api_token_issue(actor=None, user=data_provider, organisation="市医保局", scope="read")
    url = reverse("admin:accounts_apitoken_changelist")
    admin_client.post(url, {"action": "revoke", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.revoked_at is not None
    response = admin_client.post(url, {"action": "rotate", "_selected_action": [second.pk]})
    assert response.status_code == 200 and '<code class="api-key">' in response.content.decode()
    assert client_with(second_key).get(API + "department-batches/").status_code == 401
    assert ApiToken.objects.filter(replaces=second).exists()


def test_a_password_change_is_audited_without_the_password(client, grid_worker):
    client.force_login(grid_worker)
    client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "a-much-better-secret-42",
        "new_password2": "a-much-better-secret-42"})
    event = AuditEvent.objects.get(action="accounts.password_changed")
    assert event.actor == grid_worker and event.object_id == str(grid_worker.pk)
    assert event.after == {"usable": True}


def test_an_administrator_setting_a_password_is_audited(admin_client, admin_user, grid_worker):
    url = reverse("admin:auth_user_password_change", args=[grid_worker.pk])
    response = admin_client.post(url, {"password1": "a-much-better-secret-42",
                                       "password2": "a-much-better-secret-42", "usable_password": "true"})
    assert response.status_code == 302
    grid_worker.refresh_from_db()
    assert grid_worker.check_password("a-much-better-secret-42")
    event = AuditEvent.objects.get(action="accounts.password_set")
    assert event.actor == admin_user and event.object_id == str(grid_worker.pk)
