"""Coders and roles, ``check``, ``backup``, ``db upgrade`` and ``project copy`` (SQLite ⇄
PostgreSQL), on both back ends."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from qualcode.store.project import open_project
from tests.cli_run import Runner, runner_for
from tests.unit.conftest import MINI

OLD = Path(__file__).resolve().parent.parent / "data" / "projects" / "schema-0001.db"


def _ok(qc: Runner, *args: str, as_: str | None = None) -> str:
    result = qc(*args, as_=as_)
    assert result.ok, result.err
    return result.out


def _snapshot(qc: Runner) -> dict[str, str]:
    """Everything a researcher would compare, as the CLI prints it."""
    return {
        "codings": _ok(qc, "codings", "export", "--format", "json"),
        "codebook": _ok(qc, "codebook", "list", "--format", "json"),
        "history": _ok(qc, "codebook", "history", "--format", "json"),
        "transcripts": _ok(qc, "transcripts", "--format", "json"),
        "participants": _ok(qc, "participants", "list", "--format", "json"),
        "consensus": _ok(qc, "consensus", "list", "--format", "json"),
        "coders": _ok(qc, "coders", "list", "--format", "json"),
    }


@pytest.fixture
def study(mini: Runner) -> Runner:
    _ok(mini, "codings", "import", "--done", str(MINI / "codings.csv"))
    _ok(mini, "consensus", "auto")
    _ok(mini, "consensus", "set", "P01", "9", "--from", "alice", "--note", "clear case")
    _ok(mini, "codebook", "rename", "Training", "Courses", "--why", "clearer")
    _ok(mini, "codebook", "tag", "v1")
    return mini


def test_roles(mini: Runner) -> None:
    assert "added dana (coder)" in _ok(mini, "coders", "add", "dana")
    assert "bob" not in _ok(mini, "coders", "list", "--format", "csv")  # bob not yet known
    refused = mini("coders", "add", "eve", as_="dana")
    assert refused.code == 2 and "needs the lead role" in refused.err
    only = mini("coders", "add", "alice", "--role", "coder")
    assert only.code == 2 and "only lead" in only.err
    _ok(mini, "coders", "add", "dana", "--role", "lead")
    assert "alice is now a coder" in _ok(mini, "coders", "add", "alice", "--role", "coder")
    listed = _ok(mini, "coders", "list", "--format", "csv").splitlines()
    assert listed[0] == "name,role,codings,done,added"
    assert any(line.startswith("dana,lead,") for line in listed)
    # the lead's commands follow the role, not the name
    demoted = mini("codebook", "retire", "Training", "--why", "x", as_="alice")
    assert demoted.code == 2 and "needs the lead role" in demoted.err
    assert mini("codebook", "retire", "Training", "--why", "x", as_="dana").ok


def test_check_passes_then_finds_a_damaged_coding(study: Runner, db_url: str) -> None:
    out = _ok(study, "check")
    assert "no problems found" in out and "codings lie inside" in out
    project = open_project(db_url)
    try:
        with project.engine.begin() as conn:
            conn.execute(text('UPDATE coding SET "end" = 100000 WHERE id = 1'))
    finally:
        project.close()
    damaged = study("check")
    assert damaged.code == 1
    assert "outside the transcript's text" in damaged.out


def test_backup_is_a_working_private_project(
    study: Runner, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "backup.db"
    out = _ok(study, "backup", str(target))
    assert "backed up" in out
    assert target.stat().st_mode & 0o777 == 0o600
    copy = runner_for(str(target), capsys)
    assert _snapshot(copy) == _snapshot(study)
    again = study("backup", str(target))
    assert again.code == 2 and "already there" in again.err


def test_project_copy_round_trip_between_backends(
    study: Runner, db_url: str, tmp_path: Path, request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    server = request.getfixturevalue("pg_server")
    before = _snapshot(study)
    # to the other back end, and back again
    if "://" in db_url:
        middle = str(tmp_path / "middle.db")
    else:
        middle = server.create_database()
        request.addfinalizer(lambda: server.drop_database(server.database_name(middle)))
    out = _ok(study, "project", "copy", "--to", middle)
    assert "copied" in out
    there = runner_for(middle, capsys)
    assert _snapshot(there) == before
    back = str(tmp_path / "back.db")
    _ok(there, "project", "copy", "--to", back)
    assert _snapshot(runner_for(back, capsys)) == before
    # the copy is a working project: new rows get new keys, the lead is still the lead
    _ok(there, "apply", "--coder", "carol", "--transcript", "P02", "--segment", "1",
        "--code", "Courses")  # fmt: skip
    _ok(there, "codebook", "add", "Vendors", "--parent", "Risk")
    assert "Risk/Vendors" in _ok(there, "codebook", "list", "--format", "csv")
    refused = study("project", "copy", "--to", back)
    assert refused.code == 2 and back in refused.err


def test_db_upgrade_of_an_old_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "old.db"
    shutil.copy(OLD, db)
    db.chmod(0o600)
    qc = runner_for(str(db), capsys)
    result = qc("db", "upgrade")
    assert result.ok and "upgraded the project schema from 0001" in result.err
    assert "the schema is current" in _ok(qc, "db", "upgrade")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] != "0001"


def test_coders_change_only_their_own_codings_and_the_log_shows_who(mini: Runner) -> None:
    _ok(mini, "coders", "add", "bob")
    _ok(mini, "coders", "add", "carol")
    apply = ("apply", "--transcript", "P01", "--segment", "2", "--code", "Training")
    assert mini(*apply, "--coder", "bob", as_="bob").ok
    other = mini(*apply, "--coder", "carol", as_="bob")
    assert other.code == 2 and "only their own codings" in other.err
    assert mini(*apply, "--coder", "carol").ok  # the lead may
    remove = mini("unapply", "--coder", "bob", "--transcript", "P01", "--segment", "2",
                  "--code", "Training", as_="carol")  # fmt: skip
    assert remove.code == 2 and "only their own codings" in remove.err
    done = mini("done", "--coder", "bob", "P01", as_="carol")
    assert done.code == 2
    imported = mini("codings", "import", str(MINI / "codings.csv"), as_="bob")
    assert imported.code == 2 and "alice's" in imported.err  # the file holds alice's rows

    _ok(mini, "codebook", "rename", "Training", "Courses", "--why", "clearer")
    rows = json.loads(_ok(mini, "log", "--format", "json"))
    assert rows[0]["action"] == "codebook rename" and rows[0]["detail"] == "clearer"
    applied = [r for r in rows if r["action"] == "apply"]
    assert [(r["actor"], r["detail"]) for r in applied] == [
        ("alice", "Exposure/Training by carol"),
        ("bob", "Exposure/Training by bob"),
    ]
    assert all(r["action"] != "unapply" for r in rows)  # refused changes leave no trace
    own = json.loads(_ok(mini, "log", "--actor", "bob", "--format", "json"))
    assert {r["actor"] for r in own} == {"bob"}
    bad = mini("log", "--since", "yesterday")
    assert bad.code == 2 and "YYYY-MM-DD" in bad.err
