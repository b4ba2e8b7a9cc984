"""Agreement benchmark: qualcode.stats on all codes at once against per-code library calls.

A seeded synthetic study (default 300 codes × 3 coders × 100,000 segments in 200
transcripts) is built in memory as qualcode's reliability data is: a presence cube
``present[code, coder, unit]`` and a ``done[coder, unit]`` mask (each coder finished about
90 % of the transcripts; a code's prevalence is drawn from Beta(1, 19), mean 5 %, so most
codes are rare; a coder applies a code to 80 % of the units where it belongs and to 0.5 % of
the others). Then, in one process, each figure beside its baseline from the same run:

1. nominal alpha (with percent agreement, Fleiss' kappa, AC1, units) for every code in one
   vectorised call, ``presence_counts`` + ``presence_agreement`` from the cube, against a
   loop of ``krippendorff.alpha(level_of_measurement="nominal")`` over the codes, each on
   the coders × units matrix with NaN for missing (only the ``alpha`` calls are timed, not
   building the matrices). Every code's alpha must agree to 1e-9 (NaN where the package
   raises or returns NaN);
2. a percentile bootstrap (``--draws``, default 200) for every code, resampling units and
   resampling transcripts, against the same draws done naively (materialise the resampled
   units, call ``krippendorff.alpha`` per code) on a few draws × codes, extrapolated; the
   naive draws must equal ours to 1e-9;
3. if NLTK is installed: ``nltk.metrics.agreement.AnnotationTask(data).alpha()`` per code on
   a subset (5 codes × 2,000 units) against ours on the same subset; values compared where
   both are defined (NLTK returns 1 where alpha is undefined).

Peak memory is traced with ``tracemalloc`` (numpy reports its buffers to it) in separate,
untimed runs, plus the process's peak RSS. This is a script, not a test: it reports.

Run: ``.venv/bin/python benchmarks/bench_agreement.py``; ``--quick`` for a fast check
(30 codes × 10,000 units, 100 draws). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import krippendorff
import numpy as np
import numpy.typing as npt

from qualcode.stats.bootstrap import bootstrap_presence_alpha, resampling_weights
from qualcode.stats.presence import presence_agreement, presence_counts

TARGET_RATIO = 20.0
DEFAULT_SEED = 20240605


@dataclass
class Study:
    present: npt.NDArray[np.bool_]  # codes × coders × units
    done: npt.NDArray[np.bool_]  # coders × units
    transcript: npt.NDArray[np.int64]  # unit -> transcript
    prevalence: npt.NDArray[np.float64]

    def values(self, code: int) -> npt.NDArray[np.float64]:
        """One code as the krippendorff package wants it: coders × units, NaN = missing."""
        out = self.present[code].astype(np.float64)
        out[~self.done] = np.nan
        return out


def make_study(codes: int, coders: int, units: int, transcripts: int, seed: int) -> Study:
    rng = np.random.default_rng(seed)
    transcript = np.sort(rng.integers(0, transcripts, units))
    finished = rng.random((coders, transcripts)) < 0.9
    done = finished[:, transcript]
    prevalence = rng.beta(1.0, 19.0, codes)
    present = np.empty((codes, coders, units), dtype=bool)
    for c in range(codes):
        truth = rng.random(units) < prevalence[c]
        noise = rng.random((coders, units))
        present[c] = np.where(truth, noise < 0.8, noise < 0.005) & done
    return Study(present, done, transcript.astype(np.int64), prevalence)


def package_alpha(data: npt.NDArray[np.float64]) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
        except ValueError:  # one value in the data, or no pairable unit
            return math.nan


def same(a: float, b: float, tol: float = 1e-9) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def traced_peak(fn: Callable[[], Any]) -> float:
    """Peak traced allocation (MB) while ``fn`` runs."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def ours_from_cube(study: Study) -> Any:
    counts = presence_counts(study.present, study.done)
    return presence_agreement(counts.ones, counts.raters)


def print_table(rows: Sequence[Sequence[str]], aligned: int = 4) -> None:
    """Label/figure pairs aligned in columns (figures right-aligned), then free notes."""
    widths = [max(len(row[i]) for row in rows) for i in range(aligned)]
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i % 2 else cell.ljust(widths[i])
            for i, cell in enumerate(row[:aligned])
        ]
        print("  ".join([*cells, *row[aligned:]]).rstrip())


def _s(x: float) -> str:
    return f"{x:.3f} s" if x >= 0.1 else f"{x * 1e3:.1f} ms"


def nltk_figures(study: Study, codes: int, units: int) -> tuple[float, float, int, int] | str:
    """(NLTK seconds, ours seconds, codes compared, codes where NLTK differs) or a note."""
    try:
        from nltk.metrics.agreement import AnnotationTask
    except ImportError:
        return "skipped: nltk is not installed (.venv/bin/pip install nltk)"
    codes = min(codes, study.present.shape[0])
    units = min(units, study.present.shape[2])
    # the most prevalent codes, so that the subset has something to agree on
    picked = np.argsort(-study.prevalence)[:codes]
    present = study.present[picked][:, :, :units]
    done = study.done[:, :units]
    triples_per_code = []
    coder_idx, unit_idx = np.nonzero(done)
    for c in range(codes):
        labels = present[c][coder_idx, unit_idx].astype(int).tolist()
        cells = zip(coder_idx.tolist(), unit_idx.tolist(), labels, strict=True)
        triples_per_code.append([(f"c{k}", f"u{u}", v) for k, u, v in cells])
    t0 = time.perf_counter()
    theirs = [AnnotationTask(data=triples).alpha() for triples in triples_per_code]
    nltk_s = time.perf_counter() - t0
    subset = Study(present, done, study.transcript, study.prevalence)
    ours_s, result = timed(lambda: ours_from_cube(subset), 3)
    compared = differ = 0
    for c in range(codes):
        if math.isnan(result.alpha[c]):
            continue  # NLTK returns 1 where alpha is undefined
        compared += 1
        if not same(float(result.alpha[c]), float(theirs[c])):
            differ += 1
    return nltk_s, ours_s, compared, differ


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--codes", type=int, default=300, help="codes (default 300)")
    parser.add_argument("--coders", type=int, default=3, help="coders (default 3)")
    parser.add_argument("--units", type=int, default=100_000, help="units (default 100,000)")
    parser.add_argument("--transcripts", type=int, default=200, help="transcripts (200)")
    parser.add_argument("--draws", type=int, default=200, help="bootstrap draws (200)")
    parser.add_argument("--repeat", type=int, help="runs of our computations, medians (3)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument("--quick", action="store_true", help="30 codes × 10,000 units, 100 draws")
    args = parser.parse_args(argv)
    if args.quick:
        args.codes, args.units, args.transcripts, args.draws = 30, 10_000, 20, 100
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if min(args.codes, args.units, args.transcripts, args.draws, args.repeat) < 1:
        parser.error("sizes, --draws and --repeat must be at least 1")
    if args.coders < 2:
        parser.error("--coders must be at least 2")

    t0 = time.perf_counter()
    study = make_study(args.codes, args.coders, args.units, args.transcripts, args.seed)
    cube_mb = study.present.nbytes / 1e6
    print(
        f"study: {args.codes} codes × {args.coders} coders × {args.units:,} units in "
        f"{args.transcripts} transcripts; mean prevalence {study.prevalence.mean():.1%} "
        f"(median {np.median(study.prevalence):.1%}); {study.done.mean():.0%} of coder × unit "
        f"cells done; cube {cube_mb:.0f} MB (seed {args.seed}, {time.perf_counter() - t0:.1f} s)"
    )
    load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs{load}, Python {sys.version.split()[0]}, "
          f"numpy {np.__version__}, krippendorff {version('krippendorff')}\n")

    # 1. all codes at once against the package, code by code
    ours_s, result = timed(lambda: ours_from_cube(study), args.repeat)
    counts = presence_counts(study.present, study.done)
    counts_s, _ = timed(lambda: presence_agreement(counts.ones, counts.raters), args.repeat)
    base_s = prep_s = 0.0
    mismatches = 0
    for c in range(args.codes):
        p0 = time.perf_counter()
        matrix = study.values(c)
        p1 = time.perf_counter()
        expected = package_alpha(matrix)
        p2 = time.perf_counter()
        prep_s += p1 - p0
        base_s += p2 - p1
        if not same(float(result.alpha[c]), expected):
            mismatches += 1
    ratio = base_s / ours_s
    verdict = "PASS" if ratio >= TARGET_RATIO else "MISSES TARGET"

    # 2. bootstrap, units and transcripts
    boot_s, boot = timed(
        lambda: bootstrap_presence_alpha(
            counts.ones, counts.raters, draws=args.draws, seed=args.seed, keep_samples=True
        ),
        args.repeat,
    )
    cluster_s, _ = timed(
        lambda: bootstrap_presence_alpha(
            counts.ones, counts.raters, draws=args.draws, seed=args.seed,
            clusters=study.transcript,
        ),
        args.repeat,
    )
    naive_draws, naive_codes = min(3, args.draws), min(10, args.codes)
    weights = resampling_weights(args.units, args.draws, args.seed)[:naive_draws]
    naive_s = 0.0
    boot_mismatch = 0
    for d in range(naive_draws):
        t_draw = time.perf_counter()
        picked = np.repeat(np.arange(args.units), weights[d])
        for c in range(naive_codes):
            value = package_alpha(study.values(c)[:, picked])
            if not same(float(boot.samples[d, c]), value):
                boot_mismatch += 1
        naive_s += time.perf_counter() - t_draw
    naive_total = naive_s / (naive_draws * naive_codes) * args.draws * args.codes

    # 3. NLTK
    nltk = nltk_figures(study, 5, 2_000)

    # memory (untimed runs)
    peak_ours = traced_peak(lambda: ours_from_cube(study))
    peak_base = traced_peak(lambda: package_alpha(study.values(0)))
    peak_boot = traced_peak(
        lambda: bootstrap_presence_alpha(counts.ones, counts.raters, draws=args.draws,
                                         seed=args.seed)
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 if sys.platform != "darwin"
                                                                else 1024 * 1024)

    per = args.codes
    rows = [
        ["all codes, vectorised", _s(ours_s), "krippendorff.alpha loop", _s(base_s),
         f"{ratio:.0f}× faster (target ≥ {TARGET_RATIO:.0f}×) {verdict}"],
        ["  per code", _s(ours_s / per), "  per code", _s(base_s / per),
         f"(+ {_s(prep_s)} building the {per} NaN matrices for the loop, untimed above)"],
        ["  from counts alone", _s(counts_s), "", "",
         "presence_agreement(ones, raters), without collapsing the cube"],
        [f"bootstrap {args.draws} draws, units", _s(boot_s), "naive (extrapolated)",
         _s(naive_total), f"{naive_total / boot_s:.0f}× faster; naive = materialise the "
         f"resample + one package call per code ({naive_draws} draws × {naive_codes} codes "
         "timed)"],
        [f"bootstrap {args.draws} draws, transcripts", _s(cluster_s), "", "",
         f"resampling {args.transcripts} transcripts with their units"],
    ]
    if isinstance(nltk, str):
        rows.append(["NLTK AnnotationTask.alpha", "–", "", "", nltk])
    else:
        nltk_s, small_s, compared, differ = nltk
        rows.append(["ours, 5 codes × 2,000 units", _s(small_s), "NLTK AnnotationTask.alpha",
                     _s(nltk_s), f"{nltk_s / small_s:.0f}× faster; {compared} codes compared, "
                     f"{differ} differ"])
    rows += [
        ["peak traced, vectorised", f"{peak_ours:.0f} MB", "one package call",
         f"{peak_base:.0f} MB", f"input cube {cube_mb:.0f} MB (not counted)"],
        ["peak traced, bootstrap", f"{peak_boot:.0f} MB", "process peak RSS", f"{rss:.0f} MB",
         "RSS includes the study and the baseline's matrices"],
    ]
    print_table(rows)
    print()
    defined = int((~np.isnan(result.alpha)).sum())
    checks = []
    if mismatches:
        checks.append(f"{mismatches} codes' alpha differ from krippendorff.alpha by more than 1e-9")
    if boot_mismatch:
        checks.append(f"{boot_mismatch} naive bootstrap draws differ from ours")
    if not isinstance(nltk, str) and nltk[3]:
        checks.append(f"{nltk[3]} codes differ from NLTK")
    for check in checks:
        print(f"CHECK: {check}")
    if not checks:
        print(f"checks: alpha equal to krippendorff.alpha within 1e-9 for all {args.codes} codes "
              f"({defined} defined, {args.codes - defined} NaN in both); "
              f"{naive_draws * naive_codes} naive bootstrap draws equal ours")
    print(f"pooled alpha {result.pooled.alpha:.4f}, mean alpha {result.mean.alpha:.4f} over "
          f"{result.mean.codes} codes; median 95 % interval width (units) "
          f"{np.nanmedian(boot.high - boot.low):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
