"""Department-record import: the issue-4 row "department-record import ≥ 150,000 records/s".

A generated CSV file of N department records for existing persons goes through the real
pipeline end to end (``department_batch_import``: read and validate in Python, COPY into
staging, set-based load, batch row, audit event, commit), against the floor of the same rows
COPYed straight into ``registry_departmentrecord`` (person ids and fingerprints already
computed, the same indexes and dirty-household triggers), measured in the same run; the ratio
pipeline ÷ floor is the figure to compare across machines.

- Persons: the deterministic city of ``benchmarks.city`` (``rows / 5`` households, ~2.7
  persons each), with ID digests replaced by the keyed digests of valid GB 11643 numbers
  derived from the person id (``id_number``), computed in one loop and set with one UPDATE.
- The file: two records per person for the first ``rows / 2`` persons (two months of
  income, pension, employment or medical expense; some with attributes), 1 % of rows for
  valid ID numbers of persons not in the registry (loaded unlinked) and 0.2 % bad rows (check
  digit, date, kind). Column headers in Chinese, names included, UTF-8.
- Lines: the Python side alone (``services._clean_and_stage``: read, validate, fingerprint, fact
  identity, COPY text; no database), the floor, the
  pipeline, the same file sent again (every row a duplicate; target ≥ 300,000 records/s) and a
  corrected re-delivery (every fact again with another 期间止: each row supersedes the current
  record of its fact). Each with the load average
  and the CPU time per row of this process and of its PostgreSQL backend (from /proc when the
  server runs on this machine): on a shared machine CPU per row varies less than wall time.
  Afterwards the imported records are deleted again.

Sizes: quick 50,000 rows, full 1,000,000 (``BENCH_IMPORT_ROWS`` overrides).

    python -m benchmarks --quick --only bench_import
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import tempfile
import time

from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

QUICK_ROWS = 50_000
FULL_ROWS = 1_000_000
UNKNOWN_EVERY = 100  # one row in 100 names a person who is not registered
BAD_EVERY = 500  # one row in 500 is invalid
KINDS = (("income", True), ("pension", True), ("employment", False), ("medical_expense", True))
UNKNOWN_PERSON_BASE = 50_000_000


def id_number(pid: int) -> str:
    """A valid resident ID number, unique for each pid below 200 million."""
    from benchmarks.city import DISTRICTS
    from civilaffairs.lib.idnumber import check_digit

    birth = dt.date(1940, 1, 1) + dt.timedelta(days=pid % 20_000)
    body = f"{DISTRICTS[(pid // 20_000_000) % 10]}{birth:%Y%m%d}{(pid // 20_000) % 1000:03d}"
    return body + check_digit(body)


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


class CpuClock:
    """CPU seconds of this process (all threads) and of its PostgreSQL backend (read from /proc when the
    server runs on this machine): on a shared machine, CPU per row is steadier than wall time."""

    def __init__(self):
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            self.stat = f"/proc/{cur.fetchone()[0]}/stat"
        self.tick = os.sysconf("SC_CLK_TCK")

    def read(self) -> tuple[float, float | None]:
        try:
            with open(self.stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            backend = (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime
        except OSError:
            backend = None
        return time.process_time(), backend

    def per_row(self, start: tuple[float, float | None], rows: int) -> str:
        python, backend = self.read()
        text = f"CPU per row: Python {(python - start[0]) / rows * 1e6:.1f} µs"
        if backend is not None and start[1] is not None:
            text += f", PostgreSQL {(backend - start[1]) / rows * 1e6:.1f} µs"
        return text


def set_real_digests() -> tuple[int, float]:
    """Give every person of the city the keyed digest of ``id_number(pid)``; (persons, seconds)."""
    from civilaffairs.lib.crypto import blind_indexer

    digest = blind_indexer("id")
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM registry_person ORDER BY id")
        buf = io.StringIO()
        ids = [row[0] for row in cur.fetchall()]
        buf.writelines(f"{pid}\t{digest(id_number(pid))}\n" for pid in ids)
        buf.seek(0)
        with transaction.atomic():
            cur.execute("CREATE TEMP TABLE bench_digest (id bigint PRIMARY KEY, digest varchar(64)) ON COMMIT DROP")
            cur.copy_from(buf, "bench_digest")
            cur.execute("SET LOCAL session_replication_role = replica")  # no dirty trigger: nothing was scored yet
            cur.execute("UPDATE registry_person p SET id_digest = d.digest FROM bench_digest d WHERE d.id = p.id")
        cur.execute("VACUUM ANALYZE registry_person")
    return len(ids), time.perf_counter() - t


def digests_are_real() -> bool:
    from civilaffairs.lib.crypto import blind_index

    with connection.cursor() as cur:
        cur.execute("SELECT id, id_digest FROM registry_person ORDER BY id DESC LIMIT 1")
        row = cur.fetchone()
    return row is not None and row[1] == blind_index(id_number(row[0]), purpose="id")


def write_file(path: str, rows: int, persons: int, batch_id: int, now: str) -> tuple[bytes, dict]:
    """Write the CSV; return the floor's COPY text for the good rows, and the file's counts."""
    from civilaffairs.lib.crypto import blind_indexer
    from civilaffairs.registry.facts.schema import canonical_attributes
    from civilaffairs.registry.imports.rows import fingerprint

    digest = blind_indexer("id")
    # What the import stores for {"单位": "宁波"}: the kind's canonical attributes (employer for income).
    canonical = {kind: json.dumps(canonical_attributes(kind, {"单位": "宁波"}), ensure_ascii=False, sort_keys=True,
                                  separators=(",", ":")) for kind, _amount in KINDS}
    floor = io.StringIO()
    counts = {"unknown": 0, "bad": 0, "persons": set()}
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("身份证号,姓名,类别,期间起,期间止,金额,属性\n")
        for i in range(rows):
            bad = i % BAD_EVERY == BAD_EVERY // 2
            if i % UNKNOWN_EVERY == UNKNOWN_EVERY - 1:
                pid, known = UNKNOWN_PERSON_BASE + i, False
                counts["unknown"] += 1
            else:
                pid, known = 1 + i % persons, True
                counts["persons"].add(pid)
            month = 1 + (i // persons) % 12
            kind, with_amount = KINDS[(pid + i // persons) % len(KINDS)]
            amount = f"{500 + (pid * 7919 + i) % 40_000}.{(i * 13) % 100:02d}" if with_amount else ""
            start, end = f"2024-{month:02d}-01", f"2024-{month:02d}-28"
            attributes, attributes_json = ('"{""单位"": ""宁波""}"', canonical[kind]) if pid % 17 == 0 else ("", "{}")
            number = id_number(pid)
            if bad:  # never on an unknown person's row (i % 500 == 250)
                counts["bad"] += 1
                problem = i // BAD_EVERY % 3
                number = number[:17] + ("0" if number[17] != "0" else "1") if problem == 0 else number
                start = "2024-02-30" if problem == 1 else start
                kind = "lottery" if problem == 2 else kind
                out.write(f"{number},居民{pid},{kind},{start},{end},{amount},{attributes}\n")
                continue
            out.write(f"{number},居民{pid},{kind},{start},{end},{amount},{attributes}\n")
            d = digest(number)
            fp = fingerprint("hrss", kind, d, start, end, amount, attributes_json)
            floor.write(f"{pid if known else chr(92) + 'N'}\t{d}\thrss\t{kind}\t{start}\t{end}\t"
                        f"{amount or chr(92) + 'N'}\t{attributes_json}\t{batch_id}\t{fp}\t{now}\n")
    counts["persons"] = len(counts["persons"])
    return floor.getvalue().encode(), counts


def python_side_rate(path: str) -> tuple[float, float]:
    """Rows/s and CPU µs/row of the import's Python side (read, validate, fingerprint, fact identity, the
    COPY text of each chunk: ``services._clean_and_stage``), with no database."""
    from civilaffairs.registry.imports.reading import file_rows
    from civilaffairs.registry.imports.services import _clean_and_stage

    class NoDatabase:
        def put(self, lines: list[str]) -> None:
            "".join(lines).encode()

    data = open(path, "rb").read()
    t, cpu = time.perf_counter(), time.process_time()
    n, _valid = _clean_and_stage(file_rows(data, path), source="hrss", loader=NoDatabase(), errors=[])
    return n / (time.perf_counter() - t), (time.process_time() - cpu) / n * 1e6


def floor_rate(payload: bytes, rows: int, clock: CpuClock) -> tuple[float, str]:
    """COPY the good rows straight into registry_departmentrecord (rolled back); (rows/s, CPU per row)."""
    with transaction.atomic():
        with connection.cursor() as cur:
            start = clock.read()
            t = time.perf_counter()
            cur.copy_expert("COPY registry_departmentrecord (person_id, id_digest, source, kind, period_start, "
                            "period_end, amount, attributes, batch_id, fingerprint, created_at) FROM STDIN",
                            io.BytesIO(payload), 1 << 20)
            elapsed = time.perf_counter() - t
            cpu = clock.per_row(start, rows)
        transaction.set_rollback(True)
    with connection.cursor() as cur:
        cur.execute("VACUUM registry_departmentrecord")  # the pipeline does not pay for the floor's dead rows
    return rows / elapsed, cpu


def run(quick: bool) -> list[str]:
    from benchmarks.common import figure, machine
    from benchmarks.city import check_database, generate
    from civilaffairs.registry.imports import department_batch_import
    from civilaffairs.registry.models import Household

    check_database()
    rows = int(os.environ.get("BENCH_IMPORT_ROWS", QUICK_ROWS if quick else FULL_ROWS))
    households = max(1_000, rows // 5)
    lines = [f"machine: {machine()}"]
    t = time.perf_counter()
    if os.environ.get("BENCH_REUSE") and Household.objects.count() == households and digests_are_real():
        lines.append(f"reusing the generated city of {households:,} households (BENCH_REUSE)")
    else:
        counts = generate(households)
        persons, seconds = set_real_digests()
        lines.append(f"generate: {households:,} households, {counts['registry_person']:,} persons, "
                     f"{counts['registry_departmentrecord']:,} records in {time.perf_counter() - t:.1f}s "
                     f"(real ID digests for {persons:,} persons: {seconds:.1f}s)")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM registry_person")
        persons = min(cur.fetchone()[0], max(1, rows // 2))
        cur.execute("SELECT count(*) FROM registry_departmentrecord")
        existing = cur.fetchone()[0]

    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        path = os.path.join(tmp, "hrss.csv")
        floor_payload, shape = write_file(path, rows, persons, batch_id=1, now=timezone.now().isoformat())
        size = os.path.getsize(path)
        good = rows - shape["bad"]
        lines.append(f"file: {rows:,} rows ({shape['persons']:,} registered persons, {shape['unknown']:,} rows of "
                     f"unregistered persons, {shape['bad']:,} bad rows), {size / 1048576:.1f} MB; "
                     f"table holds {existing:,} records")

        rate, cpu = python_side_rate(path)
        lines.append(f"Python side alone (read, validate, fingerprint, stage; no database): {rate:,.0f} rows/s, "
                     f"CPU {cpu:.1f} µs/row, {_load()}")

        clock = CpuClock()
        floor, cpu = floor_rate(floor_payload, good, clock)
        lines.append(f"floor: raw COPY of the {good:,} good rows into registry_departmentrecord (same indexes and "
                     f"triggers): {floor:,.0f} rows/s, {cpu}, {_load()}")

        # Every fact again with another value (期间止 the 27th, not the 28th): each row supersedes one.
        corrected = os.path.join(tmp, "hrss-corrected.csv")
        with open(path, encoding="utf-8") as original, open(corrected, "w", encoding="utf-8") as out:
            out.write(original.read().replace("-28,", "-27,"))
        batches = []
        with override_settings(DEPARTMENT_IMPORT_MAX_BYTES=size + 1):
            for label, file in (("pipeline", path), ("the same file again", path),
                                ("a corrected re-delivery (every fact again, another value)", corrected)):
                with open(file, "rb") as upload:
                    start = clock.read()
                    t = time.perf_counter()
                    batch = department_batch_import(actor=None, source="hrss", channel="file", file_name="hrss.csv",
                                                    content=upload)
                    seconds = time.perf_counter() - t
                batches.append(batch.pk)
                target = {"pipeline": 150_000, "the same file again": 300_000}.get(label)
                if target:
                    figure(f"department facts import, {label} ({rows:,} rows)", f"{rows / seconds:,.0f} rows/s",
                           target=f"≥ {target:,} rows/s", floor_ratio=rows / seconds / floor,
                           met=rows / seconds >= target)
                lines.append(
                    f"{label}: department_batch_import, {rows:,} rows file to commit: {seconds:.2f}s = "
                    f"{rows / seconds:,.0f} records/s (loaded {batch.loaded_rows:,}, duplicates "
                    f"{batch.duplicate_rows:,}, superseded {batch.superseded_rows:,}, errors {batch.error_rows:,}, "
                    f"unmatched {batch.unmatched_rows:,}); "
                    f"pipeline ÷ floor {rows / seconds / floor:.2f}; {clock.per_row(start, rows)}, {_load()}")

    with connection.cursor() as cur:  # leave the city as generated
        cur.execute("SET session_replication_role = replica")
        cur.execute("DELETE FROM registry_departmentrecord WHERE batch_id = ANY(%s)", [batches])
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("TRUNCATE entitlements_dirtysubject")
    return lines
