"""The schema comes from Alembic migrations, and the models agree with them."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from qualcode.errors import QualcodeError
from qualcode.store.migrate import HEAD_REVISION, MIGRATIONS
from qualcode.store.models import Base
from qualcode.store.project import create_project, open_project
from tests.cli_run import runner_for


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


OLD_PROJECTS = Path(__file__).resolve().parent.parent / "data" / "projects"


@pytest.mark.parametrize("fixture", sorted(p.name for p in OLD_PROJECTS.glob("schema-*.db")))
def test_projects_from_every_released_schema_open(fixture: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Project files kept from each schema open in this version: upgraded after a backup
    when their schema is older, with every transcript and coding still there."""
    db = tmp_path / fixture
    shutil.copy(OLD_PROJECTS / fixture, db)
    db.chmod(0o600)
    revision = fixture.removeprefix("schema-").removesuffix(".db")
    project = open_project(str(db))
    if revision == HEAD_REVISION:
        assert project.notes == []
        assert not list(tmp_path.glob("*.bak"))
    else:
        assert project.notes and "upgraded" in project.notes[0]
        backups = list(tmp_path.glob(f"{fixture}.{revision}-*.bak"))
        assert len(backups) == 1
        with sqlite3.connect(backups[0]) as conn:
            assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == revision
    project.close()
    qc = runner_for(str(db), capsys)
    assert len(qc("codings", "export", "--format", "csv").out.strip().splitlines()) == 7
    assert "P01" in qc("transcripts").out


def test_a_project_from_a_newer_qualcode_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    create_project(str(db)).close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(QualcodeError, match="newer qualcode"):
        open_project(str(db))
