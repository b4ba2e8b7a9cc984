"""``qualcode agreement``: published values through the same path a user's data takes, and
every code checked against the ``krippendorff`` package on data read back independently."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from tests.cli_run import Runner
from tests.unit.conftest import MINI

HEADER = "code,units,alpha,percent_agreement,coded_units,fleiss_kappa,gwet_ac1,alpha_low,alpha_high"


def _ok(qc: Runner, *args: str, as_: str | None = None) -> str:
    result = qc(*args, as_=as_)
    assert result.ok, result.err
    return result.out


def _rows(qc: Runner, *args: str) -> dict[str, dict[str, str]]:
    out = _ok(qc, "agreement", "--format", "csv", *args)
    assert out.startswith(HEADER)
    return {r["code"]: r for r in csv.DictReader(io.StringIO(out))}


def _study(qc: Runner, tmp_path: Path, units: int, cells: dict[str, list[int]]) -> None:
    """One transcript of ``units`` paragraphs; ``cells[coder]`` lists the segments with X."""
    text = "\n\n".join(f"Statement number {i}." for i in range(1, units + 1))
    (tmp_path / "T1.txt").write_text(text + "\n", encoding="utf-8")
    (tmp_path / "book.yaml").write_text("name: t\ncodes:\n  - name: X\n  - name: Y\n")
    rows = ["coder,transcript,segment,code"]
    rows += [f"{c},T1,{s},X" for c, segments in cells.items() for s in segments]
    (tmp_path / "codings.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    _ok(qc, "init", "--lead", "alice")
    _ok(qc, "import", "--spacy-model", "blank", "--unit", "paragraph", str(tmp_path / "T1.txt"))
    _ok(qc, "codebook", "import", str(tmp_path / "book.yaml"))
    _ok(qc, "codings", "import", "--done", str(tmp_path / "codings.csv"))
    for coder in cells:
        _ok(qc, "done", "--coder", coder, "T1")


def test_gwets_paradox_table_through_the_whole_path(qc: Runner, tmp_path: Path) -> None:
    # rows rater a, columns rater b, categories (absent, present): [[80, 7], [8, 5]]
    both, only_a, only_b = range(1, 6), range(6, 14), range(14, 21)
    _study(qc, tmp_path, 100, {"a": [*both, *only_a], "b": [*both, *only_b]})
    x = _rows(qc)["X"]
    assert float(x["alpha"]) == pytest.approx(0.31771, abs=5e-5)
    assert float(x["cohen_kappa"]) == pytest.approx(0.31444, abs=5e-5)
    assert float(x["gwet_ac1"]) == pytest.approx(0.808, abs=5e-4)
    assert float(x["brennan_prediger"]) == pytest.approx(0.70, abs=5e-5)
    assert float(x["percent_agreement"]) == pytest.approx(0.85)
    assert (x["units"], x["coded_units"], x["rating"]) == ("100", "20", "unreliable")
    # Y was never applied: no variation, alpha undefined and said so
    y = _rows(qc)["Y"]
    assert y["alpha"] == "" and "no variation" in y["note"] and y["rating"] == "undefined"


def test_krippendorff_2004_p227_nominal_through_the_whole_path(qc: Runner, tmp_path: Path) -> None:
    """Two coders, 12 units, values a/b/c as three codes X, Y, Z (one per unit per coder):
    pairs (a,a), (a,b), 4×(b,b), (b,c), 5×(c,c). Presence/absence of each code is binary;
    the pooled matrix over the three codes is checked against the package on the same data."""
    pairs = [("a", "a"), ("a", "b"), *[("b", "b")] * 4, ("b", "c"), *[("c", "c")] * 5]
    code = {"a": "X", "b": "Y", "c": "Z"}
    text = "\n\n".join(f"Unit {i}." for i in range(1, 13))
    (tmp_path / "T1.txt").write_text(text + "\n", encoding="utf-8")
    (tmp_path / "book.yaml").write_text(
        "name: t\ncodes:\n  - name: X\n  - name: Y\n  - name: Z\n", encoding="utf-8"
    )
    lines = ["coder,transcript,segment,code"]
    for unit, (first, second) in enumerate(pairs, start=1):
        lines += [f"one,T1,{unit},{code[first]}", f"two,T1,{unit},{code[second]}"]
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _ok(qc, "init", "--lead", "alice")
    _ok(qc, "import", "--spacy-model", "blank", "--unit", "paragraph", str(tmp_path / "T1.txt"))
    _ok(qc, "codebook", "import", str(tmp_path / "book.yaml"))
    _ok(qc, "codings", "import", "--done", str(tmp_path / "c.csv"))
    rows = _rows(qc)
    for name, value in code.items():
        data = np.array([[1.0 if p[k] == name else 0.0 for p in pairs] for k in (0, 1)])
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        assert float(rows[value]["alpha"]) == pytest.approx(expected, abs=5e-5)
    stacked = np.hstack(
        [np.array([[1.0 if p[k] == n else 0.0 for p in pairs] for k in (0, 1)]) for n in code]
    )
    pooled = krippendorff.alpha(reliability_data=stacked, level_of_measurement="nominal")
    assert float(rows["ALL (pooled)"]["alpha"]) == pytest.approx(pooled, abs=5e-5)
    # percent agreement on units: 10 of 12 pairs agree (.833), seen on every code's units
    assert sum(float(rows[c]["percent_agreement"]) for c in "XYZ") / 3 == pytest.approx(
        (11 / 12 + 10 / 12 + 11 / 12) / 3, abs=1e-4
    )


def _values_from_exports(qc: Runner, coders: list[str]) -> dict[str, np.ndarray]:
    """Rebuild coders × segments matrices from the CLI's own exports (not the service)."""
    transcripts = json.loads(_ok(qc, "transcripts", "--format", "json"))
    done = {t["name"]: set(filter(None, t["done_by"].split(","))) for t in transcripts}
    counted = [t for t in sorted(done) if len(done[t] & set(coders)) >= 2]
    units = [
        (t, s["ordinal"])
        for t in counted
        for s in json.loads(_ok(qc, "segments", t, "--format", "json"))
    ]
    index = {u: i for i, u in enumerate(units)}
    codes = json.loads(_ok(qc, "codebook", "list", "--format", "json"))
    values: dict[str, np.ndarray] = {}
    for code in codes:
        if code["status"] != "active":
            continue
        matrix = np.zeros((len(coders), len(units)))
        for ci, coder in enumerate(coders):
            for ui, (t, _) in enumerate(units):
                if coder not in done[t]:
                    matrix[ci, ui] = np.nan
        values[code["path"]] = matrix
    for row in csv.DictReader(io.StringIO(_ok(qc, "codings", "export", "--format", "csv"))):
        key = (row["transcript"], int(row["segment"]))
        if row["coder"] in coders and key in index:
            path = next(c["path"] for c in codes if row["code"] in (c["path"], c["name"]))
            ci = coders.index(row["coder"])
            if not np.isnan(values[path][ci, index[key]]):
                values[path][ci, index[key]] = 1.0
    return values


def test_every_code_equals_the_krippendorff_package(mini: Runner) -> None:
    _ok(mini, "codings", "import", str(MINI / "codings.csv"))
    for coder, segment, code in (
        ("bob", "9", "Never seen an attack"),
        ("carol", "3", "Exposure/News"),
        ("carol", "6", "Training"),
        ("carol", "2", "Training"),
    ):
        _ok(mini, "apply", "--coder", coder, "--transcript", "P01", "--segment", segment,
            "--code", code)  # fmt: skip
    _ok(mini, "done", "--coder", "alice", "P01", "P02")
    _ok(mini, "done", "--coder", "bob", "P01")
    _ok(mini, "done", "--coder", "carol", "P01")
    rows = _rows(mini)
    values = _values_from_exports(mini, ["alice", "bob", "carol"])
    checked = 0
    for path, row in rows.items():
        if path.startswith("ALL"):
            continue
        data = values[path]
        known = data[~np.isnan(data)]
        if len(np.unique(known)) < 2:
            assert row["alpha"] == ""
            continue
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        assert float(row["alpha"]) == pytest.approx(expected, abs=5e-5), path
        checked += 1
    assert checked >= 2
    # three coders: three pairs of Cohen's kappa
    header = _ok(mini, "agreement", "--format", "csv").splitlines()[0]
    assert header.endswith("kappa:alice|bob,kappa:alice|carol,kappa:bob|carol")


def test_levels_units_intervals_and_refusals(mini: Runner) -> None:
    _ok(mini, "codings", "import", str(MINI / "codings.csv"))
    _ok(mini, "done", "--coder", "alice", "P01")
    alone = mini("agreement")
    assert alone.code == 2 and "at least two coders" in alone.err
    assert alone.err.startswith("error: ") and "qualcode done" in alone.err
    _ok(mini, "done", "--coder", "bob", "P01", "P02")
    _ok(mini, "done", "--coder", "alice", "P02")

    themes = _rows(mini, "--level", "theme")
    assert list(themes) == ["Exposure", "Risk", "ALL (mean)", "ALL (pooled)"]
    transcripts = _rows(mini, "--unit", "transcript")
    assert {r["units"] for c, r in transcripts.items() if not c.startswith("ALL")} == {"2"}

    first = _rows(mini, "--bootstrap", "200", "--seed", "7")
    again = _rows(mini, "--bootstrap", "200", "--seed", "7")
    assert first == again
    for code, row in first.items():
        if row["alpha"] and row["alpha_low"] and code != "ALL (pooled)":
            assert float(row["alpha_low"]) <= float(row["alpha"]) + 1e-9
            assert float(row["alpha"]) <= float(row["alpha_high"]) + 1e-9
    clustered = _rows(mini, "--bootstrap", "100", "--seed", "1", "--cluster", "transcript")
    assert any(r["alpha_low"] for r in clustered.values())

    spans = _rows(mini, "--unit", "span")
    assert "ALL (alpha-U)" in spans
    bad = mini("agreement", "--unit", "span", "--bootstrap", "10")
    assert bad.code == 2 and "--bootstrap" in bad.err
    unknown = mini("agreement", "--coders", "alice,zed")
    assert unknown.code == 2 and "zed" in unknown.err

    table = _ok(mini, "agreement")
    assert "ALL (mean)" in table and "ALL (pooled)" in table
    assert "reliable" in table or "unreliable" in table or "tentative" in table


def test_out_file_is_private_and_formula_safe(mini: Runner, tmp_path: Path) -> None:
    _ok(mini, "codebook", "add", "=cmd()")
    _ok(mini, "codings", "import", str(MINI / "codings.csv"))
    _ok(mini, "apply", "--coder", "bob", "--transcript", "P01", "--segment", "2",
        "--code", "=cmd()")  # fmt: skip
    _ok(mini, "done", "--coder", "alice", "P01")
    _ok(mini, "done", "--coder", "bob", "P01")
    out = tmp_path / "agreement.csv"
    _ok(mini, "agreement", "--out", str(out))
    assert out.stat().st_mode & 0o777 == 0o600
    text = out.read_text(encoding="utf-8")
    assert "\n'=cmd()," in text
    assert not any(line.startswith("=") for line in text.splitlines())
