"""Word transcripts built with python-docx."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from qualcode.errors import QualcodeError
from qualcode.ingest.turns_docx import read_docx


def test_paragraphs_tables_and_headings(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Interview P02", level=1)
    document.add_paragraph("Recorded on 3 May.")
    document.add_paragraph("Interviewer: How do you test models?")
    document.add_paragraph("P02: We mostly don't.")
    document.add_paragraph("")
    document.add_paragraph("Honestly, it is expensive.")
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(
        table.rows,
        [("00:05:00", "Interviewer", "Why?"), ("[00:05:10]", "P02", "No budget.")],
        strict=True,
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_heading("Debrief", level=2)
    document.add_paragraph("P02: Anything else?")
    path = tmp_path / "p02.docx"
    document.save(str(path))

    doc = read_docx(path)
    assert doc.format == "docx"
    assert doc.text.startswith("Interview P02\n\nRecorded on 3 May.\n\nInterviewer: How")
    got = [(t.speaker, doc.text[t.start : t.end], t.timestamp) for t in doc.turns]
    assert got == [
        (None, "Recorded on 3 May.", None),
        ("Interviewer", "How do you test models?", None),
        ("P02", "We mostly don't.\n\nHonestly, it is expensive.", None),
        ("Interviewer", "Why?", "00:05:00"),
        ("P02", "No budget.", "00:05:10"),
        ("P02", "Anything else?", None),
    ]


def test_corrupt_docx_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"this is not a zip file at all")
    with pytest.raises(QualcodeError) as info:
        read_docx(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not a readable .docx file (")
    assert message.endswith("; re-save it from Word")
    assert "\n" not in message


def test_truncated_docx_is_a_clear_error(tmp_path: Path) -> None:
    good = tmp_path / "good.docx"
    document = docx.Document()
    document.add_paragraph("P01: hi")
    document.save(str(good))
    path = tmp_path / "truncated.docx"
    path.write_bytes(good.read_bytes()[:2000])
    with pytest.raises(QualcodeError, match=r"not a readable \.docx file"):
        read_docx(path)


def test_empty_docx_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    path.write_bytes(b"")
    with pytest.raises(QualcodeError, match="the file is empty"):
        read_docx(path)


def test_docx_without_text(tmp_path: Path) -> None:
    path = tmp_path / "blank.docx"
    docx.Document().save(str(path))
    with pytest.raises(QualcodeError, match="no transcript text"):
        read_docx(path)
