"""Applying codes, bulk import and export of codings, progress."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.cli_run import Runner
from tests.unit.conftest import MINI


def _apply(qc: Runner, *extra: str, coder: str = "alice", segment: str = "3") -> object:
    return qc("apply", "--coder", coder, "--transcript", "P01", "--segment", segment, *extra)


def _export(qc: Runner) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(qc("codings", "export", "--format", "csv").out)))


def test_apply_is_idempotent_and_unapply_removes(mini: Runner) -> None:
    first = mini(
        "apply",
        "--coder",
        "alice",
        "--transcript",
        "P01",
        "--segment",
        "3",
        "--code",
        "Exposure/News",
        "--memo",
        "blog",
    )
    assert first.ok and first.out.startswith("applied")
    again = mini(
        "apply",
        "--coder",
        "alice",
        "--transcript",
        "P01",
        "--segment",
        "3",
        "--code",
        "Exposure/News",
    )
    assert again.ok and again.out.startswith("already applied")
    rows = _export(mini)
    assert len(rows) == 1
    assert rows[0]["text"] == "Honestly, I read about it in a blog post."
    assert rows[0]["memo"] == "blog"
    removed = mini(
        "unapply",
        "--coder",
        "alice",
        "--transcript",
        "P01",
        "--segment",
        "3",
        "--code",
        "Exposure/News",
    )
    assert removed.ok and "removed 1" in removed.out
    assert _export(mini) == []


def test_unknown_coder_is_created_as_coder(mini: Runner) -> None:
    assert mini(
        "apply",
        "--coder",
        "dana",
        "--transcript",
        "P01",
        "--segment",
        "9",
        "--code",
        "Never seen an attack",
    ).ok
    assert "dana (coder)" in mini("status").out


def test_apply_errors_name_what_is_wrong(mini: Runner) -> None:
    cases = {
        (
            "--transcript",
            "P09",
            "--segment",
            "1",
            "--code",
            "Training",
        ): "no transcript named 'P09'",
        ("--transcript", "P01", "--segment", "99", "--code", "Training"): "has no segment 99",
        ("--transcript", "P01", "--segment", "1", "--code", "Nope"): "no code named 'Nope'",
    }
    for args, message in cases.items():
        result = mini("apply", "--coder", "alice", *args)
        assert result.code == 2, args
        assert result.err.startswith("error: ") and message in result.err
        assert result.err.count("\n") == 1


def test_codings_import_export_and_done(mini: Runner) -> None:
    result = mini("codings", "import", "--done", str(MINI / "codings.csv"))
    assert result.ok, result.err
    assert "6 coding(s) added" in result.out and "3 transcript(s) marked done" in result.out
    rows = _export(mini)
    assert list(rows[0]) == [
        "coder",
        "transcript",
        "segment",
        "code",
        "start",
        "end",
        "text",
        "memo",
        "created_at",
    ]
    assert len(rows) == 6
    news = [r for r in rows if r["code"] == "Exposure/News" and r["transcript"] == "P01"]
    assert {r["coder"] for r in news} == {"alice", "bob"}
    assert news[0]["text"] == "Honestly, I read about it in a blog post."
    listing = list(csv.DictReader(io.StringIO(mini("transcripts", "--format", "csv").out)))
    assert listing[0]["done_by"] == "alice,bob" and listing[1]["done_by"] == "alice"
    again = mini("codings", "import", str(MINI / "codings.csv"))
    assert "0 coding(s) added, 6 already there" in again.out
    data = json.loads(mini("codings", "export", "--format", "json").out)
    assert len(data) == 6 and data[0]["segment"] == 3


def test_codings_import_with_a_bad_line_stores_nothing(mini: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "coder,transcript,segment,code\ncarol,P01,3,Exposure/News\ncarol,P01,4,No such code\n"
    )
    result = mini("codings", "import", str(bad))
    assert result.code == 2
    assert result.err.startswith(f"error: {bad}: line 3: no code named 'No such code'")
    assert _export(mini) == []
    assert "carol" not in mini("status").out  # the new coder was not kept either
    for content, message in [
        ("coder,transcript,code\nalice,P01,News\n", "missing column(s) segment"),
        (
            "coder,transcript,segment,code\nalice,P01,x,Training\n",
            "line 2: segment 'x' is not a number",
        ),
        (
            "coder,transcript,segment,code\nalice,P01,42,Training\n",
            "line 2: transcript 'P01' has no segment 42",
        ),
        (
            "coder,transcript,segment,code\nalice,P77,1,Training\n",
            "line 2: no transcript named 'P77'",
        ),
    ]:
        bad.write_text(content)
        result = mini("codings", "import", str(bad))
        assert result.code == 2 and message in result.err, result.err


def test_done_marks_progress(mini: Runner) -> None:
    result = mini("done", "--coder", "bob", "P01", "P02")
    assert result.ok and "P01, P02" in result.out
    assert "bob 2" in mini("status").out


def test_csv_exports_are_safe_from_formula_injection(mini: Runner, tmp_path: Path) -> None:
    mini(
        "apply",
        "--coder",
        "alice",
        "--transcript",
        "P01",
        "--segment",
        "3",
        "--code",
        "Training",
        "--memo",
        '=HYPERLINK("http://x")',
    )
    mini("apply", "--coder", "@evil", "--transcript", "P01", "--segment", "4", "--code", "Training")
    out = tmp_path / "codings.csv"
    assert mini("codings", "export", "--out", str(out)).ok
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'@evil" in text
    assert ",=HYPERLINK" not in text


def test_reimport_is_a_noop_and_a_changed_file_needs_replace(mini: Runner, tmp_path: Path) -> None:
    source = tmp_path / "P01.txt"
    source.write_text((MINI / "P01.txt").read_text())
    again = mini("import", "--spacy-model", "blank", str(source))
    assert again.ok and "already imported with the same text" in again.out
    mini(
        "apply",
        "--coder",
        "alice",
        "--transcript",
        "P01",
        "--segment",
        "9",
        "--code",
        "Never seen an attack",
    )
    mini("apply", "--coder", "alice", "--transcript", "P01", "--segment", "4", "--code", "Training")
    source.write_text(
        (MINI / "P01.txt")
        .read_text()
        .replace("Thanks for joining.", "Thank you very much for joining us today.")
        .replace("stop signs and stickers", "road signs")
    )
    refused = mini("import", "--spacy-model", "blank", str(source))
    assert refused.code == 2 and "--replace" in refused.err
    replaced = mini("import", "--spacy-model", "blank", "--replace", str(source))
    assert replaced.ok, replaced.err
    assert "codings kept on replaced transcripts: 1" in replaced.out
    assert "coding removed" in replaced.err and "stop signs" in replaced.err
    rows = _export(mini)
    assert len(rows) == 1
    assert rows[0]["text"] == "We have not seen anything like that." and rows[0]["segment"] == "9"


def test_segments_can_show_a_coders_codes(mini: Runner) -> None:
    assert mini("codings", "import", str(MINI / "codings.csv")).ok
    rows = list(
        csv.DictReader(
            io.StringIO(mini("segments", "P01", "--coder", "bob", "--format", "csv").out)
        )
    )
    assert list(rows[0]) == ["ordinal", "speaker", "start", "end", "text", "codes"]
    assert rows[2]["codes"] == "Exposure/News" and rows[5]["codes"] == "Training"
    assert rows[8]["codes"] == ""  # alice's coding is not shown for bob
    unknown = mini("segments", "P01", "--coder", "zed")
    assert unknown.code == 2 and "no coder named 'zed'" in unknown.err
