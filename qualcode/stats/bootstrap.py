"""Percentile bootstrap confidence intervals for Krippendorff's alpha.

Each draw resamples the units with replacement (or, with ``clusters``, whole clusters of
units, e.g. transcripts: a ``clusters`` array gives each unit's cluster id, and a draw takes
as many clusters as there are, with replacement, each with all its units). Alpha is then
recomputed from the resampled units; the interval is the ``(1 − level)/2`` and
``(1 + level)/2`` quantiles of the draws (numpy's default linear interpolation). Draws in
which alpha is undefined (e.g. a rare code absent from every resampled unit) are left out
and counted in ``undefined_draws``.

Nothing is materialised per draw: a draw is a vector of multiplicities ``w_k`` (how often
cluster ``k`` was drawn; the counts of ``K`` draws from ``K`` clusters, i.e. multinomial),
and since alpha only depends on sums over units, a draw's sums are ``w @ S`` for a matrix
``S`` of per-cluster sums. For presence/absence data the sums per code are ``n`` (pairable
values), ``n_1`` (pairable "1" values) and ``o_01`` (see :mod:`qualcode.stats.presence`), so
every draw and every code come out of one matrix product per tile of units. Draws are
generated from ``numpy.random.default_rng(seed)`` in a fixed order (see
:func:`resampling_weights`): the same data, ``draws`` and ``seed`` give the same interval.

This resamples units, not coincidences: Hayes & Krippendorff's (2007) KALPHA macro uses a
different resampling scheme, and gives a narrower interval on their example
(≈ [.715, .801] against ≈ [.63, .84] here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from qualcode.stats.alpha import Metric, alpha_from_coincidences, alpha_from_value_counts
from qualcode.stats.counts import value_counts
from qualcode.stats.presence import presence_agreement, validate_counts

__all__ = [
    "BootstrapInterval",
    "bootstrap_alpha",
    "bootstrap_presence_alpha",
    "resampling_weights",
]

FloatArray = npt.NDArray[np.float64]
_RNG_BYTES = 8 << 20  # int64 bytes of random picks generated at once
_MATRIX_BYTES = 32 << 20  # float64 bytes of a tile of per-unit sums / of weights


@dataclass(frozen=True)
class BootstrapInterval:
    """Per code (or one entry for a single variable): the interval and how it was made."""

    low: FloatArray
    high: FloatArray
    estimate: FloatArray  # alpha on the data itself
    undefined_draws: npt.NDArray[np.int64]  # draws in which alpha was undefined, left out
    draws: int
    level: float
    resampled: str  # "units" or "clusters"
    samples: FloatArray | None = None  # draws × codes, when asked for


@dataclass(frozen=True)
class _Clusters:
    """Units sorted by cluster (``order``) and where each cluster starts in that order."""

    order: npt.NDArray[np.int64] | None  # None: every unit is its own cluster
    starts: npt.NDArray[np.int64] | None
    count: int


def _clusters(n_units: int, clusters: npt.ArrayLike | None) -> _Clusters:
    if clusters is None:
        return _Clusters(None, None, n_units)
    ids = np.asarray(clusters)
    if ids.shape != (n_units,):
        raise ValueError("clusters must give one cluster id per unit")
    if n_units == 0:
        return _Clusters(None, None, 0)
    _, index = np.unique(ids, return_inverse=True)
    order = np.argsort(index, kind="stable").astype(np.int64)
    count = int(index.max()) + 1
    starts = np.searchsorted(index[order], np.arange(count)).astype(np.int64)
    return _Clusters(order, starts, count)


def resampling_weights(
    n_items: int, draws: int, seed: int | np.random.Generator | None
) -> npt.NDArray[np.unsignedinteger]:
    """``draws × n_items`` multiplicities: each row counts ``n_items`` draws with replacement.

    Row ``d`` comes from the ``d``-th ``n_items`` integers of
    ``numpy.random.default_rng(seed).integers(0, n_items, dtype=int64)``, whatever the
    block size used to generate them (bounded by memory, not part of the result). The
    counts are stored in one byte each (four in the practically impossible case that an
    item is drawn more than 255 times in one draw).
    """
    if draws < 1:
        raise ValueError("draws must be at least 1")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    out: npt.NDArray[np.unsignedinteger] = np.empty((draws, n_items), dtype=np.uint8)
    if n_items == 0:
        return out
    rows_per_block = max(1, _RNG_BYTES // (8 * n_items))
    for lo in range(0, draws, rows_per_block):
        rows = min(rows_per_block, draws - lo)
        picks = rng.integers(0, n_items, size=(rows, n_items), dtype=np.int64)
        picks += (np.arange(rows, dtype=np.int64) * n_items)[:, np.newaxis]
        counts = np.bincount(picks.ravel(), minlength=rows * n_items)
        top = int(counts.max(initial=0))
        if top > np.iinfo(out.dtype).max:
            if top > np.iinfo(np.uint32).max:  # pragma: no cover - needs 2**32 items
                raise ValueError("too many items to resample")
            out = out.astype(np.uint32)
        out[lo : lo + rows] = counts.reshape(rows, n_items)
    return out


def _sum_by_cluster(per_unit: FloatArray, clusters: _Clusters) -> FloatArray:
    """Columns of ``per_unit`` (rows × units) summed per cluster: rows × clusters."""
    if clusters.order is None or clusters.starts is None:
        return per_unit
    return np.asarray(np.add.reduceat(per_unit[:, clusters.order], clusters.starts, axis=1))


def _weighted_sums(weights: npt.NDArray[np.unsignedinteger], s: FloatArray) -> FloatArray:
    """``weights @ s.T`` (draws × rows), tiled over clusters so that no float copy of the
    weights exceeds ``_MATRIX_BYTES``."""
    draws, n_clusters = weights.shape
    if weights.size * 8 <= _MATRIX_BYTES:
        return np.asarray(weights.astype(np.float64) @ s.T)
    out = np.zeros((draws, s.shape[0]))
    tile = max(1, _MATRIX_BYTES // (8 * draws))
    for k0 in range(0, n_clusters, tile):
        out += weights[:, k0 : k0 + tile].astype(np.float64) @ s[:, k0 : k0 + tile].T
    return out


def _interval(
    samples: FloatArray, level: float
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
    undefined = np.isnan(samples).sum(axis=0).astype(np.int64)
    low = np.full(samples.shape[1], np.nan)
    high = np.full(samples.shape[1], np.nan)
    ok = undefined < samples.shape[0]
    if ok.any():
        tail = (1.0 - level) / 2.0
        q = np.nanquantile(samples[:, ok], [tail, 1.0 - tail], axis=0)
        low[ok], high[ok] = q[0], q[1]
    return low, high, undefined


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError("level must be between 0 and 1, e.g. 0.95")


def _presence_rows(
    n1: npt.NDArray[np.integer], m: npt.NDArray[np.integer]
) -> FloatArray:
    """Per-unit contributions (rows × units): ``n_1`` per code, ``o_01`` per code, ``n``.

    ``n1`` is codes × units; ``m`` units (one shared ``n`` row) or codes × units (one ``n``
    row per code). On pairable units ``n_1 = n1``, ``o_01 = n1 (m − n1)/(m − 1)``,
    ``n = m``; elsewhere all three are 0.
    """
    codes, units = n1.shape
    mf = m.astype(np.float64)
    pair = mf >= 2
    inv = np.where(pair, 1.0 / np.maximum(mf - 1.0, 1.0), 0.0)
    rows = np.empty((2 * codes + (1 if m.ndim == 1 else codes), units))
    x, d = rows[:codes], rows[codes : 2 * codes]
    x[...] = n1
    x *= pair
    np.subtract(mf, x, out=d)
    d *= x
    d *= inv
    np.multiply(mf, pair, out=rows[2 * codes :])
    return rows


def bootstrap_presence_alpha(
    ones: npt.ArrayLike,
    raters: npt.ArrayLike,
    *,
    draws: int = 1000,
    seed: int | None = 0,
    clusters: npt.ArrayLike | None = None,
    level: float = 0.95,
    keep_samples: bool = False,
) -> BootstrapInterval:
    """Bootstrap interval of nominal alpha for every code of presence/absence data.

    ``ones`` and ``raters`` as in :func:`qualcode.stats.presence.presence_agreement`
    (codes × units; units or codes × units). ``clusters`` (one id per unit) resamples whole
    clusters instead of units. Per draw and code, alpha is ``1 − (n − 1) o_01 / (n_1 (n −
    n_1))`` from the resampled sums ``n``, ``n_1`` and ``o_01``.

    The units are taken in tiles (sorted by cluster): per tile, the per-unit contributions
    of every code are summed per cluster and multiplied by the tile's columns of the
    weights, and the products are added up; so memory stays bounded (tens of MB) and the
    weights are converted to floating point once.
    """
    _check_level(level)
    n1_all, m_all = validate_counts(ones, raters)
    estimate = presence_agreement(n1_all, m_all).alpha
    n_codes, n_units = n1_all.shape
    groups = _clusters(n_units, clusters)
    weights = resampling_weights(groups.count, draws, seed)
    n_rows = 2 * n_codes + (1 if m_all.ndim == 1 else n_codes)
    totals = np.zeros((draws, n_rows))
    # units per tile: the per-unit rows (and their temporaries) and the weights' float copy
    tile = max(1, _MATRIX_BYTES // (8 * max(2 * n_rows, draws)))
    if groups.order is None:
        for lo in range(0, n_units, tile):
            hi = min(n_units, lo + tile)
            m = m_all[lo:hi] if m_all.ndim == 1 else m_all[:, lo:hi]
            rows = _presence_rows(n1_all[:, lo:hi], m)
            totals += weights[:, lo:hi].astype(np.float64) @ rows.T
    else:
        assert groups.starts is not None
        cluster_of = np.repeat(np.arange(groups.count), np.diff([*groups.starts, n_units]))
        for lo in range(0, n_units, tile):
            hi = min(n_units, lo + tile)
            take = groups.order[lo:hi]
            m = m_all[take] if m_all.ndim == 1 else m_all[:, take]
            rows = _presence_rows(n1_all[:, take], m)
            ids = cluster_of[lo:hi]  # sorted; a cluster may continue in the next tile
            first = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
            partial = np.add.reduceat(rows, first, axis=1)
            totals += weights[:, ids[first]].astype(np.float64) @ partial.T
    t1 = totals[:, :n_codes]
    td = totals[:, n_codes : 2 * n_codes]
    tn = totals[:, 2 * n_codes :]  # one column (shared raters) or one per code
    with np.errstate(divide="ignore", invalid="ignore"):
        den = t1 * (tn - t1)
        samples = np.where(den > 0, 1.0 - (tn - 1.0) * td / den, np.nan)
    low, high, undefined = _interval(samples, level)
    return BootstrapInterval(
        low=low,
        high=high,
        estimate=estimate,
        undefined_draws=undefined,
        draws=draws,
        level=level,
        resampled="units" if clusters is None else "clusters",
        samples=samples if keep_samples else None,
    )


def bootstrap_alpha(
    reliability_data: npt.ArrayLike | Sequence[Sequence[object]],
    metric: Metric = "nominal",
    *,
    values: npt.ArrayLike | None = None,
    draws: int = 1000,
    seed: int | None = 0,
    clusters: npt.ArrayLike | None = None,
    level: float = 0.95,
    keep_samples: bool = False,
) -> BootstrapInterval:
    """Bootstrap interval of Krippendorff's alpha for one variable (coders × units, any metric).

    Each unit's contribution to the coincidence matrix, ``(n_uc n_uk − [c = k] n_uc) /
    (m_u − 1)``, is summed per cluster once; a draw's coincidence matrix is the weighted sum,
    and alpha (with the ordinal metric's distances recomputed from the draw's value totals)
    follows :mod:`qualcode.stats.alpha`. The result has one entry.
    """
    _check_level(level)
    vc = value_counts(reliability_data, values)
    domain = vc.values
    if metric in ("interval", "ratio") and domain.dtype == object:
        domain = domain.astype(np.float64)
    estimate = alpha_from_value_counts(vc.counts, domain, metric).alpha
    counts = vc.counts.astype(np.float64)
    n_units, n_values = counts.shape
    m = counts.sum(axis=1)
    pair = m >= 2
    inv = np.where(pair, 1.0 / np.maximum(m - 1.0, 1.0), 0.0)
    per_unit = np.einsum("uc,uk->uck", counts, counts)
    per_unit[:, np.arange(n_values), np.arange(n_values)] -= counts
    per_unit *= inv[:, np.newaxis, np.newaxis]
    groups = _clusters(n_units, clusters)
    s = _sum_by_cluster(per_unit.reshape(n_units, -1).T, groups)
    weights = resampling_weights(groups.count, draws, seed)
    samples = np.full((draws, 1), np.nan)
    o = _weighted_sums(weights, s).reshape(-1, n_values, n_values)
    for i, matrix in enumerate(o):
        samples[i, 0] = alpha_from_coincidences(matrix, domain, metric).alpha
    low, high, undefined = _interval(samples, level)
    return BootstrapInterval(
        low=low,
        high=high,
        estimate=np.array([estimate]),
        undefined_draws=undefined,
        draws=draws,
        level=level,
        resampled="units" if clusters is None else "clusters",
        samples=samples if keep_samples else None,
    )
