"""Loading cleaned rows: COPY into a temporary staging table, then one set-based statement per chunk.

Per chunk of ``CHUNK_ROWS`` cleaned rows:

1. ``COPY`` them into the session's temporary table ``registry_import_stage`` (no WAL, no index),
   each with its fingerprint and its fact identity (``natural_key``) computed by the caller;
2. ``load_sql``: resolve the person by ID digest (an index probe per row), ``INSERT … SELECT``
   into ``registry_departmentrecord`` the rows whose fingerprint is not there yet (duplicates of
   earlier batches and earlier chunks are skipped; the caller drops duplicates inside a chunk), and
   report how many were inserted and which lines name no registered person.

Re-delivery, in the same statement: a row whose fact identity (``natural_key``: source, person,
kind, period start, key attribute) has a current record with other values supersedes it: the
old record stays, marked superseded with its successor's id and the time, and the row goes in
current. A correcting row draws its id before the insert so the same UPDATE can name it; the
unique partial index ``deptrec_one_current_fact`` keeps one current record per fact. A chunk
holds each fact once: the caller moves a later line of a fact already in the chunk to the next
chunk, where it supersedes the earlier line's record the same way, so within a batch the last
line wins and the earlier lines are kept as superseded history.

An identical re-send (same fingerprint) loads nothing, even of a fact that has since been
superseded or revoked: sending an old file again does not undo a correction. The limit of that
rule: a value changed back to exactly an earlier, superseded one is a duplicate too and does not
become current again.

The insert is a plain one behind ``NOT EXISTS``, not ``ON CONFLICT DO NOTHING``: a speculative
insertion costs a second probe of the fingerprint index, a second WAL record and a lock per row
(about 2 µs of the ~20 µs a row costs the database) and its check comes after the person probe,
so a re-sent row cost the probe too. ``NOT EXISTS`` cannot see a row another transaction has
inserted but not yet committed: if such a transaction commits a record of this batch, the insert
fails on the unique constraint and ``finish`` raises ``FingerprintRace``; the service then loads
the batch again from the start with ``on_conflict=True``, which also waits for such rows and
skips them. Two batches correcting the same fact at once meet the same way: the second waits for
the first's row lock or index entry, fails on ``deptrec_one_current_fact`` (or, crossing, on a
deadlock) when the first commits, and its retry supersedes what the first committed.

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

from ..models import NaturalKey

STAGE_TABLE = "registry_import_stage"
CHUNK_ROWS = 10_000
UNMATCHED_LISTED = 1000  # line numbers of unmatched rows kept on the batch; the count is exact
SUPERSEDED_LISTED = 1000  # ids of the facts a batch superseded, kept in its audit event; the count is exact
NULL = "\\N"  # COPY text format
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
    fingerprint uuid NOT NULL,
    natural_key uuid NOT NULL
) ON COMMIT DROP"""

STAGE_COLUMNS = "line, id_digest, kind, period_start, period_end, amount, attributes, fingerprint, natural_key"

# The statement per chunk, whose rows are distinct facts (the caller sees to it). ``fresh``: the rows
# not loaded before (an identical re-send stops here, one fingerprint probe per row), per row the person
# (a person-index probe) and the current record of the same fact with other values, if any (a probe
# of the partial unique index deptrec_one_current_fact by the staged key; see ``load_sql``); a row
# that corrects one draws its id here, so that the predecessor is marked
# superseded by it in the same statement (in ``superseded``: the insert waits for it, by its one-time
# filter, since the successor may only go in once the predecessor is no longer current).
_LOAD_SQL = f"""
WITH fresh AS MATERIALIZED (
    SELECT r.*, CASE WHEN r.predecessor IS NOT NULL THEN nextval(%(sequence)s::regclass) END AS new_id
    FROM (
        -- Probes rather than joins: the staging table has no statistics, and a hash join would read every
        -- person (or record) for each chunk. OFFSET 0: each probe once, not once per use of its column.
        SELECT s.line, s.id_digest, s.kind, s.period_start, s.period_end, s.amount, s.attributes, s.fingerprint,
               (SELECT p.id FROM registry_person p WHERE p.id_digest = s.id_digest) AS person_id,
               (SELECT d.id FROM registry_departmentrecord d
                 WHERE d.natural_key = {{natural_key}} AND d.status = 'current' AND d.fingerprint <> s.fingerprint)
                   AS predecessor
        FROM {STAGE_TABLE} s
        {{skip}}
        OFFSET 0
    ) r
), superseded AS (
    UPDATE registry_departmentrecord d SET status = 'superseded', ended_at = %(now)s, superseded_by = f.new_id
      FROM fresh f
     WHERE d.id = ANY (ARRAY(SELECT predecessor FROM fresh WHERE predecessor IS NOT NULL))
       AND d.id = f.predecessor AND d.status = 'current'
    RETURNING d.id
), inserted AS (
    INSERT INTO registry_departmentrecord (id, person_id, id_digest, source, kind, period_start, period_end, amount,
                                           attributes, batch_id, fingerprint, created_at)
    SELECT coalesce(f.new_id, nextval(%(sequence)s::regclass)), f.person_id, f.id_digest, %(source)s, f.kind,
           f.period_start, f.period_end, f.amount, f.attributes, %(batch)s, f.fingerprint, %(now)s
    FROM fresh f
    WHERE (SELECT count(*) FROM superseded) >= 0
    {{conflict}}
    RETURNING person_id, fingerprint
)
SELECT count(*), count(*) FILTER (WHERE person_id IS NULL),
       ARRAY(SELECT f.line FROM inserted i JOIN fresh f ON f.fingerprint = i.fingerprint
             WHERE i.person_id IS NULL ORDER BY 1 LIMIT %(listed)s),
       ARRAY(SELECT id FROM superseded ORDER BY 1)
FROM inserted"""

FINGERPRINT_CONSTRAINT = "deptrec_fingerprint_unique"
CURRENT_FACT_CONSTRAINT = "deptrec_one_current_fact"
SKIP_COMMITTED = "WHERE NOT EXISTS (SELECT FROM registry_departmentrecord d WHERE d.fingerprint = s.fingerprint)"
SKIP_CONFLICTING = "ON CONFLICT (fingerprint) DO NOTHING"
STAGED_NATURAL_KEY = NaturalKey.sql(source="%(source)s::varchar", kind="s.kind", id_digest="s.id_digest",
                                    period_start="s.period_start", attributes="s.attributes")


def load_sql(*, on_conflict: bool) -> str:
    """The chunk statement; ``on_conflict`` (the retry after a race) also skips rows another transaction
    commits while the statement runs, which ``NOT EXISTS`` cannot see.

    A staged row carries its fact identity as the caller computed it (``facts.schema.natural_key``, the
    twin of the generated column: the md5 in the probe was a twelfth of the chunk statement's time). The
    retry computes it here with the generated column's own expression instead: should the twins ever
    disagree, the insert fails on ``deptrec_one_current_fact`` like a race, and the retry is exact."""
    return (_LOAD_SQL.replace("{natural_key}", STAGED_NATURAL_KEY if on_conflict else "s.natural_key")
            .replace("{skip}", SKIP_COMMITTED).replace("{conflict}", SKIP_CONFLICTING if on_conflict else ""))


class FingerprintRace(Exception):
    """Another transaction committed a record of this batch, or a current fact this batch also delivers,
    while it loaded (or the two deadlocked superseding each other's facts); load it again, with ``on_conflict``."""


def stage_line(line: int, digest: str, kind: str, start: str, end: str, amount: str, attributes: str,
               fingerprint: str, natural_key: str) -> str:
    """One row in COPY text format. Only the JSON can hold a backslash (its own escapes); none holds a tab."""
    if "\\" in attributes:
        attributes = attributes.replace("\\", "\\\\")
    return (f"{line}\t{digest}\t{kind}\t{start}\t{end}\t{amount or NULL}\t{attributes}\t{fingerprint}\t"
            f"{natural_key}\n")


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
    ``finally``) stops the thread. Totals: ``loaded``, ``unmatched``, ``unmatched_lines``,
    ``superseded`` (earlier facts this batch replaced) and ``superseded_ids`` (the first of them).
    """

    def __init__(self, *, batch_id: int, source: str, now, on_conflict: bool = False):
        self.loaded = 0
        self.unmatched = 0
        self.unmatched_lines: list[int] = []
        self.superseded = 0
        self.superseded_ids: list[int] = []
        self._sql = load_sql(on_conflict=on_conflict)
        self._error: BaseException | None = None
        with connection.cursor() as cursor:
            cursor.execute(CREATE_STAGE)
            cursor.execute(f"TRUNCATE {STAGE_TABLE}")
            cursor.execute("SELECT pg_get_serial_sequence('registry_departmentrecord', 'id')")
            sequence = cursor.fetchone()[0]
        self._params = {"batch": batch_id, "source": source, "now": now, "sequence": sequence}
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
        if ((isinstance(error, psycopg2.errors.UniqueViolation)
                and error.diag.constraint_name in (FINGERPRINT_CONSTRAINT, CURRENT_FACT_CONSTRAINT))
                or isinstance(error, psycopg2.errors.DeadlockDetected)):
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
        loaded, unmatched, lines, superseded_ids = cursor.fetchone()
        self.loaded += loaded
        self.unmatched += unmatched
        self.unmatched_lines.extend(lines)
        if superseded_ids:
            self.superseded += len(superseded_ids)
            self.superseded_ids.extend(superseded_ids[:max(0, SUPERSEDED_LISTED - len(self.superseded_ids))])
