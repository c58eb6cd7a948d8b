"""Assistance periodic jobs: the task bodies, the per-district fan-out and the beat schedule."""
import datetime as dt

from django.utils import timezone

from assistance import tasks
from assistance.models import Benefit, BenefitStatus, Review
from civilaffairs.celery import app as celery_app
from civilaffairs.payments import tasks as payment_tasks
from civilaffairs.payments.models import PaymentLine, PaymentRoll


def test_the_roll_task_generates_assistance_lines_once(at, city):
    at("approved")
    month = timezone.localdate().replace(day=1).isoformat()
    assert payment_tasks.payment_roll_generate(city.district.code, month) == 1
    assert payment_tasks.payment_roll_generate(city.district.code, month) == 0
    assert PaymentRoll.objects.filter(programme="assistance").count() == 1
    assert PaymentLine.objects.filter(programme="assistance").count() == 1


def test_the_review_and_phaseout_tasks_call_their_services_once(at):
    app = at("approved")
    today = timezone.localdate().isoformat()
    assert tasks.review_round_start(today) == 1
    assert tasks.review_round_start(today) == 0
    assert Review.objects.count() == 1
    benefit = Benefit.objects.get(household=app.household)
    Benefit.objects.filter(pk=benefit.pk).update(status=BenefitStatus.PHASEOUT,
                                                 phaseout_until=timezone.localdate() - dt.timedelta(days=1))
    assert tasks.phaseouts_expire(today) == 1
    assert tasks.phaseouts_expire(today) == 0
    benefit.refresh_from_db()
    assert benefit.status == BenefitStatus.ENDED


def test_the_jobs_are_on_the_beat_schedule_with_retries_and_time_limits():
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert {"payments.rolls_generate", "assistance.review_round_start", "assistance.phaseouts_expire"} <= scheduled
    for task in (payment_tasks.payment_rolls_generate, payment_tasks.payment_roll_generate, tasks.review_round_start,
                 tasks.phaseouts_expire):
        assert task.name in celery_app.tasks
        assert task.time_limit and task.max_retries and task.acks_late
