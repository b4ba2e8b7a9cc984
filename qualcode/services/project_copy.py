"""Copy a whole project to a new SQLite file or PostgreSQL database, losslessly.

``qualcode project copy --to URL_OR_PATH`` is how a team outgrows a single file (SQLite →
PostgreSQL) or takes a snapshot off a server (PostgreSQL → SQLite); ``qualcode backup`` on
PostgreSQL uses it too. Every table is copied row for row with its primary keys, in
dependency order, from one consistent read (a single read transaction; REPEATABLE READ on
PostgreSQL); PostgreSQL sequences are then moved past the copied keys. The target must be
new (a missing file, or an empty database): it is created through the migrations, so its
schema is exactly the current one, and filled in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, DateTime, Table, func, select, text

from qualcode.errors import QualcodeError
from qualcode.store.models import Base
from qualcode.store.project import Project, create_project

CHUNK = 5_000


@dataclass
class CopyReport:
    target: str
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _utc(value: object, aware: bool) -> object:
    """Times are UTC: aware on PostgreSQL, naive UTC in SQLite (which keeps no zone)."""
    if not isinstance(value, datetime):
        return value
    value = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return value if aware else value.replace(tzinfo=None)


def _chunks(
    conn: Connection, table: Table, aware: bool
) -> Iterator[list[dict[str, object]]]:
    order = list(table.primary_key.columns)
    times = [c.name for c in table.columns if isinstance(c.type, DateTime)]
    result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(
        select(table).order_by(*order)
    )
    for part in result.mappings().partitions(CHUNK):
        rows = [dict(row) for row in part]
        for row in rows:
            for name in times:
                row[name] = _utc(row[name], aware)
        yield rows


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: move each serial primary key's sequence past the copied rows."""
    for table in _tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement or pk[0].type.python_type is not int:
            continue
        name = pk[0].name
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:t, :c), "
                f'COALESCE((SELECT MAX("{name}") FROM "{table.name}"), 0) + 1, false)'
            ),
            {"t": table.name, "c": name},
        )


def copy_project(source: Project, target_db: str) -> CopyReport:
    """Copy ``source`` into a new project at ``target_db``; returns the rows per table."""
    if source.location.url == _target_url(target_db):
        raise QualcodeError(f"--to {target_db}: that is this project; give a new location")
    target = create_project(target_db)
    report = CopyReport(target.location.display())
    try:
        with source.engine.connect() as read:
            if not source.location.is_sqlite:
                read = read.execution_options(isolation_level="REPEATABLE READ")
            with read.begin(), target.engine.begin() as write:
                for table in _tables():
                    if table.name == "alembic_version":
                        continue
                    count = 0
                    for rows in _chunks(read, table, not target.location.is_sqlite):
                        write.execute(table.insert(), rows)
                        count += len(rows)
                    report.rows[table.name] = count
                if not target.location.is_sqlite:
                    _reset_sequences(write)
                for table in _tables():
                    copied = write.scalar(select(func.count()).select_from(table))
                    if copied != report.rows.get(table.name, copied):
                        raise QualcodeError(
                            f"project copy: table {table.name} has {copied} rows in the copy, "
                            f"{report.rows[table.name]} in the project; nothing was kept"
                        )
    except BaseException:
        _discard(target)
        raise
    target.close()
    return report


def _target_url(db: str) -> str:
    from qualcode.store.location import locate

    return locate(db).url


def _discard(target: Project) -> None:
    """Undo a failed copy: remove the new SQLite file, or drop the new PostgreSQL tables."""
    path = target.location.path
    try:
        if path is None:
            with target.engine.begin() as conn:
                Base.metadata.drop_all(conn)
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        target.close()
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
