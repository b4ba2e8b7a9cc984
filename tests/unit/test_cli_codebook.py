"""Codebook import, listing, addressing by name or path, and export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.cli_run import Runner
from tests.unit.conftest import MINI_CODEBOOK


def test_codebook_list_csv_has_paths_and_status(mini: Runner) -> None:
    rows = list(csv.DictReader(io.StringIO(mini("codebook", "list", "--format", "csv").out)))
    assert list(rows[0])[:4] == ["name", "path", "status", "kind"]
    assert [r["path"] for r in rows] == [
        "Exposure",
        "Exposure/News",
        "Exposure/Training",
        "Risk",
        "Risk/Never seen an attack",
        "Risk/News",
    ] or [r["path"] for r in rows][:3] == ["Exposure", "Exposure/News", "Exposure/Training"]
    assert {r["status"] for r in rows} == {"active"}
    assert rows[1]["description"] == "Learned about it from news or talks."
    assert rows[1]["shortcut"] == "1"


def test_codebook_import_twice_adds_nothing(mini: Runner) -> None:
    again = mini("codebook", "import", str(MINI_CODEBOOK))
    assert again.ok
    assert "0 code(s) added" in again.out


def test_conflicting_definition_is_reported_not_overwritten(mini: Runner, tmp_path: Path) -> None:
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        MINI_CODEBOOK.read_text().replace(
            "Has not experienced an attack.", "A different definition."
        )
    )
    result = mini("codebook", "import", str(changed))
    assert result.ok
    assert "Risk/Never seen an attack: description" in result.err
    rows = json.loads(mini("codebook", "list", "--format", "json").out)
    never = next(r for r in rows if r["name"] == "Never seen an attack")
    assert never["description"] == "Has not experienced an attack."


def test_ambiguous_name_needs_a_path(mini: Runner) -> None:
    result = mini(
        "apply", "--coder", "alice", "--transcript", "P01", "--segment", "3", "--code", "News"
    )
    assert result.code == 2
    assert "ambiguous" in result.err and "Exposure/News" in result.err
    assert mini(
        "apply",
        "--coder",
        "alice",
        "--transcript",
        "P01",
        "--segment",
        "3",
        "--code",
        "exposure/news",
    ).ok


def test_yaml_export_round_trips_into_a_new_project(mini: Runner, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tests.cli_run import runner_for

    exported = tmp_path / "book.yaml"
    assert mini("codebook", "export", "--format", "yaml", "--out", str(exported)).ok
    other = runner_for(str(tmp_path / "other.db"), capsys)
    assert other("init").ok
    assert other("codebook", "import", str(exported)).ok
    first = json.loads(mini("codebook", "list", "--format", "json").out)
    second = json.loads(other("codebook", "list", "--format", "json").out)
    assert first == second  # same names, paths, definitions and GUIDs


def test_markdown_and_csv_exports(mini: Runner, tmp_path: Path) -> None:
    md = mini("codebook", "export", "--format", "md").out
    assert "## Exposure" in md and "| News | Learned about it from news or talks." in md
    out = tmp_path / "book.csv"
    assert mini("codebook", "export", "--format", "csv", "--out", str(out)).ok
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("name,path,status")


def test_bad_codebook_files(mini: Runner, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("codes:\n  - name: A\n    children: [\n")
    result = mini("codebook", "import", str(broken))
    assert result.code == 2 and str(broken) in result.err and "line" in result.err
    two_keys = tmp_path / "two_keys.yaml"
    two_keys.write_text("codes:\n  - name: A\n    shortcut: ab\n")
    result = mini("codebook", "import", str(two_keys))
    assert result.code == 2 and "'ab' is not one key" in result.err
    listed = json.loads(mini("codebook", "list", "--format", "json").out)
    assert "A" not in {row["name"] for row in listed}
    # a shortcut used twice in the file or already in the project: imported without it
    # (tests/unit/test_shortcuts.py has the details)
    duplicate = tmp_path / "dup.yaml"
    duplicate.write_text("codes:\n  - name: A\n    shortcut: a\n  - name: B\n    shortcut: a\n")
    result = mini("codebook", "import", str(duplicate))
    assert result.ok and "shortcut not stored: B: 'a' is already the shortcut of 'A'" in result.err
