"""What every benchmark prints first: the machine and the database server it measured."""
from __future__ import annotations

import os
import platform


def machine() -> str:
    """CPU, cores, PostgreSQL version and shared_buffers, Python, and the load average now."""
    from django.db import connection

    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
        cur.execute("SHOW shared_buffers")
        buffers = cur.fetchone()[0]
    try:
        load = "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    except OSError:
        load = "load ?"
    return (f"{platform.node()} {os.cpu_count()} cores {cpu} / PostgreSQL {pg} shared_buffers {buffers} / "
            f"Python {platform.python_version()} / {load}")
