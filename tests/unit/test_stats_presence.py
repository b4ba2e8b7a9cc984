"""All codes at once for presence/absence data (qualcode.stats.presence).

Per code the vectorised alpha must equal ``krippendorff.alpha(level_of_measurement=
"nominal")`` on that code's coders × units matrix to 1e-9, undefined cases included; the
kappas must equal the one-variable functions of qualcode.stats.kappa.
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

from qualcode.stats.counts import percent_agreement, value_counts
from qualcode.stats.kappa import (
    brennan_prediger,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac1_table,
    scott_pi_table,
)
from qualcode.stats.presence import presence_agreement, presence_counts


def package_nominal(data: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
        except ValueError:  # one value in the data, or no pairable unit
            return math.nan


@st.composite
def presence_cubes(draw: st.DrawFn) -> np.ndarray:
    """codes × coders × units of 1.0, 0.0 and NaN (missing)."""
    codes = draw(st.integers(1, 4))
    coders = draw(st.integers(2, 5))
    units = draw(st.integers(1, 200))
    # vary how often values are present, absent and missing across examples
    weights = draw(st.sampled_from([(1, 1, 1), (1, 8, 1), (1, 20, 0), (3, 1, 2), (1, 1, 6)]))
    pool = [1.0] * weights[0] + [0.0] * weights[1] + [math.nan] * weights[2]
    return draw(hnp.arrays(np.float64, (codes, coders, units), elements=st.sampled_from(pool)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cube=presence_cubes())
def test_per_code_alpha_equals_the_package(cube: np.ndarray) -> None:
    counts = presence_counts(cube)
    result = presence_agreement(counts.ones, counts.raters)
    for code in range(cube.shape[0]):
        expected = package_nominal(cube[code])
        if math.isnan(expected):
            assert math.isnan(result.alpha[code])
            assert result.undefined[code] in ("no variation", "no pairable units")
        else:
            assert result.alpha[code] == pytest.approx(expected, abs=1e-9)
            assert result.undefined[code] is None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cube=presence_cubes())
def test_other_coefficients_equal_the_one_variable_functions(cube: np.ndarray) -> None:
    counts = presence_counts(cube)
    result = presence_agreement(counts.ones, counts.raters)
    for code in range(cube.shape[0]):
        vc = value_counts(cube[code], values=[0.0, 1.0]).counts
        m = vc.sum(axis=1)
        assert result.units[code] == (m >= 2).sum()
        assert result.coded_units[code] == (vc[:, 1] > 0).sum()
        for got, expected in (
            (result.percent_agreement[code], percent_agreement(vc)),
            (result.fleiss_kappa[code], fleiss_kappa(vc)),
            (result.gwet_ac1[code], gwet_ac1(vc, n_categories=2)),
            (result.brennan_prediger[code], brennan_prediger(vc, n_categories=2)),
        ):
            if math.isnan(expected):
                assert math.isnan(got)
            else:
                assert got == pytest.approx(expected, abs=1e-9)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cube=presence_cubes())
def test_pooled_alpha_treats_each_code_and_unit_as_a_unit(cube: np.ndarray) -> None:
    counts = presence_counts(cube)
    result = presence_agreement(counts.ones, counts.raters)
    stacked = np.concatenate(list(cube), axis=1)  # coders × (codes · units)
    expected = package_nominal(stacked)
    if math.isnan(expected):
        assert math.isnan(result.pooled.alpha)
    else:
        assert result.pooled.alpha == pytest.approx(expected, abs=1e-9)
    defined = result.alpha[~np.isnan(result.alpha)]
    if defined.size:
        assert result.mean.alpha == pytest.approx(defined.mean())
        assert result.mean.codes == defined.size
    else:
        assert math.isnan(result.mean.alpha)


def test_done_mask_and_shared_raters() -> None:
    rng = np.random.default_rng(7)
    present = rng.random((5, 3, 120)) < 0.2
    done = rng.random((3, 120)) < 0.8
    counts = presence_counts(present, done)
    assert counts.raters.shape == (120,)
    assert (counts.raters == done.sum(axis=0)).all()
    result = presence_agreement(counts.ones, counts.raters)
    # the same cube with NaN for missing gives per-code raters and the same answers
    cube = np.where(done[np.newaxis], present.astype(float), np.nan)
    per_code = presence_counts(cube)
    other = presence_agreement(per_code.ones, np.broadcast_to(per_code.raters, (5, 120)).copy())
    for code in range(5):
        assert result.alpha[code] == pytest.approx(package_nominal(cube[code]), abs=1e-9)
        assert other.alpha[code] == pytest.approx(result.alpha[code], abs=1e-12)
        assert other.gwet_ac1[code] == pytest.approx(result.gwet_ac1[code], abs=1e-12)


def test_gwet_paradox_through_the_presence_path() -> None:
    # [[80, 7], [8, 5]]: rows coder 1, columns coder 2; category 2 = "code applied"
    pairs = [(0, 0)] * 80 + [(0, 1)] * 7 + [(1, 0)] * 8 + [(1, 1)] * 5
    cube = np.array([[[a for a, _ in pairs], [b for _, b in pairs]]], dtype=float)
    counts = presence_counts(cube)
    result = presence_agreement(counts.ones, counts.raters)
    assert result.alpha[0] == pytest.approx(0.31771, abs=5e-6)
    assert result.percent_agreement[0] == pytest.approx(0.85)
    assert result.fleiss_kappa[0] == pytest.approx(0.31429, abs=5e-6)  # = Scott's pi
    assert result.gwet_ac1[0] == pytest.approx(0.808, abs=5e-4)
    assert result.brennan_prediger[0] == pytest.approx(0.70, abs=5e-3)
    assert result.units[0] == 100 and result.coded_units[0] == 20
    table = [[80, 7], [8, 5]]
    assert result.fleiss_kappa[0] == pytest.approx(scott_pi_table(table), abs=1e-12)
    assert result.gwet_ac1[0] == pytest.approx(gwet_ac1_table(table), abs=1e-12)


def test_undefined_codes_and_rows() -> None:
    ones = np.array([[0, 0, 0, 0], [2, 2, 2, 1], [1, 0, 0, 0], [1, 2, 0, 1]])
    raters = np.array([2, 2, 2, 1])
    result = presence_agreement(ones, raters)
    assert result.undefined[:2] == ("no variation", "no variation")
    assert math.isnan(result.alpha[0]) and math.isnan(result.alpha[1])
    assert result.percent_agreement[0] == 1.0  # agreement is still defined
    assert result.undefined[2] is None
    assert result.coded_units.tolist() == [0, 4, 1, 3]
    assert result.units.tolist() == [3, 3, 3, 3]
    rows = result.rows(["never", "always", "once", "mixed"])
    assert [r.code for r in rows][-2:] == ["ALL (pooled)", "ALL (mean)"]
    assert rows[0].alpha is None and rows[0].note == "no variation"
    assert rows[2].alpha == pytest.approx(float(result.alpha[2]))
    assert rows[-1].alpha == pytest.approx(float(np.nanmean(result.alpha)))
    no_pairs = presence_agreement(np.array([[1, 0]]), np.array([1, 1]))
    assert no_pairs.undefined == ("no pairable units",)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="exceed"):
        presence_agreement(np.array([[3]]), np.array([2]))
    with pytest.raises(ValueError, match="shape"):
        presence_agreement(np.array([[1, 0]]), np.array([2, 2, 2]))
    with pytest.raises(ValueError, match="0, 1"):
        presence_counts(np.array([[[2.0, 0.0]]]))
