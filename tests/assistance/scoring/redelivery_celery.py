"""The site's Celery app with a short Redis visibility timeout, for the worker that takes over in
tests/assistance/scoring/test_worker.py: a message delivered to a worker that died without acking
it (acks_late) stays in Redis's "unacked" set and is given back to the queue by the next worker's
restore sweep once older than ``visibility_timeout``. Production keeps 3600 s (longer than any
task, so a running task is never delivered twice); 2 s here lets the test see the redelivery."""
from civilaffairs.celery import app

app.conf.broker_transport_options = {
    **(app.conf.broker_transport_options or {}),
    "visibility_timeout": 2,
    "unacked_restore_interval": 1,  # sweep every second (kombu's redis transport)
    "unacked_restore_throttle": 1,
}
