"""Engine factory: a plain path means SQLite; ``postgresql://…`` means PostgreSQL (psycopg 3).

SQLite files are created private (0600) and opened with WAL, foreign keys, a busy timeout
and ``synchronous=NORMAL``. The same models and queries run on both back ends.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from qualcode.errors import QualcodeError

BUSY_TIMEOUT_MS = 15_000


@dataclass(frozen=True)
class Location:
    """Where a project lives: a SQLAlchemy URL, and the file path for SQLite."""

    url: str
    path: Path | None

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    def display(self) -> str:
        if self.path is not None:
            return str(self.path)
        # Never print a password.
        head, sep, tail = self.url.partition("@")
        if sep and "://" in head and ":" in head.split("://", 1)[1]:
            scheme, cred = head.split("://", 1)
            return f"{scheme}://{cred.split(':', 1)[0]}:***@{tail}"
        return self.url


def locate(db: str) -> Location:
    """Turn ``--db`` (a path or a URL) into a Location."""
    if not db:
        raise QualcodeError("--db: empty project location; give a file path or a postgresql:// URL")
    for prefix in ("postgresql://", "postgres://"):
        if db.startswith(prefix):
            return Location("postgresql+psycopg://" + db[len(prefix) :], None)
    if db.startswith("postgresql+"):
        return Location(db, None)
    if db.startswith("sqlite:///"):
        return Location(db, Path(db[len("sqlite:///") :]).resolve())
    if "://" in db:
        raise QualcodeError(
            f"--db {db}: unsupported database; use a file path (SQLite) or a postgresql:// URL"
        )
    path = Path(db).expanduser().resolve()
    return Location(f"sqlite:///{path}", path)


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
