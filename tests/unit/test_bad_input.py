"""Bad input: one line ``error: FILE: …``, exit 2, and nothing stored from the command."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.cli_run import Runner
from tests.unit.conftest import MINI


def _count(qc: Runner) -> int:
    return len(qc("transcripts", "--format", "csv").out.strip().splitlines()) - 1


@pytest.fixture
def project(qc: Runner) -> Runner:
    assert qc("init").ok
    return qc


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02PK\x00\xff" * 50)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    docx = tmp_path / "corrupt.docx"
    docx.write_bytes(b"this is not a zip file")
    nodoc = tmp_path / "nodoc.docx"
    with zipfile.ZipFile(nodoc, "w") as archive:
        archive.writestr("hello.txt", "no document inside")
    survey = tmp_path / "survey.csv"
    survey.write_text("id,answer\n1,Yes we do\n")
    undecodable = tmp_path / "undecodable.txt"
    undecodable.write_bytes(b"Interviewer: caf\x81\x8d\x8f\x90\x9d\n")
    pdf = tmp_path / "renamed_pdf.txt"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(1, 32)) * 40 + b"endstream")
    return {
        "binary": (binary, "binary"),
        "binary without NUL bytes": (pdf, "binary"),
        "empty": (empty, "empty"),
        "corrupt docx": (docx, "docx"),
        "docx without document": (nodoc, "docx"),
        "undecodable": (undecodable, "UTF-8"),
    }


def test_each_bad_file_gives_one_line_and_stores_nothing(project: Runner, tmp_path: Path) -> None:
    for label, (path, word) in _bad_files(tmp_path).items():
        result = project("import", "--spacy-model", "blank", str(MINI / "P01.txt"), str(path))
        assert result.code == 2, label
        lines = result.err.strip().splitlines()
        assert lines[-1].startswith(f"error: {path}: "), (label, result.err)
        assert word.lower() in lines[-1].lower(), (label, result.err)
        assert "Traceback" not in result.err
        assert _count(project) == 0, label


def test_survey_csv_without_the_named_column(project: Runner, tmp_path: Path) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_text("id,answer\n1,Yes we do\n")
    result = project("import", "--text-column", "comments", "--id-column", "id", str(survey))
    assert result.code == 2
    assert result.err.startswith(f"error: {survey}: ") and "comments" in result.err
    ok = project(
        "import",
        "--spacy-model",
        "blank",
        "--text-column",
        "answer",
        "--id-column",
        "id",
        str(survey),
    )
    assert ok.ok, ok.err
    assert "survey-1: imported" in ok.out


def test_missing_path(project: Runner, tmp_path: Path) -> None:
    result = project("import", str(tmp_path / "nope.txt"))
    assert result.code == 2 and "no such file" in result.err


def test_no_traceback_from_the_installed_command(tmp_path: Path) -> None:
    """The console script itself: exit status 2 and a single error line."""
    db = tmp_path / "p.db"
    exe = Path(sys.executable).with_name("qualcode")
    subprocess.run([str(exe), "--db", str(db), "init"], check=True, capture_output=True)
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x00" * 100)
    done = subprocess.run(
        [str(exe), "--db", str(db), "import", str(binary)], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {binary}: ") and done.stderr.count("\n") == 1


def test_a_survey_read_as_cp1252_warns_once(project: Runner, tmp_path: Path) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_bytes("id,answer\n1,caf\xe9 ok\n2,na\xefve\n3,fine\n".encode("cp1252"))
    result = project("import", "--spacy-model", "blank", "--id-column", "id", str(survey))
    assert result.ok, result.err
    assert result.err.count("Windows-1252") == 1
