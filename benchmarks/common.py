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


# The figures the issues set targets for, collected as the benchmarks run and printed as one
# table at the end of ``python -m benchmarks`` (``make bench``): name, measured, target, and the
# ratio against the floor measured in the same run (machines here are shared and noisy).
FIGURES: list[dict] = []


def figure(name: str, measured: str, *, target: str = "", floor_ratio: float | None = None,
           met: bool | None = None) -> str:
    """Record one figure for the summary table; returns ``measured`` for the benchmark's own line."""
    FIGURES.append({"name": name, "measured": measured, "target": target, "floor_ratio": floor_ratio, "met": met})
    return measured


def summary_table() -> list[str]:
    if not FIGURES:
        return []
    rows = [("figure", "measured", "target", "÷ floor", "met")]
    for f in FIGURES:
        rows.append((f["name"], f["measured"], f["target"],
                     "" if f["floor_ratio"] is None else f"{f['floor_ratio']:.2f}",
                     "" if f["met"] is None else ("yes" if f["met"] else "NO")))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    out = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return out
