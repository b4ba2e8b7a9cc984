"""Krippendorff's alpha (qualcode.stats.alpha): published values and the krippendorff package.

Reference data: shared/reference/agreement.md. Values are checked to the digits printed there
(a value printed with d decimals must agree within half a unit of its last digit).
"""

from __future__ import annotations

import math
import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qualcode.stats.alpha import (
    alpha_from_coincidences,
    alpha_from_value_counts,
    coincidence_matrix,
    distance_matrix,
    krippendorff_alpha,
)
from qualcode.stats.counts import percent_agreement, value_counts

METRICS = ("nominal", "ordinal", "interval", "ratio")


def close_to_printed(value: float, printed: str) -> bool:
    """``value`` rounds to ``printed`` (tolerance: half a unit of the last printed digit)."""
    decimals = len(printed.split(".")[1])
    return abs(value - float(printed)) <= 0.5 * 10.0**-decimals + 1e-12


def matrix(text: str) -> np.ndarray:
    """Rows of values separated by spaces, '.' for missing; a leading label is dropped."""
    rows = []
    for line in text.strip().splitlines():
        cells = line.split()
        if cells and cells[0].isalpha():
            cells = cells[1:]
        rows.append([math.nan if c == "." else float(c) for c in cells])
    return np.array(rows)


KRIPPENDORFF_2011 = matrix(
    """
    A  1 2 3 3 2 1 4 1 2 . . .
    B  1 2 3 3 2 2 4 1 2 5 . 3
    C  . 3 3 3 2 3 4 2 2 5 1 .
    D  1 2 3 3 2 4 4 1 2 5 1 .
    """
)

CONTENT_ANALYSIS = matrix(
    """
    A  . . . . . 3 4 1 2 1 1 3 3 . 3
    B  1 . 2 1 3 3 4 3 . . . . . . .
    C  . . 2 1 3 4 4 . 2 1 1 3 3 . 4
    """
)

HAYES_KRIPPENDORFF_2007_UNITS = """
1 1 2 . 2|1 1 0 1 .|2 3 3 3 .|. 0 0 . 0|0 0 0 . 0|0 0 0 . 0|1 0 2 . 1|1 . 2 0 .|2 2 2 . 2|2 1 1 1 .
. 1 0 0 .|0 0 0 0 .|1 2 2 2 .|3 3 2 2 3|1 1 1 . 1|1 1 1 . 1|2 1 2 . 2|1 2 3 3 .|1 1 0 1 .|0 0 0 . 0
0 0 1 1 .|0 0 . 0 0|2 3 3 3 .|0 0 0 0 .|1 2 . 2 2|0 1 1 1 .|0 0 0 1 0|1 2 1 2 .|1 1 2 2 .|1 1 2 . 2
1 1 0 . 0|2 1 2 1 .|2 2 . 2 2|3 2 2 2 .|2 2 2 . 2|2 2 3 . 2|2 2 2 . 2|2 2 . 1 2|2 2 2 2 .|1 1 1 . 1
"""
# units 1–40 in order (agreement.md prints them in four columns: 1–10, 11–20, 21–30, 31–40)
HAYES_KRIPPENDORFF_2007 = matrix(
    "\n".join(HAYES_KRIPPENDORFF_2007_UNITS.replace("\n", "|").strip("|").split("|"))
).T


def test_reference_data_shapes() -> None:
    assert KRIPPENDORFF_2011.shape == (4, 12)
    assert CONTENT_ANALYSIS.shape == (3, 15)
    assert HAYES_KRIPPENDORFF_2007.shape == (5, 40)
    # spot checks against the printed table (unit 14: 3 3 2 2 3; unit 38: 2 2 . 1 2)
    assert HAYES_KRIPPENDORFF_2007[:, 13].tolist() == [3, 3, 2, 2, 3]
    assert np.isnan(HAYES_KRIPPENDORFF_2007[2, 37]) and HAYES_KRIPPENDORFF_2007[3, 37] == 1


@pytest.mark.parametrize(
    ("metric", "printed", "six"),
    [
        ("nominal", ".743", "0.743421"),
        ("ordinal", ".815", "0.815388"),
        ("interval", ".849", "0.849107"),
        ("ratio", ".797", "0.797403"),
    ],
)
def test_krippendorff_2011(metric: str, printed: str, six: str) -> None:
    result = krippendorff_alpha(KRIPPENDORFF_2011, metric)  # type: ignore[arg-type]
    assert close_to_printed(result.alpha, "0" + printed)
    assert close_to_printed(result.alpha, six)
    # unit 12 has a single value: 11 pairable units, 40 pairable values
    assert result.pairable_units == 11
    assert result.pairable_values == 40
    assert result.undefined is None


@pytest.mark.parametrize(
    ("metric", "six"),
    [
        ("nominal", "0.691358"),
        ("interval", "0.810845"),
        ("ordinal", "0.806721"),
        ("ratio", "0.808944"),
    ],
)
def test_content_analysis_example(metric: str, six: str) -> None:
    assert close_to_printed(krippendorff_alpha(CONTENT_ANALYSIS, metric).alpha, six)  # type: ignore[arg-type]


def test_krippendorff_2004_p227_percent_agreement_and_alpha() -> None:
    # pairs (a,a), (a,b), 4×(b,b), (b,c), 5×(c,c)
    pairs = [("a", "a"), ("a", "b")] + [("b", "b")] * 4 + [("b", "c")] + [("c", "c")] * 5
    data = [[p[0] for p in pairs], [p[1] for p in pairs]]
    counts = value_counts(data)
    assert list(counts.values) == ["a", "b", "c"]
    assert close_to_printed(percent_agreement(counts.counts), ".833")
    result = krippendorff_alpha(data, "nominal")
    assert close_to_printed(result.alpha, "0.734104")


@pytest.mark.parametrize(
    ("metric", "six"),
    [
        ("ordinal", "0.759829"),
        ("nominal", "0.476510"),
        ("interval", "0.757378"),
        ("ratio", "0.662123"),
    ],
)
def test_hayes_krippendorff_2007(metric: str, six: str) -> None:
    result = krippendorff_alpha(HAYES_KRIPPENDORFF_2007, metric)  # type: ignore[arg-type]
    assert close_to_printed(result.alpha, six)
    if metric == "ordinal":
        assert close_to_printed(result.alpha, ".7598")


def test_labels_and_ordered_values() -> None:
    # Krippendorff 2011 with words: ordinal needs the scale order given as `values`
    names = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high"}
    words = [[None if math.isnan(v) else names[int(v)] for v in row] for row in KRIPPENDORFF_2011]
    order = ["very low", "low", "mid", "high", "very high"]
    assert close_to_printed(krippendorff_alpha(words, "ordinal", values=order).alpha, "0.815388")
    assert close_to_printed(krippendorff_alpha(words, "nominal").alpha, "0.743421")
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha(words, "interval")
    with pytest.raises(ValueError, match=r"outside|not in"):
        krippendorff_alpha(KRIPPENDORFF_2011, "nominal", values=[1, 2, 3])


def test_value_counts_path_and_coincidences() -> None:
    counts = value_counts(CONTENT_ANALYSIS)
    assert counts.counts.shape == (15, 4)
    o = coincidence_matrix(counts.counts)
    assert np.allclose(o, o.T)
    assert o.sum() == pytest.approx(counts.counts[counts.raters >= 2].sum())
    via_counts = alpha_from_value_counts(counts.counts, counts.values, "interval")
    via_coincidences = alpha_from_coincidences(o, counts.values, "interval")
    assert via_counts.alpha == pytest.approx(via_coincidences.alpha, abs=1e-12)
    assert close_to_printed(via_counts.alpha, "0.810845")
    # D_o and D_e are the published quantities behind alpha
    assert via_counts.alpha == pytest.approx(
        1 - via_counts.observed_disagreement / via_counts.expected_disagreement
    )


def test_distance_matrices() -> None:
    assert distance_matrix([1, 2, 3], "nominal").tolist() == [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
    assert distance_matrix([1, 2, 4], "interval")[0, 2] == 9
    assert distance_matrix([1, 3], "ratio")[0, 1] == pytest.approx(0.25)
    # ordinal: (Σ_{g=c..k} n_g − (n_c + n_k)/2)²
    d = distance_matrix([1, 2, 3], "ordinal", [2, 4, 6])
    assert d[0, 2] == pytest.approx((12 - 4) ** 2)
    assert d[0, 1] == pytest.approx((6 - 3) ** 2)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ([[1, 1, 1], [1, 1, 1]], "no variation"),  # one value in the data: the package raises
        ([[1, math.nan, 2], [1, 1, math.nan]], "no variation"),  # package: nan
        ([[1, math.nan], [math.nan, 2]], "no pairable units"),  # package raises
        ([[math.nan, math.nan], [math.nan, math.nan]], "no pairable units"),
    ],
)
def test_undefined_alpha_is_nan_with_a_reason(data: list[list[float]], reason: str) -> None:
    result = krippendorff_alpha(data, "nominal")
    assert math.isnan(result.alpha)
    assert result.undefined == reason


def package_alpha(data: np.ndarray, metric: str) -> float:
    """krippendorff.alpha, with nan where it raises or warns (0/0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return float(krippendorff.alpha(reliability_data=data, level_of_measurement=metric))
        except ValueError:
            return math.nan


@st.composite
def reliability_data(draw: st.DrawFn) -> np.ndarray:
    coders = draw(st.integers(2, 5))
    units = draw(st.integers(1, 40))
    values = draw(st.lists(st.integers(-3, 9), min_size=1, max_size=6, unique=True))
    cells = st.one_of(st.sampled_from([float(v) for v in values]), st.just(math.nan))
    return draw(hnp.arrays(np.float64, (coders, units), elements=cells))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=reliability_data(), metric=st.sampled_from(METRICS))
def test_alpha_equals_the_krippendorff_package(data: np.ndarray, metric: str) -> None:
    expected = package_alpha(data, metric)
    got = krippendorff_alpha(data, metric).alpha  # type: ignore[arg-type]
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected, abs=1e-9)
