"""Dispatch by suffix, and the import rules of the ingest package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.errors import QualcodeError
from qualcode.ingest.readers import SUPPORTED, read_document


def test_dispatch_by_suffix(tmp_path: Path) -> None:
    (tmp_path / "a.TXT").write_text("P01: hi\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("**P01:** hi\n", encoding="utf-8")
    (tmp_path / "c.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nP01: hi\n")
    (tmp_path / "d.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nP01: hi\n")
    formats = {p.name: read_document(p).format for p in sorted(tmp_path.iterdir())}
    assert formats == {"a.TXT": "txt", "b.md": "md", "c.vtt": "vtt", "d.srt": "srt"}
    for path in tmp_path.iterdir():
        doc = read_document(path)
        assert [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns] == [("P01", "hi")]
    assert {".txt", ".md", ".docx", ".vtt", ".srt", ".csv"} == SUPPORTED


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("x.pdf", "unsupported file type (.pdf); use .txt, .md, .docx, .vtt, .srt or .csv"),
        ("x", "unsupported file type (no suffix)"),
        ("x.doc", "old Word .doc files are not supported; save it as .docx from Word"),
        ("x.csv", "import it as a survey"),
    ],
)
def test_unsupported(tmp_path: Path, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text("P01: hi\n")
    with pytest.raises(QualcodeError) as info:
        read_document(path)
    assert str(info.value).startswith(f"{path}: ")
    assert expected in str(info.value)


def test_binary_with_text_suffix(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(QualcodeError, match="not a text file"):
        read_document(path)


def test_importing_ingest_stays_light() -> None:
    code = (
        "import sys\n"
        "import qualcode.ingest.readers, qualcode.ingest.segmenter, qualcode.ingest.survey_csv\n"
        "heavy = {'spacy', 'docx', 'sqlalchemy', 'textual', 'lxml'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
