"""``qualcode agreement``: inter-rater agreement per code (or theme), and overall.

The reliability data come from :mod:`qualcode.services.agreement_data`; every coefficient is
computed by :mod:`qualcode.stats` (verified against published examples and the
``krippendorff`` package). Presence/absence is nominal data, so alpha is always nominal here.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.agreement_data import reliability_data, span_data

COLUMNS = (
    "code",
    "units",
    "alpha",
    "percent_agreement",
    "coded_units",
    "fleiss_kappa",
    "gwet_ac1",
    "alpha_low",
    "alpha_high",
)
EXTRA_COLUMNS = ("theme", "cohen_kappa", "brennan_prediger", "u_alpha", "rating", "note")
LEVELS = ("code", "theme")
UNITS = ("segment", "transcript", "span")
RELIABLE, TENTATIVE = 0.800, 0.667
RARE_UNITS = 10  # fewer units coded by anyone than this: alpha is too unstable to judge


def rating(alpha: float | None) -> str:
    """Krippendorff's norms: ≥ .800 reliable, .667–.800 tentative, below unreliable."""
    if alpha is None or math.isnan(alpha):
        return "undefined"
    if alpha >= RELIABLE:
        return "reliable"
    if alpha >= TENTATIVE:
        return "tentative"
    return "unreliable"


@dataclass
class AgreementRow:
    code: str
    units: int
    alpha: float | None
    percent_agreement: float | None = None
    coded_units: int | None = None
    fleiss_kappa: float | None = None
    gwet_ac1: float | None = None
    alpha_low: float | None = None
    alpha_high: float | None = None
    theme: str = ""
    cohen_kappa: float | None = None  # mean over coder pairs
    brennan_prediger: float | None = None
    u_alpha: float | None = None  # |u-alpha (Krippendorff et al. 2016), with --unit span
    note: str = ""
    pairs: dict[str, float | None] = field(default_factory=dict)
    overall: bool = False

    @property
    def rating(self) -> str:
        return rating(self.alpha)


@dataclass
class AgreementReport:
    coders: list[str]
    unit: str
    level: str
    units: int
    transcripts: list[str]
    rows: list[AgreementRow]
    pair_names: list[str]
    bootstrap: str = ""  # how the interval was made, when asked for
    notes: list[str] = field(default_factory=list)

    def columns(self) -> list[str]:
        return [*COLUMNS, *EXTRA_COLUMNS, *(f"kappa:{p}" for p in self.pair_names)]

    def table(self) -> list[tuple[Any, ...]]:
        """Rows in :meth:`columns` order, numbers rounded to 4 places."""
        out = []
        for row in self.rows:
            values: list[Any] = [
                row.code,
                row.units,
                _round(row.alpha),
                _round(row.percent_agreement),
                row.coded_units,
                _round(row.fleiss_kappa),
                _round(row.gwet_ac1),
                _round(row.alpha_low),
                _round(row.alpha_high),
                row.theme,
                _round(row.cohen_kappa),
                _round(row.brennan_prediger),
                _round(row.u_alpha),
                row.rating,
                row.note,
            ]
            values.extend(_round(row.pairs.get(p)) for p in self.pair_names)
            out.append(tuple(values))
        return out


def _round(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), 4)


def _none(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _pairwise_kappas(
    present: np.ndarray, done: np.ndarray, coders: list[str]
) -> tuple[list[str], np.ndarray]:
    """Cohen's kappa per code for each coder pair, on the units both coders finished."""
    from qualcode.stats.kappa import binary_cohen_kappa

    names: list[str] = []
    values = []
    for i, j in itertools.combinations(range(len(coders)), 2):
        both = done[i] & done[j]
        if not both.any():
            continue
        a = present[:, i, :][:, both]
        b = present[:, j, :][:, both]
        n11 = (a & b).sum(axis=1)
        n10 = (a & ~b).sum(axis=1)
        n01 = (~a & b).sum(axis=1)
        n00 = int(both.sum()) - n11 - n10 - n01
        names.append(f"{coders[i]}|{coders[j]}")
        values.append(binary_cohen_kappa(n11, n10, n01, n00))
    if not values:
        return [], np.empty((0, present.shape[0]))
    return names, np.vstack(values)


def agreement(
    session: Session,
    coders: str | None = None,
    codes: str | None = None,
    level: str = "code",
    unit: str = "segment",
    bootstrap: int = 0,
    seed: int | None = None,
    cluster: str = "unit",
) -> AgreementReport:
    """Agreement per code (or theme) and overall; see the module docstrings for definitions."""
    if level not in LEVELS:
        raise QualcodeError(f"--level {level}: choose code or theme")
    if unit not in UNITS:
        raise QualcodeError(f"--unit {unit}: choose segment, transcript or span")
    if bootstrap < 0:
        raise QualcodeError("--bootstrap: give a number of resamples, e.g. 1000")
    if cluster not in ("unit", "transcript"):
        raise QualcodeError(f"--cluster {cluster}: choose unit or transcript")
    if unit == "span":
        if bootstrap:
            raise QualcodeError(
                "--bootstrap works with --unit segment or transcript, not span; "
                "leave it out for unitizing agreement"
            )
        return _span_agreement(session, coders, codes, level)

    from qualcode.stats.presence import presence_agreement, presence_counts

    data = reliability_data(session, coders=coders, codes=codes, level=level, unit=unit)
    counts = presence_counts(data.present, data.done)
    result = presence_agreement(counts.ones, counts.raters)
    pair_names, kappas = _pairwise_kappas(data.present, data.done, data.coders)
    rows: list[AgreementRow] = []
    for i, code in enumerate(data.codes):
        coded = int(result.coded_units[i])
        notes = [result.undefined[i] or ""]
        if code.status != "active":
            notes.append(f"code is {code.status}")
        if 0 < coded < RARE_UNITS:
            notes.append(f"too rare to judge: {coded} unit(s) coded")
        pair_values = {p: _none(float(kappas[k, i])) for k, p in enumerate(pair_names)}
        defined = [v for v in pair_values.values() if v is not None]
        rows.append(
            AgreementRow(
                code=code.path,
                units=int(result.units[i]),
                alpha=_none(float(result.alpha[i])),
                percent_agreement=_none(float(result.percent_agreement[i])),
                coded_units=coded,
                fleiss_kappa=_none(float(result.fleiss_kappa[i])),
                gwet_ac1=_none(float(result.gwet_ac1[i])),
                theme=code.theme,
                cohen_kappa=sum(defined) / len(defined) if defined else None,
                brennan_prediger=_none(float(result.brennan_prediger[i])),
                note="; ".join(n for n in notes if n),
                pairs=pair_values,
            )
        )
    pooled, mean = result.pooled, result.mean
    mean_kappas = [r.cohen_kappa for r in rows if r.cohen_kappa is not None]
    overall = [
        AgreementRow(
            code="ALL (mean)",
            units=mean.units,
            alpha=_none(mean.alpha),
            percent_agreement=_none(mean.percent_agreement),
            coded_units=mean.coded_units,
            fleiss_kappa=_none(mean.fleiss_kappa),
            gwet_ac1=_none(mean.gwet_ac1),
            cohen_kappa=sum(mean_kappas) / len(mean_kappas) if mean_kappas else None,
            brennan_prediger=_none(mean.brennan_prediger),
            note=f"mean over the {mean.codes} {level}s with a defined alpha",
            overall=True,
        ),
        AgreementRow(
            code="ALL (pooled)",
            units=pooled.units,
            alpha=_none(pooled.alpha),
            percent_agreement=_none(pooled.percent_agreement),
            coded_units=pooled.coded_units,
            fleiss_kappa=_none(pooled.fleiss_kappa),
            gwet_ac1=_none(pooled.gwet_ac1),
            brennan_prediger=_none(pooled.brennan_prediger),
            note=f"one coincidence matrix over every {level} × unit",
            overall=True,
        ),
    ]
    report = AgreementReport(
        coders=data.coders,
        unit=unit,
        level=level,
        units=len(data.unit_labels),
        transcripts=data.transcripts,
        rows=rows + overall,
        pair_names=pair_names,
    )
    if bootstrap:
        _add_intervals(report, counts.ones, counts.raters, data.unit_transcript, bootstrap, seed,
                       cluster)  # fmt: skip
    return report


def _add_intervals(
    report: AgreementReport,
    ones: np.ndarray,
    raters: np.ndarray,
    unit_transcript: np.ndarray,
    draws: int,
    seed: int | None,
    cluster: str,
) -> None:
    from qualcode.stats.bootstrap import bootstrap_presence_alpha

    clusters = unit_transcript if cluster == "transcript" and report.unit == "segment" else None
    interval = bootstrap_presence_alpha(
        ones, raters, draws=draws, seed=seed, clusters=clusters, keep_samples=True
    )
    for i, row in enumerate(report.rows[: ones.shape[0]]):
        row.alpha_low, row.alpha_high = _none(interval.low[i]), _none(interval.high[i])
    if interval.samples is not None and interval.samples.size:
        with warnings.catch_warnings():  # a draw where no code has an alpha: NaN, left out
            warnings.simplefilter("ignore", RuntimeWarning)
            means = np.nanmean(interval.samples, axis=1)
        means = means[~np.isnan(means)]
        if means.size:
            low, high = np.quantile(means, [0.025, 0.975])
            mean_row = report.rows[ones.shape[0]]
            mean_row.alpha_low, mean_row.alpha_high = float(low), float(high)
    what = "transcripts" if clusters is not None else "units"
    report.bootstrap = f"95 % percentile interval from {draws} resamples of {what}" + (
        f" (seed {seed})" if seed is not None else ""
    )


def _span_agreement(
    session: Session, coders: str | None, codes: str | None, level: str
) -> AgreementReport:
    """Unitizing agreement: Krippendorff's alpha-U per code and over all codes."""
    from qualcode.stats.unitizing import alpha_u, u_alpha

    data = span_data(session, coders=coders, codes=codes, level=level)
    by_coder = [data.spans[c] for c in data.coders]
    categories = list(range(len(data.codes)))
    result = alpha_u(by_coder, 0, data.length, categories=categories, overlapping="merge")
    rows = []
    for i, code in enumerate(data.codes):
        per = result.category(i)
        own = [[s for s in spans if s[2] == i] for spans in by_coder]
        merged = [_merge(spans) for spans in own]
        binary = u_alpha(merged, 0, data.length).binary_u_alpha if any(merged) else math.nan
        rows.append(
            AgreementRow(
                code=code.path,
                units=per.units,
                alpha=_none(per.alpha),
                theme=code.theme,
                u_alpha=_none(binary),
                note=per.undefined or "",
            )
        )
    rows.append(
        AgreementRow(
            code="ALL (alpha-U)",
            units=sum(r.units for r in rows),
            alpha=_none(result.alpha),
            note="1 − ΣD_o/ΣD_e over every code (Krippendorff 2004)",
            overall=True,
        )
    )
    return AgreementReport(
        coders=data.coders,
        unit="span",
        level=level,
        units=data.length,
        transcripts=data.transcripts,
        rows=rows,
        pair_names=[],
        notes=[
            f"unitizing over {data.length} characters of {len(data.transcripts)} transcript(s) "
            "that every coder finished; units = spans of the code"
        ],
    )


def _merge(spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """One coder's spans of one code, overlapping ones united (u-alpha needs a partition)."""
    out: list[tuple[int, int, int]] = []
    for start, end, cat in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end), cat)
        else:
            out.append((start, end, cat))
    return out
