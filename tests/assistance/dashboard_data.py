"""A hand-counted world for the dashboard indicators: a few households in two districts with
benefits, paid lines, applications, leads and scores placed on and around the edges of the period
January–March 2026 (PERIOD). ``EXPECTED`` is what each indicator must show, counted by hand.

Households: h1, h2 in the home community 330203001001, h3 in the neighbour community
330203001002 (same township 330203001, district 330203 海曙区), h4 in 330205001001 (江北区).
Rows are written directly (not through the services): the indicators read what is stored, and
the services would stamp today's dates instead of the edges being tested.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from civilaffairs.portal.dashboards import Period
from tests import factories as f

PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 3, 1))


def at(y, m, d, hh=0, mm=0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


def _score(household, colour: str):
    from assistance.scoring.models import HouseholdScore
    from tests.assistance.scoring.conftest import ensure_model

    model = ensure_model()
    values = {}
    for field in HouseholdScore._meta.concrete_fields:
        if field.primary_key or field.name in ("run",):
            continue
        internal = field.get_internal_type()
        if internal == "BooleanField":
            values[field.attname] = False
        elif internal in ("DecimalField", "PositiveSmallIntegerField", "IntegerField", "FloatField"):
            values[field.attname] = 0
    values.update(model_version_id=model.pk, scored_on=dt.date(2026, 3, 1), computed_at=timezone.now(),
                  community_id=household.community_id, colour=colour, main_type="none",
                  difficulty_index={"red": 75, "yellow": 55, "green": 20}[colour])
    return HouseholdScore.objects.update_or_create(household=household, defaults=values)[0]


def _lead(household, *, kind="discovery", raised, closed=None, outcome=""):
    from assistance.scoring.models import Lead
    from tests.assistance.scoring.conftest import ensure_model

    return Lead.objects.create(
        household=household, community_id=household.community_id, kind=kind,
        status="closed" if closed else "open", model_version=ensure_model(), difficulty_index=Decimal("75"),
        colour="red", main_type="income", per_capita_income=Decimal("500"), standard=Decimal("1100"),
        raised_at=raised, due_at=raised + dt.timedelta(hours=48), updated_at=closed or raised, closed_at=closed,
        outcome=outcome)


def _application(household, *, creator, channel, submitted, status, decided=None):
    from assistance.models import Application

    return Application.objects.create(
        number=Application.new_number(), household=household, community_id=household.community_id,
        applicant=household.head, programmes=["dibao"], channel=channel, status=status, created_by=creator,
        submitted_at=submitted, decided_at=decided)


def build(city) -> dict:
    from assistance.models import Benefit
    from civilaffairs.payments.models import PaymentLine

    h1 = f.household(community=city.community, head_name="甲一")
    h2 = f.household(community=city.community, head_name="乙二")
    h3 = f.household(community=city.neighbour, head_name="丙三")
    h4 = f.household(community=city.other_community, head_name="丁四")
    creator = f.staff(username="dash-creator", role="township_officer", region=city.township)

    def benefit(hh, programme, start, end=None, status="active"):
        return Benefit.objects.create(household=hh, programme=programme, start_date=start, end_date=end,
                                      status=status, monthly_amount=Decimal("500"))

    # Recipients: in force at some time in January–March 2026.
    b1 = benefit(h1, "dibao", dt.date(2025, 6, 1))  # counted
    benefit(h2, "dibao", dt.date(2026, 3, 31))  # starts on the period's last day: counted
    benefit(h3, "dibao", dt.date(2026, 4, 1))  # starts the day after: not counted
    benefit(h3, "tekun", dt.date(2025, 1, 1), dt.date(2025, 12, 31), status="ended")  # ended the day before
    benefit(h2, "temporary", dt.date(2026, 1, 1), dt.date(2026, 1, 1), status="ended")  # one-off on the first day
    benefit(h1, "dibian", dt.date(2025, 1, 1), dt.date(2026, 1, 1), status="ended")  # ended on the first day
    b4 = benefit(h4, "dibao", dt.date(2026, 1, 15))

    # Funds paid by month: only lines marked paid, by the month they are for.
    def pay(b, month, amount, status="paid"):
        PaymentLine.objects.create(programme="assistance", category="monthly", entitlement=f"assistance.benefit:{b.pk}",
                                   household=b.household, region_id=b.household.community_id, period=month,
                                   amount=Decimal(amount), status=status)

    pay(b1, dt.date(2025, 12, 1), "500.00")  # before
    pay(b1, dt.date(2026, 1, 1), "500.00")
    pay(b1, dt.date(2026, 2, 1), "500.00", status="pending")  # not paid yet
    pay(b1, dt.date(2026, 3, 1), "500.50")
    pay(b1, dt.date(2026, 4, 1), "500.00")  # after
    pay(b4, dt.date(2026, 2, 1), "300.25")

    # Applications: channels of those submitted in the period; days to decisions made in it.
    _application(h1, creator=creator, channel="online", submitted=at(2026, 1, 1), status="approved",
                 decided=at(2026, 1, 11))  # 10 days; submitted at the period's first instant
    _application(h2, creator=creator, channel="walk_in", submitted=at(2026, 1, 10), status="rejected",
                 decided=at(2026, 1, 14))  # 4 days
    _application(h2, creator=creator, channel="online", submitted=at(2026, 2, 1), status="approved",
                 decided=at(2026, 2, 2))  # 1 day
    _application(h3, creator=creator, channel="online", submitted=at(2026, 3, 31, 23, 59), status="submitted")
    _application(h3, creator=creator, channel="online", submitted=at(2026, 4, 1), status="approved",
                 decided=at(2026, 4, 5))  # after the period on both counts
    _application(h4, creator=creator, channel="proactive", submitted=at(2025, 12, 31, 12), status="approved",
                 decided=at(2026, 3, 31, 12))  # submitted before, decided in it: 90 days
    _application(h1, creator=creator, channel="online", submitted=None, status="draft")

    # Discovery leads raised in the period.
    _lead(h1, raised=at(2026, 1, 5, 10), closed=at(2026, 1, 7, 10), outcome="included")  # exactly 48 h
    _lead(h2, raised=at(2026, 2, 1), closed=at(2026, 2, 3, 0, 1), outcome="included")  # 48 h + 1 min
    _lead(h3, raised=at(2026, 3, 10), closed=at(2026, 3, 11), outcome="false_alarm")
    _lead(h3, raised=at(2026, 3, 20))  # still open
    _lead(h4, raised=at(2025, 12, 31, 23, 59), closed=at(2026, 1, 1), outcome="included")  # raised before
    _lead(h4, kind="review", raised=at(2026, 2, 1))  # not a discovery lead

    # Colours of today's scores.
    _score(h1, "red")
    _score(h2, "red")
    _score(h3, "yellow")
    _score(h4, "green")
    return {"h1": h1, "h2": h2, "h3": h3, "h4": h4}


# By district on the city's page (330203 海曙区, 330205 江北区; the other eight districts show 0).
EXPECTED_CITY = {
    "assistance.recipients": {"330203": {"dibao": 2, "dibian": 1, "tekun": 0, "temporary": 1},
                              "330205": {"dibao": 1, "dibian": 0, "tekun": 0, "temporary": 0}},
    "assistance.funds_paid": {"2026-01": {"dibao": 500.0}, "2026-02": {"dibao": 300.25},
                              "2026-03": {"dibao": 500.5}},
    "assistance.online_share": {"online": 3, "walk_in": 1, "home_visit": 0, "proactive": 0},
    "assistance.decision_days": {"330203": {"median": 4.0, "average": 5.0, "decided": 3},
                                 "330205": {"median": 90.0, "average": 90.0, "decided": 1}},
    "assistance.discovery_leads": {"330203": {"found": 4, "verified": 2, "included": 1},
                                   "330205": {"found": 0, "verified": 0, "included": 0}},
    "assistance.colour_bands": {"330203": {"red": 2, "yellow": 1, "green": 0},
                                "330205": {"red": 0, "yellow": 0, "green": 1}},
}
