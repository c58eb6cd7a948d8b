"""Loading cleaned rows: COPY into a temporary staging table, then one set-based statement per chunk.

Per chunk of ``CHUNK_ROWS`` cleaned rows:

1. ``COPY`` them into the session's temporary table ``registry_import_stage`` (no WAL, no index);
2. ``load_sql``: resolve the person by ID digest (an index probe per row), ``INSERT … SELECT``
   into ``registry_departmentrecord`` the rows whose fingerprint is not there yet (duplicates of
   earlier batches and earlier chunks are skipped; the caller drops duplicates inside a chunk), and
   report how many were inserted and which lines name no registered person.

The insert is a plain one behind ``NOT EXISTS``, not ``ON CONFLICT DO NOTHING``: a speculative
insertion costs a second probe of the fingerprint index, a second WAL record and a lock per row
(about 2 µs of the ~20 µs a row costs the database) and its check comes after the person probe,
so a re-sent row cost the probe too. ``NOT EXISTS`` cannot see a row another transaction has
inserted but not yet committed: if such a transaction commits a record of this batch, the insert
fails on the unique constraint and ``finish`` raises ``FingerprintRace``; the service then loads
the batch again from the start with ``on_conflict=True``, the old statement, which waits for such
rows and skips them.

The chunks are loaded on a second thread over the same connection and transaction while the
caller cleans the next chunk, so the Python work and the database work of a batch overlap (on
two cores, or with the database on another machine). Only that thread touches the connection
until ``finish``/``close`` return. The scoring engine's statement-level triggers mark the
affected households dirty once per chunk.
"""
from __future__ import annotations

import io
import queue
import sys
import threading

import psycopg2
import psycopg2.errors
from django.db import connection
from django.db import utils as db_utils

STAGE_TABLE = "registry_import_stage"
CHUNK_ROWS = 10_000
UNMATCHED_LISTED = 1000  # line numbers of unmatched rows kept on the batch; the count is exact
_NULL = "\\N"
# Most specific first: the psycopg2 classes Django wraps under the same names.
_DB_ERRORS = ("DataError", "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError",
              "OperationalError", "InterfaceError", "DatabaseError")

CREATE_STAGE = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE_TABLE} (
    line integer NOT NULL,
    id_digest varchar(64) NOT NULL,
    kind varchar(24) NOT NULL,
    period_start date NOT NULL,
    period_end date NOT NULL,
    amount numeric(14, 2),
    attributes jsonb NOT NULL,
    fingerprint uuid NOT NULL
) ON COMMIT DROP"""

STAGE_COLUMNS = "line, id_digest, kind, period_start, period_end, amount, attributes, fingerprint"

_LOAD_SQL = f"""
WITH inserted AS (
    INSERT INTO registry_departmentrecord (person_id, id_digest, source, kind, period_start, period_end, amount,
                                           attributes, batch_id, fingerprint, created_at)
    -- One unique-index probe per row for the person: the staging table has no statistics, and a
    -- hash join would read every person for each chunk.
    SELECT (SELECT p.id FROM registry_person p WHERE p.id_digest = s.id_digest), s.id_digest, %(source)s, s.kind,
           s.period_start, s.period_end, s.amount, s.attributes, %(batch)s, s.fingerprint, %(now)s
    FROM {STAGE_TABLE} s
    {{skip}}
    RETURNING person_id, fingerprint
)
SELECT count(*), count(*) FILTER (WHERE person_id IS NULL),
       ARRAY(SELECT min(s.line) FROM inserted i JOIN {STAGE_TABLE} s ON s.fingerprint = i.fingerprint
             WHERE i.person_id IS NULL GROUP BY s.fingerprint ORDER BY 1 LIMIT %(listed)s)
FROM inserted"""

FINGERPRINT_CONSTRAINT = "deptrec_fingerprint_unique"
SKIP_COMMITTED = "WHERE NOT EXISTS (SELECT FROM registry_departmentrecord d WHERE d.fingerprint = s.fingerprint)"
SKIP_CONFLICTING = "ON CONFLICT (fingerprint) DO NOTHING"


def load_sql(*, on_conflict: bool) -> str:
    return _LOAD_SQL.replace("{skip}", SKIP_CONFLICTING if on_conflict else SKIP_COMMITTED)


class FingerprintRace(Exception):
    """Another transaction committed a record of this batch while it loaded; load it again with ``on_conflict``."""


def stage_line(line: int, digest: str, kind: str, start: str, end: str, amount: str, attributes: str,
               fingerprint: str) -> str:
    """One row in COPY text format. Only the JSON can hold a backslash (its own escapes); none holds a tab."""
    if "\\" in attributes:
        attributes = attributes.replace("\\", "\\\\")
    return f"{line}\t{digest}\t{kind}\t{start}\t{end}\t{amount or _NULL}\t{attributes}\t{fingerprint}\n"


# While a batch loads, the thread cleaning rows holds the GIL nearly all the time, and each time one
# of the loader's database calls returns (TRUNCATE, COPY, the insert: several per chunk) the loader
# waits for the GIL up to the interpreter's switch interval (5 ms) while the database has nothing to
# do. Handing over within 0.5 ms instead: 1M-row file 44-50k -> 55-56k records/s on 2 cores, the CPU
# per row unchanged. The interval is process-wide: lowered while any loader runs, then restored.
GIL_SWITCH_INTERVAL = 0.0005
_switching = {"loaders": 0, "saved": 0.0}
_switching_lock = threading.Lock()


def _prompt_gil_handoff(running: bool) -> None:
    with _switching_lock:
        if running:
            if _switching["loaders"] == 0:
                _switching["saved"] = sys.getswitchinterval()
                sys.setswitchinterval(min(_switching["saved"], GIL_SWITCH_INTERVAL))
            _switching["loaders"] += 1
        else:
            _switching["loaders"] -= 1
            if _switching["loaders"] == 0:
                sys.setswitchinterval(_switching["saved"])


class ChunkLoader:
    """Loads chunks of staged lines on a second thread; see the module docstring.

    ``put`` hands over a chunk (waiting while the previous one is still loading), ``finish``
    waits for the last one and re-raises any database error; ``close`` (always, in a
    ``finally``) stops the thread. Totals: ``loaded``, ``unmatched``, ``unmatched_lines``.
    """

    def __init__(self, *, batch_id: int, source: str, now, on_conflict: bool = False):
        self.loaded = 0
        self.unmatched = 0
        self.unmatched_lines: list[int] = []
        self._params = {"batch": batch_id, "source": source, "now": now}
        self._sql = load_sql(on_conflict=on_conflict)
        self._error: BaseException | None = None
        with connection.cursor() as cursor:
            cursor.execute(CREATE_STAGE)
            cursor.execute(f"TRUNCATE {STAGE_TABLE}")
        self._raw = connection.connection
        self._chunks: queue.Queue = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, name="department-import-loader", daemon=True)
        _prompt_gil_handoff(True)
        self._prompting = True
        self._thread.start()

    def put(self, lines: list[str]) -> None:
        self._raise_if_failed()
        self._chunks.put("".join(lines).encode())

    def finish(self) -> None:
        self.close()
        self._raise_if_failed()

    def close(self) -> None:
        if self._thread.is_alive():
            self._chunks.put(None)
            self._thread.join()
        if self._prompting:
            self._prompting = False
            _prompt_gil_handoff(False)

    def _raise_if_failed(self) -> None:
        if self._error is None:
            return
        error, self._error = self._error, None
        if (isinstance(error, psycopg2.errors.UniqueViolation)
                and error.diag.constraint_name == FINGERPRINT_CONSTRAINT):
            raise FingerprintRace from None
        if isinstance(error, psycopg2.Error):
            # The message and context of a failed COPY or INSERT can quote a row's values (amounts,
            # dates, digests): raise Django's error of the same kind with the SQLSTATE only, so no
            # row reaches a log or an error report.
            for name in _DB_ERRORS:
                if isinstance(error, getattr(psycopg2, name)):
                    raise getattr(db_utils, name)(
                        f"department batch load failed in the database (SQLSTATE {error.pgcode}, "
                        f"{type(error).__name__}); nothing of the batch was written") from None
        raise error

    def _run(self) -> None:
        cursor = self._raw.cursor()
        try:
            while (payload := self._chunks.get()) is not None:
                if self._error is None:  # after a failure, only drain until told to stop
                    try:
                        self._load(cursor, payload)
                    except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                        self._error = exc
        finally:
            cursor.close()

    def _load(self, cursor, payload: bytes) -> None:
        cursor.execute(f"TRUNCATE {STAGE_TABLE}")
        cursor.copy_expert(f"COPY {STAGE_TABLE} ({STAGE_COLUMNS}) FROM STDIN", io.BytesIO(payload), size=len(payload))
        cursor.execute(self._sql, {**self._params, "listed": max(0, UNMATCHED_LISTED - len(self.unmatched_lines))})
        loaded, unmatched, lines = cursor.fetchone()
        self.loaded += loaded
        self.unmatched += unmatched
        self.unmatched_lines.extend(lines)
