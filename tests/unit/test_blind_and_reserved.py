"""Blind coding in the figures and exports; ``consensus`` is a reserved coder; a merged copy
is one coder's unless the lead accepts others (all through the CLI on real files)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from tests.cli_run import Runner, runner_for
from tests.unit.conftest import MINI, MINI_CODEBOOK


def _ok(qc: Runner, *args: str, as_: str | None = None) -> str:
    result = qc(*args, as_=as_)
    assert result.ok, result.err
    return result.out


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _apply(qc: Runner, coder: str, transcript: str, segment: str, code: str) -> None:
    _ok(qc, "apply", "--coder", coder, "--transcript", transcript, "--segment", segment,
        "--code", code, as_=coder)  # fmt: skip


@pytest.fixture
def coded(mini: Runner) -> Runner:
    _ok(mini, "codings", "import", str(MINI / "codings.csv"))
    _ok(mini, "done", "--coder", "alice", "P01", "P02")
    _ok(mini, "done", "--coder", "bob", "P01", "P02")
    return mini


def _new(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str = "project") -> Runner:
    qc = runner_for(str(tmp_path / f"{name}.db"), capsys)
    _ok(qc, "init", "--lead", "alice")
    _ok(qc, "import", "--spacy-model", "blank", str(MINI))
    _ok(qc, "codebook", "import", str(MINI_CODEBOOK))
    return qc


# ---- 1. blind coding: agreement figures and exports ----------------------------------------


def test_a_coder_sees_only_the_overall_agreement_until_the_lead_opens_it(coded: Runner) -> None:
    lead = [r["code"] for r in _rows(_ok(coded, "agreement", "--format", "csv"))]
    assert "Exposure/Training" in lead and lead[-2:] == ["ALL (mean)", "ALL (pooled)"]
    blind = _rows(_ok(coded, "agreement", "--format", "csv", as_="bob"))
    assert [r["code"] for r in blind] == ["ALL (mean)", "ALL (pooled)"]
    table = _ok(coded, "agreement", as_="bob")
    assert "per-code figures are for the lead" in table and "Training" not in table
    asked = coded("agreement", "--codes", "Training", as_="bob")
    assert asked.code == 2 and asked.err.startswith("error: agreement --codes")
    assert len(asked.err.strip().splitlines()) == 1
    refused = coded("agreement", "--open-to-coders", "on", as_="bob")
    assert refused.code == 2 and "needs the lead role" in refused.err

    assert "per-code agreement figures: open to coders" in _ok(
        coded, "agreement", "--open-to-coders", "on"
    )
    assert "(unchanged)" in _ok(coded, "agreement", "--open-to-coders", "on")
    opened = [r["code"] for r in _rows(_ok(coded, "agreement", "--format", "csv", as_="bob"))]
    assert opened == lead
    assert "agreement.open_to_coders" in _ok(coded, "log", "--format", "csv")

    assert "for the lead only" in _ok(coded, "agreement", "--open-to-coders", "off")
    closed = _rows(_ok(coded, "agreement", "--format", "csv", as_="bob"))
    assert [r["code"] for r in closed] == ["ALL (mean)", "ALL (pooled)"]


def test_a_coder_exports_only_their_own_codings(coded: Runner) -> None:
    everyone = _rows(_ok(coded, "codings", "export", "--format", "csv"))
    assert {r["coder"] for r in everyone} == {"alice", "bob"}
    own = _rows(_ok(coded, "codings", "export", "--format", "csv", as_="bob"))
    assert own and {r["coder"] for r in own} == {"bob"}
    assert own == [r for r in everyone if r["coder"] == "bob"]


# ---- 2. consensus is a reserved coder -----------------------------------------------------


def test_a_codings_csv_cannot_write_consensus_codings(coded: Runner, tmp_path: Path) -> None:
    before = _ok(coded, "codings", "export", "--format", "csv")
    sneaky = tmp_path / "sneaky.csv"
    sneaky.write_text(
        "coder,transcript,segment,code\nalice,P02,2,Training\nconsensus,P01,3,Training\n",
        encoding="utf-8",
    )
    result = coded("codings", "import", str(sneaky))
    assert result.code == 2
    assert result.err.startswith(f"error: {sneaky}: line 3: 'consensus' is a reserved coder")
    assert "nothing from the file was stored" in result.err
    assert _ok(coded, "codings", "export", "--format", "csv") == before


def test_apply_and_unapply_do_not_touch_consensus_codings(coded: Runner) -> None:
    for command in ("apply", "unapply"):
        result = coded(command, "--coder", "consensus", "--transcript", "P01", "--segment", "3",
                       "--code", "Training")  # fmt: skip
        assert result.code == 2
        assert (
            result.err == f"error: {command}: 'consensus' is a reserved coder: only the "
            "lead's consensus commands (qualcode consensus …, the agreement screen) create "
            "its codings\n"
        )


def test_a_refi_user_called_consensus_is_mapped_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _new(tmp_path, capsys, "source")
    _ok(source, "codings", "import", str(MINI / "codings.csv"))
    _ok(source, "done", "--coder", "alice", "P01")
    _ok(source, "done", "--coder", "bob", "P01")
    _ok(source, "consensus", "set", "P01", "6", "--from", "bob", "--note", "bob is right")
    qdpx = tmp_path / "study.qdpx"
    _ok(source, "refi", "export", "--out", str(qdpx))
    target = runner_for(str(tmp_path / "target.db"), capsys)
    _ok(target, "init", "--lead", "alice")
    out = _ok(target, "refi", "import", "--spacy-model", "blank", str(qdpx))
    assert "'consensus' is a reserved coder here" in out and "consensus-imported" in out
    rows = _rows(_ok(target, "codings", "export", "--format", "csv"))
    coders = {r["coder"] for r in rows}
    assert "consensus" not in coders and "consensus-imported" in coders
    undecided = _rows(_ok(target, "consensus", "list", "--format", "csv"))
    assert undecided and all(r["decided"] == "" for r in undecided)  # no consensus came in


# ---- 2. project merge: a copy is one coder's ----------------------------------------------


def test_a_copy_is_one_coders_unless_the_lead_accepts_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    here = _new(tmp_path, capsys)
    _ok(here, "codings", "import", str(MINI / "codings.csv"))
    before = _ok(here, "codings", "export", "--format", "csv")

    # bob's copy: bob's new coding; the lead's consensus made in the copy stays out
    bobs = tmp_path / "bob.db"
    shutil.copyfile(tmp_path / "project.db", bobs)
    offline = runner_for(str(bobs), capsys)
    _apply(offline, "bob", "P02", "2", "Training")
    _ok(offline, "done", "--coder", "alice", "P01")
    _ok(offline, "done", "--coder", "bob", "P01")
    _ok(offline, "consensus", "set", "P01", "6", "--from", "bob")
    out = _ok(here, "project", "merge", "--dry-run", str(bobs))
    assert "codings: 1 added" in out and "(bob 1)" in out
    assert "1 coding(s) of the reserved coder 'consensus' were left out" in out
    assert _ok(here, "codings", "export", "--format", "csv") == before
    out = _ok(here, "project", "merge", str(bobs))
    assert "(bob 1)" in out and "coders added" not in out
    coders = {r["coder"] for r in _rows(_ok(here, "codings", "export", "--format", "csv"))}
    assert "consensus" not in coders

    # a copy with two coders' new work: refused, unless the lead says so
    mixed = tmp_path / "mixed.db"
    shutil.copyfile(tmp_path / "project.db", mixed)
    other = runner_for(str(mixed), capsys)
    _apply(other, "bob", "P02", "3", "Training")
    _apply(other, "carol", "P02", "4", "Training")
    snapshot = _ok(here, "codings", "export", "--format", "csv")
    refused = here("project", "merge", str(mixed))
    assert refused.code == 2 and refused.err.startswith("error: project merge:")
    assert "more than one coder" in refused.err and "bob 1, carol 1" in refused.err
    owner = here("project", "merge", "--owner", "bob", str(mixed))
    assert owner.code == 2 and "other coders than its owner bob" in owner.err
    nobody = here("project", "merge", "--owner", "zed", str(mixed))
    assert nobody.code == 2 and "no coder of that name" in nobody.err
    assert _ok(here, "codings", "export", "--format", "csv") == snapshot
    out = _ok(here, "project", "merge", "--accept-other-coders", str(mixed))
    assert "codings: 2 added" in out and "(bob 1, carol 1)" in out
    assert "coders added: carol" in out
