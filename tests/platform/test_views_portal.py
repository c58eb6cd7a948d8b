"""Role homes, the public policy guide, large text and the language switch."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from civilaffairs.registry.services import household_add_member
from civilaffairs.worklist.services import workitem_raise
from tests import factories as f

pytestmark = pytest.mark.django_db


def raise_item(region, title, *, hours):
    item, _ = workitem_raise(kind="test", title=title, region_code=region.code,
                             due_at=timezone.now() + dt.timedelta(hours=hours))
    return item


def test_an_anonymous_visitor_is_sent_to_the_policy_guide(client, city):
    r = client.get("/")
    assert r["Location"] == reverse("portal:policy_guide")


def test_the_policy_guide_explains_the_four_programmes_with_the_city_standard(client, city):
    r = client.get(reverse("portal:policy_guide"))
    html = r.content.decode()
    assert r.status_code == 200
    for name in ("低保", "低保边缘", "特困", "临时救助"):
        assert name in html
    assert 'policy-amount">1,135<' in html  # the seeded Ningbo standard, 元/人·月
    assert 'policy-amount">2,270<' in html  # the 低保边缘 line: twice the standard


@pytest.mark.parametrize("persona, target", [
    ("resident", "portal:resident_home"),
    ("grid_worker", "portal:caseworker_home"),
    ("city_admin", "portal:caseworker_home"),
    ("admin_user", "portal:admin_home"),
    ("data_provider", "portal:data_provider_home"),
])
def test_home_sends_each_role_to_its_own_page(client, request, persona, target):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/")["Location"] == reverse(target)


def test_facility_staff_are_told_their_module_is_coming(client, city):
    client.force_login(f.staff(username="facility", role="facility_staff", region=city.district,
                               organisation=f.organisation(region=city.district)))
    r = client.get("/", follow=True)
    assert "正在建设中" in r.content.decode()
    assert "养老机构工作人员" in r.content.decode()


def test_the_caseworker_home_lists_overdue_items_first_and_marks_them(client, grid_worker, city):
    raise_item(city.community, "下周走访", hours=120)
    raise_item(city.community, "超期核查", hours=-5)
    client.force_login(grid_worker)
    html = client.get(reverse("portal:caseworker_home")).content.decode()
    assert html.index("超期核查") < html.index("下周走访")
    assert "已超期" in html


def test_the_caseworker_home_shows_only_items_in_the_workers_jurisdiction(client, grid_worker, city):
    raise_item(city.community, "本社区事项", hours=10)
    raise_item(city.other_community, "江北事项", hours=10)
    client.force_login(grid_worker)
    html = client.get(reverse("portal:caseworker_home")).content.decode()
    assert "本社区事项" in html
    assert "江北事项" not in html


def test_the_caseworker_home_counts_my_regions_numbers(client, grid_worker, home_household, other_household, city):
    raise_item(city.community, "a", hours=10)
    raise_item(city.community, "b", hours=-1)
    raise_item(city.other_community, "c", hours=-1)
    client.force_login(grid_worker)
    numbers = client.get(reverse("portal:caseworker_home")).context["numbers"]
    assert numbers == {"households": 1, "persons": 3, "open_items": 2, "overdue_items": 1}


def test_the_city_admin_sees_a_link_to_system_management(client, city_admin):
    client.force_login(city_admin)
    assert reverse("portal:admin_home") in client.get(reverse("portal:caseworker_home")).content.decode()


def test_the_caseworker_home_refuses_residents_and_anonymous_visitors(client, resident, data_provider):
    assert client.get(reverse("portal:caseworker_home"))["Location"].startswith("/accounts/login/")
    client.force_login(resident)
    assert client.get(reverse("portal:caseworker_home")).status_code == 403
    client.force_login(data_provider)
    assert client.get(reverse("portal:caseworker_home")).status_code == 403


def test_the_admin_home_links_into_admin_sections(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("portal:admin_home")).content.decode()
    assert 'href="/admin/registry/' in html


def test_the_admin_home_refuses_a_grid_worker(client, grid_worker):
    client.force_login(grid_worker)
    assert client.get(reverse("portal:admin_home")).status_code == 403


def test_the_resident_centre_shows_my_household_with_masked_id_numbers(client, resident, home_household):
    client.force_login(resident)
    html = client.get(reverse("portal:resident_home")).content.decode()
    head = home_household.head
    assert head.id_number_masked in html
    assert head.reveal_id_number() not in html
    assert "王家0" in html


def test_the_resident_centre_says_i_have_no_applications_yet(client, resident):
    client.force_login(resident)
    assert "您还没有提交申请" in client.get(reverse("portal:resident_home")).content.decode()


def test_the_resident_centre_lists_policies_i_may_qualify_for(client, resident):
    client.force_login(resident)
    html = client.get(reverse("portal:resident_home")).content.decode()
    assert "您可能符合的政策" in html
    assert "低于 1135 元" in html
    assert "临时救助" in html


def test_the_resident_centre_lists_my_applications_with_status_and_a_link(client, resident, home_household):
    from assistance import services as svc

    draft = svc.application_create(actor=resident, household=home_household, applicant=home_household.head,
                                   programmes=["temporary"], reason="突发疾病")
    other = svc.application_create(actor=resident, household=home_household, applicant=home_household.head,
                                   programmes=["dibao"], reason="收入低")
    svc.application_withdraw(actor=resident, application_id=other.pk)
    client.force_login(resident)
    html = client.get(reverse("portal:resident_home")).content.decode()
    assert "您还没有提交申请" not in html
    assert draft.number in html and other.number in html
    assert "草稿" in html and "已撤回" in html
    assert reverse("assistance:application_detail", args=[other.pk]) in html
    assert reverse("assistance:apply_members", args=[draft.pk]) in html  # a draft links to where it was left


def test_the_resident_centre_never_lists_another_households_applications(client, resident, other_resident,
                                                                          other_household):
    from assistance import services as svc

    app = svc.application_create(actor=other_resident, household=other_household, applicant=other_household.head,
                                 programmes=["dibao"], reason="收入低")
    client.force_login(resident)
    html = client.get(reverse("portal:resident_home")).content.decode()
    assert app.number not in html and "您还没有提交申请" in html


def test_the_resident_centre_renders_what_programmes_register_and_skips_a_section_that_has_nothing(
        client, resident):
    from civilaffairs.portal.registry import register_resident_section, unregister_resident_section

    register_resident_section("test.empty", lambda **kwargs: None, order=1)
    try:
        client.force_login(resident)
        assert client.get(reverse("portal:resident_home")).status_code == 200
    finally:
        unregister_resident_section("test.empty")


def test_the_portal_imports_no_programme_for_the_resident_home():
    import ast
    import pathlib

    import civilaffairs.portal

    programmes = {"assistance", "eldercare", "childwelfare", "charity"}
    for path in pathlib.Path(civilaffairs.portal.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            assert not any(n.split(".")[0] in programmes for n in names), (path, names)


def test_the_resident_centre_suggests_tekun_when_an_elder_lives_in_the_household(client, resident, home_household):
    client.force_login(resident)
    grandmother = f.person(name="王奶奶", birth=dt.date(1940, 3, 1), female=True)
    household_add_member(actor=None, household=home_household, person=grandmother, relation="grandparent")
    assert "特困人员救助供养" in client.get(reverse("portal:resident_home")).content.decode()


def test_the_resident_centre_never_shows_another_household(client, resident, other_household):
    client.force_login(resident)
    html = client.get(reverse("portal:resident_home")).content.decode()
    assert "李四" not in html


def test_the_resident_centre_refuses_staff(client, grid_worker):
    client.force_login(grid_worker)
    assert client.get(reverse("portal:resident_home")).status_code == 403


def test_the_data_provider_page_points_to_the_import_api(client, data_provider):
    client.force_login(data_provider)
    html = client.get(reverse("portal:data_provider_home")).content.decode()
    assert reverse("api-docs") in html


def test_the_data_provider_page_refuses_a_grid_worker(client, grid_worker):
    client.force_login(grid_worker)
    assert client.get(reverse("portal:data_provider_home")).status_code == 403


def test_the_role_page_refuses_residents(client, resident):
    client.force_login(resident)
    assert client.get(reverse("portal:role_home")).status_code == 403


def test_large_text_mode_sets_a_cookie_and_enlarges_the_page(client, city):
    r = client.post(reverse("portal:large_text"), {"next": reverse("portal:policy_guide")})
    assert r["Location"] == reverse("portal:policy_guide")
    assert r.cookies["large_text"].value == "1"
    html = client.get(reverse("portal:policy_guide")).content.decode()
    assert 'class="d-flex flex-column min-vh-100 large-text"' in html
    client.post(reverse("portal:large_text"), {"next": "/"})
    assert "large-text\"" not in client.get(reverse("portal:policy_guide")).content.decode()


def test_large_text_never_redirects_off_site(client, city):
    r = client.post(reverse("portal:large_text"), {"next": "https://evil.example/"})
    assert r["Location"] == "/"


def test_the_language_switch_offers_english(client, city):
    html = client.get(reverse("portal:policy_guide")).content.decode()
    assert 'action="/i18n/setlang/"' in html
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/guide/"})
    assert r.status_code == 302
    assert '<html lang="en">' in client.get("/guide/").content.decode()


def test_pages_load_bootstrap_from_our_own_server(client, city):
    html = client.get(reverse("portal:policy_guide")).content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html
