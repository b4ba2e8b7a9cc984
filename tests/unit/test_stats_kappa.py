"""Kappa-type coefficients (qualcode.stats.kappa) against published values.

Reference data: shared/reference/agreement.md (Fleiss 1971; Wikipedia's Fleiss table; five
two-rater contingency tables). Each value is checked to the digits printed, through the path
a user's data takes (labels or a coders × units matrix) as well as the table/count forms.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qualcode.stats.alpha import alpha_from_value_counts, krippendorff_alpha
from qualcode.stats.counts import value_counts
from qualcode.stats.kappa import (
    binary_cohen_kappa,
    brennan_prediger,
    brennan_prediger_table,
    cohen_kappa,
    cohen_kappa_table,
    conger_kappa,
    contingency_table,
    fleiss_kappa,
    fleiss_kappa_per_category,
    gwet_ac1,
    gwet_ac1_table,
    krippendorff_alpha_table,
    mean_pairwise_cohen_kappa,
    scott_pi,
    scott_pi_table,
)


def close_to_printed(value: float, printed: str) -> bool:
    """``value`` rounds to ``printed`` (tolerance: half a unit of the last printed digit)."""
    decimals = len(printed.replace("−", "-").split(".")[1])
    return abs(value - float(printed.replace("−", "-"))) <= 0.5 * 10.0**-decimals + 1e-12


# Fleiss (1971): 30 patients × 6 ratings, categories 1–5; each group of six digits is one
# patient's six ratings, patients 1–30 in order.
FLEISS_1971_TEXT = """
444444 222555 233335 555555 222444 113333 333355 113334 114444 555555
144444 124444 222333 144444 224445 333335 111455 111112 224444 133555
555555 244444 224555 114444 144445 222224 111155 224444 133333 555555
"""
FLEISS_1971_GROUPS = FLEISS_1971_TEXT.split()
# raters (rating position) × patients
FLEISS_1971 = np.array([[int(d) for d in group] for group in FLEISS_1971_GROUPS]).T


def test_fleiss_1971_transcription() -> None:
    assert FLEISS_1971.shape == (6, 30)
    assert "".join(str(v) for v in FLEISS_1971[:, 17]) == "111112"  # patient 18
    counts = value_counts(FLEISS_1971).counts
    assert (counts.sum(axis=1) == 6).all()
    # category totals: p_j = .144, .144, .167, .306, .239 of the 180 ratings
    assert counts.sum(axis=0).tolist() == [26, 26, 30, 55, 43]


def test_fleiss_1971() -> None:
    counts = value_counts(FLEISS_1971, values=[1, 2, 3, 4, 5]).counts
    assert close_to_printed(fleiss_kappa(counts), ".430")
    assert close_to_printed(fleiss_kappa(counts), "0.430245")
    per_category = fleiss_kappa_per_category(counts)
    for got, printed in zip(per_category, [".245", ".245", ".520", ".471", ".566"], strict=True):
        assert close_to_printed(got, "0" + printed)
    assert close_to_printed(brennan_prediger(counts, n_categories=5), "0.444444")
    assert close_to_printed(gwet_ac1(counts, n_categories=5), "0.44788")
    assert close_to_printed(conger_kappa(FLEISS_1971), "0.44181")
    assert close_to_printed(krippendorff_alpha(FLEISS_1971, "nominal").alpha, "0.433410")
    assert close_to_printed(mean_pairwise_cohen_kappa(FLEISS_1971), "0.459412")


WIKIPEDIA_FLEISS = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]


def test_wikipedia_fleiss_table() -> None:
    assert close_to_printed(fleiss_kappa(WIKIPEDIA_FLEISS), "0.209931")
    assert close_to_printed(brennan_prediger(WIKIPEDIA_FLEISS, n_categories=5), "0.222527")
    assert close_to_printed(alpha_from_value_counts(WIKIPEDIA_FLEISS).alpha, "0.215574")


TABLES = {
    "Gwet's paradox": (
        [[80, 7], [8, 5]],
        ("0.31444", "0.31429", "0.808", "0.70", "0.31771"),
    ),
    "Cohen (1960) 1": (
        [[88, 14, 18], [10, 40, 10], [2, 6, 12]],
        ("0.49153", "0.48718", "0.57597", "0.55", "0.48846"),
    ),
    "Cohen (1960) 2": (
        [[25, 12, 3], [13, 2, 15], [12, 16, 2]],
        ("−0.09231", "−0.10078", "−0.04797", "−0.065", "−0.09527"),
    ),
    "Artstein & Poesio (2008)": (
        [[20, 10], [20, 50]],
        ("0.34783", "0.34066", "0.44954", "0.40", "0.34396"),
    ),
    "Brennan & Prediger (1981)": (
        [[50, 0, 0], [10, 10, 10], [20, 0, 0]],
        ("0.27273", "0.2233", "0.46128", "0.40", "0.22718"),
    ),
}


def labels_from_table(table: list[list[int]]) -> tuple[list[str], list[str]]:
    """Two coders' label vectors with this contingency table (categories 'c0', 'c1', …)."""
    first: list[str] = []
    second: list[str] = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            first += [f"c{i}"] * count
            second += [f"c{j}"] * count
    return first, second


@pytest.mark.parametrize("name", list(TABLES))
def test_two_rater_tables(name: str) -> None:
    table, (cohen, scott, ac1, bp, alpha) = TABLES[name]
    assert close_to_printed(cohen_kappa_table(table), cohen)
    assert close_to_printed(scott_pi_table(table), scott)
    assert close_to_printed(gwet_ac1_table(table), ac1)
    assert close_to_printed(brennan_prediger_table(table), bp)
    assert close_to_printed(krippendorff_alpha_table(table), alpha)
    # the same through label vectors, as a user's data comes
    first, second = labels_from_table(table)
    assert contingency_table(first, second).table.tolist() == table
    assert close_to_printed(cohen_kappa(first, second), cohen)
    assert close_to_printed(scott_pi(first, second), scott)
    assert close_to_printed(krippendorff_alpha([first, second], "nominal").alpha, alpha)
    q = len(table)
    counts = value_counts([first, second]).counts
    assert close_to_printed(gwet_ac1(counts, n_categories=q), ac1)
    assert close_to_printed(brennan_prediger(counts, n_categories=q), bp)
    assert close_to_printed(fleiss_kappa(counts), scott)  # two raters: Fleiss = Scott


def test_number_of_categories_from_the_codebook() -> None:
    table = [[80, 7], [8, 5]]
    # a third category nobody used changes AC1 and Brennan–Prediger, not kappa
    assert brennan_prediger_table(table, n_categories=3) == pytest.approx((0.85 - 1 / 3) / (2 / 3))
    assert gwet_ac1_table(table, n_categories=3) != pytest.approx(gwet_ac1_table(table))
    with pytest.raises(ValueError, match="fewer"):
        gwet_ac1_table([[1, 0, 0], [0, 1, 0], [0, 0, 1]], n_categories=2)


def test_missing_labels_are_dropped_pairwise() -> None:
    a = ["x", "y", None, "x", float("nan"), "y"]
    b = ["x", "y", "x", None, "y", "x"]
    assert contingency_table(a, b).table.tolist() == [[1, 0], [1, 1]]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa(["x", "y", "y"], ["x", "y", "x"]))
    assert math.isnan(cohen_kappa([None], ["x"]))
    assert math.isnan(cohen_kappa(["x", "x"], ["x", "x"]))  # p_e = 1


def test_unequal_raters_use_each_units_own_count() -> None:
    # unit 1: 3 raters (2 agree), unit 2: 2 raters (agree), unit 3: 1 rater (π only)
    counts = np.array([[2, 1], [0, 2], [1, 0]])
    p_a = ((2 * 1 + 0) / (3 * 2) + (2 * 1) / (2 * 1)) / 2
    pi = np.array([(2 / 3 + 0 + 1) / 3, (1 / 3 + 1 + 0) / 3])
    assert fleiss_kappa(counts) == pytest.approx((p_a - pi @ pi) / (1 - pi @ pi))
    p_e = float((pi * (1 - pi)).sum())
    assert gwet_ac1(counts, n_categories=2) == pytest.approx((p_a - p_e) / (1 - p_e))


def test_binary_cohen_kappa_for_all_codes_at_once() -> None:
    tables = [[[80, 7], [8, 5]], [[20, 10], [20, 50]], [[5, 0], [0, 0]], [[0, 0], [0, 0]]]
    # rows coder 1 (applied, not), columns coder 2; the arrays run over codes
    n11, n10, n01, n00 = (np.array([t[i][j] for t in tables]) for i, j in
                          ((0, 0), (0, 1), (1, 0), (1, 1)))
    got = binary_cohen_kappa(n11, n10, n01, n00)
    assert close_to_printed(got[0], "0.31444")
    assert close_to_printed(got[1], "0.34783")
    assert got[0] == pytest.approx(cohen_kappa_table(tables[0]), abs=1e-12)
    assert math.isnan(got[2])  # everyone applied it everywhere: p_e = 1
    assert math.isnan(got[3])  # no units
