"""Assistance in the person file: the person's applications and benefits, their household's
difficulty index and the payments, each scoped, and their events in the merged timeline."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assistance import services as svc
from civilaffairs.payments.models import PaymentLine
from civilaffairs.payments.person_file import person_lines
from civilaffairs.payments.services import payment_roll_generate
from assistance.scoring import services as scoring
from civilaffairs.portal.person_file import person_file_sections
from tests.assistance.scoring.conftest import ensure_model

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def file_page(user, person) -> str:
    response = client_for(user).get(reverse("portal:person_file", args=[person.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_assistance_registers_its_three_sections_in_ready():
    names = [s.name for s in person_file_sections()]
    assert {"assistance.applications", "assistance.scores", "payments.lines"} <= set(names)
    assert not any(s.sensitive for s in person_file_sections() if s.name.startswith("assistance."))


def test_the_file_shows_the_application_benefit_payment_and_timeline(at, grid_worker, district_approver, city):
    app = at("approved")
    payment_roll_generate(district_code=city.district.code, month=timezone.localdate(), programme="assistance")
    payment = PaymentLine.objects.get(household=app.household)
    member = app.members.exclude(person=app.applicant).first().person

    page = file_page(grid_worker, app.applicant)
    assert app.number in page
    assert reverse("assistance:application_detail", args=[app.pk]) in page
    assert "最低生活保障" in page and str(app.household.benefits.get().monthly_amount) in page  # the benefit
    assert str(payment.amount) in page and "待发放" in page  # the payment
    from assistance.workflow import TRANSITIONS

    assert f"{TRANSITIONS['approve'].label} · {app.number}" in page  # the approval in the timeline
    # A declared member's file shows the application too.
    assert app.number in file_page(grid_worker, member)


def test_the_difficulty_index_of_the_current_household_is_shown(poor_household, grid_worker):
    ensure_model()
    scoring.household_rescore(household_id=poor_household.pk)
    score = poor_household.score
    page = file_page(grid_worker, poor_household.head)
    assert str(score.difficulty_index) in page
    assert reverse("scoring:household", args=[poor_household.pk]) in page


def test_a_household_without_records_shows_empty_sections(home_household, grid_worker):
    page = file_page(grid_worker, home_household.head)
    assert "暂无救助申请。" in page and "暂无困难指数。" in page and "暂无发放记录。" in page


def test_payments_are_read_through_the_scope(at, grid_worker, neighbour_grid_worker, city):
    app = at("approved")
    payment_roll_generate(district_code=city.district.code, month=timezone.localdate(), programme="assistance")
    assert len(person_lines(user=grid_worker, person=app.applicant)) == 1
    assert person_lines(user=neighbour_grid_worker, person=app.applicant) == []
