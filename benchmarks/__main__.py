"""``python -m benchmarks [--quick] [--only NAME]``: run every ``benchmarks/bench_*.py``
module's ``run(quick)`` and print its lines. Use a database whose name contains "bench"."""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import traceback


def _create_database_if_missing(connection) -> None:
    """A benchmark database that does not exist yet is created (on the same server)."""
    from django.db import OperationalError

    try:
        connection.ensure_connection()
        return
    except OperationalError as exc:
        # libpq's start-up failure carries no SQLSTATE: match the message for this database only
        if f'database "{connection.settings_dict["NAME"]}" does not exist' not in str(exc):
            raise
    import psycopg2
    from psycopg2 import sql

    params = connection.get_connection_params()
    name = params.pop("database", None) or params.pop("dbname")
    admin = psycopg2.connect(**{**params, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()
    print(f"created database {name!r}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI (under 2 minutes)")
    parser.add_argument("--only", action="append", default=[], help="run only these modules (e.g. bench_scoring)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civilaffairs.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if "bench" not in connection.settings_dict["NAME"] and not os.environ.get("BENCH_ALLOW_ANY_DB"):
        print(f"refusing to run against database {connection.settings_dict['NAME']!r}: "
              "point DATABASE_URL at a database whose name contains 'bench'", file=sys.stderr)
        return 2
    _create_database_if_missing(connection)
    call_command("migrate", verbosity=0)
    import benchmarks

    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    failed = 0
    for name in names:
        if args.only and name not in args.only:
            continue
        print(f"== {name} ({'quick' if args.quick else 'full'})", flush=True)
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            for line in module.run(quick=args.quick):
                print(line, flush=True)
        except Exception:  # noqa: BLE001 - one failing benchmark must not hide the others
            failed += 1
            traceback.print_exc()
    from benchmarks.common import machine, summary_table

    table = summary_table()
    if table:
        print(f"== summary ({'quick' if args.quick else 'full'} sizes) on {machine()}", flush=True)
        for line in table:
            print(line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
