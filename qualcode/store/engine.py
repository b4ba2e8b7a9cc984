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


def _sqlite_read_only_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def read_only_url(path: Path) -> str | None:
    """A read-only SQLite URL when the project file (or its folder) cannot be written.

    A WAL project needs its ``-shm`` file: where the folder is read-only and there is none
    (a project on a read-only share, a CD, a snapshot), the file is opened ``immutable``, as
    no one can be changing it there. Else None: the file opens normally.
    """
    if not path.exists():
        return None
    folder_writable = os.access(path.parent, os.W_OK)
    if os.access(path, os.W_OK) and folder_writable:
        return None
    from urllib.parse import quote

    options = "mode=ro"
    side = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
    if not folder_writable and not any(p.exists() for p in side):
        options += "&immutable=1"
    return f"sqlite:///file:{quote(str(path))}?{options}&uri=true"


def sqlite3_source(path: Path) -> tuple[str, bool]:
    """``sqlite3.connect`` arguments (database, uri) to read ``path``, read-only if need be."""
    url = read_only_url(path)
    if url is None:
        return str(path), False
    return url[len("sqlite:///") :].removesuffix("&uri=true"), True


def make_engine(location: Location) -> Engine:
    if location.is_sqlite:
        assert location.path is not None
        url = read_only_url(location.path)
        engine = create_engine(
            url or location.url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        pragmas = _sqlite_pragmas if url is None else _sqlite_read_only_pragmas
        event.listen(engine, "connect", pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(location.url, pool_pre_ping=True)
