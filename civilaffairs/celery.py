"""The Celery app and the beat schedule.

With REDIS_URL the broker is Redis; without it, kombu's filesystem transport
under var/celery, so a real worker and beat run with no server installed.
"""
from __future__ import annotations

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civilaffairs.settings")

app = Celery("civilaffairs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "worklist-escalate-overdue": {
        "task": "worklist.escalate_overdue",
        "schedule": crontab(minute="*/15"),
    },
}

app.conf.beat_schedule["scoring-full-rescore-nightly"] = {"task": "scoring.start_full_rescore", "schedule": crontab(hour=1, minute=30)}
app.conf.beat_schedule["scoring-incremental-rescore"] = {"task": "scoring.incremental_rescore", "schedule": crontab(minute="*/5")}
app.conf.beat_schedule["assistance-payment-rolls-monthly"] = {"task": "assistance.payment_rolls_generate", "schedule": crontab(day_of_month=1, hour=2, minute=0)}
app.conf.beat_schedule["assistance-review-round-quarterly"] = {"task": "assistance.review_round_start", "schedule": crontab(month_of_year="1,4,7,10", day_of_month=1, hour=3, minute=0)}
app.conf.beat_schedule["assistance-phaseouts-expire-daily"] = {"task": "assistance.phaseouts_expire", "schedule": crontab(hour=0, minute=30)}


@app.on_after_configure.connect
def _make_queue_folders(sender, **kwargs):
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
