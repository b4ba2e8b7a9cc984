"""``qualcode report saturation``: new codes per transcript, on SQLite and PostgreSQL.

The mini codings (tests/data/mini/codings.csv), by hand:

    alice  P01 Exposure/News, Risk/Never seen an attack
           P02 Exposure/Training, Exposure/News
    bob    P01 Exposure/News, Exposure/Training

A codings import gives every coding the same time, so "coded" order falls back to the name.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from qualcode.errors import QualcodeError
from qualcode.services.saturation import SATURATION_COLUMNS, coder_saturation, saturation
from qualcode.store.models import Code, Coder, Coding, Transcript
from qualcode.store.project import open_project
from tests.cli_run import Runner
from tests.unit.conftest import MINI, MINI_CODEBOOK

HEADER = (
    "position,transcript,participant,codings,codes_used,new_codes,cumulative_codes,new_code_names"
)


def _csv(qc: Runner, *args: str) -> list[list[str]]:
    result = qc("report", "saturation", "--format", "csv", *args)
    assert result.ok, result.err
    assert result.out.splitlines()[0] == HEADER
    return list(csv.reader(io.StringIO(result.out)))[1:]


def _apply(qc: Runner, coder: str, transcript: str, segment: int, code: str) -> None:
    result = qc(
        "apply",
        "--coder",
        coder,
        "--transcript",
        transcript,
        "--segment",
        str(segment),
        "--code",
        code,
    )
    assert result.ok, result.err


@pytest.fixture
def coded(mini: Runner) -> Runner:
    assert mini("codings", "import", str(MINI / "codings.csv")).ok
    return mini


def test_header_matches_the_columns() -> None:
    assert ",".join(SATURATION_COLUMNS) == HEADER


def test_all_coders(coded: Runner) -> None:
    assert _csv(coded) == [
        [
            "1",
            "P01",
            "P01",
            "4",
            "3",
            "3",
            "3",
            "Exposure/News; Exposure/Training; Risk/Never seen an attack",
        ],
        ["2", "P02", "P02", "2", "2", "0", "3", ""],
    ]


def test_one_coder(coded: Runner) -> None:
    assert _csv(coded, "--coder", "alice") == [
        ["1", "P01", "P01", "2", "2", "2", "2", "Exposure/News; Risk/Never seen an attack"],
        ["2", "P02", "P02", "2", "2", "1", "3", "Exposure/Training"],
    ]
    result = coded("report", "saturation", "--coder", "bob", "--format", "json")
    assert result.ok, result.err
    assert json.loads(result.out) == [
        {
            "position": 1,
            "transcript": "P01",
            "participant": "P01",
            "codings": 2,
            "codes_used": 2,
            "new_codes": 2,
            "cumulative_codes": 2,
            "new_code_names": "Exposure/News; Exposure/Training",
        }
    ]
    # --coder is repeatable: alice and bob together are everyone here
    assert _csv(coded, "--coder", "alice", "--coder", "bob") == _csv(coded)


def test_explicit_order_and_the_rest_after_it(coded: Runner) -> None:
    rows = _csv(coded, "--coder", "alice", "--order", "P02")
    assert [r[:8] for r in rows] == [
        ["1", "P02", "P02", "2", "2", "2", "2", "Exposure/News; Exposure/Training"],
        ["2", "P01", "P01", "2", "2", "1", "3", "Risk/Never seen an attack"],
    ]
    assert _csv(coded, "--coder", "alice", "--order", " P02 , P01 ") == rows
    # a listed transcript bob did not code is left out
    assert [r[1] for r in _csv(coded, "--coder", "bob", "--order", "P02,P01")] == ["P01"]


def test_unknown_names_are_errors(coded: Runner) -> None:
    result = coded("report", "saturation", "--order", "P01,P99,Q7")
    assert result.code == 2
    assert result.err.startswith("error: ") and "'P99', 'Q7'" in result.err
    result = coded("report", "saturation", "--coder", "zed")
    assert result.code == 2 and "no coder named 'zed'" in result.err
    result = coded("report", "saturation", "--order", " , ")
    assert result.code == 2 and "coded, name, imported" in result.err


def test_coded_order_follows_the_first_coding(mini: Runner) -> None:
    _apply(mini, "bob", "P02", 1, "Exposure/Training")
    _apply(mini, "bob", "P01", 3, "Exposure/News")
    _apply(mini, "bob", "P01", 9, "Exposure/Training")  # P01 started later: it stays second
    _apply(mini, "carol", "P01", 9, "Never seen an attack")
    assert _csv(mini, "--coder", "bob") == [
        ["1", "P02", "P02", "1", "1", "1", "1", "Exposure/Training"],
        ["2", "P01", "P01", "2", "2", "1", "2", "Exposure/News"],
    ]
    assert _csv(mini, "--coder", "bob", "--order", "name") == [
        ["1", "P01", "P01", "2", "2", "2", "2", "Exposure/News; Exposure/Training"],
        ["2", "P02", "P02", "1", "1", "0", "2", ""],
    ]
    # carol's first coding is on P01, but the coded order over everyone starts with bob's P02
    assert [r[1] for r in _csv(mini)] == ["P02", "P01"]
    assert [r[1] for r in _csv(mini, "--coder", "carol")] == ["P01"]


def test_imported_order(qc: Runner) -> None:
    assert qc("init", "--lead", "alice").ok
    for name in ("P02", "P01"):  # imported in this order, by two commands
        assert qc("import", "--spacy-model", "blank", str(MINI / f"{name}.txt")).ok
    assert qc("codebook", "import", str(MINI_CODEBOOK)).ok
    _apply(qc, "bob", "P01", 3, "Exposure/News")
    _apply(qc, "bob", "P02", 1, "Exposure/News")
    assert [r[1] for r in _csv(qc, "--order", "imported")] == ["P02", "P01"]
    assert [r[1] for r in _csv(qc, "--order", "coded")] == ["P01", "P02"]
    assert [r[1] for r in _csv(qc, "--order", "name")] == ["P01", "P02"]


def test_a_merge_does_not_make_saturation_jump(coded: Runner, db_url: str) -> None:
    merged = coded("codebook", "merge", "Training", "--into", "Exposure/News", "--why", "x")
    assert merged.ok, merged.err
    expected = [
        ["1", "P01", "P01", "4", "2", "2", "2", "Exposure/News; Risk/Never seen an attack"],
        ["2", "P02", "P02", "2", "1", "0", "2", ""],
    ]
    assert _csv(coded) == expected
    # A coding still on the merged code (as an undo in the TUI can put back) counts as the
    # code it was merged into.
    project = open_project(db_url)
    try:
        with project.transaction() as session:
            training = session.scalar(select(Code).where(Code.name == "Training"))
            assert training is not None and training.status == "merged"
            coding = session.scalar(
                select(Coding)
                .join(Coder, Coding.coder_id == Coder.id)
                .join(Transcript, Coding.transcript_id == Transcript.id)
                .where(Coder.name == "alice", Transcript.name == "P02")
                .order_by(Coding.start)
            )
            assert coding is not None
            coding.code_id = training.id
    finally:
        project.close()
    assert _csv(coded) == expected


def test_no_codings_is_an_empty_report(mini: Runner) -> None:
    assert _csv(mini) == []
    result = mini("report", "saturation")
    assert result.ok and "no codings yet" in result.err
    result = mini("report", "saturation", "--format", "json")
    assert result.ok and json.loads(result.out) == []


def test_table_has_a_chart(coded: Runner) -> None:
    result = coded("report", "saturation", "--coder", "alice")
    assert result.ok, result.err
    assert "Code saturation (alice)" in result.out
    lines = [line for line in result.out.splitlines() if "P01" in line or "P02" in line]
    assert len(lines) == 2
    # alice reaches 2 then 3 codes: P02's cumulative bar is the full one
    assert lines[0].count("█") < lines[1].count("█")


def test_out_file_is_private_and_formula_safe(mini: Runner, tmp_path: Path) -> None:
    assert mini("codebook", "add", "=HYPERLINK").ok
    _apply(mini, "dave", "P02", 1, "=HYPERLINK")
    out = tmp_path / "saturation.csv"
    result = mini("report", "saturation", "--coder", "dave", "--format", "csv", "--out", str(out))
    assert result.ok, result.err
    assert "wrote 1 transcript(s)" in result.err
    assert os.stat(out).st_mode & 0o777 == 0o600
    assert out.read_text(encoding="utf-8") == f"{HEADER}\n1,P02,P02,1,1,1,1,'=HYPERLINK\n"


def test_the_tui_service_keeps_coding_blind(coded: Runner, db_url: str) -> None:
    project = open_project(db_url)
    try:
        with project.session() as session:
            ids = dict(session.execute(select(Coder.name, Coder.id)).all())
            own = coder_saturation(session, ids["bob"])
            assert own == saturation(session, ["bob"])
            with pytest.raises(QualcodeError, match="only the lead"):
                coder_saturation(session, ids["bob"], show_all=True)
            assert coder_saturation(session, ids["alice"], show_all=True) == saturation(session)
    finally:
        project.close()
