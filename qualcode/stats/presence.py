"""Agreement on presence/absence for all codes at once.

Each code is a binary variable: for every unit, each coder who coded the unit either applied
the code (1) or not (0); a coder who did not code the unit is missing. Per code and unit all
that matters is ``m_u`` (coders who coded the unit) and ``n1_u`` (how many of them applied
the code; ``n0_u = m_u − n1_u``). The input is therefore two arrays:

* ``ones[code, unit]`` = ``n1`` (codes × units, small integers; ``uint8`` is enough);
* ``raters[unit]`` = ``m`` (one per unit, when every code was coded by the same coders,
  which is how qualcode's reliability data is built), or ``raters[code, unit]``.

:func:`presence_counts` makes them from a presence cube ``present[code, coder, unit]`` and a
``done[coder, unit]`` mask (or a cube with NaN for missing).

For two values the coincidence matrix of Krippendorff's alpha reduces to three numbers,
summed over pairable units (``m_u ≥ 2``)::

    o_11 = Σ n1 (n1 − 1)/(m − 1)    o_00 = Σ n0 (n0 − 1)/(m − 1)    o_01 = o_10 = Σ n1 n0/(m − 1)

with ``n_1 = o_11 + o_01 = Σ n1``, ``n_0 = Σ n0``, ``n = n_1 + n_0 = Σ m``, so the nominal

    alpha = 1 − D_o/D_e,   D_o = 2 o_01 / n,   D_e = 2 n_1 n_0 / (n (n − 1)),

i.e. ``alpha = 1 − (n − 1) o_01 / (n_1 n_0)``: exactly ``krippendorff.alpha(...,
level_of_measurement="nominal")`` on the code's coders × units matrix. Where that package
raises (the code never or always applied, or no pairable unit) or returns NaN (no variation
among pairable values), alpha here is ``nan`` with ``undefined`` = ``"no variation"`` or
``"no pairable units"``.

All sums are computed per group of units with the same ``m`` (``Σ n1`` and ``Σ n1²`` in
exact integers), so one pass over ``ones`` serves every coefficient:

* **percent agreement**: the proportion of agreeing coder pairs among all coder pairs within
  pairable units, ``1 − Σ n1 n0 / Σ m (m − 1)/2`` (with two coders on every unit, the share
  of units they agree on);
* **Fleiss' kappa**, **Gwet's AC1** and **Brennan–Prediger** with two categories, as in
  :mod:`qualcode.stats.kappa`: ``p_a`` is the mean over pairable units of the share of
  agreeing pairs, ``1 − 2 n1 n0 / (m (m − 1))``, and ``π₁`` the mean over rated units of
  ``n1 / m``;
* **units**: pairable units; **coded units**: units where at least one coder applied the code
  (pairable or not).

Two summary rows: **ALL (pooled)** sums the coincidences (and every other sum) over codes,
i.e. treats each code × unit as a unit of one binary variable; **ALL (mean)** is the plain
mean over codes of each coefficient, over the codes where it is defined.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from qualcode.stats.alpha import NO_PAIRABLE_UNITS, NO_VARIATION
from qualcode.stats.kappa import binary_brennan_prediger, binary_fleiss_kappa, binary_gwet_ac1

__all__ = [
    "AgreementRow",
    "PresenceAgreement",
    "PresenceCounts",
    "PresenceSummary",
    "presence_agreement",
    "presence_counts",
    "validate_counts",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
POOLED = "ALL (pooled)"
MEAN = "ALL (mean)"
_CHUNK_CELLS = 1 << 22  # codes × units cells handled at once (bounds temporary memory)


@dataclass(frozen=True)
class PresenceCounts:
    """``ones[code, unit]``: coders who applied the code; ``raters``: coders who coded the unit.

    ``raters`` has shape ``(units,)`` when it is the same for every code, else
    ``(codes, units)``.
    """

    ones: npt.NDArray[np.integer]
    raters: npt.NDArray[np.integer]


def presence_counts(
    present: npt.ArrayLike, done: npt.ArrayLike | None = None
) -> PresenceCounts:
    """Collapse a presence cube ``present[code, coder, unit]`` to per-unit counts.

    With ``done`` (coders × units, true where the coder coded the unit), ``present`` is
    boolean or 0/1 and cells where ``done`` is false are missing. Without it, ``present`` is
    float with 1.0, 0.0 and NaN for missing.
    """
    cube = np.asarray(present)
    if cube.ndim != 3:
        raise ValueError("present must be three-dimensional: codes × coders × units")
    n_codes, n_coders, n_units = cube.shape
    if n_coders > 255:
        raise ValueError("at most 255 coders")
    if done is not None:
        mask = np.ascontiguousarray(np.asarray(done, dtype=bool))
        if mask.shape != (n_coders, n_units):
            raise ValueError("done must be coders × units, like present[code]")
        if cube.dtype != np.bool_:  # 0/1 values; cells not done are ignored (may be NaN)
            cube = np.where(mask[np.newaxis], cube, 0)
            if cube.size and not np.isin(cube, (0, 1)).all():
                raise ValueError("presence values must be 0 or 1")
            cube = cube != 0
        bits = cube.view(np.uint8)
        keep = mask.view(np.uint8)
        ones = np.empty((n_codes, n_units), dtype=np.uint8)
        step = max(1, _CHUNK_CELLS // max(n_units * n_coders, 1))
        for lo in range(0, n_codes, step):  # a block of codes at a time stays in cache
            block, out = bits[lo : lo + step], ones[lo : lo + step]
            np.bitwise_and(block[:, 0, :], keep[0], out=out)
            for coder in range(1, n_coders):
                out += block[:, coder, :] & keep[coder]
        return PresenceCounts(ones, mask.sum(axis=0).astype(np.uint8))
    data = cube.astype(np.float64, copy=False)
    known = ~np.isnan(data)
    if not np.isin(data[known], (0.0, 1.0)).all():
        raise ValueError("presence values must be 0, 1 or NaN")
    ones = (data == 1.0).sum(axis=1, dtype=np.uint8)
    raters = known.sum(axis=1, dtype=np.uint8)
    if n_codes and (raters == raters[0]).all():
        return PresenceCounts(ones, raters[0].copy())
    return PresenceCounts(ones, raters)


@dataclass(frozen=True)
class _GroupSums:
    """Per code and rater count ``g``: units ``N``, ``Σ n1`` as ``A``, ``Σ n1²`` as ``B``."""

    units: IntArray  # (codes, G) or (1, G) when raters are shared
    a: IntArray  # (codes, G)
    b: IntArray  # (codes, G)
    coded: IntArray  # (codes,)


def validate_counts(
    ones: npt.ArrayLike, raters: npt.ArrayLike
) -> tuple[npt.NDArray[np.integer], npt.NDArray[np.integer]]:
    """Check ``ones`` and ``raters`` (see the module docstring) and return them as arrays."""
    n1 = np.asarray(ones)
    m = np.asarray(raters)
    if n1.dtype == np.bool_:
        n1 = n1.view(np.uint8)
    if m.dtype == np.bool_:
        m = m.view(np.uint8)
    if n1.ndim != 2:
        raise ValueError("ones must be two-dimensional: codes × units")
    if n1.dtype.kind not in "iu" or m.dtype.kind not in "iu":
        raise ValueError("ones and raters must be integer counts")
    if m.shape not in ((n1.shape[1],), n1.shape):
        raise ValueError("raters must have shape (units,) or (codes, units)")
    if m.size and (m.min() < 0 or m.max() > 10_000):
        raise ValueError("raters must be between 0 and 10,000")
    if n1.size and n1.min() < 0:
        raise ValueError("ones must not be negative")
    step = max(1, _CHUNK_CELLS // max(n1.shape[1], 1))
    for lo in range(0, n1.shape[0], step):  # in blocks: no codes × units temporary
        limit = m[lo : lo + step] if m.ndim == 2 else m[np.newaxis, :]
        if np.any(n1[lo : lo + step] > limit):
            raise ValueError(
                "ones must not exceed raters (more coders applied a code than coded the unit)"
            )
    return n1, m


def _group_sums(ones: npt.NDArray[np.integer], raters: npt.NDArray[np.integer]) -> _GroupSums:
    n_codes, n_units = ones.shape
    groups = int(raters.max()) + 1 if raters.size else 1
    coded = np.empty(n_codes, dtype=np.int64)
    step = max(1, _CHUNK_CELLS // max(n_units, 1))
    for lo in range(0, n_codes, step):  # in blocks: no codes × units temporary
        coded[lo : lo + step] = np.count_nonzero(ones[lo : lo + step], axis=1)
    a = np.zeros((n_codes, groups), dtype=np.int64)
    b = np.zeros((n_codes, groups), dtype=np.int64)
    if raters.ndim == 1:
        units = np.bincount(raters.astype(np.int64), minlength=groups)[np.newaxis, :]
        order = np.argsort(raters, kind="stable")
        in_order = bool((order == np.arange(n_units)).all())
        ends = np.cumsum(units[0])
        spans = [(g, int(ends[g] - units[0, g]), int(ends[g])) for g in np.flatnonzero(units[0])]
        small = ones.dtype.itemsize == 1
        square = np.uint16 if small else np.int64
        # exact integer sums; 32-bit accumulators (faster) while they cannot overflow
        total = np.uint32 if small and n_units * 255 * 255 < 2**32 else np.int64
        for lo in range(0, n_codes, step):
            block = ones[lo : lo + step] if in_order else ones[lo : lo + step][:, order]
            sq = np.square(block, dtype=square)
            for g, start, end in spans:
                a[lo : lo + step, g] = block[:, start:end].sum(axis=1, dtype=total)
                b[lo : lo + step, g] = sq[:, start:end].sum(axis=1, dtype=total)
        return _GroupSums(units.astype(np.int64), a, b, coded)
    units = np.zeros((n_codes, groups), dtype=np.int64)
    for lo in range(0, n_codes, step):
        m = raters[lo : lo + step].astype(np.int64)
        rows = m.shape[0]
        key = (m + groups * np.arange(rows)[:, np.newaxis]).ravel()
        x = ones[lo : lo + step].astype(np.float64).ravel()
        size = rows * groups
        units[lo : lo + rows] = np.bincount(key, minlength=size).reshape(rows, groups)
        a[lo : lo + rows] = np.rint(np.bincount(key, x, size)).reshape(rows, groups)
        b[lo : lo + rows] = np.rint(np.bincount(key, x * x, size)).reshape(rows, groups)
    return _GroupSums(units, a, b, coded)


@dataclass(frozen=True)
class _Sums:
    """The sufficient statistics of every coefficient, per code (or summed: pooled)."""

    units: FloatArray  # pairable units
    rated: FloatArray  # units with m ≥ 1
    n: FloatArray  # pairable values Σ m
    n1: FloatArray  # pairable "1" values Σ n1
    o01: FloatArray  # Σ n1 n0 / (m − 1)
    pairs: FloatArray  # Σ m (m − 1) / 2
    disagreeing: FloatArray  # Σ n1 n0
    unit_disagreement: FloatArray  # Σ 2 n1 n0 / (m (m − 1))
    pi_sum: FloatArray  # Σ n1 / m over rated units
    coded: FloatArray


def _sums(g: _GroupSums) -> _Sums:
    size = g.a.shape[1]
    m = np.arange(size, dtype=np.float64)
    pair = (m >= 2).astype(np.float64)
    rated = (m >= 1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_m1 = np.where(m >= 2, 1.0 / (m - 1.0), 0.0)
        inv_pairs = np.where(m >= 2, 2.0 / (m * (m - 1.0)), 0.0)
        inv_m = np.where(m >= 1, 1.0 / m, 0.0)
    units = g.units.astype(np.float64)
    a = g.a.astype(np.float64)
    p = (g.a * np.arange(size, dtype=np.int64) - g.b).astype(np.float64)  # Σ n1 n0, exact
    n_codes = g.a.shape[0]

    def per_code(x: FloatArray) -> FloatArray:
        return np.broadcast_to(x, (n_codes,)).astype(np.float64)

    return _Sums(
        units=per_code(units @ pair),
        rated=per_code(units @ rated),
        n=per_code(units @ (m * pair)),
        n1=a @ pair,
        o01=p @ inv_m1,
        pairs=per_code(units @ (m * (m - 1.0) / 2.0 * pair)),
        disagreeing=p @ pair,
        unit_disagreement=p @ inv_pairs,
        pi_sum=a @ inv_m,
        coded=g.coded.astype(np.float64),
    )


@dataclass(frozen=True)
class _Coefficients:
    alpha: FloatArray
    observed_disagreement: FloatArray
    expected_disagreement: FloatArray
    percent_agreement: FloatArray
    fleiss_kappa: FloatArray
    gwet_ac1: FloatArray
    brennan_prediger: FloatArray
    undefined: list[str | None]


def _coefficients(s: _Sums) -> _Coefficients:
    n, n1 = s.n, s.n1
    n0 = n - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        d_o = np.where(n > 0, 2.0 * s.o01 / n, np.nan)
        d_e = np.where(n > 1, 2.0 * n1 * n0 / (n * (n - 1.0)), np.nan)
        alpha = np.where(d_e > 0, 1.0 - d_o / d_e, np.nan)
        percent = np.where(s.pairs > 0, 1.0 - s.disagreeing / s.pairs, np.nan)
        p_a = np.where(s.units > 0, 1.0 - s.unit_disagreement / s.units, np.nan)
        pi1 = np.where(s.rated > 0, s.pi_sum / s.rated, np.nan)
    undefined: list[str | None] = [
        NO_PAIRABLE_UNITS if units == 0 else NO_VARIATION if not de > 0 else None
        for units, de in zip(s.units.tolist(), d_e.tolist(), strict=True)
    ]
    return _Coefficients(
        alpha=alpha,
        observed_disagreement=d_o,
        expected_disagreement=d_e,
        percent_agreement=percent,
        fleiss_kappa=binary_fleiss_kappa(p_a, pi1),
        gwet_ac1=binary_gwet_ac1(p_a, pi1),
        brennan_prediger=binary_brennan_prediger(p_a),
        undefined=undefined,
    )


def _none_if_nan(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


@dataclass(frozen=True)
class PresenceSummary:
    """One summary row: ALL (pooled) or ALL (mean).

    Pooled: every sum over all codes, each code × unit a unit. Mean: each coefficient
    averaged over the ``codes`` where it is defined (``codes`` counts those with alpha);
    ``units`` and ``coded_units`` are totals over all codes.
    """

    alpha: float
    percent_agreement: float
    fleiss_kappa: float
    gwet_ac1: float
    brennan_prediger: float
    units: int
    coded_units: int
    codes: int
    undefined: str | None = None


@dataclass(frozen=True)
class AgreementRow:
    """One printable row; coefficients are ``None`` where undefined (``note`` says why)."""

    code: str
    alpha: float | None
    percent_agreement: float | None
    fleiss_kappa: float | None
    gwet_ac1: float | None
    brennan_prediger: float | None
    units: int
    coded_units: int
    note: str


@dataclass(frozen=True)
class PresenceAgreement:
    """Per-code agreement arrays (index = code), plus the pooled and mean rows.

    Coefficients are ``nan`` where undefined; ``undefined[i]`` is then ``"no variation"``
    or ``"no pairable units"`` (about alpha; percent agreement can still be defined).
    """

    alpha: FloatArray
    observed_disagreement: FloatArray
    expected_disagreement: FloatArray
    percent_agreement: FloatArray
    fleiss_kappa: FloatArray
    gwet_ac1: FloatArray
    brennan_prediger: FloatArray
    units: IntArray  # pairable units
    coded_units: IntArray  # units where anyone applied the code
    pairable_values: IntArray  # n = Σ m over pairable units
    undefined: tuple[str | None, ...]
    pooled: PresenceSummary
    mean: PresenceSummary

    def rows(self, names: Sequence[str]) -> list[AgreementRow]:
        """Rows for a table: one per code (in ``names`` order), then pooled and mean."""
        if len(names) != len(self.alpha):
            raise ValueError("one name per code")
        out = [
            AgreementRow(
                name,
                _none_if_nan(self.alpha[i]),
                _none_if_nan(self.percent_agreement[i]),
                _none_if_nan(self.fleiss_kappa[i]),
                _none_if_nan(self.gwet_ac1[i]),
                _none_if_nan(self.brennan_prediger[i]),
                int(self.units[i]),
                int(self.coded_units[i]),
                self.undefined[i] or "",
            )
            for i, name in enumerate(names)
        ]
        for label, summary, note in (
            (POOLED, self.pooled, self.pooled.undefined or ""),
            (MEAN, self.mean, f"mean of {self.mean.codes} codes with alpha"),
        ):
            out.append(
                AgreementRow(
                    label,
                    _none_if_nan(summary.alpha),
                    _none_if_nan(summary.percent_agreement),
                    _none_if_nan(summary.fleiss_kappa),
                    _none_if_nan(summary.gwet_ac1),
                    _none_if_nan(summary.brennan_prediger),
                    summary.units,
                    summary.coded_units,
                    note,
                )
            )
        return out


def _nanmean(x: FloatArray) -> float:
    finite = x[~np.isnan(x)]
    return float(finite.mean()) if finite.size else math.nan


def presence_agreement(ones: npt.ArrayLike, raters: npt.ArrayLike) -> PresenceAgreement:
    """Nominal alpha, percent agreement, Fleiss' kappa, AC1 and B–P for every code at once.

    ``ones`` is codes × units (coders who applied the code), ``raters`` units or codes ×
    units (coders who coded the unit); see the module docstring for every definition.

    >>> import numpy as np
    >>> r = presence_agreement(np.array([[1, 2, 0, 2]]), np.array([2, 2, 2, 2]))
    >>> round(float(r.alpha[0]), 4), float(r.percent_agreement[0]), int(r.coded_units[0])
    (0.5333, 0.75, 3)
    """
    n1, m = validate_counts(ones, raters)
    groups = _group_sums(n1, m)
    sums = _sums(groups)
    per_code = _coefficients(sums)

    total = _Sums(*(np.array([x.sum()]) for x in vars(sums).values()))
    pooled = _coefficients(total)
    pooled_row = PresenceSummary(
        alpha=float(pooled.alpha[0]),
        percent_agreement=float(pooled.percent_agreement[0]),
        fleiss_kappa=float(pooled.fleiss_kappa[0]),
        gwet_ac1=float(pooled.gwet_ac1[0]),
        brennan_prediger=float(pooled.brennan_prediger[0]),
        units=int(total.units[0]),
        coded_units=int(total.coded[0]),
        codes=int(n1.shape[0]),
        undefined=pooled.undefined[0],
    )
    with_alpha = int((~np.isnan(per_code.alpha)).sum())
    mean_row = PresenceSummary(
        alpha=_nanmean(per_code.alpha),
        percent_agreement=_nanmean(per_code.percent_agreement),
        fleiss_kappa=_nanmean(per_code.fleiss_kappa),
        gwet_ac1=_nanmean(per_code.gwet_ac1),
        brennan_prediger=_nanmean(per_code.brennan_prediger),
        units=int(total.units[0]),
        coded_units=int(total.coded[0]),
        codes=with_alpha,
        undefined=None if with_alpha else NO_VARIATION,
    )
    return PresenceAgreement(
        alpha=per_code.alpha,
        observed_disagreement=per_code.observed_disagreement,
        expected_disagreement=per_code.expected_disagreement,
        percent_agreement=per_code.percent_agreement,
        fleiss_kappa=per_code.fleiss_kappa,
        gwet_ac1=per_code.gwet_ac1,
        brennan_prediger=per_code.brennan_prediger,
        units=np.rint(sums.units).astype(np.int64),
        coded_units=groups.coded,
        pairable_values=np.rint(sums.n).astype(np.int64),
        undefined=tuple(per_code.undefined),
        pooled=pooled_row,
        mean=mean_row,
    )
