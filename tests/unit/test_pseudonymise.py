"""Pseudonymisation: names out, placeholders in, every coding still on the same words."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from qualcode.ingest.pseudonyms import NameMatcher, Replacement, Shift, apply
from tests.cli_run import Runner

TEXT = (
    "Interviewer: Did anyone at Acme Corp talk about attacks?\n\n"
    "Ann Lee: Yes. ann lee from the Annual review said Acme Corp had a poisoning scare.\n\n"
    "Interviewer: Anything else?\n\n"
    "Ann Lee: Our vendor Modelguard sold us a filter, and Bob Stone ignored it.\n"
)


def _ok(qc: Runner, *args: str, as_: str | None = None) -> str:
    result = qc(*args, as_=as_)
    assert result.ok, result.err
    return result.out


def test_shift_maps_offsets_around_and_inside_names() -> None:
    text = "Ann met Bob."
    found = [Replacement(0, 3, "[P1]"), Replacement(8, 11, "[P22]")]
    new = apply(text, found)
    assert new == "[P1] met [P22]."
    shift = Shift(found)
    assert [shift.map(i) for i in (0, 3, 4, 8, 11, 12)] == [0, 4, 5, 9, 14, 15]
    assert shift.map(1) == 0 and shift.map(1, "end") == 4  # inside a name
    matcher = NameMatcher({"Ann": "[P1]"})
    assert [(r.start, r.end) for r in matcher.find("Ann, annual ANN Annie")] == [(0, 3), (12, 15)]


def test_pseudonymise_keeps_codings_on_their_words(qc: Runner, tmp_path: Path) -> None:
    source = tmp_path / "P01.txt"
    source.write_text(TEXT, encoding="utf-8")
    _ok(qc, "init", "--lead", "alice")
    _ok(qc, "import", "--spacy-model", "blank", "--unit", "turn", str(source))
    book = tmp_path / "book.yaml"
    book.write_text("name: t\ncodes:\n  - name: Poisoning\n  - name: Vendors\n", encoding="utf-8")
    _ok(qc, "codebook", "import", str(book))
    segments = {
        s["ordinal"]: s["text"]
        for s in csv.DictReader(io.StringIO(_ok(qc, "segments", "P01", "--format", "csv")))
    }
    poison = next(int(o) for o, t in segments.items() if "poisoning" in t)
    vendor = next(int(o) for o, t in segments.items() if "Modelguard" in t)
    _ok(qc, "apply", "--coder", "alice", "--transcript", "P01", "--segment", str(poison),
        "--code", "Poisoning", "--memo", "Ann Lee seemed worried")  # fmt: skip
    _ok(qc, "apply", "--coder", "alice", "--transcript", "P01", "--segment", str(vendor),
        "--code", "Vendors")  # fmt: skip
    names = tmp_path / "names.csv"
    names.write_text(
        "name,placeholder\nAnn Lee,[PARTICIPANT]\nAcme Corp,[EMPLOYER]\n"
        "Modelguard,[PRODUCT-1]\nBob Stone,[COLLEAGUE-1]\n",
        encoding="utf-8",
    )
    dry = _ok(qc, "pseudonymise", "--names", str(names), "--dry-run")
    assert dry.startswith("dry run, nothing stored: 7 replacement(s)")
    assert "Acme Corp" in _ok(qc, "segments", "P01", "--format", "csv")
    out = _ok(qc, "pseudonymise", "--names", str(names))
    assert "7 replacement(s) in 1 transcript(s); 2 speaker label(s), 1 memo(s)" in out

    rows = list(csv.DictReader(io.StringIO(_ok(qc, "codings", "export", "--format", "csv"))))
    quotes = {r["code"]: r["text"] for r in rows}
    assert quotes["Poisoning"] == (
        "Yes. [PARTICIPANT] from the Annual review said [EMPLOYER] had a poisoning scare."
    )
    assert (
        quotes["Vendors"]
        == "Our vendor [PRODUCT-1] sold us a filter, and [COLLEAGUE-1] ignored it."
    )
    assert rows[0]["memo"] == "[PARTICIPANT] seemed worried"
    segs = _ok(qc, "segments", "P01", "--format", "csv")
    for name in ("Ann Lee", "Acme", "Modelguard", "Bob Stone", "ann lee"):
        assert name not in segs
    assert "[PARTICIPANT]" in segs and "Annual" in segs
    assert "no problems found" in _ok(qc, "check")
    log = _ok(qc, "log", "--format", "csv")
    assert "pseudonymise" in log and "Ann" not in log  # the log keeps no real name
    again = _ok(qc, "pseudonymise", "--names", str(names))
    assert again.startswith("0 replacement(s)")


def test_pseudonymise_refuses_bad_input(mini: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,placeholder\nAnn Lee\n", encoding="utf-8")
    result = mini("pseudonymise", "--names", str(bad))
    assert result.code == 2 and "line 2" in result.err and str(bad) in result.err
    missing = mini("pseudonymise", "--names", str(tmp_path / "none.csv"))
    assert missing.code == 2 and "no such file" in missing.err
    good = tmp_path / "good.csv"
    good.write_text("Ann,[P]\n", encoding="utf-8")
    coder = mini("pseudonymise", "--names", str(good), as_="bob")
    assert coder.code == 2 and "needs the lead role" in coder.err


@pytest.mark.parametrize("placeholder", ["=HYPERLINK()", "[X]"])
def test_placeholders_are_plain_text(placeholder: str) -> None:
    matcher = NameMatcher({"Acme": placeholder})
    assert apply("at Acme.", matcher.find("at Acme.")) == f"at {placeholder}."
