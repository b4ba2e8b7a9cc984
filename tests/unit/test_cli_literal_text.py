"""Terminal tables print transcript text, names and memos literally: ``[inaudible]``,
``[laughs]``, ``[redacted]`` are kept, ``[/]`` does not crash, ``:smile:`` stays text (rich
markup and emoji codes are off)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_run import Runner

TRANSCRIPT = (
    "Interviewer: What happened then? [inaudible]\n\n"
    "P03: Well [laughs] we told [redacted] about it.\n\n"
    "P03: A closing tag [/] and [bold]not bold[/bold] and :smile: here.\n"
)
BRACKETED = ["[inaudible]", "[laughs]", "[redacted]", "[/]", "[bold]not bold[/bold]", ":smile:"]


@pytest.fixture
def bracketed(qc: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runner:
    monkeypatch.setenv("COLUMNS", "200")  # one table line per segment
    source = tmp_path / "P03.txt"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    book = tmp_path / "book.yaml"
    book.write_text('name: b\ncodes:\n  - name: "[inaudible]"\n  - name: "[bold]odd :smile:"\n')
    people = tmp_path / "people.csv"
    people.write_text("participant,role\nP03,[red]engineer[/red]\n", encoding="utf-8")
    for args in (
        ["init", "--lead", "alice"],
        ["import", "--spacy-model", "blank", "--unit", "paragraph", str(source)],
        ["codebook", "import", str(book)],
        ["participants", "import", str(people)],
        ["apply", "--coder", "alice", "--transcript", "P03", "--segment", "2",
         "--code", "[inaudible]"],
        ["apply", "--coder", "alice", "--transcript", "P03", "--segment", "3",
         "--code", "[bold]odd :smile:", "--memo", "[laughs] memo"],
    ):  # fmt: skip
        result = qc(*args)
        assert result.ok, (args, result.err)
    return qc


def test_segments_prints_brackets_literally(bracketed: Runner) -> None:
    result = bracketed("segments", "P03")
    assert result.ok, result.err
    for text in BRACKETED:
        assert text in result.out, text
    with_codes = bracketed("segments", "P03", "--coder", "alice")
    assert with_codes.ok, with_codes.err
    assert "[inaudible]" in with_codes.out and "[bold]odd :smile:" in with_codes.out


def test_other_tables_print_names_literally(bracketed: Runner) -> None:
    listing = bracketed("codebook", "list")
    assert listing.ok and "[bold]odd :smile:" in listing.out and "[inaudible]" in listing.out
    people = bracketed("participants", "list")
    assert people.ok and "[red]engineer[/red]" in people.out
    themes = bracketed("export", "themes")
    assert themes.ok, themes.err
    assert "[inaudible]" in themes.out and "[bold]odd :smile:" in themes.out
    quotes = bracketed("export", "quotes")
    assert quotes.ok, quotes.err
    assert "[laughs]" in quotes.out and "[redacted]" in quotes.out
    transcripts = bracketed("transcripts")
    assert transcripts.ok, transcripts.err


def test_progress_descriptions_are_escaped() -> None:
    from qualcode.cli.import_cmds import PROGRESS_MIN_FILES, _progress_bar

    with _progress_bar(PROGRESS_MIN_FILES + 1) as step:
        step("[/]")
        step("[laughs].txt")
