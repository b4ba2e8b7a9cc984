"""Creating and opening projects through the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path

from tests.cli_run import Runner


def test_init_registers_lead_and_refuses_a_second_init(qc: Runner) -> None:
    first = qc("init", "--lead", "alice")
    assert first.ok, first.err
    assert "lead alice" in first.out
    again = qc("init", "--lead", "bob")
    assert again.code == 2
    assert again.err.startswith("error: ") and again.err.count("\n") == 1
    status = qc("status")
    assert "alice (lead)" in status.out


def test_commands_on_a_missing_project_say_how_to_create_one(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tests.cli_run import run_cli

    result = run_cli(capsys, ["--db", str(tmp_path / "none.db"), "transcripts"])
    assert result.code == 2
    assert "qualcode init" in result.err
    assert not (tmp_path / "none.db").exists()


def test_sqlite_project_file_is_private_and_in_wal_mode(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from tests.cli_run import run_cli

    db = tmp_path / "p.db"
    assert run_cli(capsys, ["--db", str(db), "init"]).ok
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_qualcode_db_environment_variable(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.cli_run import run_cli

    db = tmp_path / "env.db"
    monkeypatch.setenv("QUALCODE_DB", str(db))
    assert run_cli(capsys, ["init", "--lead", "lee"]).ok
    assert db.exists()
    assert "lee (lead)" in run_cli(capsys, ["status"]).out


def test_not_a_project_file_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from tests.cli_run import run_cli

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    result = run_cli(capsys, ["--db", str(other), "transcripts"])
    assert result.code == 2
    assert "not a qualcode project" in result.err


def test_import_transcripts_and_list_them(mini: Runner) -> None:
    listing = mini("transcripts", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(listing.out)))
    assert [r["name"] for r in rows] == ["P01", "P02"]
    assert {"name", "participant", "segments", "words"} <= set(rows[0])
    assert rows[0]["participant"] == "P01"
    assert int(rows[0]["segments"]) == 9
    segments = json.loads(mini("segments", "P02", "--format", "json").out)
    assert segments[0]["speaker"] == "Interviewer"
    assert segments[1] == {
        "ordinal": 2,
        "speaker": "P02",
        "start": 70,
        "end": 109,
        "text": "I lead a small data team in a hospital.",
    }


def test_folder_import_skips_csv_files_with_a_note(qc: Runner) -> None:
    from tests.unit.conftest import MINI

    qc("init")
    result = qc("import", "--spacy-model", "blank", str(MINI))
    assert result.ok
    assert "participants.csv: CSV files inside a folder are not imported" in result.err
    assert "imported 2 transcript(s)" in result.out


def test_participant_attributes(mini: Runner) -> None:
    rows = list(csv.DictReader(io.StringIO(mini("participants", "list", "--format", "csv").out)))
    assert rows == [
        {
            "participant": "P01",
            "transcripts": "1",
            "company_size": "startup",
            "role": "ML engineer",
        },
        {"participant": "P02", "transcripts": "1", "company_size": "large", "role": "team lead"},
    ]


def test_status_summarises_the_project(mini: Runner) -> None:
    out = mini("status").out
    assert "2 (104 words, 16 segments)" in out
    assert "6 codes under 2 themes" in out
