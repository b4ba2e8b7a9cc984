"""``qualcode export quotes|matrix|cooccurrence|codebook`` on the study of
``test_export_themes`` (see its docstring for the codings), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from qualcode.services.research_exports import APPENDIX_COLUMNS, QUOTE_COLUMNS
from qualcode.services.workspace import apply_span
from qualcode.store.models import Code, Coder, Segment, Transcript
from qualcode.store.project import open_project
from tests.cli_run import Runner
from tests.unit.test_export_themes import build_study, ok


@pytest.fixture
def study(qc: Runner, db_url: str, tmp_path: Path) -> Runner:
    return build_study(qc, db_url, tmp_path / "study")


def export(qc: Runner, *args: str) -> tuple[list[str], list[list[str]]]:
    out = ok(qc, "export", *args, "--format", "csv")
    table = list(csv.reader(io.StringIO(out)))
    return table[0], table[1:]


def add_span(db: str, coder: str, transcript: str, ordinal: int, code: str, a: int, b: int) -> str:
    """A sub-span coding of ``[start + a, start + b)`` of a segment; returns its text."""
    project = open_project(db)
    try:
        with project.transaction() as session:
            t = session.scalar(select(Transcript).where(Transcript.name == transcript))
            who = session.scalar(select(Coder).where(Coder.name == coder))
            what = session.scalar(select(Code).where(Code.name == code))
            assert t is not None and who is not None and what is not None
            seg = session.scalar(
                select(Segment).where(Segment.transcript_id == t.id, Segment.ordinal == ordinal)
            )
            assert seg is not None
            apply_span(session, who.id, t.id, what.id, seg.start + a, seg.start + b)
            return t.text[seg.start + a : seg.start + b]
    finally:
        project.close()


def test_quotes(study: Runner, db_url: str) -> None:
    word = add_span(db_url, "bob", "P02", 7, "Training", 4, 11)
    assert word == "epsilon"
    ok(
        study,
        "apply",
        "--coder",
        "alice",
        "--transcript",
        "P01",
        "--segment",
        "2",
        "--code",
        "Exposure/News",
        "--memo",
        "=blog post",
    )
    header, rows = export(study, "quotes")
    assert tuple(header) == QUOTE_COLUMNS
    assert header[:9] == [
        "theme",
        "code",
        "participant",
        "transcript",
        "segment",
        "speaker",
        "quote",
        "coder",
        "memo",
    ]
    short = [(r[1], r[3], r[4], r[7]) for r in rows]
    assert short == [
        ("News", "P01", "2", "alice"),
        ("News", "P01", "2", "bob"),
        ("News", "P01b", "2", "alice"),
        ("News", "P01b", "2", "bob"),
        ("News", "P02", "2", "alice"),
        ("News", "P02", "2", "bob"),
        ("News", "P02", "6", "alice"),
        ("News", "P02", "6", "carol"),
        ("Training", "P01", "3", "alice"),
        ("Training", "P01", "3", "carol"),
        ("Training", "P02", "3", "bob"),
        ("Training", "P02", "7", "bob"),
        ("Doubt", "P02", "3", "alice"),
        ("Doubt", "P03", "4", "alice"),
        ("Doubt", "P03", "4", "bob"),
        ("Doubt", "P03", "4", "carol"),
        ("Nobody responsible", "P03", "2", "alice"),
        ("Cost & time_100%", "P04", "2", "alice"),
        ("Cost & time_100%", "P04", "2", "bob"),
    ]  # carol's P04 coding does not count: she has not finished P04
    first = rows[0]
    assert first[:9] == [
        "Exposure",
        "News",
        "P01",
        "P01",
        "2",
        "P01",
        "P01 alpha one.",
        "alice",
        "'=blog post",
    ]
    assert rows[2][2:4] == ["P01", "P01b"]  # the second interview of P01
    assert rows[11][6] == "epsilon"  # a sub-span: only the coded words
    assert rows[16][6] == "alpha one. P03 beta"  # a span over two segments
    assert rows[16][5] == "P03"

    _, exposure = export(study, "quotes", "--code", "Exposure")
    assert {r[1] for r in exposure} == {"News", "Training"} and len(exposure) == 12
    _, bob = export(study, "quotes", "--code", "Risk/Doubt", "--coders", "bob")
    assert [(r[3], r[4], r[7]) for r in bob] == [("P03", "4", "bob")]
    bad = study("export", "quotes", "--code", "Nope")
    assert bad.code == 2 and "no code named" in bad.err


def test_matrix(study: Runner) -> None:
    header, rows = export(study, "matrix")
    assert header == ["theme", "code", "P01", "P02", "P03", "P04", "P05"]
    assert rows == [
        ["Exposure", "", "3", "3", "0", "0", "0"],
        ["Exposure", "News", "2", "2", "0", "0", "0"],  # P01: one segment in each interview
        ["Exposure", "Training", "1", "1", "0", "0", "0"],
        ["Exposure", "Talks", "0", "0", "0", "0", "0"],
        ["Risk", "", "0", "1", "1", "0", "0"],
        ["Risk", "Doubt", "0", "1", "1", "0", "0"],
        ["Risk", "Never seen", "0", "0", "0", "0", "0"],
        ["Defense", "", "0", "0", "2", "1", "0"],
        ["Defense", "Nobody responsible", "0", "0", "2", "0", "0"],  # the span: two segments
        ["Defense", "Cost & time_100%", "0", "0", "0", "1", "0"],
        ["Defense", "'=SUM(1)", "0", "0", "0", "0", "0"],
    ]
    header, rows = export(study, "matrix", "--rule", "all", "--level", "theme")
    assert header == ["theme", "code", "P01", "P02", "P03"]
    assert rows == [
        ["Exposure", "", "0", "0", "0"],
        ["Risk", "", "0", "0", "1"],
        ["Defense", "", "0", "0", "0"],
    ]


def test_cooccurrence(study: Runner) -> None:
    header, rows = export(study, "cooccurrence")
    codes = [
        "Exposure/News",
        "Exposure/Training",
        "Exposure/Talks",
        "Risk/Doubt",
        "Risk/Never seen",
        "Defense/Nobody responsible",
        "Defense/Cost & time_100%",
        "Defense/=SUM(1)",
    ]
    assert header == ["theme", "code", *codes]
    diagonal = [int(r[2 + i]) for i, r in enumerate(rows)]
    assert diagonal == [4, 2, 0, 2, 0, 2, 1, 0]
    cells = {(rows[i][1], codes[j]): int(rows[i][2 + j]) for i in range(8) for j in range(8)}
    # P02 segment 3: Doubt (alice) and Training (bob) — the only segment with two codes
    assert cells[("Training", "Risk/Doubt")] == cells[("Doubt", "Exposure/Training")] == 1
    off = {k: v for k, v in cells.items() if v and k[0] != k[1].split("/")[-1]}
    assert off == {("Training", "Risk/Doubt"): 1, ("Doubt", "Exposure/Training"): 1}
    header, rows = export(study, "cooccurrence", "--level", "theme")
    assert header == ["theme", "code", "Exposure", "Risk", "Defense"]
    assert rows == [
        ["Exposure", "", "6", "1", "0"],
        ["Risk", "", "1", "2", "0"],
        ["Defense", "", "0", "0", "3"],
    ]


def test_codebook_appendix(study: Runner, tmp_path: Path) -> None:
    header, rows = export(study, "codebook")
    assert tuple(header) == APPENDIX_COLUMNS
    assert header == [
        "theme",
        "name",
        "description",
        "include",
        "exclude",
        "example",
        "participants",
    ]
    assert rows[0] == ["Exposure", "", "How they learned about attacks.", "", "", "", "2"]
    assert rows[1] == [
        "Exposure",
        "News",
        "From the news.",
        "Articles, talks.",
        "Courses.",
        "I read it in a blog.",
        "2",
    ]
    assert [r[1] for r in rows] == [
        "",
        "News",
        "Training",
        "Talks",
        "",
        "Doubt",
        "Never seen",
        "",
        "Nobody responsible",
        "Cost & time_100%",
        "'=SUM(1)",
    ]  # Risk/Old is retired: not in the appendix
    assert [r[6] for r in rows] == ["2", "2", "2", "0", "2", "2", "0", "2", "1", "1", "0"]

    md = ok(study, "export", "codebook", "--format", "md")
    assert md.startswith("# Study codebook (N = 5 participants)\n")
    assert "| Defense | Cost & time_100% | Too expensive. |  |  |  | 1 |" in md

    tex_file = tmp_path / "appendix.tex"
    ok(study, "export", "codebook", "--out", str(tex_file))
    tex = tex_file.read_text(encoding="utf-8")
    assert r"\caption{Study codebook (N = 5 participants)}" in tex
    assert (
        r"Building defenses: money \{budget\} \textasciitilde{} \$5 \#1 "
        r"\textasciicircum{} \textbackslash{} back"
    ) in tex
    assert r"Defense & Cost \& time\_100\% & Too expensive." in tex

    xlsx = tmp_path / "appendix.xlsx"
    ok(study, "export", "codebook", "--out", str(xlsx))
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert "'=SUM(1)" in [c.value for c in cells]
