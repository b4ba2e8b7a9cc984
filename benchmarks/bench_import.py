"""Import benchmark: end-to-end ``qualcode import`` against spaCy's own ``nlp.pipe``.

A seeded synthetic study (default 200 interviews x ~10,000 spoken words, plain .txt with
``Interviewer:`` / ``P001:`` turns) is written to a work folder. Then, each in its own
subprocess so that peak memory is comparable:

1. the baseline: ``spacy.blank("en")`` + ``sentencizer`` (the pipeline qualcode uses for
   ``--spacy-model blank``) runs ``nlp.pipe(texts, batch_size=256)`` over exactly the text
   qualcode segments: every paragraph of every turn, speaker label stripped;
2. ``qualcode --db <work>/bench.db init`` (not timed), then
   ``qualcode --db <work>/bench.db import --spacy-model blank <folder>`` (timed, wall clock,
   including process start, imports, spaCy load, reading the files and the SQLite commit);
3. the same import of a one-file, 50-word study: the fixed cost of the command.

Figures are printed beside the baseline measured in the same run, as ratios; the target is
import words/s >= 0.60 x spaCy nlp.pipe words/s. Peak RSS is each child's own maximum
resident set (os.wait4). This is a script, not a test: it never fails a build, it reports.
See benchmarks/README.md.

Run: ``.venv/bin/python benchmarks/bench_import.py`` (or ``make bench``); ``--quick`` for a
fast check (20 x 2,000 words).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK_ROOT = HERE / ".work"
TARGET_RATIO = 0.60
BATCH_SIZE = 256  # the batch size qualcode's Segmenter passes to nlp.pipe
DEFAULT_SEED = 20240601

# A paragraph of a turn starts with its label (first paragraph only): "P001: ..." and the
# spoken text follows. The benchmark writes only these two kinds of label.
_LABEL = re.compile(r"(?:Interviewer|P\d+):[ \t]*")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")

# ---------------------------------------------------------------------------------------
# Synthetic study
# ---------------------------------------------------------------------------------------

SUBJECTS = (
    "I", "we", "the team", "my manager", "our data scientists", "the security people",
    "nobody", "a colleague of mine", "the client", "most engineers", "the platform team",
    "our auditors", "the product owner", "my lead", "the analysts", "somebody in legal",
    "the whole department", "our vendor", "the new hire", "people upstairs", "they",
    "the researchers", "the ops team", "one of the founders", "the compliance officer",
    "a contractor", "our CTO", "the other engineer", "the reviewers", "you",
)
VERBS = (  # (base form, past form); past and modal forms agree with any subject
    ("check", "checked"), ("look at", "looked at"), ("worry about", "worried about"),
    ("retrain", "retrained"), ("monitor", "monitored"), ("deploy", "deployed"),
    ("review", "reviewed"), ("document", "documented"), ("ignore", "ignored"),
    ("test", "tested"), ("discuss", "discussed"), ("prioritise", "prioritised"),
    ("measure", "measured"), ("rebuild", "rebuilt"), ("patch", "patched"),
    ("audit", "audited"), ("question", "questioned"), ("log", "logged"),
    ("validate", "validated"), ("talk about", "talked about"), ("clean up", "cleaned up"),
    ("hand over", "handed over"), ("write down", "wrote down"), ("push back on", "pushed back on"),
    ("think about", "thought about"), ("care about", "cared about"), ("share", "shared"),
    ("build", "built"), ("break", "broke"), ("fix", "fixed"), ("explain", "explained"),
    ("estimate", "estimated"), ("compare", "compared"), ("trust", "trusted"),
    ("outsource", "outsourced"), ("simulate", "simulated"), ("label", "labelled"),
    ("encrypt", "encrypted"), ("version", "versioned"), ("benchmark", "benchmarked"),
    ("sanitise", "sanitised"), ("rate-limit", "rate-limited"), ("red-team", "red-teamed"),
    ("escalate", "escalated"), ("freeze", "froze"), ("roll back", "rolled back"),
)
MODALS = (
    "would", "could", "should", "might", "had to", "used to", "tried to", "wanted to",
    "didn't", "couldn't", "wouldn't", "did not", "never had time to", "were supposed to",
    "kind of had to", "would probably", "can't really", "started to", "stopped trying to",
)
ADVERBS = (
    "never", "always", "sometimes", "mostly", "just", "actually", "barely", "finally",
    "quietly", "basically", "eventually", "rarely", "already", "honestly", "really",
)
ADJECTIVES = (
    "new", "old", "noisy", "external", "internal", "critical", "whole", "main", "shared",
    "public", "private", "legacy", "experimental", "weekly", "manual", "automated",
    "third-party", "open-source", "production", "sensitive", "messy", "tiny", "huge",
    "fragile", "outdated", "expensive", "cheap", "unlabelled", "poisoned", "adversarial",
)
NOUNS = (
    "model", "fraud model", "training data", "feature pipeline", "labels", "API",
    "model outputs", "data drift", "samples", "access logs", "threat model", "dashboard",
    "risk register", "budget", "roadmap", "classifier", "embeddings", "test set",
    "checkpoint", "dependencies", "container image", "scoring service", "credit model",
    "review tool", "alerting", "incident report", "spreadsheet", "data contract",
    "retraining job", "evaluation", "baseline", "attack", "inputs", "queries", "weights",
    "vendor model", "chatbot", "prompt filter", "annotation guidelines", "feature store",
    "backlog", "policy", "thresholds", "false positives", "customers", "transactions",
    "release process", "code review", "security review", "penetration test", "notebook",
)
DETERMINERS = (
    "the", "the", "the", "our", "our", "their", "my", "that", "this", "some", "every",
    "a couple of", "most of the", "none of the", "all the",
)
PLACES = (
    "in production", "every two weeks", "before each release", "with the analysts",
    "for our clients", "after the incident", "at my last company", "on a spreadsheet",
    "during the audit", "in the end", "on Fridays", "over the summer", "in staging",
    "behind the firewall", "in the cloud", "on the lab server", "at the meetup",
    "without telling anyone", "in the quarterly review", "under a lot of pressure",
    "for the regulator", "by hand", "at two in the morning", "in a separate repository",
    "as part of onboarding", "with a lot of back and forth", "against the test set",
    "before the deadline", "after every retraining run", "once a month", "in the standup",
)
UNITS_OF_TIME = ("days", "weeks", "months", "years", "people", "models", "engineers", "clients")
OPENERS = (
    "Honestly", "To be fair", "Um", "So", "Yeah", "I mean", "Well", "In practice",
    "At the start", "Looking back", "To be honest", "Oh", "Right", "Funnily enough",
    "Basically", "For a while", "Back then", "Now", "Hmm", "Of course", "Okay",
)
CONNECTORS = (
    (",", "and"), (",", "but"), (";", ""), (",", "because"), (",", "so"), ("", "although"),
    (",", "which meant that"), (",", "and then"), ("", "until"), (",", "while"),
    ("", "whereas"), (",", "since"), ("", "when"), (",", "or"), ("", "after"),
)
TAILS = (
    "to be honest", "I think", "as far as I know", "more or less", "in the end",
    "you know", "I guess", "if that makes sense", "at least on paper", "in theory",
    "or something like that", "for what it's worth", "more or less by accident",
)
QUESTION_STARTS = (
    ("How did", "base"), ("Why did", "base"), ("When did", "base"), ("Did", "base"),
    ("Would", "base"), ("Could", "base"), ("Who would", "base"), ("What made", "base"),
    ("How often did", "base"), ("Do you think", "past"), ("Is it true that", "past"),
)
QUESTION_FRAMES = (
    "Could you tell me a bit more about", "What do you remember about",
    "How would you describe", "Can you walk me through", "What was your experience with",
    "Where did you learn about", "How do people in your team feel about",
    "What would you change about", "Who was responsible for",
)
PREFACES = (
    "That is really interesting, thank you.", "Okay, that makes a lot of sense.",
    "Right, I would like to come back to that later.", "Thanks, that is very helpful here.",
    "Let me move on to a slightly different topic now.", "I see, that sounds quite stressful.",
)


def _pick(rng: random.Random, items: Sequence[str]) -> str:
    return items[rng.randrange(len(items))]


def _object(rng: random.Random) -> list[str]:
    words = _pick(rng, DETERMINERS).split()
    if rng.random() < 0.45:
        words.append(_pick(rng, ADJECTIVES))
    words.extend(_pick(rng, NOUNS).split())
    return words


def _place(rng: random.Random) -> list[str]:
    if rng.random() < 0.15:
        n = rng.choice((2, 3, 5, 10, 12, 20, 40, 150, rng.randrange(2, 500)))
        return ["for", "about", str(n), _pick(rng, UNITS_OF_TIME)]
    return _pick(rng, PLACES).split()


def _clause(rng: random.Random) -> list[str]:
    """One clause, 3-14 words, grammatical for any subject (past or modal forms)."""
    subject = _pick(rng, SUBJECTS).split()
    base, past = VERBS[rng.randrange(len(VERBS))]
    r = rng.random()
    if r < 0.40:
        verb = past.split()
    elif r < 0.65:
        verb = [*_pick(rng, MODALS).split(), *base.split()]
    elif r < 0.80:
        verb = [_pick(rng, ADVERBS), *past.split()]
    elif r < 0.90:
        return ["it", "was", _pick(rng, ADJECTIVES), "to", *base.split(), *_object(rng)]
    else:
        return ["there", "was", *_object(rng), *_place(rng)]
    words = [*subject, *verb, *_object(rng)]
    if rng.random() < 0.5:
        words.extend(_place(rng))
    return words


def _finish(words: list[str], end: str) -> str:
    first = words[0]
    words[0] = first[0].upper() + first[1:]
    return " ".join(words) + end


def _statement(rng: random.Random) -> str:
    """A spoken sentence of 5-30 words: clauses joined by , ; and conjunctions."""
    target = max(5, min(30, round(rng.triangular(5, 30, 11))))
    words: list[str] = []
    if rng.random() < 0.3:
        words.extend(_pick(rng, OPENERS).split())
        words[-1] += ","
    words.extend(_clause(rng))
    while len(words) < target:
        punct, conjunction = CONNECTORS[rng.randrange(len(CONNECTORS))]
        clause = _clause(rng)
        extra = conjunction.split()
        if len(words) + len(extra) + len(clause) > 30:
            break
        words[-1] += punct
        words.extend(extra)
        words.extend(clause)
    if len(words) < 5 or (len(words) <= 26 and rng.random() < 0.12):
        tail = _pick(rng, TAILS).split()
        if len(words) + len(tail) <= 30:
            words[-1] += ","
            words.extend(tail)
    while len(words) < 5:
        words.extend(["in", "the", "end"][: 5 - len(words)])
    r = rng.random()
    end = "?" if r < 0.05 else "!" if r < 0.09 else "."
    return _finish(words, end)


def _question(rng: random.Random) -> str:
    if rng.random() < 0.5:
        words = [*_pick(rng, QUESTION_FRAMES).split(), *_object(rng)]
        if rng.random() < 0.5:
            words.extend(_place(rng))
        return _finish(words, "?")
    start, form = QUESTION_STARTS[rng.randrange(len(QUESTION_STARTS))]
    base, past = VERBS[rng.randrange(len(VERBS))]
    verb = base if form == "base" else past
    words = [*start.split(), *_pick(rng, SUBJECTS).split(), *verb.split(), *_object(rng)]
    if rng.random() < 0.6:
        words.extend(_place(rng))
    return _finish(words, "?")


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_statement(rng) for _ in range(sentences))


def interview(participant: str, words: int, seed: int) -> tuple[str, int]:
    """A transcript of about ``words`` spoken words (label excluded); returns it and its count.

    Interviewer turns are one or two questions (sometimes after a short comment);
    participant turns are one to three paragraphs of two to nine sentences.
    """
    rng = random.Random(f"{seed}:{participant}")  # str seeds are stable across runs
    blocks: list[str] = []
    spoken = 0
    while spoken < words:
        question = " ".join(_question(rng) for _ in range(rng.choice((1, 1, 1, 2))))
        if rng.random() < 0.25:
            question = f"{_pick(rng, PREFACES)} {question}"
        blocks.append(f"Interviewer: {question}")
        spoken += len(question.split())
        count = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
        for i in range(count):
            paragraph = _paragraph(rng, rng.randint(2, 9))
            spoken += len(paragraph.split())
            blocks.append(f"{participant}: {paragraph}" if i == 0 else paragraph)
    return "\n\n".join(blocks) + "\n", spoken


def write_study(folder: Path, transcripts: int, words: int, seed: int) -> int:
    """Write the study as P001.txt ... and return its total spoken words."""
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    width = max(3, len(str(transcripts)))
    for i in range(1, transcripts + 1):
        participant = f"P{i:0{width}d}"
        text, spoken = interview(participant, words, seed)
        (folder / f"{participant}.txt").write_text(text, encoding="utf-8")
        total += spoken
    return total


def spoken_paragraphs(folder: Path) -> list[str]:
    """What qualcode segments: every paragraph of every turn, label stripped, in file order."""
    texts: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        for block in _BLANK_LINE.split(path.read_text(encoding="utf-8")):
            block = block.strip()
            m = _LABEL.match(block)
            if m:
                block = block[m.end() :]
            if block:
                texts.append(block)
    return texts


# ---------------------------------------------------------------------------------------
# Baseline (runs in a child process: ``bench_import.py --baseline-child FOLDER``)
# ---------------------------------------------------------------------------------------


def baseline_child(folder: Path, batch_size: int) -> None:
    """Time spaCy's nlp.pipe alone over the spoken paragraphs; print one JSON line."""
    t0 = time.perf_counter()
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.max_length = 50_000_000
    t1 = time.perf_counter()
    texts = spoken_paragraphs(folder)
    t2 = time.perf_counter()
    sentences = 0
    for doc in nlp.pipe(texts, batch_size=batch_size):
        # Consume each Doc as it comes (qualcode streams too) and walk its sentences, the
        # least a segmenter must do; holding every Doc in a list would cost time and memory.
        sentences += sum(1 for _sent in doc.sents)
    t3 = time.perf_counter()
    print(
        json.dumps(
            {
                "load_s": t1 - t0,
                "read_s": t2 - t1,
                "pipe_s": t3 - t2,
                "paragraphs": len(texts),
                "words": sum(len(t.split()) for t in texts),
                "sentences": sentences,
            }
        )
    )


# ---------------------------------------------------------------------------------------
# Measuring subprocesses
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    wall_s: float
    peak_rss_mb: float
    stdout: str
    stderr: str


def run_measured(argv: Sequence[str], cwd: Path) -> Run:
    """Run ``argv``; wall clock and the peak RSS of that child alone (os.wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), cwd=cwd, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(argv)}\n{stderr[-3000:]}")
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 1024 / 1024
    return Run(wall, usage.ru_maxrss * scale, stdout, stderr)


def qualcode_argv() -> list[str]:
    script = Path(sys.executable).parent / "qualcode"
    return [str(script)] if script.exists() else [sys.executable, "-m", "qualcode"]


@dataclass(frozen=True)
class Baseline:
    run: Run
    load_s: float
    read_s: float
    pipe_s: float
    paragraphs: int
    words: int
    sentences: int


def measure_baseline(folder: Path, batch_size: int) -> Baseline:
    argv = [sys.executable, str(Path(__file__).resolve()), "--baseline-child", str(folder)]
    run = run_measured([*argv, "--batch-size", str(batch_size)], HERE)
    data = json.loads(run.stdout.strip().splitlines()[-1])
    return Baseline(run, **data)


@dataclass(frozen=True)
class Imported:
    run: Run
    words: int
    segments: int
    transcripts: int
    db_bytes: int


def measure_import(folder: Path, workdir: Path, name: str = "bench") -> Imported:
    """``qualcode init`` (not timed), then ``qualcode import`` (timed) into a fresh project."""
    db = workdir / f"{name}.db"
    for stale in workdir.glob(f"{name}.db*"):
        stale.unlink()
    qc = qualcode_argv()
    run_measured([*qc, "--db", str(db), "init", "--lead", "bench"], workdir)
    run = run_measured(
        [*qc, "--db", str(db), "--as", "bench", "import", "--spacy-model", "blank", str(folder)],
        workdir,
    )
    listing = run_measured([*qc, "--db", str(db), "transcripts", "--format", "json"], workdir)
    rows = json.loads(listing.stdout)
    db_bytes = sum(p.stat().st_size for p in workdir.glob(f"{name}.db*"))
    return Imported(
        run,
        words=sum(int(r["words"]) for r in rows),
        segments=sum(int(r["segments"]) for r in rows),
        transcripts=len(rows),
        db_bytes=db_bytes,
    )


def sqlite_segments(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return int(con.execute("SELECT count(*) FROM segment").fetchone()[0])


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _mb(x: float) -> str:
    return f"{x:,.0f} MB"


def print_table(rows: Sequence[Sequence[str]], aligned: int = 4) -> None:
    """Label/figure pairs aligned in columns (figures right-aligned), then free notes."""
    widths = [max(len(row[i]) for row in rows) for i in range(aligned)]
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i % 2 else cell.ljust(widths[i])
            for i, cell in enumerate(row[:aligned])
        ]
        print("  ".join([*cells, *row[aligned:]]).rstrip())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--transcripts", type=int, default=200, help="interviews (default 200)")
    parser.add_argument("--words", type=int, default=10_000, help="spoken words each (10,000)")
    parser.add_argument("--quick", action="store_true", help="20 x 2,000 words, a fast check")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument("--repeat", type=int, help="runs of each, medians (3; --quick: 1)")
    parser.add_argument("--keep", action="store_true", help="keep the study and the databases")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=argparse.SUPPRESS)
    parser.add_argument("--baseline-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.baseline_child is not None:
        baseline_child(args.baseline_child, args.batch_size)
        return 0
    if args.quick:
        args.transcripts, args.words = 20, 2_000
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.transcripts < 1 or args.words < 1 or args.repeat < 1:
        parser.error("--transcripts, --words and --repeat must be at least 1")

    WORK_ROOT.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="import-", dir=WORK_ROOT))
    folder = workdir / "study"
    try:
        t0 = time.perf_counter()
        words = write_study(folder, args.transcripts, args.words, args.seed)
        write_study(workdir / "tiny", 1, 50, args.seed)
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(
            f"study: {args.transcripts} transcripts x ~{args.words:,} words = {words:,} spoken "
            f"words, {size / 1e6:.1f} MB of .txt (seed {args.seed}, "
            f"{time.perf_counter() - t0:.1f} s to write) in {folder}"
        )
        load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        print(f"machine: {os.cpu_count()} CPUs{load}, Python {sys.version.split()[0]}; "
              f"{args.repeat} run(s) of each, medians reported\n")
        baselines: list[Baseline] = []
        imports: list[Imported] = []
        fixed: list[Imported] = []
        for i in range(1, args.repeat + 1):
            b = measure_baseline(folder, args.batch_size)
            print(f"[{i}] spaCy nlp.pipe   {b.pipe_s:6.2f} s pipe ({b.run.wall_s:.2f} s process), "
                  f"{b.run.peak_rss_mb:.0f} MB peak")
            m = measure_import(folder, workdir)
            print(f"[{i}] qualcode import  {m.run.wall_s:6.2f} s wall, "
                  f"{m.run.peak_rss_mb:.0f} MB peak")
            f = measure_import(workdir / "tiny", workdir, "tiny")
            print(f"[{i}] fixed cost       {f.run.wall_s:6.2f} s wall (import of one 50-word file)")
            baselines.append(b)
            imports.append(m)
            fixed.append(f)
        report(words, baselines, imports, fixed, workdir / "bench.db")
    finally:
        if args.keep:
            print(f"\nkept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def report(
    words: int,
    baselines: list[Baseline],
    imports: list[Imported],
    fixed: list[Imported],
    db: Path,
) -> None:
    b, m = baselines[-1], imports[-1]
    pipe_s = statistics.median(x.pipe_s for x in baselines)
    b_wall = statistics.median(x.run.wall_s for x in baselines)
    b_load = statistics.median(x.load_s for x in baselines)
    b_rss = statistics.median(x.run.peak_rss_mb for x in baselines)
    i_wall = statistics.median(x.run.wall_s for x in imports)
    i_rss = statistics.median(x.run.peak_rss_mb for x in imports)
    f_wall = statistics.median(x.run.wall_s for x in fixed)
    spacy_wps = words / pipe_s
    import_wps = words / i_wall
    # Marginal speed: only meaningful when the study dwarfs the fixed cost.
    marginal = i_wall - f_wall
    marginal_wps = words / marginal if marginal > 0.25 * i_wall else None
    ratio = import_wps / spacy_wps
    verdict = "PASS" if ratio >= TARGET_RATIO else "BELOW TARGET"
    segments_db = sqlite_segments(db)

    checks = []
    if b.words != words or m.words != words:
        checks.append(f"word counts differ: study {words:,}, baseline {b.words:,}, "
                      f"import {m.words:,}")
    if b.sentences != m.segments or segments_db != m.segments:
        checks.append(f"segment counts differ: spaCy sentences {b.sentences:,}, import "
                      f"{m.segments:,}, segment table {segments_db:,}")

    print()
    print_table(
        [
            ["import words/s", _n(import_wps), "spaCy nlp.pipe words/s", _n(spacy_wps),
             f"ratio {ratio:.2f} (target ≥ {TARGET_RATIO:.2f}) {verdict}"],
            ["peak RSS import", _mb(i_rss), "spaCy", _mb(b_rss), f"ratio {i_rss / b_rss:.2f}"],
            ["import wall", f"{i_wall:.2f} s", "spaCy nlp.pipe", f"{pipe_s:.2f} s",
             f"ratio {i_wall / pipe_s:.2f}"],
            ["import words/s", _n(import_wps), "spaCy process words/s", _n(words / b_wall),
             f"ratio {b_wall / i_wall:.2f} (informative: whole spaCy process {b_wall:.2f} s, "
             f"of which import spacy + blank('en') {b_load:.2f} s)"],
            ["import fixed cost", f"{f_wall:.2f} s", "marginal import words/s",
             "n/a" if marginal_wps is None else _n(marginal_wps),
             "(study too small next to the fixed cost)" if marginal_wps is None else
             f"ratio {marginal_wps / spacy_wps:.2f} (informative: wall minus fixed cost)"],
            ["database", f"{m.db_bytes / 1e6:.1f} MB", "segments", _n(m.segments),
             f"{m.transcripts} transcripts, {b.paragraphs:,} paragraphs, {words:,} words"],
        ]
    )
    print()
    print("import wall = the whole `qualcode import` process: start, imports, spaCy load, "
          "reading,\n  segmenting, SQLite insert and commit, exit. spaCy nlp.pipe = the pipe "
          "alone over the same\n  paragraphs (no start, load or file reading). fixed cost = "
          "the same command on a one-file study.")
    for check in checks:
        print(f"CHECK: {check}")
    if not checks:
        print(f"checks: words agree ({words:,}); segments = spaCy sentences = segment rows "
              f"({m.segments:,})")


if __name__ == "__main__":
    sys.exit(main())
