"""Consensus: auto pre-fill where coders agree, the lead's decisions, and their record."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.cli_run import Runner
from tests.unit.conftest import MINI


def _ok(qc: Runner, *args: str, as_: str | None = None) -> str:
    result = qc(*args, as_=as_)
    assert result.ok, result.err
    return result.out


@pytest.fixture
def coded(mini: Runner) -> Runner:
    _ok(mini, "codings", "import", str(MINI / "codings.csv"))
    _ok(mini, "done", "--coder", "alice", "P01", "P02")
    _ok(mini, "done", "--coder", "bob", "P01")
    return mini


def _list(qc: Runner, *extra: str) -> list[dict[str, str]]:
    return json.loads(_ok(qc, "consensus", "list", "--format", "json", *extra))


def _consensus_codings(qc: Runner) -> list[tuple[str, str, str]]:
    rows = csv.DictReader(io.StringIO(_ok(qc, "codings", "export", "--format", "csv")))
    return sorted(
        (r["transcript"], r["segment"], r["code"]) for r in rows if r["coder"] == "consensus"
    )


def test_auto_then_the_lead_decides_the_rest(coded: Runner) -> None:
    # P01 is the only transcript both finished: they agree on segment 3, not on 6 and 9
    listed = _list(coded)
    assert [(r["segment"], r["code"], r["applied_by"], r["not_by"]) for r in listed] == [
        (6, "Exposure/Training", "bob", "alice"),
        (9, "Risk/Never seen an attack", "alice", "bob"),
    ]
    out = _ok(coded, "consensus", "auto", "--rule", "all")
    assert "1 segment(s) decided with 1 coding(s)" in out and "2 segment(s) left" in out
    assert _consensus_codings(coded) == [("P01", "3", "Exposure/News")]

    out = _ok(coded, "consensus", "set", "P01", "9", "--from", "alice", "--note", "clear")
    assert "(coder:alice): Risk/Never seen an attack" in out
    assert len(_list(coded, "--undecided")) == 1
    _ok(coded, "consensus", "set", "P01", "6", "--none")
    assert _list(coded, "--undecided") == []
    assert {r["decided"] for r in _list(coded)} == {"coder:alice", "edit"}
    assert _consensus_codings(coded) == [
        ("P01", "3", "Exposure/News"),
        ("P01", "9", "Never seen an attack"),
    ]
    transcripts = json.loads(_ok(coded, "transcripts", "--format", "json"))
    p01 = next(t for t in transcripts if t["name"] == "P01")
    assert "consensus" in p01["done_by"]

    # a second auto run keeps the lead's decisions
    again = _ok(coded, "consensus", "auto")
    assert "0 segment(s) decided" in again and "1 decided before" in again
    assert len(_consensus_codings(coded)) == 2
    # changing one's mind replaces that segment's consensus codings
    _ok(coded, "consensus", "set", "P01", "9", "--union")
    _ok(coded, "consensus", "set", "P01", "9", "--codes", "Exposure/News,Risk/News")
    assert [c for c in _consensus_codings(coded) if c[1] == "9"] == [
        ("P01", "9", "Exposure/News"),
        ("P01", "9", "Risk/News"),
    ]
    # the consensus coder is not a coder compared by default
    assert "consensus" not in {r["applied_by"] for r in _list(coded)}


def test_consensus_is_the_leads_and_needs_two_coders(mini: Runner) -> None:
    _ok(mini, "codings", "import", str(MINI / "codings.csv"))
    _ok(mini, "done", "--coder", "alice", "P01")
    alone = mini("consensus", "auto")
    assert alone.code == 2 and "at least two coders" in alone.err
    _ok(mini, "done", "--coder", "bob", "P01")
    by_coder = mini("consensus", "auto", as_="bob")
    assert by_coder.code == 2 and "needs the lead role" in by_coder.err
    both = mini("consensus", "set", "P01", "6", "--from", "bob", "--union")
    assert both.code == 2 and "--from CODER" in both.err
    missing = mini("consensus", "set", "P01", "99", "--none")
    assert missing.code == 2 and "no segment 99" in missing.err
    assert _consensus_codings(mini) == []


def test_majority_decides_where_two_of_three_agree(coded: Runner) -> None:
    _ok(coded, "apply", "--coder", "carol", "--transcript", "P01", "--segment", "9",
        "--code", "Never seen an attack")  # fmt: skip
    _ok(coded, "done", "--coder", "carol", "P01")
    out = _ok(coded, "consensus", "auto", "--rule", "majority")
    assert "3 segment(s) decided with 2 coding(s)" in out
    # segment 6: only bob applied Training (1 of 3): decided without it; 9: 2 of 3
    assert _consensus_codings(coded) == [
        ("P01", "3", "Exposure/News"),
        ("P01", "9", "Never seen an attack"),
    ]
