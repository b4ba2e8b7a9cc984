"""Pathological text imports in linear time; a zip-bomb .docx refused; ``check`` linear.

Each input here took minutes (or never finished) before: spaCy's tokenizer peels a long
token one character at a time (60 KB of ``**`` did not finish in 300 s, 4,000 ``=`` took
9.5 s), a speaker-label pattern backtracked on a long run of blanks, a WebVTT voice pattern
backtracked exponentially, and ``check`` measured a transcript's text once per coding.
The bounds below are generous (a slow shared machine); the inputs are the bad cases.
"""

from __future__ import annotations

import re
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest

from tests.cli_run import Runner, run_cli, runner_for

BOUND = 15.0  # seconds for one import of a pathological file (was: minutes, or never)


@pytest.fixture
def qc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    runner = runner_for(str(tmp_path / "project.db"), capsys)
    assert runner("init", "--lead", "alice").ok
    return runner


PATHOLOGICAL = {
    "stars.txt": "**" * 30_000 + "\n",  # 60 KB, one line: did not finish in 300 s
    "stars.md": "Interviewer: " + "**" * 30_000 + "\n",
    "equals.txt": "=" * 4_000 + "\n",  # 9.5 s
    "parens.txt": "(" * 20_000 + " hello. " + ")" * 20_000 + "\n",
    "quotes.txt": "'" * 40_000 + "\n",
    "blanks.txt": "I: hi\n" + " \t" * 30_000 + "- !:\n",  # the label pattern's blanks
    "labels.md": ("**" + " " * 5_000 + ":" + "\n") * 20,
    "voices.vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v" + "." * 60_000 + "\n",
    "tags.vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n" + "<v " * 20_000 + "\n",
    "braces.srt": "1\n00:00:01,000 --> 00:00:02,000\n" + "{\\" * 30_000 + "\n",
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_text_imports_quickly(qc: Runner, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(PATHOLOGICAL[name], encoding="utf-8")
    started = time.perf_counter()
    result = qc("import", "--spacy-model", "blank", str(path))
    elapsed = time.perf_counter() - started
    assert elapsed < BOUND, (name, elapsed)
    assert result.code in (0, 2), result.err
    assert "internal error" not in result.err
    if result.ok:
        assert qc("check").ok


def test_long_tokens_keep_their_text_and_offsets(qc: Runner, tmp_path: Path) -> None:
    url = "https://example.org/" + "a/" * 100 + "end"
    text = f"Interviewer: Look at {url}. Then tell me more.\n\nP01: {'=' * 5000} Fine. Done.\n"
    path = tmp_path / "long.txt"
    path.write_text(text)
    assert qc("import", "--spacy-model", "blank", str(path)).ok
    db = sqlite3.connect(tmp_path / "project.db")
    stored = db.execute("SELECT text FROM transcript").fetchone()[0]
    segments = db.execute("SELECT start, \"end\", text FROM segment ORDER BY ordinal").fetchall()
    db.close()
    for start, end, piece in segments:
        assert stored[start:end] == piece
    assert any(piece.endswith(f"{url}.") for _s, _e, piece in segments)
    assert any(piece == "Then tell me more." for _s, _e, piece in segments)
    assert any(piece == "Done." for _s, _e, piece in segments)


def test_readers_are_linear_in_a_long_line() -> None:
    from qualcode.ingest.turns_captions import _TAG, _VOICE
    from qualcode.ingest.turns_text import detect_turns

    def timed(fn: object, arg: str) -> float:
        started = time.perf_counter()
        fn(arg)  # type: ignore[operator]
        return time.perf_counter() - started

    for n in (20_000, 80_000):
        blanks = "I: x\n" + " \t" * n + "- !:\n"
        assert timed(lambda s: detect_turns(s, markdown=True), blanks) < 2.0
        assert timed(lambda s: list(_VOICE.finditer(s)), "<v" + "." * n) < 1.0
        assert timed(lambda s: list(_VOICE.finditer(s)), "<v " * n) < 1.0
        assert timed(lambda s: _TAG.sub("", s), "<" * n + "{\\" * n) < 1.0


def test_segmenter_masks_only_what_spacy_sees() -> None:
    from qualcode.ingest.segmenter import LONG_TOKEN, tame_long_tokens

    text = "short words " + "*" * 1000 + " and " + "y" * LONG_TOKEN
    masked = tame_long_tokens(text)
    assert len(masked) == len(text)
    assert masked.startswith("short words " + "*" * 16 + "x")
    assert masked.endswith("*" * 16 + " and " + "y" * LONG_TOKEN)


def _bomb(path: Path, megabytes: int) -> None:
    """A .docx whose document.xml expands to ``megabytes`` MB from a few hundred KB."""
    import docx

    template = path.with_name("template.docx")
    document = docx.Document()
    document.add_paragraph("Interviewer: hello.")
    document.save(str(template))
    chunk = ("<w:p><w:r><w:t>" + "A" * 1000 + "</w:t></w:r></w:p>").encode() * 1024
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != "word/document.xml":
                z.writestr(info, data)
                continue
            xml = data.decode()
            cut = xml.index("<w:body>") + len("<w:body>")
            with z.open(info.filename, "w", force_zip64=True) as out:
                out.write(xml[:cut].encode())
                for _ in range(megabytes):
                    out.write(chunk)
                out.write(xml[cut:].encode())


def test_zip_bomb_docx_is_refused_before_it_is_read(qc: Runner, tmp_path: Path) -> None:
    import resource

    bomb = tmp_path / "bomb.docx"
    _bomb(bomb, 300)  # 300 MB of XML in a file of a few hundred KB
    assert bomb.stat().st_size < 5_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = qc("import", "--spacy-model", "blank", str(bomb))
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert result.code == 2, result.err
    assert re.match(rf"error: {re.escape(str(bomb))}: refused: ", result.err), result.err
    assert "MB" in result.err
    assert after - before < 100 * 1024  # KB: it never expanded the XML
    assert qc("transcripts", "--format", "csv").out.strip().count("\n") == 0


@pytest.mark.slow
def test_check_is_linear_in_transcript_length(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One 1.3 MB transcript with a coding on each of its ~17,000 segments: 35-62 s before."""
    import random

    rng = random.Random(1)
    words = ["the", "a", "we", "said", "that", "risk", "bank", "money", "customer", "report"]
    parts, size = [], 0
    while size < 1_300_000:
        speaker = "Interviewer" if len(parts) % 2 == 0 else "P01"
        para = " ".join(
            " ".join(rng.choice(words) for _ in range(12)).capitalize() + "." for _ in range(5)
        )
        parts.append(f"{speaker}: {para}\n\n")
        size += len(parts[-1])
    source = tmp_path / "P01.txt"
    source.write_text("".join(parts))
    db = tmp_path / "big.db"
    assert run_cli(capsys, ["--db", str(db), "init", "--lead", "alice"]).ok
    assert run_cli(capsys, ["--db", str(db), "import", "--spacy-model", "blank", str(source)]).ok
    conn = sqlite3.connect(db)
    with conn:
        coder = conn.execute("SELECT id FROM coder").fetchone()[0]
        conn.execute(
            "INSERT INTO code(id, guid, name, position, kind, description, include, exclude, "
            "example, color, shortcut, status, created_at) VALUES (1, 'g1', 'Risk', 1, "
            "'descriptive', '', '', '', '', '', '', 'active', '2026-01-01')"
        )
        conn.execute(
            'INSERT INTO coding(guid, transcript_id, segment_id, start, "end", code_id, '
            "coder_id, memo, created_at, codebook_seq) SELECT 'c' || id, transcript_id, id, "
            "start, \"end\", 1, ?, '', '2026-01-01', 0 FROM segment",
            (coder,),
        )
    conn.close()
    started = time.perf_counter()
    result = run_cli(capsys, ["--db", str(db), "check"])
    elapsed = time.perf_counter() - started
    assert result.ok, result.out + result.err
    assert elapsed < 10.0, elapsed
