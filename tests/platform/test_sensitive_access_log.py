"""The sensitive-read access log (查阅记录): append-only at the database, visible to auditors
(view_audit) within their regions, refused to everyone else; and the purpose-of-use helper."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.utils import InternalError
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import reverse

from civilaffairs.accounts.roles import Capability
from civilaffairs.audit.models import AccessLogEntry
from civilaffairs.audit.purpose import purpose_state, require_capability, sensitive_access
from civilaffairs.audit.services import access_log_write
from tests import factories as f

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def entry(*, region_code="330203001001", actor=None, section="person_file", purpose="casework", object_id=1):
    return access_log_write(actor=actor, object_type="registry.person", object_id=object_id, section=section,
                            purpose=purpose, region_code=region_code)


# --- append-only ---------------------------------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "UPDATE audit_accesslogentry SET purpose = 'review' WHERE id = %s",
    "UPDATE audit_accesslogentry SET note = 'changed' WHERE id = %s",
    "DELETE FROM audit_accesslogentry WHERE id = %s",
])
def test_the_database_refuses_to_change_or_delete_an_access_log_row(city, sql):
    row = entry()
    with pytest.raises(InternalError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [row.pk])
    row.refresh_from_db()
    assert (row.purpose, row.note) == ("casework", "")


def test_the_orm_cannot_delete_or_update_one_either(city):
    row = entry()
    with pytest.raises(InternalError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=row.pk).update(section="edited")
    with pytest.raises(InternalError), transaction.atomic():
        row.delete()
    assert AccessLogEntry.objects.filter(pk=row.pk, section="person_file").exists()


def test_rows_are_appended(city):
    entry()
    entry(purpose="review")
    assert AccessLogEntry.objects.count() == 2


def test_a_row_needs_a_known_purpose_and_names_the_object(city):
    with pytest.raises(ValueError):
        entry(purpose="statistics")
    with pytest.raises(ValueError):
        access_log_write(actor=None, object_type="registry.person", object_id="", section="x", purpose="casework")
    assert not AccessLogEntry.objects.exists()


def test_a_row_carries_the_request_id_and_client_address(grid_worker, home_household):
    client = client_for(grid_worker)
    response = client.get(reverse("portal:person_file", args=[home_household.head_id]),
                          HTTP_X_REQUEST_ID="req-0123456789", REMOTE_ADDR="10.1.2.3")
    row = AccessLogEntry.objects.get()
    assert row.request_id == response["X-Request-ID"] == "req-0123456789"
    assert row.ip_address == "10.1.2.3"


# --- who sees the log ----------------------------------------------------------------------------

def test_the_auditor_sees_the_log_of_their_region_only(city, city_admin, grid_worker):
    entry(actor=grid_worker, object_id=11)
    entry(actor=grid_worker, object_id=12, region_code="330105001001")  # Hangzhou, outside Ningbo (3302)
    response = client_for(city_admin).get(reverse("audit:access_log"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="access-log-row"') == 1
    assert "registry.person #11" in page and "registry.person #12" not in page
    assert "grid" in page and "个案办理" in page


def test_the_auditor_filters_by_purpose_and_object(city, city_admin):
    entry(object_id=21, purpose="casework")
    entry(object_id=22, purpose="review")
    client = client_for(city_admin)
    page = client.get(reverse("audit:access_log"), {"purpose": "review"}).content.decode()
    assert "registry.person #22" in page and "registry.person #21" not in page
    page = client.get(reverse("audit:access_log"), {"object_id": "21"}).content.decode()
    assert "registry.person #21" in page and "registry.person #22" not in page


def test_a_superuser_sees_every_region(city, admin_user):
    entry(object_id=31, region_code="330105001001")
    assert "registry.person #31" in client_for(admin_user).get(reverse("audit:access_log")).content.decode()


@pytest.mark.parametrize("persona", ["grid_worker", "township_officer", "district_approver", "resident",
                                     "data_provider"])
def test_everyone_without_view_audit_is_refused(request, persona, city):
    entry()
    assert client_for(request.getfixturevalue(persona)).get(reverse("audit:access_log")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(city):
    response = Client().get(reverse("audit:access_log"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_admin_shows_the_log_read_only_to_a_staff_auditor(city, city_admin, grid_worker):
    row = entry(actor=grid_worker, object_id=41)
    client = client_for(city_admin)
    listing = client.get("/admin/audit/accesslogentry/")
    assert listing.status_code == 200 and "grid" in listing.content.decode()
    detail = client.get(f"/admin/audit/accesslogentry/{row.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.get("/admin/audit/accesslogentry/add/").status_code == 403
    assert client.post(f"/admin/audit/accesslogentry/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessLogEntry.objects.filter(pk=row.pk).exists()


def test_the_admin_log_is_closed_to_staff_without_view_audit(city):
    staff = f.staff(username="staff-township", role="township_officer", region=city.township, is_staff=True)
    assert client_for(staff).get("/admin/audit/accesslogentry/").status_code == 403


def test_the_admin_home_links_the_log_for_auditors_only(city, city_admin):
    assert reverse("audit:access_log") in client_for(city_admin).get(reverse("portal:admin_home")).content.decode()


# --- the helper other programmes use -------------------------------------------------------------

def _request(user):
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    return request


def test_the_helper_refuses_without_the_capability_403_and_outside_the_region_404(city, grid_worker, township_officer):
    with pytest.raises(PermissionDenied):
        require_capability(grid_worker, Capability.VIEW_DEPARTMENT_DATA, city.community.code)
    with pytest.raises(Http404):
        require_capability(township_officer, Capability.VIEW_DEPARTMENT_DATA, city.other_community.code)
    require_capability(township_officer, Capability.VIEW_DEPARTMENT_DATA, city.community.code)


def test_the_helper_gives_the_form_without_a_purpose_and_logs_each_read_with_one(city, township_officer):
    request = _request(township_officer)
    kwargs = {"object_type": "childwelfare.case", "object_id": 7, "section": "childwelfare.protection",
              "region_code": city.community.code, "capability": Capability.VIEW_DEPARTMENT_DATA}
    access = sensitive_access(request, **kwargs)
    assert not access.granted and access.form is not None
    assert not AccessLogEntry.objects.exists()
    purpose_state(request, object_type="childwelfare.case", object_id=7, purpose="protection", note="紧急")
    assert sensitive_access(request, **kwargs).granted
    assert sensitive_access(request, **kwargs).granted
    assert list(AccessLogEntry.objects.values_list("section", "purpose", "note")) == [
        ("childwelfare.protection", "protection", "紧急")] * 2
    other = dict(kwargs, object_id=8)
    assert not sensitive_access(request, **other).granted  # the purpose was stated for case 7 only
