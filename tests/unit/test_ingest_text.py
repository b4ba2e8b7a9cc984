"""Speaker turns in .txt and .md transcripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import QualcodeError
from qualcode.ingest.model import Document
from qualcode.ingest.turns_text import detect_turns, read_plain


def contents(doc: Document) -> list[tuple[str | None, str]]:
    return [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns]


def write(tmp_path: Path, text: str, name: str = "p01.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_labels_with_timestamps(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[00:12:03] Interviewer: How did it start?\n"
        "(00:12:10.250) P07: With a paper.\n"
        "00:13:01 Speaker 2: I agree.\n"
        "[12:03] Dr. Lee:   Me too.  \n"
        "Dr. Lee: Again.\n",
    )
    doc = read_plain(path)
    assert doc.format == "txt"
    assert doc.text == path.read_text()
    assert contents(doc) == [
        ("Interviewer", "How did it start?"),
        ("P07", "With a paper."),
        ("Speaker 2", "I agree."),
        ("Dr. Lee", "Me too."),
        ("Dr. Lee", "Again."),
    ]
    timestamps = [t.timestamp for t in doc.turns]
    assert timestamps == ["00:12:03", "00:12:10.250", "00:13:01", "12:03", None]


def test_continuation_paragraphs_and_text_before_labels(tmp_path: Path) -> None:
    text = (
        "Interview 3, recorded on Zoom.\n\n"
        "INT: First question?\n"
        "R: First paragraph.\n\n"
        "Second paragraph of the same answer.\n"
        "  still the same.\n\n"
        "INT: Next.\n"
    )
    doc = read_plain(write(tmp_path, text))
    assert contents(doc) == [
        (None, "Interview 3, recorded on Zoom."),
        ("INT", "First question?"),
        ("R", "First paragraph.\n\nSecond paragraph of the same answer.\n  still the same."),
        ("INT", "Next."),
    ]


def test_prose_with_a_colon_is_not_a_speaker(tmp_path: Path) -> None:
    text = (
        "Interviewer: What happened then?\n"
        "P03: It broke.\n"
        "Note: the recording stopped here for a minute\n"
        "Example: one of them was poisoned.\n"
        "Interviewer: Go on.\n"
    )
    doc = read_plain(write(tmp_path, text))
    assert [t.speaker for t in doc.turns] == ["Interviewer", "P03", "Interviewer"]
    assert contents(doc)[1][1] == (
        "It broke.\nNote: the recording stopped here for a minute\n"
        "Example: one of them was poisoned."
    )


def test_repeated_unknown_label_is_a_speaker(tmp_path: Path) -> None:
    text = "Alice: hi\nBob Smith: hello\nAlice: how are you?\nBob Smith: fine\n"
    doc = read_plain(write(tmp_path, text))
    assert [t.speaker for t in doc.turns] == ["Alice", "Bob Smith", "Alice", "Bob Smith"]


def test_long_or_odd_prefixes_are_not_labels() -> None:
    text = (
        "This is a very long sentence that ends: no.\n"
        "This is a very long sentence that ends: no.\n"
        "see http://example.org: ok\n"
        "10:30: the meeting\n"
    )
    assert detect_turns(text) == detect_turns(text.replace(":", ";"))
    assert [t.speaker for t in detect_turns(text)] == [None]


def test_no_labels_gives_one_turn(tmp_path: Path) -> None:
    text = "\n  Just some notes.\n\nAnother paragraph.\n\n"
    doc = read_plain(write(tmp_path, text))
    assert contents(doc) == [(None, "Just some notes.\n\nAnother paragraph.")]


def test_markdown_bold_labels_and_headings(tmp_path: Path) -> None:
    text = (
        "# Interview with P05\n\n"
        "Date: 2024-03-01\n\n"
        "**Interviewer:** Tell me about your work.\n\n"
        "**P05**: I build *models*.\n\n"
        "More about it.\n\n"
        "## Part 2\n\n"
        "Still P05 talking.\n\n"
        "[00:30:00] **P05:** And more.\n"
    )
    doc = read_plain(write(tmp_path, text, "p05.md"))
    assert doc.format == "md"
    assert contents(doc) == [
        (None, "Date: 2024-03-01"),
        ("Interviewer", "Tell me about your work."),
        ("P05", "I build *models*.\n\nMore about it."),
        ("P05", "Still P05 talking."),
        ("P05", "And more."),
    ]
    assert doc.turns[-1].timestamp == "00:30:00"
    for turn in doc.turns:
        assert "#" not in doc.text[turn.start : turn.end]


def test_bold_is_not_a_label_in_txt(tmp_path: Path) -> None:
    doc = read_plain(write(tmp_path, "**P05:** hi\n# not a heading in txt\n"))
    assert contents(doc) == [(None, "**P05:** hi\n# not a heading in txt")]


def test_offsets_are_code_points_of_normalised_text(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes("P01: Cafe\u0301\r\n\r\nP02: naïve\r\n".encode())
    doc = read_plain(path)
    assert doc.text == "P01: Café\n\nP02: naïve\n"
    assert contents(doc) == [("P01", "Café"), ("P02", "naïve")]
    assert (doc.turns[1].start, doc.turns[1].end) == (16, 21)


def test_only_headings_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "# Title\n\n## Section\n", "x.md")
    with pytest.raises(QualcodeError, match="no transcript text") as info:
        read_plain(path)
    assert str(info.value).startswith(f"{path}: ")


def test_cp1252_warning_reaches_the_document(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes("P01: café".encode("cp1252"))
    doc = read_plain(path)
    assert contents(doc) == [("P01", "café")]
    assert len(doc.warnings) == 1 and "cp1252" in doc.warnings[0]
