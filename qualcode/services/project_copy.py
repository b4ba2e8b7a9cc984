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

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, DateTime, Table, func, inspect, select, text

from qualcode.errors import QualcodeError
from qualcode.store.engine import Location, make_engine
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
    """Copy ``source`` into a new project at ``target_db``; returns the rows per table.

    Nothing is at the target until the copy is complete, even if the process is killed:
    a SQLite copy is written under a hidden temporary name beside the target and renamed
    at the end; a PostgreSQL copy creates the schema and fills it in one transaction.
    """
    from qualcode.store.location import locate

    location = locate(target_db)
    if source.location.url == location.url:
        raise QualcodeError(f"--to {target_db}: that is this project; give a new location")
    if location.path is not None:
        return _copy_to_file(source, location.path)
    return _copy_to_server(source, location)


def partial_name(path: Path) -> Path:
    """Where a file is written before it is renamed to ``path`` (hidden, same folder).

    Partial files of earlier runs that were killed (their process is gone) are removed.
    """
    import glob
    import re

    pattern = re.compile(rf"\.{re.escape(path.name)}\.partial-(\d+)(?:-journal|-wal|-shm)?")
    for stale in path.parent.glob(f".{glob.escape(path.name)}.partial-*"):
        m = pattern.fullmatch(stale.name)
        if m is None or int(m.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            stale.unlink(missing_ok=True)
        except OSError:
            pass
    return path.with_name(f".{path.name}.partial-{os.getpid()}")


def publish(partial: Path, path: Path) -> None:
    """Give the complete file ``partial`` its name ``path``, never over an existing file."""
    fd = os.open(partial, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(partial, path)  # fails if path appeared meanwhile
    except FileExistsError:
        partial.unlink(missing_ok=True)
        raise QualcodeError(
            f"{path}: a file appeared there meanwhile; nothing was written"
        ) from None
    except OSError:  # no hard links on this file system
        if path.exists():
            partial.unlink(missing_ok=True)
            raise QualcodeError(f"{path}: a file is already there; nothing was written") from None
        os.replace(partial, path)
    else:
        partial.unlink()
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _copy_to_file(source: Project, path: Path) -> CopyReport:
    if path.exists():
        raise QualcodeError(
            f"{path}: a file already exists there; open it, or choose another --db"
        )
    partial = partial_name(path)
    for suffix in ("", "-wal", "-shm", "-journal"):
        partial.with_name(partial.name + suffix).unlink(missing_ok=True)
    report = CopyReport(str(path))
    target: Project | None = None
    try:
        try:
            target = create_project(str(partial))
        except QualcodeError as exc:  # create_project names the hidden file
            cause = exc.__cause__ or exc
            raise write_failure(path, cause) or exc from cause
        with target.engine.begin() as write:
            _fill(source, write, report, aware=False)
        target.close()  # the last connection closes: the -wal is checkpointed and removed
        _set_delete_journal(partial)
        publish(partial, path)
    except BaseException as exc:
        if target is not None:
            target.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            partial.with_name(partial.name + suffix).unlink(missing_ok=True)
        failure = None if isinstance(exc, QualcodeError) else write_failure(path, exc)
        if failure is not None:
            raise failure from exc
        raise
    return report


def write_failure(path: Path, exc: BaseException) -> QualcodeError | None:
    """A failure to write a new file (disk full, no permission) as the user's error."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    orig = exc.orig if isinstance(exc, OperationalError) else exc
    if isinstance(orig, OSError):
        reason = orig.strerror or type(orig).__name__
    elif isinstance(orig, sqlite3.OperationalError) and "locked" not in str(orig):
        reason = str(orig).strip().splitlines()[0]
    else:
        return None
    return QualcodeError(
        f"{path}: cannot write it ({reason}); nothing was written there. Check the free "
        "space and the permissions there, or choose another place"
    )


def _set_delete_journal(path: Path) -> None:
    """Leave the copy one self-contained file (no ``-wal``) until it is opened again."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def _copy_to_server(source: Project, location: Location) -> CopyReport:
    from sqlalchemy.exc import OperationalError

    from qualcode.store.migrate import current_revision, upgrade_in

    engine = make_engine(location)
    report = CopyReport(location.display())
    try:
        with engine.begin() as write:
            if current_revision(write) is not None or inspect(write).get_table_names():
                raise QualcodeError(
                    f"{location.display()}: a project (or other tables) already exists there; "
                    "copy into an empty database"
                )
            upgrade_in(write)
            _fill(source, write, report, aware=True)
            _reset_sequences(write)
    except OperationalError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise QualcodeError(
            f"{location.display()}: cannot copy into the database ({reason}); nothing was kept"
        ) from exc
    finally:
        engine.dispose()
    return report


def _refuse_nul(table: Table, rows: list[dict[str, object]]) -> None:
    """PostgreSQL cannot store a NUL character in text (imports refuse it; older ones did not)."""
    for row in rows:
        for column, value in row.items():
            if isinstance(value, str) and "\x00" in value:
                key = ", ".join(str(row[c.name]) for c in table.primary_key.columns)
                raise QualcodeError(
                    f"{table.name} {key}: {column} holds a NUL character (code 0), which "
                    "PostgreSQL cannot store; nothing was copied. Remove it in the SQLite "
                    "project first"
                )


def _fill(source: Project, write: Connection, report: CopyReport, aware: bool) -> None:
    """Copy every row from one consistent read of ``source`` into ``write``'s transaction."""
    with source.engine.connect() as read:
        if not source.location.is_sqlite:
            read = read.execution_options(isolation_level="REPEATABLE READ")
        with read.begin():
            for table in _tables():
                if table.name == "alembic_version":
                    continue
                count = 0
                for rows in _chunks(read, table, aware):
                    if aware:
                        _refuse_nul(table, rows)
                    write.execute(table.insert(), rows)
                    count += len(rows)
                report.rows[table.name] = count
    for table in _tables():
        copied = write.scalar(select(func.count()).select_from(table))
        if copied != report.rows.get(table.name, copied):
            raise QualcodeError(
                f"project copy: table {table.name} has {copied} rows in the copy, "
                f"{report.rows[table.name]} in the project; nothing was kept"
            )
