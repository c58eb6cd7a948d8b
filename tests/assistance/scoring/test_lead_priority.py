"""A lead's work item is prioritised by its household's colour and links to the household."""
import datetime as dt

from django.urls import reverse

from assistance.scoring import services
from assistance.scoring.models import Lead
from assistance.models import Benefit
from civilaffairs.worklist.models import Priority
from civilaffairs.worklist.sources import subject_url_for

from .helpers import ON, household, monthly


def test_lead_items_are_prioritised_by_colour_not_all_high(city, model):
    poor, (a,) = household(city.community, [dt.date(1950, 1, 1)], name="困难")
    monthly(a, "pension", 600)  # red, not covered: a discovery lead
    earner, (b,) = household(city.community, [dt.date(1980, 1, 1)], name="增收")
    monthly(b, "income", 6000)  # a 低保 recipient now well above the line: a 渐退 review lead, green
    Benefit.objects.create(household=earner, programme="dibao", start_date=dt.date(2023, 1, 1))
    for hh in (poor, earner):
        services.household_rescore(household_id=hh.pk, on=ON)
    discovery = Lead.objects.select_related("work_item").get(household=poor)
    review = Lead.objects.select_related("work_item").get(household=earner)
    assert (discovery.kind, discovery.colour) == ("discovery", "red")
    assert (review.kind, review.colour) == ("review", "green")
    assert discovery.work_item.priority == Priority.HIGH
    assert review.work_item.priority == Priority.LOW


def test_a_lead_item_links_to_its_household(city, model, client, grid_worker, other_district_worker):
    hh, (a,) = household(city.community, [dt.date(1950, 1, 1)], name="困难")
    monthly(a, "pension", 600)
    services.household_rescore(household_id=hh.pk, on=ON)
    item = Lead.objects.get(household=hh).work_item
    page = reverse("assistance:household_360", args=[hh.pk])
    assert subject_url_for(item) == page
    client.force_login(grid_worker)
    assert f'href="{page}"' in client.get(reverse("worklist:detail", args=[item.pk])).content.decode()
    client.force_login(other_district_worker)
    assert client.get(page).status_code == 404
