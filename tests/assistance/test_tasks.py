"""Assistance periodic jobs: the task bodies, the per-district fan-out and the beat schedule."""
import datetime as dt
from unittest import mock

from django.utils import timezone

from assistance import tasks
from assistance.models import Benefit, BenefitStatus, Payment, PaymentRoll, Review
from civilaffairs.celery import app as celery_app
from civilaffairs.registry.models import Region, RegionLevel


def test_the_monthly_job_enqueues_one_roll_task_per_district_after_commit(city, django_capture_on_commit_callbacks):
    districts = list(Region.objects.filter(level=RegionLevel.DISTRICT, is_active=True).order_by("code")
                     .values_list("code", flat=True))
    with mock.patch.object(tasks.payment_roll_generate, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert tasks.payment_rolls_generate("2026-03-17") == len(districts)
        delay.assert_not_called()  # nothing leaves before the commit
        for callback in callbacks:
            callback()
    assert [c.args for c in delay.call_args_list] == [(code, "2026-03-01") for code in districts]
    assert city.district.code in districts


def test_the_roll_task_is_idempotent(at, city):
    at("approved")
    month = timezone.localdate().replace(day=1).isoformat()
    assert tasks.payment_roll_generate(city.district.code, month) == 1
    assert tasks.payment_roll_generate(city.district.code, month) == 0
    assert PaymentRoll.objects.count() == 1 and Payment.objects.count() == 1


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
    assert {"assistance.payment_rolls_generate", "assistance.review_round_start",
            "assistance.phaseouts_expire"} <= scheduled
    for task in (tasks.payment_rolls_generate, tasks.payment_roll_generate, tasks.review_round_start,
                 tasks.phaseouts_expire):
        assert task.name in celery_app.tasks
        assert task.time_limit and task.max_retries and task.acks_late
