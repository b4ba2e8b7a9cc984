"""Engine factory: a plain path means SQLite; ``postgresql://…`` means PostgreSQL (psycopg 3).

SQLite files are created private (0600) and opened with WAL, foreign keys, a busy timeout
and ``synchronous=NORMAL``. The same models and queries run on both back ends.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from qualcode.store.location import Location, locate

__all__ = ["Location", "create_private_file", "locate", "make_engine"]

BUSY_TIMEOUT_MS = 15_000


def create_private_file(path: Path) -> None:
    """Create an empty SQLite file readable only by its owner (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's transaction handling issue BEGIN itself (pysqlite's legacy mode
    # would defer it), so a transaction is one unit of work from its first statement.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # A writing unit of work takes the write lock at once (BEGIN IMMEDIATE), so it waits
    # for other writers under the busy timeout instead of failing on a lock upgrade.
    immediate = conn.get_execution_options().get("qualcode_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(location: Location) -> Engine:
    if location.is_sqlite:
        engine = create_engine(
            location.url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(location.url, pool_pre_ping=True)
