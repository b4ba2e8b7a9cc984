"""Schema creation and upgrades through Alembic migrations.

``HEAD_REVISION`` lets opening a project check its schema with one cheap query instead of
importing Alembic; a test checks that it matches the newest migration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

from qualcode.errors import QualcodeError
from qualcode.store.engine import Location

HEAD_REVISION = "0003"
MIGRATIONS = Path(__file__).parent / "migrations"


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def upgrade_in(conn: Connection, target: str = "head") -> None:
    """Run the migrations inside the caller's open transaction (committed with it)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, target)


def _run_upgrade(engine: Engine, target: str = "head") -> None:
    with engine.begin() as conn:
        upgrade_in(conn, target)


def create_schema(engine: Engine) -> None:
    """Create every table of a new project by running all migrations."""
    with engine.connect() as conn:
        if current_revision(conn) is not None or inspect(conn).get_table_names():
            raise QualcodeError("a project already exists there; open it instead of creating one")
    _run_upgrade(engine)


def sqlite_backup(database: str, target: Path, uri: bool = False) -> None:
    """A consistent copy of a SQLite database (``-wal`` included) into the file ``target``,
    with SQLite's online backup; the copy needs no ``-wal`` of its own."""
    import sqlite3

    source = sqlite3.connect(database, uri=uri, timeout=15)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode=DELETE")
    finally:
        dest.close()
        source.close()


def backup_sqlite(path: Path, revision: str | None) -> Path:
    """Copy the project aside before an upgrade; returns the copy's path.

    SQLite's backup API, not a file copy: committed changes still in the ``-wal`` file are
    part of the project. Written under a temporary name and renamed when complete.
    """
    import os

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.{revision or 'base'}-{stamp}-{os.getpid()}.bak")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        sqlite_backup(str(path), partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


UPGRADE_LOCK = 0x7175_616C_636F_6465 & 0x7FFF_FFFF_FFFF_FFFF  # "qualcode": pg advisory key


def _upgrade_locked(engine: Engine) -> str | None:
    """Upgrade under a lock that concurrent upgraders wait for; the revision it upgraded
    from, or None when another process upgraded the project meanwhile.

    SQLite: ``BEGIN IMMEDIATE`` (the write lock, waited for under the busy timeout);
    PostgreSQL: a transaction-scoped advisory lock. The revision is read again under it.
    """
    with engine.execution_options(qualcode_write=True).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
        revision = current_revision(conn)
        if revision == HEAD_REVISION:
            return None
        upgrade_in(conn)
        return revision


def ensure_current(engine: Engine, location: Location) -> str | None:
    """Upgrade an older project to the current schema; returns a note for the user, if any."""
    with engine.connect() as conn:
        revision = current_revision(conn)
        tables = inspect(conn).get_table_names()
    if revision == HEAD_REVISION:
        return None
    if revision is None:
        if tables:
            raise QualcodeError(
                f"{location.display()}: not a qualcode project (no schema version); "
                "point --db at a project created by 'qualcode init'"
            )
        raise QualcodeError(
            f"{location.display()}: no project here; create one with 'qualcode init'"
        )
    known = {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("*.py")}
    if revision not in known:
        raise QualcodeError(
            f"{location.display()}: made by a newer qualcode (schema {revision}); upgrade qualcode"
        )
    note = ""
    if location.path is not None:
        from qualcode.store.engine import read_only_url

        if read_only_url(location.path) is not None:
            raise QualcodeError(
                f"{location.display()}: made by an older qualcode (schema {revision}) and "
                "read-only here, so it cannot be upgraded; copy the file somewhere writable "
                "and open the copy"
            )
        engine.dispose()
        backup = backup_sqlite(location.path, revision)
        note = f" (backup of the old file: {backup})"
    if _upgrade_locked(engine) is None:  # another qualcode upgraded it while we waited
        if location.path is not None:
            Path(backup).unlink(missing_ok=True)
        return None
    return f"upgraded the project schema from {revision} to {HEAD_REVISION}{note}"
