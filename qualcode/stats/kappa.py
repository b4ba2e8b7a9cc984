"""Kappa-type agreement coefficients: two coders, many coders, and all codes at once.

Every coefficient has the form ``(p_a − p_e) / (1 − p_e)``: observed agreement ``p_a``
corrected by an agreement expected by chance ``p_e``; they differ in ``p_e``. Each returns
``nan`` when undefined (no units to compare, or ``p_e = 1``).

**Two coders**, from a contingency table ``T`` (rows coder 1, columns coder 2, ``N = ΣT``,
``p_kl = T_kl / N``, row and column margins ``p_k+`` and ``p_+k``, ``q`` categories):

* ``p_a = Σ_k p_kk``;
* Cohen's kappa (Cohen 1960): ``p_e = Σ_k p_k+ p_+k``;
* Scott's pi (Scott 1955): ``p_e = Σ_k π_k²`` with ``π_k = (p_k+ + p_+k)/2``;
* Gwet's AC1 (Gwet 2008): ``p_e = Σ_k π_k (1 − π_k) / (q − 1)``;
* Brennan–Prediger (1981): ``p_e = 1/q``.

``q`` is the number of categories of the coding scheme (the codebook), which may exceed
those observed: pass ``n_categories``; the table functions default to the table's size.

**Many coders**, from per-unit category counts ``r_ik`` (units × categories; ``r_i = Σ_k
r_ik`` coders rated unit ``i``; the number may differ between units). Following Gwet
(*Handbook of Inter-Rater Reliability*, 4th ed., 2014, ch. 2 and 4; his R package irrCAC),
the generalisation for unequal numbers of raters takes each unit's own ``r_i``:

* ``p_a = (1/n₂) Σ_{i: r_i ≥ 2} Σ_k r_ik (r_ik − 1) / (r_i (r_i − 1))`` — the mean over the
  ``n₂`` units with at least two ratings of the share of agreeing rater pairs;
* ``π_k = (1/n₁) Σ_{i: r_i ≥ 1} r_ik / r_i`` — the mean over the ``n₁`` rated units of the
  share of ratings in category ``k``;
* Fleiss' kappa (Fleiss 1971): ``p_e = Σ_k π_k²``;
* Randolph's free-marginal kappa = Brennan–Prediger: ``p_e = 1/q``;
* Gwet's AC1: ``p_e = Σ_k π_k (1 − π_k) / (q − 1)``;
* Fleiss' kappa for category ``k`` (Fleiss 1971, eq. 10 — his
  ``1 − Σ_i x_ik (m − x_ik) / (N m (m − 1) p_k q_k)``) is Fleiss' kappa of the data collapsed
  to ``k`` versus not-``k``; that is how it is computed here, which extends it to unequal
  raters the same way.

With the same number of raters on every unit these are exactly Fleiss' (1971) formulas.

**All codes at once** (presence/absence: two categories, 1 and 0) take per code ``p_a`` and
``π₁`` arrays (see :mod:`qualcode.stats.presence`, which computes them in one pass):
:func:`binary_fleiss_kappa`, :func:`binary_gwet_ac1`, :func:`binary_brennan_prediger`; and
two coders' per-code 2 × 2 tables: :func:`binary_cohen_kappa`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from qualcode.stats.alpha import alpha_from_coincidences
from qualcode.stats.counts import is_missing, value_counts

__all__ = [
    "Contingency",
    "MultiraterAgreement",
    "binary_brennan_prediger",
    "binary_cohen_kappa",
    "binary_fleiss_kappa",
    "binary_gwet_ac1",
    "brennan_prediger",
    "brennan_prediger_table",
    "chance_corrected",
    "cohen_kappa",
    "cohen_kappa_table",
    "conger_kappa",
    "contingency_table",
    "fleiss_kappa",
    "fleiss_kappa_per_category",
    "gwet_ac1",
    "gwet_ac1_table",
    "krippendorff_alpha_table",
    "mean_pairwise_cohen_kappa",
    "multirater_agreement",
    "scott_pi",
    "scott_pi_table",
]

FloatArray = npt.NDArray[np.float64]


def chance_corrected(p_a: float, p_e: float) -> float:
    """``(p_a − p_e) / (1 − p_e)``; ``nan`` when ``p_a`` is nan or ``p_e = 1``."""
    if math.isnan(p_a) or math.isnan(p_e) or p_e >= 1.0:
        return math.nan
    return (p_a - p_e) / (1.0 - p_e)


# --------------------------------------------------------------------------------------
# Two coders
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contingency:
    """``table[k, l]``: units coder 1 put in ``categories[k]`` and coder 2 in ``categories[l]``."""

    table: npt.NDArray[np.int64]
    categories: list[Any]


def contingency_table(
    labels1: Sequence[object] | npt.ArrayLike,
    labels2: Sequence[object] | npt.ArrayLike,
    categories: Sequence[Hashable] | None = None,
) -> Contingency:
    """Cross-tabulate two coders' labels; a unit missing (``None``/NaN) for either is dropped.

    ``categories`` fixes the rows/columns and their order (default: the sorted labels seen).
    """
    a = list(np.asarray(labels1, dtype=object).ravel())
    b = list(np.asarray(labels2, dtype=object).ravel())
    if len(a) != len(b):
        raise ValueError("the two coders must have one label per unit each")
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if not (is_missing(x) or is_missing(y))]
    if categories is None:
        seen = {x for pair in pairs for x in pair}
        try:
            cats: list[Any] = sorted(seen)
        except TypeError:
            cats = sorted(seen, key=repr)
    else:
        cats = list(categories)
    index = {c: i for i, c in enumerate(cats)}
    table = np.zeros((len(cats), len(cats)), dtype=np.int64)
    for x, y in pairs:
        try:
            table[index[x], index[y]] += 1
        except KeyError as exc:
            raise ValueError(f"label {exc.args[0]!r} is not in `categories`") from None
    return Contingency(table, cats)


def _proportions(table: npt.ArrayLike) -> tuple[FloatArray, float]:
    t = np.asarray(table, dtype=np.float64)
    if t.ndim != 2 or t.shape[0] != t.shape[1]:
        raise ValueError("a contingency table is square: categories × categories")
    n = float(t.sum())
    return (t / n if n > 0 else t), n


def _n_categories(table_size: int, n_categories: int | None) -> int:
    q = table_size if n_categories is None else n_categories
    if q < table_size:
        raise ValueError(f"n_categories={q} is fewer than the table's {table_size} categories")
    if q < 2:
        raise ValueError("agreement needs at least two categories")
    return q


def cohen_kappa_table(table: npt.ArrayLike) -> float:
    """Cohen's kappa from a two-coder contingency table: ``p_e = Σ_k p_k+ p_+k``."""
    p, n = _proportions(table)
    if n == 0:
        return math.nan
    return chance_corrected(float(np.trace(p)), float(p.sum(axis=1) @ p.sum(axis=0)))


def scott_pi_table(table: npt.ArrayLike) -> float:
    """Scott's pi from a two-coder contingency table: ``p_e = Σ_k ((p_k+ + p_+k)/2)²``."""
    p, n = _proportions(table)
    if n == 0:
        return math.nan
    pi = (p.sum(axis=1) + p.sum(axis=0)) / 2.0
    return chance_corrected(float(np.trace(p)), float(pi @ pi))


def gwet_ac1_table(table: npt.ArrayLike, n_categories: int | None = None) -> float:
    """Gwet's AC1 from a two-coder table: ``p_e = Σ_k π_k (1 − π_k) / (q − 1)``."""
    p, n = _proportions(table)
    if n == 0:
        return math.nan
    q = _n_categories(p.shape[0], n_categories)
    pi = (p.sum(axis=1) + p.sum(axis=0)) / 2.0
    return chance_corrected(float(np.trace(p)), float((pi * (1.0 - pi)).sum()) / (q - 1))


def brennan_prediger_table(table: npt.ArrayLike, n_categories: int | None = None) -> float:
    """Brennan–Prediger coefficient from a two-coder table: ``p_e = 1/q``."""
    p, n = _proportions(table)
    if n == 0:
        return math.nan
    q = _n_categories(p.shape[0], n_categories)
    return chance_corrected(float(np.trace(p)), 1.0 / q)


def krippendorff_alpha_table(table: npt.ArrayLike) -> float:
    """Krippendorff's nominal alpha of two coders from their table (coincidences ``T + Tᵀ``)."""
    t = np.asarray(table, dtype=np.float64)
    return alpha_from_coincidences(t + t.T, metric="nominal").alpha


def cohen_kappa(
    labels1: Sequence[object] | npt.ArrayLike,
    labels2: Sequence[object] | npt.ArrayLike,
    categories: Sequence[Hashable] | None = None,
) -> float:
    """Cohen's kappa of two coders' labels (units missing for either coder are dropped)."""
    return cohen_kappa_table(contingency_table(labels1, labels2, categories).table)


def scott_pi(
    labels1: Sequence[object] | npt.ArrayLike,
    labels2: Sequence[object] | npt.ArrayLike,
    categories: Sequence[Hashable] | None = None,
) -> float:
    """Scott's pi of two coders' labels (units missing for either coder are dropped)."""
    return scott_pi_table(contingency_table(labels1, labels2, categories).table)


# --------------------------------------------------------------------------------------
# Many coders, from per-unit category counts
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MultiraterAgreement:
    """``p_a`` and ``π_k`` of the multi-rater generalisation (see the module docstring)."""

    p_a: float  # nan when no unit has two ratings
    pi: FloatArray  # π_k per category
    units: int  # n₂: units with at least two ratings


def multirater_agreement(counts: npt.ArrayLike) -> MultiraterAgreement:
    """Observed agreement ``p_a`` and category shares ``π_k`` from units × categories counts."""
    r = np.asarray(counts, dtype=np.float64)
    if r.ndim != 2:
        raise ValueError("category counts must be two-dimensional: units × categories")
    ri = r.sum(axis=1)
    rated = ri >= 1
    two = ri >= 2
    pi = (
        (r[rated] / ri[rated, np.newaxis]).mean(axis=0)
        if rated.any()
        else np.full(r.shape[1], math.nan)
    )
    if not two.any():
        return MultiraterAgreement(math.nan, pi, 0)
    per_unit = (r[two] * (r[two] - 1.0)).sum(axis=1) / (ri[two] * (ri[two] - 1.0))
    return MultiraterAgreement(float(per_unit.mean()), pi, int(two.sum()))


def fleiss_kappa(counts: npt.ArrayLike) -> float:
    """Fleiss' kappa from per-unit category counts (units × categories).

    ``p_e = Σ_k π_k²``. Unequal numbers of raters per unit are allowed (Gwet's
    generalisation; see the module docstring); units with fewer than two ratings add to
    ``π_k`` only (one rating) or are ignored (none).

    >>> round(fleiss_kappa([[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
    ...     [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0],
    ...     [0, 2, 2, 3, 7]]), 6)
    0.209931
    """
    agreement = multirater_agreement(counts)
    return chance_corrected(agreement.p_a, float(agreement.pi @ agreement.pi))


def fleiss_kappa_per_category(counts: npt.ArrayLike) -> FloatArray:
    """Fleiss' kappa of each category against all others (Fleiss 1971, eq. 10).

    Column ``k`` of the result is Fleiss' kappa of the data collapsed to two categories,
    ``k`` and not-``k``; ``nan`` for a category nobody or everybody used.
    """
    r = np.asarray(counts, dtype=np.float64)
    if r.ndim != 2:
        raise ValueError("category counts must be two-dimensional: units × categories")
    ri = r.sum(axis=1)
    out = np.empty(r.shape[1])
    for k in range(r.shape[1]):
        out[k] = fleiss_kappa(np.column_stack((r[:, k], ri - r[:, k])))
    return out


def brennan_prediger(counts: npt.ArrayLike, *, n_categories: int) -> float:
    """Randolph's free-marginal multirater kappa (= Brennan–Prediger): ``p_e = 1/q``.

    ``n_categories`` (``q``) is the number of categories of the coding scheme, which may be
    more than the columns of ``counts`` (categories nobody used).
    """
    r = np.asarray(counts)
    q = _n_categories(r.shape[1], n_categories)
    return chance_corrected(multirater_agreement(r).p_a, 1.0 / q)


def gwet_ac1(counts: npt.ArrayLike, *, n_categories: int) -> float:
    """Gwet's AC1 for many raters: ``p_e = Σ_k π_k (1 − π_k) / (q − 1)``.

    ``n_categories`` (``q``) is the number of categories of the coding scheme (unused
    categories have ``π_k = 0`` and only change ``q``). Missing ratings as in the module
    docstring (Gwet 2014; irrCAC ``gwet.ac1.raw``).
    """
    r = np.asarray(counts)
    q = _n_categories(r.shape[1], n_categories)
    agreement = multirater_agreement(r)
    pi = agreement.pi
    return chance_corrected(agreement.p_a, float((pi * (1.0 - pi)).sum()) / (q - 1))


def conger_kappa(reliability_data: npt.ArrayLike | Sequence[Sequence[object]]) -> float:
    """Conger's (1980) kappa from a coders × units matrix (``None``/NaN = missing).

    ``p_a`` as for Fleiss; ``p_e = Σ_k (p̄_k² − s²_k / r)`` where ``p_gk`` is the share of
    the units coder ``g`` rated that it put in category ``k``, ``p̄_k`` its mean over the
    ``r`` coders and ``s²_k`` its variance across coders (denominator ``r − 1``); as Gwet's
    irrCAC ``conger.kappa.raw``. Coders who rated nothing are left out.
    """
    data = np.asarray(reliability_data)
    if data.ndim != 2:
        raise ValueError("reliability data must be two-dimensional: coders × units")
    vc = value_counts(data)
    per_coder = [
        value_counts(data[g : g + 1], vc.values).counts.sum(axis=0) for g in range(len(data))
    ]
    classif = np.asarray(per_coder, dtype=np.float64)
    classif = classif[classif.sum(axis=1) > 0]
    r = classif.shape[0]
    if r < 2:
        return math.nan
    p_gk = classif / classif.sum(axis=1, keepdims=True)
    mean = p_gk.mean(axis=0)
    var = p_gk.var(axis=0, ddof=1)
    p_e = float((mean**2 - var / r).sum())
    return chance_corrected(multirater_agreement(vc.counts).p_a, p_e)


def mean_pairwise_cohen_kappa(
    reliability_data: npt.ArrayLike | Sequence[Sequence[object]],
) -> float:
    """Mean of Cohen's kappa over all pairs of coders (coders × units matrix).

    Each pair is compared on the units both coded; a pair whose kappa is undefined (no
    common unit, or ``p_e = 1``) is left out of the mean; ``nan`` if every pair is.
    """
    data = np.asarray(reliability_data, dtype=object)
    if data.ndim != 2:
        raise ValueError("reliability data must be two-dimensional: coders × units")
    categories = list(value_counts(data).values)
    kappas = [
        cohen_kappa(data[i], data[j], categories)
        for i, j in itertools.combinations(range(data.shape[0]), 2)
    ]
    defined = [k for k in kappas if not math.isnan(k)]
    return float(np.mean(defined)) if defined else math.nan


# --------------------------------------------------------------------------------------
# Presence/absence, all codes at once
# --------------------------------------------------------------------------------------


def _binary(p_a: npt.ArrayLike, p_e: FloatArray) -> FloatArray:
    pa = np.asarray(p_a, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (pa - p_e) / (1.0 - p_e)
    return np.asarray(np.where(p_e < 1.0, out, np.nan), dtype=np.float64)


def binary_fleiss_kappa(p_a: npt.ArrayLike, pi1: npt.ArrayLike) -> FloatArray:
    """Fleiss' kappa per code for two categories: ``p_e = π₁² + (1 − π₁)²``.

    ``p_a`` and ``pi1`` (the share of "present" ratings, ``π₁``) are per-code arrays as in
    the module docstring; ``nan`` where ``p_a`` is nan or nobody/everybody applied the code.
    """
    p = np.asarray(pi1, dtype=np.float64)
    return _binary(p_a, p * p + (1.0 - p) * (1.0 - p))


def binary_gwet_ac1(p_a: npt.ArrayLike, pi1: npt.ArrayLike) -> FloatArray:
    """Gwet's AC1 per code for two categories: ``p_e = 2 π₁ (1 − π₁)``."""
    p = np.asarray(pi1, dtype=np.float64)
    return _binary(p_a, 2.0 * p * (1.0 - p))


def binary_brennan_prediger(p_a: npt.ArrayLike) -> FloatArray:
    """Brennan–Prediger per code for two categories: ``p_e = 1/2``, so ``2 p_a − 1``."""
    pa = np.asarray(p_a, dtype=np.float64)
    return _binary(pa, np.full(pa.shape, 0.5))


def binary_cohen_kappa(
    n11: npt.ArrayLike, n10: npt.ArrayLike, n01: npt.ArrayLike, n00: npt.ArrayLike
) -> FloatArray:
    """Cohen's kappa of two coders for every code at once, from their 2 × 2 tables.

    ``n11`` (both applied the code), ``n10`` (only coder 1), ``n01`` (only coder 2) and
    ``n00`` (neither) are per-code arrays over the units both coders coded. As
    :func:`cohen_kappa_table`: ``p_a = (n11 + n00)/N``, ``p_e = p₁ q₁ + (1 − p₁)(1 − q₁)``
    with ``p₁``, ``q₁`` each coder's share of "applied"; ``nan`` where ``N = 0`` or
    ``p_e = 1`` (both coders applied the code everywhere, or nowhere).
    """
    a = np.asarray(n11, dtype=np.float64)
    b = np.asarray(n10, dtype=np.float64)
    c = np.asarray(n01, dtype=np.float64)
    d = np.asarray(n00, dtype=np.float64)
    n = a + b + c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        p_a = (a + d) / n
        p1 = (a + b) / n
        q1 = (a + c) / n
        p_e = p1 * q1 + (1.0 - p1) * (1.0 - q1)
    return _binary(np.where(n > 0, p_a, np.nan), np.where(n > 0, p_e, 1.0))
