"""The CSV readers (codings import, participants import): strict CSV with line numbers,
newlines kept inside quoted fields, and the formula guard undone exactly, so that a codings
export imports back to what was exported."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualcode.export.csv_safe import (
    DANGEROUS_START,
    csv_text,
    read_csv_file,
    safe_cell,
    unguard_cell,
)
from tests.cli_run import Result, Runner
from tests.unit.conftest import MINI

HEADER = "coder,transcript,segment,code,memo\n"


def _ok(qc: Runner, *args: str) -> str:
    result = qc(*args)
    assert result.ok, result.err
    return result.out


def _codings(qc: Runner) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(_ok(qc, "codings", "export", "--format", "json"))
    return data


def _one_line_error(result: Result, expected: str) -> None:
    assert result.code == 2, result.err
    assert result.err == f"error: {expected}\n", result.err


# --- the guard, in and out -----------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+plus", "'+plus"),
        ("-minus", "'-minus"),
        ("@at", "'@at"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("'quoted", "'quoted"),  # a real quote before an ordinary character: kept as it is
        ("'", "'"),
        ("''", "''"),
        ("'=already guarded by hand", "''=already guarded by hand"),
        ("''-two", "'''-two"),
        ("plain", "plain"),
        ("", ""),
        (" -space first", " -space first"),
    ],
)
def test_guard_and_unguard_are_exact_inverses(original: str, written: str) -> None:
    assert safe_cell(original) == written
    assert unguard_cell(written) == original


def test_a_cell_we_never_guard_is_never_changed_on_reading() -> None:
    for cell in ["'abc", "'1", "' =x", "'", "x'=y", "''a"]:
        assert unguard_cell(cell) == cell


@given(st.text(alphabet=st.sampled_from(["'", "=", "+", "-", "@", "\t", "\r", "\n", "a", " "])))
def test_guard_round_trip_for_any_text(text: str) -> None:
    assert unguard_cell(safe_cell(text)) == text
    assert not str(safe_cell(text)).startswith(DANGEROUS_START)


CELLS = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc")),
        st.sampled_from(["\n", "\r", "\t", "'", '"', ",", "=", "-"]),
    ),
    max_size=20,
)


@given(st.lists(CELLS, min_size=1, max_size=4))
def test_written_csv_reads_back_cell_for_cell(cells: list[str]) -> None:
    header = [f"c{i}" for i in range(len(cells))]
    table = read_csv_file(Path("t.csv"), csv_text(header, [cells]))
    assert table.header == header
    if not any(str(safe_cell(c)).strip() for c in cells):
        assert table.records == []  # a blank row is left out, like a blank line
        return
    assert [unguard_cell(c) for c in table.records[0].cells] == cells
    assert table.records[0].line == 2


# --- malformed files are refused with the line, nothing stored ---------------------------


def test_an_unclosed_quote_is_refused_not_swallowed(mini: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "codings.csv"
    bad.write_text(
        HEADER
        + 'alice,P01,3,Training,"forgot to close\n'
        + "alice,P01,4,Training,\n"
        + "alice,P01,5,Training,\n"
        + "alice,P01,6,Training,\n",
        encoding="utf-8",
    )
    result = mini("codings", "import", str(bad))
    _one_line_error(
        result,
        f"{bad}: line 2: a quoted field is never closed (its opening quote runs to the end "
        'of the file); add the closing quote ("), or write a quote inside a field as two ("")',
    )
    assert _codings(mini) == []


def test_rows_swallowed_by_a_quote_closed_by_chance_are_refused(
    mini: Runner, tmp_path: Path
) -> None:
    bad = tmp_path / "codings.csv"
    bad.write_text(
        HEADER
        + 'alice,P01,3,Training,"forgot to close\n'
        + "alice,P01,4,Training,\n"
        + 'alice,P01,5,Training,"\n',  # valid CSV: one row whose memo holds two rows
        encoding="utf-8",
    )
    _one_line_error(
        mini("codings", "import", str(bad)),
        f"{bad}: line 2: a quoted field takes in a line that looks like a row of its own "
        "('alice,P01,4,Training,'): its closing quote is probably missing; "
        'add it ("), or write a quote inside a field as two ("")',
    )
    assert _codings(mini) == []
    bad.write_text(
        HEADER
        + 'alice,P01,3,Training,"forgot to close\n'
        + "alice,P01,4,Training,\n"
        + 'alice,P01,5,Training,"x"y\n',
        encoding="utf-8",
    )
    _one_line_error(
        mini("codings", "import", str(bad)),
        f"{bad}: line 2: a quoted field is not closed on this line: it runs on to line 4, "
        'where a quote is followed by other text; add the closing quote ("), or write a '
        'quote inside a field as two ("")',
    )
    people = tmp_path / "people.csv"
    people.write_text('participant,role,size\nP01,"lead,large\nP02,engineer,small\nP03,x,"\n')
    _one_line_error(
        mini("participants", "import", str(people)),
        f"{people}: line 2: a quoted field takes in a line that looks like a row of its own "
        "('P02,engineer,small'): its closing quote is probably missing; "
        'add it ("), or write a quote inside a field as two ("")',
    )


def test_a_memo_of_several_lines_with_commas_is_kept(mini: Runner, tmp_path: Path) -> None:
    good = tmp_path / "codings.csv"
    memo = 'first, second\nthird, "quoted", fourth\n\nlast line, 5'
    good.write_text(
        HEADER + 'alice,P01,3,Training,"' + memo.replace('"', '""') + '"\n'
        "alice,P01,4,Training,plain\n",
        encoding="utf-8",
    )
    assert "2 coding(s) added" in _ok(mini, "codings", "import", str(good))
    assert [r["memo"] for r in _codings(mini)] == [memo, "plain"]


def test_a_quote_in_the_middle_of_a_field_is_refused(mini: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "codings.csv"
    bad.write_text(
        HEADER + "alice,P01,3,Training,fine\n" + 'alice,P01,4,Training,"said" no\n',
        encoding="utf-8",
    )
    result = mini("codings", "import", str(bad))
    _one_line_error(
        result,
        f"{bad}: line 3: a quote in the middle of a field; put a field holding commas, "
        'quotes or line breaks in double quotes and write a quote inside it as two ("")',
    )
    assert _codings(mini) == []


def test_the_line_number_is_where_the_record_starts(mini: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "codings.csv"
    bad.write_text(
        HEADER
        + 'alice,P01,3,Training,"two\nlines"\n'
        + "\n"
        + "alice,P01,4,Training\n",  # line 5: a field short
        encoding="utf-8",
    )
    result = mini("codings", "import", str(bad))
    _one_line_error(
        result,
        f"{bad}: line 5: 4 field(s), expected 5 as in the header; "
        "check the commas and quotes in that row",
    )
    assert _codings(mini) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "coder,transcript,segment,code,code\nalice,P01,3,Training,News\n",
            "line 1: the column 'code' appears twice; keep one of them",
        ),
        (
            "coder,,transcript,segment,code\nalice,x,P01,3,Training\n",
            "line 1: column 2 has no name; name every column in the header row",
        ),
        (
            "\n\n",
            "the file is empty (it contains only whitespace); give a CSV file with a header row",
        ),
        (
            "coder,transcript,segment,code,memo\nalice,P01,3,Training,a\x00b\n",
            "line 2: a NUL character (code 0), which a project cannot store; "
            "remove it and import again",
        ),
        (
            "coder,transcript,segment,code\nalice,P01,3,Training,extra\n",
            "line 2: 5 field(s), expected 4 as in the header; "
            "check the commas and quotes in that row",
        ),
    ],
)
def test_header_and_shape_problems(
    mini: Runner, tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "codings.csv"
    bad.write_text(content, encoding="utf-8")
    _one_line_error(mini("codings", "import", str(bad)), f"{bad}: {message}")
    assert _codings(mini) == []


def test_participants_csv_is_strict_and_keeps_newlines(qc: Runner, tmp_path: Path) -> None:
    _ok(qc, "init", "--lead", "alice")
    bad = tmp_path / "participants.csv"
    bad.write_text('participant,role\nP01,"engineer\nand lead"\nP02,"open\nP03,x\n')
    result = qc("participants", "import", str(bad))
    _one_line_error(
        result,
        f"{bad}: line 4: a quoted field is never closed (its opening quote runs to the end "
        'of the file); add the closing quote ("), or write a quote inside a field as two ("")',
    )
    listed = json.loads(_ok(qc, "participants", "list", "--format", "json"))
    assert listed == []
    good = tmp_path / "good.csv"
    good.write_text(
        'participant,role,note\r\nP01,"engineer\r\nand lead","\'-5 (a guarded cell)"\r\n'
        "P02,'plain quote,'+1\r\n",
        encoding="utf-8",
    )
    _ok(qc, "participants", "import", str(good))
    listed = json.loads(_ok(qc, "participants", "list", "--format", "json"))
    by_key = {row["participant"]: row for row in listed}
    assert by_key["P01"]["role"] == "engineer\r\nand lead"
    assert by_key["P01"]["note"] == "-5 (a guarded cell)"
    assert by_key["P02"]["role"] == "'plain quote"
    assert by_key["P02"]["note"] == "+1"


def test_participants_export_imports_back(qc: Runner, tmp_path: Path) -> None:
    _ok(qc, "init", "--lead", "alice")
    source = tmp_path / "in.csv"
    source.write_text(
        'participant,role,size\n-P1,=boss,"multi\nline"\n@P2,\'quoted,+3\n', encoding="utf-8"
    )
    _ok(qc, "participants", "import", str(source))
    exported = tmp_path / "out.csv"
    exported.write_text(_ok(qc, "participants", "list", "--format", "csv"), encoding="utf-8")
    assert "'=boss" in exported.read_text(encoding="utf-8")
    before = json.loads(_ok(qc, "participants", "list", "--format", "json"))
    _ok(qc, "participants", "import", str(exported))  # sets the same values again
    after = json.loads(_ok(qc, "participants", "list", "--format", "json"))
    strip_transcripts = [{k: v for k, v in r.items() if k != "transcripts"} for r in after]
    assert strip_transcripts == [{k: v for k, v in r.items() if k != "transcripts"} for r in before]
    assert before[0]["participant"] == "-P1" and before[0]["role"] == "=boss"
    assert before[0]["size"] == "multi\nline"


def test_a_file_with_a_bom_and_crlf_reads(mini: Runner, tmp_path: Path) -> None:
    path = tmp_path / "codings.csv"
    path.write_bytes(
        b"\xef\xbb\xbfcoder,transcript,segment,code,memo\r\n"
        b'alice,P01,3,Training,"first\r\nsecond"\r\n'
    )
    out = _ok(mini, "codings", "import", str(path))
    assert "1 coding(s) added" in out
    assert _codings(mini)[0]["memo"] == "first\r\nsecond"


# --- export, then import: exactly what was exported ----------------------------------

CODEBOOK = """\
name: dangerous names
codes:
  - name: "+plus"
  - name: "-minus"
  - name: "=equals"
  - name: "@at"
  - name: "'quoted"
  - name: "'=hand guarded"
  - name: Theme
    children:
      - name: "-child"
"""
MEMOS = [
    "=SUM(A1:A2)",
    "+1 yes",
    "-5 no",
    "@mention",
    "\tstarts with a tab",
    "\rstarts with a carriage return",
    "'a real quote",
    "'",
    "'=was guarded by hand",
    "''+two quotes",
    "  spaces around  ",
    "multi\nline\r\nmemo",
    "[laughs] [/] \u2028 e\u0301",
    "",
]


def test_codings_export_then_import_gives_back_exactly_what_was_exported(
    qc: Runner, tmp_path: Path
) -> None:
    _ok(qc, "init", "--lead", "alice")
    _ok(qc, "import", "--spacy-model", "blank", str(MINI))
    book = tmp_path / "book.yaml"
    book.write_text(CODEBOOK, encoding="utf-8")
    _ok(qc, "codebook", "import", str(book))
    codes = ["+plus", "-minus", "=equals", "@at", "'quoted", "'=hand guarded", "-child"]
    coders = ["alice", "-dash", "@bob"]
    wanted = {}
    for i, memo in enumerate(MEMOS):
        code = codes[i % len(codes)]
        coder = coders[i % len(coders)]
        transcript, segment = ("P01", 1 + i % 9) if i < 9 else ("P02", 1 + i % 7)
        _ok(qc, "apply", f"--coder={coder}", "--transcript", transcript, "--segment",
            str(segment), f"--code={code}", f"--memo={memo}")  # fmt: skip
        wanted[(coder, transcript, segment, code)] = memo
    first = _codings(qc)
    got = {(r["coder"], r["transcript"], r["segment"], r["code"]): r["memo"] for r in first}
    assert got == wanted  # what apply stored
    exported = tmp_path / "codings.csv"
    _ok(qc, "codings", "export", "--out", str(exported))
    text = exported.read_text(encoding="utf-8")
    for guarded in ("'+plus", "'-minus", "'=equals", "'@at", "''=hand guarded", "'-dash"):
        assert guarded in text
    for row in first:
        _ok(qc, "unapply", f"--coder={row['coder']}", "--transcript", str(row["transcript"]),
            "--segment", str(row["segment"]), f"--code={row['code']}")  # fmt: skip
    assert _codings(qc) == []
    result = _ok(qc, "codings", "import", str(exported))
    assert f"{len(MEMOS)} coding(s) added, 0 already there" in result
    again = _codings(qc)
    drop = ("created_at",)
    assert [{k: v for k, v in r.items() if k not in drop} for r in again] == [
        {k: v for k, v in r.items() if k not in drop} for r in first
    ]
    # The file itself reads back to the same cells (the text column too).
    exported2 = tmp_path / "codings2.csv"
    _ok(qc, "codings", "export", "--out", str(exported2))

    def cells(path: Path) -> list[list[str]]:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        return [row[:-1] for row in rows]  # without created_at

    assert cells(exported2) == cells(exported)
