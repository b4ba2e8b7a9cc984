"""Agreement on unitizing: coders marking free spans of a continuum (characters of a text).

Input: for each coder a list of spans ``(start, end, category)``, half-open ``[start, end)``,
on a continuum ``[begin, end)``; several transcripts are laid end to end as one continuum.
Everything a coder did not mark is a *gap*. Two definitions are implemented.

**alpha-U** (:func:`alpha_u`; Krippendorff 1995, "On the reliability of unitizing contiguous
data", *Sociological Methodology* 25; Krippendorff 2004, *Content Analysis*, 2nd ed.,
pp. 251–256). Each category ``c`` is assessed on its own. For category ``c``, coder ``i``
partitions the continuum into *sections* ``g`` with beginning ``b_g``, length ``l_g`` and
``w_g = 1`` for a unit of ``c`` (a span) or ``w_g = 0`` for a gap. With ``m`` coders and
continuum length ``L``, the squared distance of section ``g`` (coder ``i``) and ``h`` (coder
``j``) is

* ``(b_g − b_h)² + (b_g + l_g − b_h − l_h)²`` if both are units and they overlap;
* ``l_g²`` if ``g`` is a unit inside the gap ``h``; ``l_h²`` if ``h`` is a unit inside the gap
  ``g``;
* ``0`` otherwise (two gaps, or sections that do not meet);

observed disagreement ``D_oc = Σ_i Σ_{j≠i} Σ_g Σ_h δ²_gh / (m (m − 1) L²)``, and expected
disagreement, over the ``N_c`` units of ``c`` of all coders and all coders' gaps ``γ``::

    D_ec = (2/L) Σ_units [ (N_c − 1)/3 · (2l³ − 3l² + l) + l² Σ_{γ ≥ l} (γ − l + 1) ]
           / ( mL (mL − 1) − Σ_units l (l − 1) )

``alpha_c = 1 − D_oc / D_ec``; over all categories ``alpha = 1 − Σ_c D_oc / Σ_c D_ec``.
This reproduces Krippendorff's (2004, p. 254) example (category c: ``D_o = .0144``,
``D_e = .0532``, ``alpha = .7286``; k: ``1.000``, ``D_e = .0490``) and matches DKPro
Statistics' ``KrippendorffAlphaUnitizingAgreement``. The book's overall ``.8591`` is
``1 − .0144 / (.0532 + .0490)``, from the rounded disagreements; unrounded, the same formula
gives ``.8587`` (``D_oc = 13/900`` exactly), which is what is returned. A coder's units of
one category must not overlap (``overlapping="merge"`` unites overlapping ones first);
different categories may overlap, as codes in qualitative coding do.

**u-alpha and |u-alpha** (:func:`u_alpha`; Krippendorff, Mathet, Bouvry & Widlöcher 2016,
"On the reliability of unitizing textual continua: Further developments", *Quality &
Quantity* 50, eqs. 1, 4, 5 and 6). Every coder's spans and gaps partition the continuum,
each section carrying a value (its category, or ∅ for a gap). The observed coincidence of
values ``c`` and ``k`` is the length over which one coder's ``c`` meets another's ``k``::

    l_ck = 1/(m − 1) Σ_i Σ_{j≠i} Σ_{g ∈ i: c} Σ_{h ∈ j: k} |g ∩ h|,     l.. = mL,

and the expected coincidences, where a unit of length ``l`` cannot pair with itself in
``l²`` ways but a gap is divisible at every point (so contributes ``l``)::

    e_ck = l.. (l_c. l_.k − [c = k] Σ_{sections of value c} s_g) / (l..² − Σ_all s_g),
    s_g = l_g² for units,  s_g = l_g for gaps.

``u-alpha = 1 − (l.. − Σ_c l_cc) / (l.. − Σ_c e_cc)`` (nominal), and ``|u-alpha`` (valued
versus gap, all categories together) ``= 1 − Σ_{k≠∅} l_∅k / Σ_{k≠∅} e_∅k``. With one
category the two are equal. u-alpha needs each coder's spans to partition the continuum,
so a coder's spans must not overlap at all: when codes overlap (as they usually do), call it
per code. The 2016 paper's cu-alpha and (k)u-alpha are not implemented: no published worked
example was found to check them against.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "AlphaUResult",
    "CategoryAlphaU",
    "Span",
    "UAlphaResult",
    "alpha_u",
    "u_alpha",
]

Span = tuple[int, int, Hashable]  # (start, end, category), half-open [start, end)
NO_UNITS = "no units"
NO_VARIATION = "no variation"
TOO_FEW_CODERS = "fewer than two coders"


@dataclass(frozen=True)
class CategoryAlphaU:
    """alpha-U of one category; ``alpha`` is ``nan`` when undefined (``undefined`` says why)."""

    category: Hashable
    alpha: float
    observed_disagreement: float  # D_oc
    expected_disagreement: float  # D_ec
    units: int  # N_c: spans of this category, all coders together
    undefined: str | None = None


@dataclass(frozen=True)
class AlphaUResult:
    """Krippendorff's alpha-U: overall (``1 − Σ D_oc / Σ D_ec``) and per category."""

    alpha: float
    observed_disagreement: float  # Σ_c D_oc
    expected_disagreement: float  # Σ_c D_ec
    categories: tuple[CategoryAlphaU, ...]
    coders: int
    length: int
    undefined: str | None = None

    def category(self, name: Hashable) -> CategoryAlphaU:
        """The result for one category."""
        for item in self.categories:
            if item.category == name:
                return item
        raise KeyError(name)


def _sorted_categories(found: set[Hashable]) -> list[Hashable]:
    try:
        return sorted(found)  # type: ignore[type-var]
    except TypeError:
        return sorted(found, key=repr)


def _validate(
    spans_by_coder: Sequence[Sequence[Span]], begin: int, end: int
) -> list[list[tuple[int, int, Hashable]]]:
    if end <= begin:
        raise ValueError("the continuum must have positive length (end > begin)")
    coders: list[list[tuple[int, int, Hashable]]] = []
    for i, spans in enumerate(spans_by_coder):
        checked = []
        for span in spans:
            start, stop, category = int(span[0]), int(span[1]), span[2]
            if not begin <= start < stop <= end:
                raise ValueError(
                    f"coder {i}: span ({span[0]}, {span[1]}) is empty or outside "
                    f"the continuum [{begin}, {end})"
                )
            checked.append((start, stop, category))
        coders.append(sorted(checked, key=lambda s: (s[0], s[1])))
    return coders


def _units_by_category(
    spans: list[tuple[int, int, Hashable]], overlapping: str, coder: int
) -> dict[Hashable, list[tuple[int, int]]]:
    """A coder's spans (sorted by start) as units per category; overlaps refused or merged."""
    units: dict[Hashable, list[tuple[int, int]]] = {}
    for start, stop, category in spans:
        found = units.setdefault(category, [])
        if found and start < found[-1][1]:
            if overlapping != "merge":
                raise ValueError(
                    f"coder {coder}: spans of {category!r} overlap at {start}–{found[-1][1]}; "
                    "alpha-U needs non-overlapping units (pass overlapping='merge' to unite "
                    "them)"
                )
            found[-1] = (found[-1][0], max(found[-1][1], stop))
        else:
            found.append((start, stop))
    return units


def _sections(units: list[tuple[int, int]], begin: int, end: int) -> list[tuple[int, int, bool]]:
    """Units and the gaps between them as ``(start, end, is_unit)``, covering the continuum."""
    out: list[tuple[int, int, bool]] = []
    pos = begin
    for start, stop in units:
        if start > pos:
            out.append((pos, start, False))
        out.append((start, stop, True))
        pos = stop
    if pos < end:
        out.append((pos, end, False))
    return out


def _distance(g: tuple[int, int, bool], h: tuple[int, int, bool]) -> int:
    """Squared distance of two overlapping sections (Krippendorff 2004, p. 253)."""
    (bg, eg, ug), (bh, eh, uh) = g, h
    if ug and uh:
        return (bg - bh) ** 2 + (eg - eh) ** 2
    if ug and not uh:
        return (eg - bg) ** 2 if bh <= bg and eg <= eh else 0
    if uh and not ug:
        return (eh - bh) ** 2 if bg <= bh and eh <= eg else 0
    return 0


def _pair_disagreement(a: list[tuple[int, int, bool]], b: list[tuple[int, int, bool]]) -> int:
    """``Σ_g Σ_h δ²_gh`` over the overlapping sections of two coders (a merge of partitions)."""
    total = 0
    i = j = 0
    while i < len(a) and j < len(b):
        total += _distance(a[i], b[j])
        if a[i][1] < b[j][1]:
            i += 1
        elif b[j][1] < a[i][1]:
            j += 1
        else:
            i += 1
            j += 1
    return total


def _category_alpha_u(
    sections: list[list[tuple[int, int, bool]]], category: Hashable, length: int
) -> CategoryAlphaU:
    m = len(sections)
    unit_lengths = [e - b for secs in sections for b, e, u in secs if u]
    gaps = sorted(e - b for secs in sections for b, e, u in secs if not u)
    n_c = len(unit_lengths)
    observed = 0
    for i in range(m):
        for j in range(i + 1, m):
            observed += 2 * _pair_disagreement(sections[i], sections[j])
    d_o = observed / (m * (m - 1) * length * length)
    # suffix sums of the sorted gaps: Σ_{γ ≥ l} γ and their count
    suffix = [0] * (len(gaps) + 1)
    for k in range(len(gaps) - 1, -1, -1):
        suffix[k] = suffix[k + 1] + gaps[k]
    numerator = 0
    for ell in unit_lengths:
        k = bisect.bisect_left(gaps, ell)
        fits = len(gaps) - k
        within = suffix[k] - (ell - 1) * fits  # Σ_{γ ≥ l} (γ − l + 1)
        numerator += (n_c - 1) * (ell * (ell - 1) * (2 * ell - 1)) // 3 + ell * ell * within
    denominator = m * length * (m * length - 1) - sum(ell * (ell - 1) for ell in unit_lengths)
    d_e = 2 * numerator / (length * denominator) if denominator > 0 else 0.0
    if n_c == 0:
        return CategoryAlphaU(category, math.nan, d_o, d_e, 0, NO_UNITS)
    if d_e == 0:
        return CategoryAlphaU(category, math.nan, d_o, d_e, n_c, NO_VARIATION)
    return CategoryAlphaU(category, 1.0 - d_o / d_e, d_o, d_e, n_c)


def alpha_u(
    spans_by_coder: Sequence[Sequence[Span]],
    begin: int,
    end: int,
    *,
    categories: Sequence[Hashable] | None = None,
    overlapping: Literal["error", "merge"] = "error",
) -> AlphaUResult:
    """Krippendorff's (1995, 2004) alpha-U per category and overall (module docstring).

    ``spans_by_coder[i]`` holds coder ``i``'s spans ``(start, end, category)`` on
    ``[begin, end)``; a coder with no spans marked nothing (all gap) and still counts.
    ``categories`` fixes the categories reported and their order (default: those used, in
    sorted order; spans of other categories are then ignored); a category nobody used gets
    ``alpha = nan`` (``"no units"``). A coder's overlapping spans of one category are an
    error unless ``overlapping="merge"``. Several documents: lay them end to end on one
    continuum (offset each document's spans by the length of those before it).

    >>> r = alpha_u([[(225, 295, "c"), (370, 400, "c"), (180, 240, "k"), (300, 350, "k")],
    ...              [(220, 300, "c"), (355, 375, "c"), (400, 420, "c"), (180, 240, "k"),
    ...               (300, 350, "k")]], 150, 450)
    >>> round(r.category("c").alpha, 4), round(r.alpha, 4)
    (0.7286, 0.8587)
    """
    if overlapping not in ("error", "merge"):
        raise ValueError("overlapping must be 'error' or 'merge'")
    coders = _validate(spans_by_coder, begin, end)
    length = end - begin
    if categories is None:
        cats = _sorted_categories({s[2] for spans in coders for s in spans})
    else:
        cats = list(categories)
    if len(coders) < 2:
        per = tuple(CategoryAlphaU(c, math.nan, math.nan, math.nan, 0, TOO_FEW_CODERS)
                    for c in cats)
        return AlphaUResult(math.nan, math.nan, math.nan, per, len(coders), length,
                            TOO_FEW_CODERS)
    by_coder = [_units_by_category(spans, overlapping, i) for i, spans in enumerate(coders)]
    results = []
    for cat in cats:
        sections = [_sections(units.get(cat, []), begin, end) for units in by_coder]
        results.append(_category_alpha_u(sections, cat, length))
    d_o = sum(r.observed_disagreement for r in results if r.units)
    d_e = sum(r.expected_disagreement for r in results if r.units)
    if not any(r.units for r in results):
        return AlphaUResult(math.nan, d_o, d_e, tuple(results), len(coders), length, NO_UNITS)
    if d_e == 0:
        return AlphaUResult(math.nan, d_o, d_e, tuple(results), len(coders), length,
                            NO_VARIATION)
    return AlphaUResult(1.0 - d_o / d_e, d_o, d_e, tuple(results), len(coders), length)


@dataclass(frozen=True)
class UAlphaResult:
    """u-alpha and |u-alpha (2016), with the coincidence matrices behind them.

    ``values[0]`` is ``None`` (the gap, ∅); the other values are the categories in order.
    """

    u_alpha: float
    binary_u_alpha: float  # |u-alpha: units (any category) versus gaps
    values: tuple[Any, ...]
    observed: npt.NDArray[np.float64]  # l_ck
    expected: npt.NDArray[np.float64]  # e_ck
    coders: int
    length: int
    undefined: str | None = None


def u_alpha(
    spans_by_coder: Sequence[Sequence[Span]],
    begin: int,
    end: int,
    *,
    categories: Sequence[Hashable] | None = None,
) -> UAlphaResult:
    """u-alpha and |u-alpha of Krippendorff et al. (2016), nominal (module docstring).

    Each coder's spans must not overlap (they partition the continuum with the gaps); for
    overlapping codes, call this once per code with that code's spans. ``nan`` where a
    coefficient is undefined (fewer than two coders, no spans, or nothing but spans).
    """
    coders = _validate(spans_by_coder, begin, end)
    length = end - begin
    m = len(coders)
    found = {s[2] for spans in coders for s in spans}
    cats = _sorted_categories(found) if categories is None else list(categories)
    if found - set(cats):
        raise ValueError("a span's category is not in `categories`")
    index = {c: k + 1 for k, c in enumerate(cats)}
    values: tuple[Any, ...] = (None, *cats)
    size = len(values)
    for i, spans in enumerate(coders):
        for (_s0, e0, _), (s1, _e1, _) in itertools.pairwise(spans):
            if s1 < e0:
                raise ValueError(
                    f"coder {i}: spans overlap at {s1}–{e0}; u-alpha needs each coder's spans "
                    "to partition the continuum (compute it per code instead)"
                )
    if m < 2:
        empty = np.zeros((size, size))
        return UAlphaResult(math.nan, math.nan, values, empty, empty, m, length, TOO_FEW_CODERS)

    points = sorted({begin, end, *(p for spans in coders for s in spans for p in s[:2])})
    starts = np.asarray(points[:-1], dtype=np.int64)
    widths = np.diff(np.asarray(points, dtype=np.int64)).astype(np.float64)
    counts = np.zeros((len(starts), size))
    squares = np.zeros(size)  # Σ s_g per value
    for spans in coders:
        value = np.zeros(len(starts), dtype=np.int64)  # 0: gap
        covered = 0
        for start, stop, cat in spans:
            lo = bisect.bisect_left(points, start)
            hi = bisect.bisect_left(points, stop)
            value[lo:hi] = index[cat]
            squares[index[cat]] += (stop - start) ** 2
            covered += stop - start
        squares[0] += length - covered  # gaps are divisible: s = l
        counts[np.arange(len(starts)), value] += 1.0
    observed = (counts * widths[:, np.newaxis]).T @ counts
    observed -= np.diag(counts.T @ widths)
    observed /= m - 1
    total = float(m * length)
    margins = observed.sum(axis=0)
    expected = np.outer(margins, margins) - np.diag(squares)
    expected *= total / (total * total - squares.sum())
    d_o = total - float(np.trace(observed))
    d_e = total - float(np.trace(expected))
    ua = 1.0 - d_o / d_e if d_e > 0 else math.nan
    gap_o = float(observed[0, 1:].sum())
    gap_e = float(expected[0, 1:].sum())
    bua = 1.0 - gap_o / gap_e if gap_e > 0 else math.nan
    undefined = None if not math.isnan(ua) else (NO_UNITS if not found else NO_VARIATION)
    return UAlphaResult(ua, bua, values, observed, expected, m, length, undefined)
