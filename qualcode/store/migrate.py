"""Schema creation and upgrades through Alembic migrations.

``HEAD_REVISION`` lets opening a project check its schema with one cheap query instead of
importing Alembic; a test checks that it matches the newest migration.
"""

from __future__ import annotations

import shutil
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


def _run_upgrade(engine: Engine, target: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, target)


def create_schema(engine: Engine) -> None:
    """Create every table of a new project by running all migrations."""
    with engine.connect() as conn:
        if current_revision(conn) is not None or inspect(conn).get_table_names():
            raise QualcodeError("a project already exists there; open it instead of creating one")
    _run_upgrade(engine)


def backup_sqlite(path: Path, revision: str | None) -> Path:
    """Copy the project file aside before an upgrade; returns the copy's path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.{revision or 'base'}-{stamp}.bak")
    shutil.copy2(path, target)
    target.chmod(0o600)
    return target


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
        engine.dispose()
        backup = backup_sqlite(location.path, revision)
        note = f" (backup of the old file: {backup})"
    _run_upgrade(engine)
    return f"upgraded the project schema from {revision} to {HEAD_REVISION}{note}"
