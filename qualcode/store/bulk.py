"""Fast bulk inserts through the database driver's own executemany.

SQLAlchemy's per-row parameter processing costs more than SQLite's own insert for the
hundreds of thousands of segments of a big import; for plain values (ints, text, None)
that processing does nothing, so the rows go to the driver directly, in the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert plain-valued rows (one tuple per row, in ``columns`` order)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    placeholder = PLACEHOLDERS.get(dialect.paramstyle)
    if placeholder is None:  # pragma: no cover - other drivers: the portable way
        connection.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([placeholder] * len(columns))})"
    )
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(sql, rows)
    except dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy would raise it (OperationalError for a lock or a full disk, ...), so
        # that retrying and the CLI's messages treat the driver's own call like any other.
        raise DBAPIError.instance(
            sql, None, exc, dialect.loaded_dbapi.Error, dialect=dialect
        ) from exc
    finally:
        cursor.close()
