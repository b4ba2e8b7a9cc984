"""Krippendorff's alpha for reliability data with missing values.

Definitions (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"; Krippendorff
2004, *Content Analysis*, ch. 11), with ``n_uc`` the number of coders who gave unit ``u`` the
value ``c`` and ``m_u = Σ_c n_uc``:

* only *pairable* units (``m_u ≥ 2``) enter; a unit with a single value is left out;
* coincidence matrix ``o_ck = Σ_u (n_uc n_uk − [c = k] n_uc) / (m_u − 1)``;
  value totals ``n_c = Σ_k o_ck``, pairable values ``n = Σ_c n_c = Σ_u m_u``;
* observed disagreement ``D_o = (1/n) Σ_c Σ_k o_ck δ²_ck``;
* expected disagreement ``D_e = 1/(n(n − 1)) Σ_c Σ_k n_c n_k δ²_ck``;
* ``alpha = 1 − D_o / D_e``.

Distances ``δ²_ck`` by level of measurement:

* nominal: ``0`` if ``c = k`` else ``1``;
* ordinal: ``(Σ_{g=c..k} n_g − (n_c + n_k)/2)²`` over the ordered value domain, from the value
  totals ``n_g`` of the pairable values (so the metric depends on the data);
* interval: ``(c − k)²``;
* ratio: ``((c − k)/(c + k))²`` (``0`` where ``c + k = 0``).

This is exactly what the ``krippendorff`` package (0.8/0.9) computes; the tests check the
published values and the package on random data. Where the package raises (fewer than two
distinct values in the data, no pairable unit) or returns NaN (only one value among the
pairable ones), :func:`krippendorff_alpha` returns ``alpha = nan`` with ``undefined`` set to
``"no pairable units"`` or ``"no variation"``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

from qualcode.stats.counts import value_counts

__all__ = [
    "AlphaResult",
    "Metric",
    "alpha_from_coincidences",
    "alpha_from_value_counts",
    "coincidence_matrix",
    "distance_matrix",
    "krippendorff_alpha",
]

Metric = Literal["nominal", "ordinal", "interval", "ratio"]
METRICS: tuple[str, ...] = get_args(Metric)
NO_PAIRABLE_UNITS = "no pairable units"
NO_VARIATION = "no variation"


@dataclass(frozen=True)
class AlphaResult:
    """Krippendorff's alpha and the quantities behind it.

    ``alpha`` is ``nan`` when undefined, and ``undefined`` then says why (``"no pairable
    units"``: no unit has two values; ``"no variation"``: every pairable value is the same,
    so ``D_e = 0``). ``coincidences`` is over ``values`` in order.
    """

    alpha: float
    observed_disagreement: float  # D_o
    expected_disagreement: float  # D_e
    pairable_units: int
    pairable_values: int  # n = Σ_u m_u over pairable units
    metric: Metric
    values: npt.NDArray[Any]
    coincidences: npt.NDArray[np.float64]
    undefined: str | None = None


def _check_metric(metric: str) -> Metric:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    return metric  # type: ignore[return-value]


def coincidence_matrix(counts: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """``o_ck = Σ_u (n_uc n_uk − [c = k] n_uc) / (m_u − 1)`` over pairable units.

    ``counts`` is units × values (see :func:`qualcode.stats.counts.value_counts`).
    """
    n = np.asarray(counts, dtype=np.float64)
    if n.ndim != 2:
        raise ValueError("value counts must be two-dimensional: units × values")
    m = n.sum(axis=1)
    keep = m >= 2
    n = n[keep]
    weight = 1.0 / (m[keep] - 1.0)
    o = (n * weight[:, np.newaxis]).T @ n
    o -= np.diag(n.T @ weight)
    return o


def distance_matrix(
    values: npt.ArrayLike, metric: Metric, value_totals: npt.ArrayLike | None = None
) -> npt.NDArray[np.float64]:
    """``δ²_ck`` for every pair of values in ``values`` (see the module docstring).

    ``value_totals`` (``n_c``, the coincidence matrix's column sums) is needed for the
    ordinal metric only; ``values`` must then be in scale order.
    """
    metric = _check_metric(metric)
    if metric == "nominal":
        size = len(np.asarray(values))
        return 1.0 - np.eye(size)
    if metric == "ordinal":
        if value_totals is None:
            raise ValueError("the ordinal metric needs the value totals n_c")
        totals = np.asarray(value_totals, dtype=np.float64)
        cum = np.concatenate(([0.0], np.cumsum(totals)))
        idx = np.arange(len(totals))
        lo = np.minimum.outer(idx, idx)
        hi = np.maximum.outer(idx, idx)
        between = cum[hi + 1] - cum[lo]
        return np.asarray((between - (totals[lo] + totals[hi]) / 2.0) ** 2, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    diff = np.subtract.outer(v, v)
    if metric == "interval":
        return np.asarray(diff**2, dtype=np.float64)
    total = np.add.outer(v, v)
    ratio = np.divide(diff, total, out=np.zeros_like(diff), where=total != 0)
    return np.asarray(ratio**2, dtype=np.float64)


def alpha_from_coincidences(
    coincidences: npt.ArrayLike,
    values: npt.ArrayLike | None = None,
    metric: Metric = "nominal",
    pairable_units: int = -1,
) -> AlphaResult:
    """Alpha from a coincidence matrix ``o`` (values × values, symmetric).

    Use this to reuse a matrix summed elsewhere (several variables pooled, a bootstrap draw,
    a two-coder contingency table ``T`` as ``T + Tᵀ``). ``values`` defaults to
    ``0 … V−1`` (fine for nominal; interval and ratio need the real values, ordinal their
    order). ``pairable_units`` is only carried into the result (``-1``: unknown).
    """
    metric = _check_metric(metric)
    o = np.asarray(coincidences, dtype=np.float64)
    if o.ndim != 2 or o.shape[0] != o.shape[1]:
        raise ValueError("a coincidence matrix is square")
    domain = np.arange(o.shape[0]) if values is None else np.asarray(values)
    if len(domain) != o.shape[0]:
        raise ValueError("one value per row of the coincidence matrix")
    totals = o.sum(axis=0)
    n = float(totals.sum())
    pairable_values = round(n)
    if n <= 1.0:
        units = 0 if n == 0 else pairable_units
        return AlphaResult(
            math.nan, math.nan, math.nan, units, pairable_values, metric, domain, o,
            NO_PAIRABLE_UNITS,
        )
    delta = distance_matrix(domain, metric, totals)
    d_o = float((o * delta).sum()) / n
    d_e = float((np.outer(totals, totals) * delta).sum()) / (n * (n - 1.0))
    if d_e == 0.0:
        return AlphaResult(
            math.nan, d_o, d_e, pairable_units, pairable_values, metric, domain, o, NO_VARIATION
        )
    return AlphaResult(
        1.0 - d_o / d_e, d_o, d_e, pairable_units, pairable_values, metric, domain, o
    )


def alpha_from_value_counts(
    counts: npt.ArrayLike, values: npt.ArrayLike | None = None, metric: Metric = "nominal"
) -> AlphaResult:
    """Alpha from value counts (units × values; ``values`` in column order).

    ``values`` defaults to ``0 … V−1`` as in ``krippendorff.alpha(value_counts=...)``.
    """
    n = np.asarray(counts)
    o = coincidence_matrix(n)
    units = int((n.sum(axis=1) >= 2).sum())
    return alpha_from_coincidences(o, values, metric, units)


def krippendorff_alpha(
    reliability_data: npt.ArrayLike | Sequence[Sequence[object]],
    metric: Metric = "nominal",
    values: npt.ArrayLike | None = None,
) -> AlphaResult:
    """Krippendorff's alpha of a coders × units matrix (NaN or ``None`` = missing).

    ``values`` is the value domain in scale order (default: the sorted observed values, as
    in the ``krippendorff`` package; note that package's default metric is interval, ours is
    nominal, the usual level for qualitative codes). Units with fewer than two values are
    not pairable and are left out.

    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
    >>> round(krippendorff_alpha(data, "ordinal").alpha, 6)
    0.815388
    """
    metric = _check_metric(metric)
    vc = value_counts(reliability_data, values)
    if metric in ("interval", "ratio") and vc.values.dtype == object:
        try:
            domain: npt.NDArray[Any] = vc.values.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"the {metric} metric needs numeric values") from None
    else:
        domain = vc.values
    return alpha_from_value_counts(vc.counts, domain, metric)
