"""Unitizing agreement (qualcode.stats.unitizing): alpha-U (1995/2004) and u-alpha (2016)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.stats.alpha import coincidence_matrix
from qualcode.stats.unitizing import alpha_u, u_alpha


def spans(*items: tuple[int, int, str]) -> list[tuple[int, int, str]]:
    """(offset, length, category) as printed by Krippendorff → (start, end, category)."""
    return [(offset, offset + length, cat) for offset, length, cat in items]


# Krippendorff (2004, p. 254): continuum starting at 150, length 300
CODER_0 = spans((225, 70, "c"), (370, 30, "c"), (180, 60, "k"), (300, 50, "k"))
CODER_1 = spans((220, 80, "c"), (355, 20, "c"), (400, 20, "c"), (180, 60, "k"), (300, 50, "k"))


def test_krippendorff_2004_p254() -> None:
    result = alpha_u([CODER_0, CODER_1], 150, 450)
    c = result.category("c")
    assert round(c.observed_disagreement, 4) == 0.0144
    assert round(c.expected_disagreement, 4) == 0.0532
    assert round(c.alpha, 4) == 0.7286
    k = result.category("k")
    assert round(k.alpha, 3) == 1.000
    assert k.observed_disagreement == 0.0
    assert round(k.expected_disagreement, 4) == 0.0490  # implied by the published overall
    # Overall: the book prints .8591 = 1 − .0144 / (.0532 + .0490), from the rounded
    # disagreements above; unrounded, 1 − Σ D_o / Σ D_e = 1 − 0.014444 / 0.102200 = .8587.
    rounded = [round(x.observed_disagreement, 4) for x in result.categories]
    rounded_e = [round(x.expected_disagreement, 4) for x in result.categories]
    assert round(1 - sum(rounded) / sum(rounded_e), 4) == 0.8591
    assert result.alpha == pytest.approx(
        1 - result.observed_disagreement / result.expected_disagreement
    )
    assert round(result.alpha, 4) == 0.8587
    # exact: D_oc = 2 · 1300 / (2 · 1 · 300²)
    assert c.observed_disagreement == pytest.approx(1300 / 90000, abs=1e-15)


def test_krippendorff_1995_observed_disagreements() -> None:
    # Krippendorff (1995, p. 57), two coders on 24 positions, four separate variables
    # (values as asserted by DKPro Statistics' test of the example)
    data = {
        "A": ([(2, 8), (14, 6)], [(4, 4), (15, 2)], 0.03125),
        "B": ([(0, 18)], [(0, 2), (2, 1), (3, 1), (4, 1), (5, 1), (6, 3), (9, 1)], 2.26736),
        "C": ([(2, 6), (10, 2), (14, 4), (20, 2)],
              [(0, 2), (4, 4), (10, 4), (16, 2), (20, 2)], 0.02778),
        "D": ([(0, 2), (2, 8), (10, 4), (14, 6), (20, 4)],
              [(0, 4), (4, 4), (8, 7), (15, 2), (17, 7)], 0.38715),
    }
    for name, (first, second, observed) in data.items():
        coders = [spans(*((o, n, name) for o, n in first)),
                  spans(*((o, n, name) for o, n in second))]
        got = alpha_u(coders, 0, 24).category(name).observed_disagreement
        assert got == pytest.approx(observed, abs=5e-6)


def test_undefined_and_bad_input() -> None:
    result = alpha_u([[(0, 5, "a")], []], 0, 10, categories=["a", "b"])
    assert result.category("b").undefined == "no units"
    assert math.isnan(result.category("b").alpha)
    assert not math.isnan(result.alpha)  # category b adds nothing to the sums
    assert alpha_u([[(0, 5, "a")]], 0, 10).undefined == "fewer than two coders"
    with pytest.raises(ValueError, match="outside"):
        alpha_u([[(5, 12, "a")], []], 0, 10)
    with pytest.raises(ValueError, match="empty"):
        alpha_u([[(5, 5, "a")], []], 0, 10)
    with pytest.raises(ValueError, match="overlap"):
        alpha_u([[(0, 5, "a"), (3, 8, "a")], []], 0, 10)
    merged = alpha_u([[(0, 5, "a"), (3, 8, "a")], [(0, 8, "a")]], 0, 10, overlapping="merge")
    assert merged.alpha == 1.0
    # different categories may overlap in alpha-U (each is assessed on its own) …
    assert alpha_u([[(0, 5, "a"), (3, 8, "b")], [(0, 5, "a"), (3, 8, "b")]], 0, 10).alpha == 1.0
    # … but not in u-alpha, which needs a partition
    with pytest.raises(ValueError, match="per code"):
        u_alpha([[(0, 5, "a"), (3, 8, "b")], []], 0, 10)


# --------------------------------------------------------------------------------------
# Properties of both definitions
# --------------------------------------------------------------------------------------


@st.composite
def unitizations(draw: st.DrawFn) -> tuple[list[tuple[int, int, str]], int]:
    """One coder's non-overlapping spans of categories a/b on [0, length): at least one span
    and at least one gap (with no gap at all, u-alpha has no variation to speak of)."""
    length = draw(st.integers(20, 400))
    cuts = sorted(draw(st.sets(st.integers(1, length - 1), min_size=2, max_size=12)))
    points = [0, *cuts, length]
    out = []
    for start, end in itertools.pairwise(points):
        if draw(st.booleans()):
            out.append((start, end, draw(st.sampled_from("ab"))))
    if not out:
        out.append((points[1], points[2], "a"))
    if sum(e - b for b, e, _ in out) == length:
        out.pop()
    return out, length


def both(coders: list[list[tuple[int, int, str]]], length: int) -> tuple[float, float]:
    return alpha_u(coders, 0, length).alpha, u_alpha(coders, 0, length).u_alpha


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=unitizations(), coders=st.integers(2, 4))
def test_perfect_agreement_gives_one(data: tuple[list, int], coders: int) -> None:
    units, length = data
    for value in both([list(units)] * coders, length):
        assert value == pytest.approx(1.0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(length=st.integers(120, 2000), start=st.integers(1, 50), size=st.integers(20, 60))
def test_a_span_shifted_by_one_character_lowers_it_slightly(
    length: int, start: int, size: int
) -> None:
    first = [(start, start + size, "a")]
    by_one = both([first, [(start + 1, start + size + 1, "a")]], length)
    by_two = both([first, [(start + 2, start + size + 2, "a")]], length)
    for one, two in zip(by_one, by_two, strict=True):
        assert 0.8 < one < 1.0
        assert two < one


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extra=st.integers(1, 2000), size=st.integers(1, 30), gap=st.integers(0, 20))
def test_disjoint_spans_give_at_most_zero(extra: int, size: int, gap: int) -> None:
    length = 2 * size + gap + extra
    first = [(0, size, "a")]
    second = [(size + gap, 2 * size + gap, "a")]
    for value in both([first, second], length):
        assert value <= 0.0


def brute_force_u_alpha(coders: list[list[tuple[int, int, str]]], length: int) -> float:
    """u-alpha from its definition, one character at a time."""
    cats = sorted({c for spans_ in coders for _, _, c in spans_})
    index = {c: i + 1 for i, c in enumerate(cats)}
    per_char = np.zeros((length, len(cats) + 1))
    s = np.zeros(len(cats) + 1)
    for spans_ in coders:
        value = np.zeros(length, dtype=int)
        for start, end, c in spans_:
            value[start:end] = index[c]
            s[index[c]] += (end - start) ** 2
        s[0] += (value == 0).sum()
        per_char[np.arange(length), value] += 1
    observed = coincidence_matrix(per_char)  # characters are the units: l_ck
    total = len(coders) * length
    margin = observed.sum(axis=0)
    expected = total * (np.outer(margin, margin) - np.diag(s)) / (total**2 - s.sum())
    return 1 - (total - np.trace(observed)) / (total - np.trace(expected))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.lists(unitizations(), min_size=2, max_size=4))
def test_u_alpha_equals_its_character_level_definition(data: list) -> None:
    length = min(n for _, n in data)
    coders = [[s for s in units if s[1] <= length] for units, _ in data]
    result = u_alpha(coders, 0, length)
    expected = brute_force_u_alpha(coders, length)
    if math.isnan(expected):
        assert math.isnan(result.u_alpha)
    else:
        assert result.u_alpha == pytest.approx(expected, abs=1e-9)
    # one category: u-alpha and |u-alpha coincide
    single = [[(s, e, "x") for s, e, _ in units] for units in coders]
    one = u_alpha(single, 0, length)
    if not math.isnan(one.u_alpha):
        assert one.binary_u_alpha == pytest.approx(one.u_alpha, abs=1e-12)
    # the order of coders does not matter
    assert alpha_u(coders[::-1], 0, length).alpha == pytest.approx(
        alpha_u(coders, 0, length).alpha, nan_ok=True
    )
