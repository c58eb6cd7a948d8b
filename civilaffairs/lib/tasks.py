"""Queue Celery tasks without letting the broker fail the request.

A task is queued after the commit that wrote its row, so when the broker cannot take it the
write has already happened: the caller is told it succeeded (it did), a warning is logged,
and the row stays where a beat sweep finds it (pending SMS: ``notifications.sweep_pending_sms``;
chunks of a full run: ``entitlements.incremental_run`` resumes stalled runs).
Every enqueue on commit goes through ``enqueue_on_commit``."""
from __future__ import annotations

import logging

from django.db import transaction

from .outage import Outage

log = logging.getLogger("civilaffairs.tasks")

broker = Outage("Celery broker")


def enqueue(task, *args, on_failure=None) -> bool:
    """``task.delay(*args)``; False (logged, and ``on_failure()`` called) when the broker cannot
    take it. While the broker failed in the last few seconds nothing is tried: the sweep picks
    the row up."""
    if broker.should_skip():
        log.info("broker unreachable: %s%r left for the sweep", task.name, args)
    else:
        try:
            task.delay(*args)
        except Exception as exc:  # any broker or transport failure: the row is already committed
            broker.failed(exc)
            log.warning("could not queue %s%r (%s); left for the sweep", task.name, args, type(exc).__name__)
        else:
            broker.succeeded()
            return True
    if on_failure is not None:
        try:
            on_failure()
        except Exception:  # the sweep still finds the row, only later
            log.exception("recording that %s%r was not queued failed", task.name, args)
    return False


def enqueue_on_commit(task, *args, on_failure=None) -> None:
    """Queue ``task`` with ``args`` (ids) once the current transaction commits; a broker that
    cannot take it fails neither the commit nor the request (see ``enqueue``)."""
    transaction.on_commit(lambda: enqueue(task, *args, on_failure=on_failure))
