"""Bootstrap intervals for alpha (qualcode.stats.bootstrap)."""

from __future__ import annotations

import math
import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.stats import bootstrap
from qualcode.stats.bootstrap import bootstrap_alpha, bootstrap_presence_alpha, resampling_weights
from qualcode.stats.presence import presence_counts


def package_nominal(data: np.ndarray, metric: str = "nominal") -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return float(krippendorff.alpha(reliability_data=data, level_of_measurement=metric))
        except ValueError:
            return math.nan


def study(seed: int, codes: int = 6, coders: int = 3, units: int = 300) -> np.ndarray:
    """A presence cube (NaN = missing) where coders mostly agree on a few rare codes."""
    rng = np.random.default_rng(seed)
    truth = rng.random((codes, 1, units)) < rng.uniform(0.05, 0.3, (codes, 1, 1))
    seen = truth & (rng.random((codes, coders, units)) < 0.85)
    noise = rng.random((codes, coders, units)) < 0.02
    cube = (seen | noise).astype(float)
    cube[:, rng.random((coders, units)) < 0.1] = np.nan
    return cube


def test_resampling_weights() -> None:
    w = resampling_weights(50, 130, seed=3)
    assert w.shape == (130, 50)
    assert (w.sum(axis=1) == 50).all()
    assert (resampling_weights(50, 130, seed=3) == w).all()
    assert not (resampling_weights(50, 130, seed=4) == w).all()


def test_draws_are_alpha_of_the_resampled_units() -> None:
    cube = study(1, codes=3, units=80)
    counts = presence_counts(cube)
    result = bootstrap_presence_alpha(
        counts.ones, counts.raters, draws=12, seed=5, keep_samples=True
    )
    assert result.samples is not None
    weights = resampling_weights(80, 12, seed=5)
    for d in range(12):
        picked = np.repeat(np.arange(80), weights[d])
        for code in range(3):
            expected = package_nominal(cube[code][:, picked])
            got = result.samples[d, code]
            assert (math.isnan(expected) and math.isnan(got)) or got == pytest.approx(
                expected, abs=1e-9
            )


def test_cluster_draws_take_whole_clusters() -> None:
    cube = study(2, codes=2, units=60)
    counts = presence_counts(cube)
    clusters = np.repeat(["t3", "t1", "t2", "t5", "t4", "t6"], 10)  # ids in any order
    result = bootstrap_presence_alpha(
        counts.ones, counts.raters, draws=8, seed=9, clusters=clusters, keep_samples=True
    )
    assert result.resampled == "clusters" and result.samples is not None
    ids = np.unique(clusters)  # the weights are over the sorted cluster ids
    weights = resampling_weights(len(ids), 8, seed=9)
    for d in range(8):
        picked = np.concatenate(
            [
                np.flatnonzero(clusters == ids[k])
                for k in range(len(ids))
                for _ in range(weights[d, k])
            ]
        )
        for code in range(2):
            expected = package_nominal(cube[code][:, picked])
            got = result.samples[d, code]
            assert (math.isnan(expected) and math.isnan(got)) or got == pytest.approx(
                expected, abs=1e-9
            )


def test_chunking_does_not_change_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = presence_counts(study(3, codes=7, units=250))
    whole = bootstrap_presence_alpha(counts.ones, counts.raters, draws=50, seed=1)
    monkeypatch.setattr(bootstrap, "_MATRIX_BYTES", 8 * 250 * 4)  # one code per chunk, tiles
    chunked = bootstrap_presence_alpha(counts.ones, counts.raters, draws=50, seed=1)
    assert np.allclose(whole.low, chunked.low, atol=1e-12)
    assert np.allclose(whole.high, chunked.high, atol=1e-12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), units=st.integers(150, 400), per_code=st.booleans())
def test_reproducible_and_the_interval_contains_the_estimate(
    seed: int, units: int, per_code: bool
) -> None:
    counts = presence_counts(study(seed, units=units))
    raters = counts.raters
    if per_code:
        raters = np.broadcast_to(raters, counts.ones.shape).copy()
    first = bootstrap_presence_alpha(counts.ones, raters, draws=200, seed=seed)
    again = bootstrap_presence_alpha(counts.ones, raters, draws=200, seed=seed)
    assert np.array_equal(first.low, again.low, equal_nan=True)
    assert np.array_equal(first.high, again.high, equal_nan=True)
    defined = ~np.isnan(first.estimate)
    assert (first.low[defined] <= first.estimate[defined]).all()
    assert (first.estimate[defined] <= first.high[defined]).all()
    assert (first.undefined_draws[defined] < 200).all()


def test_hayes_krippendorff_2007_unit_resampling() -> None:
    units = """
    1 1 2 . 2|1 1 0 1 .|2 3 3 3 .|. 0 0 . 0|0 0 0 . 0|0 0 0 . 0|1 0 2 . 1|1 . 2 0 .|2 2 2 . 2
    2 1 1 1 .|. 1 0 0 .|0 0 0 0 .|1 2 2 2 .|3 3 2 2 3|1 1 1 . 1|1 1 1 . 1|2 1 2 . 2|1 2 3 3 .
    1 1 0 1 .|0 0 0 . 0|0 0 1 1 .|0 0 . 0 0|2 3 3 3 .|0 0 0 0 .|1 2 . 2 2|0 1 1 1 .|0 0 0 1 0
    1 2 1 2 .|1 1 2 2 .|1 1 2 . 2|1 1 0 . 0|2 1 2 1 .|2 2 . 2 2|3 2 2 2 .|2 2 2 . 2|2 2 3 . 2
    2 2 2 . 2|2 2 . 1 2|2 2 2 2 .|1 1 1 . 1
    """
    rows = [u.split() for u in units.replace("\n", "|").split("|") if u.strip()]
    data = np.array([[math.nan if v == "." else float(v) for v in row] for row in rows]).T
    assert data.shape == (5, 40)
    result = bootstrap_alpha(data, "ordinal", draws=2000, seed=2007)
    assert result.estimate[0] == pytest.approx(0.759829, abs=5e-7)
    # agreement.md: resampling units gives about [.63, .84]
    assert result.low[0] == pytest.approx(0.63, abs=0.03)
    assert result.high[0] == pytest.approx(0.84, abs=0.03)
    again = bootstrap_alpha(data, "ordinal", draws=2000, seed=2007)
    assert again.low[0] == result.low[0] and again.high[0] == result.high[0]


def test_generic_draws_are_alpha_of_the_resampled_units() -> None:
    rng = np.random.default_rng(4)
    data = rng.integers(1, 5, (3, 30)).astype(float)
    data[rng.random((3, 30)) < 0.2] = np.nan
    for metric in ("nominal", "ordinal", "interval", "ratio"):
        result = bootstrap_alpha(data, metric, draws=6, seed=8, keep_samples=True)  # type: ignore[arg-type]
        assert result.samples is not None
        weights = resampling_weights(30, 6, seed=8)
        for d in range(6):
            expected = package_nominal(data[:, np.repeat(np.arange(30), weights[d])], metric)
            assert result.samples[d, 0] == pytest.approx(expected, abs=1e-9)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="level"):
        bootstrap_presence_alpha(np.array([[1]]), np.array([2]), level=95)
    with pytest.raises(ValueError, match="cluster"):
        bootstrap_presence_alpha(np.array([[1, 0]]), np.array([2, 2]), clusters=[1])
    with pytest.raises(ValueError, match="draws"):
        bootstrap_presence_alpha(np.array([[1]]), np.array([2]), draws=0)
