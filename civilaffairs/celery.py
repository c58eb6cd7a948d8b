"""The Celery app and the beat schedule.

With REDIS_URL the broker is Redis; without it, kombu's filesystem transport
under var/celery, so a real worker and beat run with no server installed.
"""
from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civilaffairs.settings")

app = Celery("civilaffairs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Exactly one beat runs; city-wide jobs also take PostgreSQL advisory locks, so a
# duplicate run is harmless. These are the platform's own jobs; each programme adds its own
# with ``civilaffairs.programmes.register_beat`` in its ``AppConfig.ready()`` (beat reads the
# schedule after Django is set up, so they are there when it starts).
PLATFORM_BEAT_SCHEDULE = {
    "worklist-escalate-overdue": {"task": "worklist.escalate_overdue", "schedule": crontab(minute="*/15")},
    "payments-rolls-monthly": {"task": "payments.rolls_generate",
                               "schedule": crontab(day_of_month=1, hour=2, minute=0)},
    # Districts whose roll task the broker refused at the monthly run (Redis down) or lost.
    "payments-rolls-catch-up": {"task": "payments.rolls_catch_up",
                                "schedule": crontab(day_of_month="1-5", minute="*/30")},
    # SMS whose task the broker could not take (Redis down at the commit) or lost.
    "notifications-sweep-pending-sms": {"task": "notifications.sweep_pending_sms", "schedule": crontab(minute="*/5")},
    "accounts-login-records-purge-daily": {"task": "accounts.login_records_purge",
                                           "schedule": crontab(hour=4, minute=15)},
    # Department records of persons registered after the records arrived (person_create links its own).
    "registry-department-records-link": {"task": "registry.department_records_link",
                                         "schedule": crontab(minute="*/30")},
    # Guardianship links of guardians with a current 撤销监护资格 fact.
    "registry-guardianships-revoke": {"task": "registry.guardianships_revoke", "schedule": crontab(minute="15,45")},
}
app.conf.beat_schedule = dict(PLATFORM_BEAT_SCHEDULE)
