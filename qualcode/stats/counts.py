"""Reliability data to per-unit value counts, and pairwise percent agreement.

*Reliability data* is a coders × units matrix: entry ``[i, u]`` is the value coder ``i``
gave unit ``u``, missing where the coder did not code the unit. Numeric data marks missing
values with NaN; object data (labels such as strings) with ``None`` or NaN.

*Value counts* is a units × values matrix: entry ``[u, c]`` is the number of coders who gave
unit ``u`` the value ``c``. Every coefficient in :mod:`qualcode.stats` starts from it. A unit
is *pairable* when at least two coders gave it a value (``m_u = Σ_c n_uc ≥ 2``).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["ValueCounts", "is_missing", "pairable", "percent_agreement", "value_counts"]


@dataclass(frozen=True)
class ValueCounts:
    """``counts[u, c]``: coders who gave unit ``u`` the value ``values[c]``."""

    counts: npt.NDArray[np.int64]  # units × values
    values: npt.NDArray[Any]  # the value domain, in column order

    @property
    def raters(self) -> npt.NDArray[np.int64]:
        """``m_u``: the number of values each unit received."""
        return self.counts.sum(axis=1)


def is_missing(value: object) -> bool:
    """``None`` and NaN (float or numpy floating) are missing values."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return False


def _numeric_counts(
    data: npt.NDArray[np.float64], values: npt.ArrayLike | None
) -> ValueCounts:
    n_units = data.shape[1]
    present = ~np.isnan(data)
    observed = data[present]
    unit_of = np.broadcast_to(np.arange(n_units), data.shape)[present]
    if values is None:
        domain, index = np.unique(observed, return_inverse=True)
    else:
        domain = np.asarray(values)
        if domain.ndim != 1 or len(np.unique(domain)) != len(domain):
            raise ValueError("values must be a one-dimensional sequence without repeats")
        order = np.argsort(domain, kind="stable")
        pos = np.searchsorted(domain, observed, sorter=order)
        pos = np.minimum(pos, len(domain) - 1)
        index = order[pos] if len(domain) else pos
        if observed.size and (len(domain) == 0 or np.any(domain[index] != observed)):
            raise ValueError("the reliability data contains values outside `values`")
    n_values = len(domain)
    flat = np.bincount(
        unit_of.astype(np.int64) * n_values + np.asarray(index, dtype=np.int64),
        minlength=n_units * n_values,
    )
    return ValueCounts(flat.reshape(n_units, n_values).astype(np.int64), domain)


def _object_counts(rows: Sequence[Sequence[object]], values: npt.ArrayLike | None) -> ValueCounts:
    n_units = len(rows[0]) if len(rows) else 0
    if any(len(row) != n_units for row in rows):
        raise ValueError("every coder's row must have one entry per unit")
    if values is None:
        seen: set[Hashable] = set()
        for row in rows:
            seen.update(v for v in row if not is_missing(v))
        try:
            domain_list: list[Any] = sorted(seen)
        except TypeError:
            domain_list = sorted(seen, key=repr)
    else:
        domain_list = list(np.asarray(values, dtype=object))
    position = {v: i for i, v in enumerate(domain_list)}
    if len(position) != len(domain_list):
        raise ValueError("values must not repeat")
    counts = np.zeros((n_units, len(domain_list)), dtype=np.int64)
    for row in rows:
        for u, v in enumerate(row):
            if is_missing(v):
                continue
            try:
                counts[u, position[v]] += 1
            except KeyError:
                raise ValueError(f"the reliability data contains {v!r}, not in `values`") from None
    domain = np.empty(len(domain_list), dtype=object)
    domain[:] = domain_list
    return ValueCounts(counts, domain)


def value_counts(
    reliability_data: npt.ArrayLike | Sequence[Sequence[object]],
    values: npt.ArrayLike | None = None,
) -> ValueCounts:
    """Count, for every unit, how many coders gave each value.

    ``reliability_data`` is coders × units. Numeric input uses NaN for missing; anything else
    (strings, mixed labels) ``None`` or NaN. ``values`` fixes the value domain and its order
    (needed for the ordinal metric when the natural sort order is not the scale order, and to
    include values nobody used); by default it is the sorted set of observed values, which is
    what the ``krippendorff`` package uses. A value outside ``values`` is an error.
    """
    array = np.asarray(reliability_data)
    if array.ndim != 2:
        raise ValueError("reliability data must be two-dimensional: coders × units")
    if array.dtype.kind in "biuf":
        return _numeric_counts(array.astype(np.float64), values)
    return _object_counts([list(row) for row in array], values)


def pairable(counts: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Units with at least two values (``m_u ≥ 2``): the only ones that enter agreement."""
    return np.asarray(counts).sum(axis=1) >= 2


def percent_agreement(counts: npt.ArrayLike) -> float:
    """Pairwise percent agreement over pairable units.

    The proportion of agreeing coder pairs among all coder pairs within pairable units::

        A = Σ_u Σ_c n_uc (n_uc − 1) / Σ_u m_u (m_u − 1)        over units with m_u ≥ 2

    (ordered pairs; the factor 2 cancels). Each pair of values in a unit counts once, so a
    unit coded by more coders weighs more. With two coders on every unit this is the plain
    share of units on which they agree (Krippendorff 2004, p. 227: .833). ``nan`` when no
    unit is pairable.
    """
    n = np.asarray(counts, dtype=np.float64)
    m = n.sum(axis=1)
    keep = m >= 2
    pairs = float((m[keep] * (m[keep] - 1)).sum())
    if pairs == 0:
        return math.nan
    agree = float((n[keep] * (n[keep] - 1)).sum())
    return agree / pairs
