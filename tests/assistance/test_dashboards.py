"""Assistance's dashboard indicators against a hand-counted world (tests/assistance/dashboard_data.py):
the edges of the period, the region breakdown on each level and the user's jurisdiction."""
from __future__ import annotations

import datetime as dt

import pytest

from civilaffairs.portal.dashboard_views import dashboard_cards
from civilaffairs.portal.dashboards import Period, indicator_named, registered_indicators
from civilaffairs.registry.models import Region
from tests import factories as f
from tests.assistance import dashboard_data
from tests.assistance.dashboard_data import EXPECTED_CITY, PERIOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city):
    return dashboard_data.build(city)


def figures(card) -> dict:
    """{category key: {series key: figure}} as the card shows them (rounded as displayed)."""
    out = {}
    for (key, _label), (_l, cells, _share) in zip(card.figures.categories, card.rows):
        out[key] = {s.key: cell.value for s, cell in zip(card.figures.series, cells)}
    return out


def cards_for(user, region_code: str, period: Period = PERIOD) -> dict:
    region = Region.objects.get(code=region_code)
    return {c.indicator.name: c for c in dashboard_cards(user=user, region=region, period=period)}


def test_assistance_registers_the_six_indicators_of_the_policy():
    names = {i.name for i in registered_indicators()}
    assert {"assistance.recipients", "assistance.funds_paid", "assistance.online_share",
            "assistance.decision_days", "assistance.discovery_leads", "assistance.colour_bands"} <= names
    kinds = {indicator_named(n).kind for n in names if n.startswith("assistance.")}
    assert kinds == {"bar", "line", "pie", "stacked"}


def test_the_city_page_shows_the_hand_counted_figures_by_district(world, city_admin):
    cards = cards_for(city_admin, "3302")
    for name, expected in EXPECTED_CITY.items():
        got = figures(cards[name])
        if name == "assistance.funds_paid":
            got = {month[:7]: {k: v for k, v in row.items() if v} for month, row in got.items()}
        elif name == "assistance.online_share":
            got = {k: row["applications"] for k, row in got.items()}
        else:
            assert set(got) == {r.code for r in Region.objects.filter(parent_id="3302")}, name  # all ten districts
            for district in set(got) - set(expected):
                assert not any(got[district].values()), (name, district)  # the others show nothing
            got = {k: v for k, v in got.items() if k in expected}
        assert got == expected, name


def test_a_benefit_starting_the_day_after_the_period_is_not_counted_and_one_on_its_last_day_is(world, city_admin):
    march = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 1))
    april = Period(dt.date(2026, 4, 1), dt.date(2026, 4, 1))
    assert figures(cards_for(city_admin, "3302", march)["assistance.recipients"])["330203"]["dibao"] == 2
    # April: h1's and h3's dibao (h3 starts on 1 April); h2's started 31 March and runs on.
    assert figures(cards_for(city_admin, "3302", april)["assistance.recipients"])["330203"]["dibao"] == 3
    december = Period(dt.date(2025, 12, 1), dt.date(2025, 12, 1))
    assert figures(cards_for(city_admin, "3302", december)["assistance.recipients"])["330203"]["tekun"] == 1


def test_funds_paid_count_only_paid_lines_of_the_months_chosen(world, city_admin):
    card = cards_for(city_admin, "3302", Period(dt.date(2025, 12, 1), dt.date(2026, 4, 1)))["assistance.funds_paid"]
    dibao = {month[:7]: row["dibao"] for month, row in figures(card).items()}
    assert dibao == {"2025-12": 500.0, "2026-01": 500.0, "2026-02": 300.25, "2026-03": 500.5, "2026-04": 500.0}
    assert [label for _key, label in card.figures.categories] == ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04"]


def test_an_application_submitted_a_minute_before_the_period_ends_counts_and_one_at_its_end_does_not(world, city_admin):
    march = figures(cards_for(city_admin, "3302", Period(dt.date(2026, 3, 1), dt.date(2026, 3, 1)))
                    ["assistance.online_share"])
    assert march["online"]["applications"] == 1  # 31 March 23:59
    april = figures(cards_for(city_admin, "3302", Period(dt.date(2026, 4, 1), dt.date(2026, 4, 1)))
                    ["assistance.online_share"])
    assert april["online"]["applications"] == 1  # 1 April 00:00, and not the March one


def test_a_lead_included_exactly_48_hours_after_it_was_raised_counts_and_a_minute_later_does_not(world, city_admin):
    jan = figures(cards_for(city_admin, "3302", Period(dt.date(2026, 1, 1), dt.date(2026, 1, 1)))
                  ["assistance.discovery_leads"])
    feb = figures(cards_for(city_admin, "3302", Period(dt.date(2026, 2, 1), dt.date(2026, 2, 1)))
                  ["assistance.discovery_leads"])
    assert jan["330203"] == {"found": 1, "verified": 1, "included": 1}
    assert feb["330203"] == {"found": 1, "verified": 1, "included": 0}
    assert jan["330205"]["found"] == 0  # raised on 31 December


def test_the_district_page_breaks_down_by_township_and_the_township_page_by_community(world, district_approver,
                                                                                       township_officer):
    district = cards_for(district_approver, "330203")
    assert list(figures(district["assistance.colour_bands"])) == ["330203001"]
    assert figures(district["assistance.colour_bands"])["330203001"] == {"red": 2, "yellow": 1, "green": 0}
    township = cards_for(township_officer, "330203001")
    assert figures(township["assistance.discovery_leads"]) == {
        "330203001001": {"found": 2, "verified": 2, "included": 1},
        "330203001002": {"found": 2, "verified": 0, "included": 0}}
    assert figures(township["assistance.decision_days"])["330203001001"] == {
        "median": 4.0, "average": 5.0, "decided": 3}
    assert figures(township["assistance.decision_days"])["330203001002"] == {
        "median": None, "average": None, "decided": 0}


def test_a_district_users_figures_never_include_another_district(world, district_approver):
    cards = cards_for(district_approver, "330203")
    assert figures(cards["assistance.online_share"])["proactive"]["applications"] == 0
    funds = figures(cards["assistance.funds_paid"])
    assert funds["2026-02-01"]["dibao"] == 0  # 江北's 300.25 is not theirs


@pytest.mark.parametrize("name", ["assistance.recipients", "assistance.funds_paid", "assistance.online_share",
                                  "assistance.decision_days", "assistance.discovery_leads",
                                  "assistance.colour_bands"])
def test_an_indicator_handed_another_districts_regions_still_shows_a_district_officer_nothing_of_it(
        world, district_approver, city_admin, name):
    """The query scopes through the scoping helper itself: a page that limited the regions wrong (here:
    江北 handed straight to the query for a 海曙 officer) still counts nothing outside their jurisdiction."""
    from civilaffairs.portal.dashboards import ScopedRegions

    indicator = indicator_named(name)

    def total(user) -> int:
        regions = ScopedRegions(user=user, capability=indicator.capability, codes=("330205",))
        got = indicator.query(regions=regions, period=PERIOD, breakdown=6)
        return sum(v or 0 for s in got.series for v in s.values)

    assert total(district_approver) == 0
    if name in ("assistance.recipients", "assistance.funds_paid", "assistance.decision_days",
                "assistance.colour_bands"):
        assert total(city_admin) > 0  # 江北 has figures of this kind: the zero above is the scope's doing


def test_a_city_page_asked_for_by_a_district_user_counts_only_their_district(world, district_approver):
    # The page refuses the city to a district user (tests/platform/test_dashboards.py); the
    # indicator scope alone, given the city, still narrows it to their jurisdiction.
    cards = cards_for(district_approver, "3302")
    assert set(figures(cards["assistance.colour_bands"])) == {"330203"}


def test_a_grid_worker_sees_their_own_community_only(world, city):
    grid = f.staff(username="dash-grid", role="grid_worker", region=city.neighbour)
    cards = cards_for(grid, "330203001002")
    assert figures(cards["assistance.colour_bands"]) == {"330203001002": {"red": 0, "yellow": 1, "green": 0}}


def test_drilldowns_name_the_list_and_its_filters(world, city_admin):
    cards = cards_for(city_admin, "3302")
    recipients = cards["assistance.recipients"]
    haishu = [k for k, _l in recipients.figures.categories].index("330203")
    url = recipients.rows[haishu][1][0].url
    assert url == "/assistance/applications/?region=330203&programme=dibao&status=approved"
    online = cards["assistance.online_share"].rows[0][1][0].url
    assert online == ("/assistance/applications/?region=3302&channel=online&submitted_from=2026-01-01"
                      "&submitted_to=2026-03-31")


def test_an_application_walked_through_the_services_shows_on_this_months_dashboard(at, city_admin):
    """The indicators read the fields the services write: an online application approved today is a
    submission, a decision and a dibao recipient of this month."""
    from django.utils import timezone

    from civilaffairs.portal.dashboard_views import default_period

    at("approved")
    month = timezone.localdate().replace(day=1)
    cards = cards_for(city_admin, "3302", Period(month, month))
    assert figures(cards["assistance.recipients"])["330203"]["dibao"] == 1
    assert figures(cards["assistance.online_share"])["online"]["applications"] == 1
    assert figures(cards["assistance.decision_days"])["330203"]["decided"] == 1
    last_year = default_period()
    assert last_year.last == month and len(last_year.months()) == 12


def test_a_payment_marked_paid_through_the_roll_counts_in_funds_paid_and_a_pending_one_does_not(
        at, city_admin, district_approver, second_approver):
    from django.utils import timezone

    from civilaffairs.payments import services as pay
    from civilaffairs.payments.models import PaymentLine
    from tests.assistance.conftest import EXPECTED_TOPUP

    at("approved")
    month = timezone.localdate().replace(day=1)
    roll, created = pay.payment_roll_generate(district_code="330203", month=month, programme="assistance")
    assert created == 1
    this_month = Period(month, month)
    assert figures(cards_for(city_admin, "3302", this_month)["assistance.funds_paid"])[month.isoformat()]["dibao"] == 0
    pay.payment_roll_approve(actor=district_approver, roll_id=roll.pk)
    pay.payment_roll_export(actor=district_approver, roll_id=roll.pk)
    pay.payment_mark(actor=second_approver, payment_id=PaymentLine.objects.get(roll=roll).pk, paid=True)
    paid = figures(cards_for(city_admin, "3302", this_month)["assistance.funds_paid"])[month.isoformat()]["dibao"]
    assert paid == float(EXPECTED_TOPUP)
