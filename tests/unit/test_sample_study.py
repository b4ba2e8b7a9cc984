"""The shipped sample study loads exactly as `make demo` loads it."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from tests.cli_run import Runner, runner_for

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "transcripts_sample"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the demo project once with the same steps as the Makefile."""
    import subprocess
    import sys

    db = tmp_path_factory.mktemp("demo") / "qualcode.db"
    exe = str(Path(sys.executable).with_name("qualcode"))
    steps = [
        ["init", "--lead", "alice"],
        ["import", "--spacy-model", "blank", str(SAMPLE / "interviews")],
        ["participants", "import", str(SAMPLE / "participants.csv")],
        ["codebook", "import", str(ROOT / "codebooks" / "aml_barriers.yaml")],
        ["codings", "import", "--done", str(SAMPLE / "codings.csv")],
    ]
    for step in steps:
        done = subprocess.run(
            [exe, "--db", str(db), "--as", "alice", *step], capture_output=True, text=True
        )
        assert done.returncode == 0, (step, done.stderr)
    return db


@pytest.fixture
def qc(demo: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    return runner_for(str(demo), capsys)


def test_fifteen_interviews_of_realistic_length_in_mixed_formats(qc: Runner) -> None:
    rows = list(csv.DictReader(io.StringIO(qc("transcripts", "--format", "csv").out)))
    assert [r["name"] for r in rows] == [f"P{i:02d}" for i in range(1, 16)]
    for row in rows:
        assert 1500 <= int(row["words"]) <= 3000, row
    formats = Counter(r["format"] for r in rows)
    assert formats["txt"] >= 8 and formats["docx"] >= 1 and formats["vtt"] >= 1


def test_every_transcript_has_an_interviewer_and_its_participant(qc: Runner) -> None:
    for name in ("P01", "P05", "P07", "P11", "P14"):
        speakers = {s["speaker"] for s in json.loads(qc("segments", name, "--format", "json").out)}
        assert "Interviewer" in speakers and name in speakers, (name, speakers)


def test_participants_have_the_four_attributes(qc: Runner) -> None:
    rows = list(csv.DictReader(io.StringIO(qc("participants", "list", "--format", "csv").out)))
    assert len(rows) == 15
    assert {"role", "company_size", "sector", "years_ml_experience"} <= set(rows[0])
    assert all(r["transcripts"] == "1" for r in rows)


def test_three_coders_two_of_whom_double_code_five_interviews(qc: Runner) -> None:
    rows = list(csv.DictReader(io.StringIO(qc("codings", "export", "--format", "csv").out)))
    by_coder: dict[str, set[str]] = {}
    for row in rows:
        by_coder.setdefault(row["coder"], set()).add(row["transcript"])
    assert set(by_coder) == {"alice", "bob", "carol"}
    assert by_coder["bob"] == {f"P0{i}" for i in range(1, 6)}
    assert by_coder["bob"] <= by_coder["alice"]
    done = {
        r["name"]: r["done_by"]
        for r in csv.DictReader(io.StringIO(qc("transcripts", "--format", "csv").out))
    }
    assert done["P01"] == "alice,bob" and done["P12"] == "carol"
    # every coding is on something the participant said
    assert all(row["text"] for row in rows)


def test_codebook_has_the_study_themes(qc: Runner) -> None:
    rows = json.loads(qc("codebook", "list", "--format", "json").out)
    themes = [r["name"] for r in rows if "/" not in r["path"]]
    for theme in (
        "Exposure and learning",
        "Risk assessment",
        "Defense implementation",
        "Mental models",
        "Attacks mentioned",
    ):
        assert theme in themes
    leaves = [r for r in rows if "/" in r["path"]]
    assert all(r["description"] and r["include"] and r["exclude"] and r["example"] for r in leaves)
    shortcuts = [r["shortcut"] for r in rows if r["shortcut"]]
    assert len(shortcuts) == len(set(shortcuts))
