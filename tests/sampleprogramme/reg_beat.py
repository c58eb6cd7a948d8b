"""A beat entry, for a task of the sample's own (tasks.py)."""
from celery.schedules import crontab

from civilaffairs import programmes


def register() -> None:
    programmes.register_beat("sample-nightly", task="sample.nightly", schedule=crontab(hour=5, minute=0))


def unregister() -> None:
    programmes.unregister_beat("sample-nightly")
