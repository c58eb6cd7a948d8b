"""Payable sources: what a programme tells the payments ledger about a month's payments.

The ledger knows no programme. A programme registers a ``PayableSource`` in its
``AppConfig.ready``; the monthly roll of a district and that programme is then filled by
``payment_roll_generate``, which wraps the source's SELECT in

    INSERT INTO payments_paymentline (…) SELECT … FROM (<source>) s
    ON CONFLICT (entitlement, period) WHERE kind = 'regular' DO NOTHING

so the whole month is one statement, and generating twice or concurrently adds nothing.

``lines(month=…, month_end=…, district_code=…)`` returns either ``(sql, params)`` — a SELECT with
positional ``%s`` parameters — or a queryset whose ``values_list`` names, in this order, the
columns of ``LINE_COLUMNS``:

    entitlement  text    a stable key of the entitlement, unique per period ("assistance.benefit:123")
    category     text    what the line pays, a key of ``categories`` ("monthly", "price_subsidy" …)
    person_id    bigint  the payee person, or NULL
    household_id bigint  the payee household, or NULL (one of the two is set)
    region_id    text    the payee's community (scoping: who sees the line)
    amount       numeric the amount in 元, rounded to the fen, > 0

Only payees in ``district_code`` (``region_id LIKE district_code || '%'``) belong to that district's
roll; the source should filter on it itself (an index), the ledger filters again.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet

LINE_COLUMNS = ("entitlement", "category", "person_id", "household_id", "region_id", "amount")


@dataclass(frozen=True)
class PayableSource:
    programme: str  # the programme's code, the roll's and the line's ``programme``
    label: str  # shown on rolls ("社会救助")
    lines: Callable[..., tuple[str, list] | QuerySet]
    categories: dict[str, str] = field(default_factory=dict)  # category key → label


_SOURCES: dict[str, PayableSource] = {}


def source_register(source: PayableSource) -> None:
    """Register (or replace, for an app reloaded in tests) the payable source of ``source.programme``."""
    _SOURCES[source.programme] = source


def source_unregister(programme: str) -> None:
    _SOURCES.pop(programme, None)


def sources() -> list[PayableSource]:
    return [_SOURCES[k] for k in sorted(_SOURCES)]


def source_for(programme: str) -> PayableSource | None:
    return _SOURCES.get(programme)


def programme_label(programme: str) -> str:
    source = _SOURCES.get(programme)
    return str(source.label) if source else programme


def category_label(programme: str, category: str) -> str:
    source = _SOURCES.get(programme)
    return str(source.categories.get(category, category)) if source else category


def source_select(source: PayableSource, *, month: dt.date, month_end: dt.date,
                  district_code: str) -> tuple[str, list]:
    """The source's SELECT for one district and month, as SQL and positional parameters."""
    result = source.lines(month=month, month_end=month_end, district_code=district_code)
    if isinstance(result, QuerySet):
        sql, params = result.query.sql_with_params()
        return sql, list(params)
    sql, params = result
    return sql, list(params)
