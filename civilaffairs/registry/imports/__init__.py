"""Department-data imports: one batch of records from another department.

A batch arrives as a file (CSV or Excel .xlsx, uploaded in the admin or posted
to the API) or as a list of JSON objects (API). Column layout, header names in
English or Chinese, in any order:

=============  ==========  =========================================================
column         Chinese     content
=============  ==========  =========================================================
id_number      身份证号     18-digit resident ID (GB 11643 check digit)
name           姓名         optional, not stored (departments use it to read errors)
kind           类别         a ``RecordKind`` code (``income``) or label (``收入``)
period_start   期间起       date, ``YYYY-MM-DD`` (also ``YYYY/MM/DD``, ``YYYYMMDD``)
period_end     期间止       date, not before period_start
amount         金额         yuan, ≥ 0, at most 2 decimals; required for kinds in
                           ``facts.schema.KINDS_WITH_AMOUNT``, may be empty otherwise
attributes     属性         JSON object, e.g. ``{"等级": "二级"}``, stored in the kind's
                           canonical form (``facts.schema``; the import help lists them)
=============  ==========  =========================================================

Every bad row is reported with its line number (the physical line of a CSV
file, the sheet row of an xlsx file, the 1-based position of a JSON record)
and a reason in Chinese; good rows load. Records are fingerprinted, so a
batch sent twice loads nothing new the second time and counts duplicates;
a row for the same fact (``natural_key``) with other values supersedes the
current record (see ``loading``), and ``department_facts_revoke`` withdraws facts.
Rows whose ID number matches no registered person load unlinked; the batch
counts them and lists their first lines. ID numbers are never
stored or sent to the database in clear: records hold the keyed digest, error
messages show the masked number.

One pipeline for every channel, built for files of millions of rows:

- ``reading``: the file as a stream of numbered rows (C csv module over an
  incremental decoder; openpyxl for xlsx; JSON records);
- ``rows``: the rules, each distinct value validated once per batch (``RowCleaner``);
- ``loading``: COPY into a temporary staging table in chunks and set-based SQL
  into ``registry_departmentrecord``, on a second thread while the next chunk is cleaned;
- ``services``: ``department_batch_import``, one transaction with the batch row and its audit event.
"""
from .revoking import department_facts_revoke
from .services import department_batch_import

__all__ = ["department_batch_import", "department_facts_revoke"]
