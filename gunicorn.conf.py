"""gunicorn settings: ``gunicorn civilaffairs.wsgi`` reads this file from the working directory.

Threaded workers (gthread): a request spends much of its time waiting for PostgreSQL, so two
threads per process keep the cores busy, and keep-alive connections from the proxy wait in the
worker's poller instead of holding a worker. Sizes measured with
``benchmarks/bench_resident_submit.py`` (README, "Demo data, languages, benchmarks").
Override with GUNICORN_WORKERS / GUNICORN_THREADS; bind with ``--bind`` as usual.
"""
import os

workers = int(os.environ.get("GUNICORN_WORKERS", (os.cpu_count() or 1) + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"
keepalive = 5
# A worker is replaced after this many requests (staggered), so slow leaks cannot grow for ever.
max_requests = 5000
max_requests_jitter = 500
# Access log (off unless GUNICORN_ACCESS_LOG is set, e.g. "-" for stdout), with ID and mobile
# numbers in the request line, query and referrer redacted.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
logger_class = "civilaffairs.lib.gunicornlog.RedactingLogger"
