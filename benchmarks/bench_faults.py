"""Fault run: commands killed (SIGKILL) at random moments leave the project whole.

For each command (import, codings import, project merge, project copy, backup) the script
runs it once to completion (the reference: how long it takes and what the project looks
like after it), then N times on a fresh copy of the same project, each time killed with
SIGKILL at a random moment of its run. After every run:

* ``qualcode check`` on the project is clean (exit 0);
* the project is either unchanged (its fingerprint equals the one before) or fully changed
  (equals the reference's after); anything else is counted as half-written;
* for ``project copy`` and ``backup``: the target either does not exist or is a complete
  copy (its fingerprint equals the project's and ``check`` is clean); hidden partial files
  left beside it by a killed run (``.NAME.partial-PID``) are counted.

A fingerprint is every table's row count and a hash of its rows, leaving out what differs
between two runs of the same command (ids made at random: ``guid``; times: ``*_at``, ``at``).

    .venv/bin/python benchmarks/bench_faults.py            # 20 runs per command
    .venv/bin/python benchmarks/bench_faults.py --quick    # 5 runs per command
    .venv/bin/python benchmarks/bench_faults.py --runs 50 --seed 7 --keep
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "transcripts_sample"
QUALCODE = [sys.executable, "-m", "qualcode"]
SKIPPED_COLUMNS = {"guid", "at"}


def qc(db: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*QUALCODE, "--db", str(db), "--as", "alice", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and done.returncode != 0:
        raise SystemExit(f"setup failed: qualcode {' '.join(args)}\n{done.stderr}")
    return done


def fingerprint(db: Path) -> dict[str, tuple[int, str]]:
    """Per table: (rows, hash of the rows without guids and times)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        result: dict[str, tuple[int, str]] = {}
        for table in sorted(tables):
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            kept = [c for c in columns if c not in SKIPPED_COLUMNS and not c.endswith("_at")]
            if table == "audit_entry":
                kept = [c for c in kept if c in ("action", "actor")]
            listed = ", ".join(f'"{c}"' for c in kept) or "1"
            digest = hashlib.sha256()
            count = 0
            for row in conn.execute(f'SELECT {listed} FROM "{table}" ORDER BY {listed}'):
                digest.update(repr(row).encode())
                count += 1
            result[table] = (count, digest.hexdigest()[:16])
        return result
    finally:
        conn.close()


def copy_db(source: Path, target: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copy(source, target)


@dataclass
class Figures:
    name: str
    reference_s: float = 0.0
    runs: int = 0
    killed: int = 0  # the kill came before the command finished
    unchanged: int = 0
    changed: int = 0
    half_written: int = 0
    check_failed: int = 0
    target_absent: int = 0
    target_complete: int = 0
    target_bad: int = 0
    partial_left: int = 0
    kill_at: list[float] = field(default_factory=list)


def synthetic_study(folder: Path, files: int, words: int, rng: random.Random) -> None:
    vocab = ["we", "said", "the", "bank", "never", "checks", "money", "risk", "report"]
    folder.mkdir(parents=True)
    for i in range(1, files + 1):
        turns = []
        count = 0
        while count < words:
            sentence = " ".join(rng.choice(vocab) for _ in range(rng.randint(6, 18)))
            turns.append(f"Interviewer: Why?\n\nX{i:02d}: {sentence.capitalize()}.\n")
            count += len(sentence.split()) + 1
        (folder / f"X{i:02d}.txt").write_text("\n".join(turns), encoding="utf-8")


def prepare(work: Path, rng: random.Random) -> dict[str, Path]:
    base = work / "base.db"
    qc(base, "init", "--lead", "alice")
    qc(base, "import", "--spacy-model", "blank", str(SAMPLE / "interviews"))
    qc(base, "participants", "import", str(SAMPLE / "participants.csv"))
    qc(base, "codebook", "import", str(ROOT / "codebooks" / "aml_barriers.yaml"))
    qc(base, "codings", "import", "--done", str(SAMPLE / "codings.csv"))
    study = work / "study"
    synthetic_study(study, 40, 2_500, rng)
    # a coder's offline copy: bob's codings on the same transcripts
    offline = work / "offline.db"
    copy_db(base, offline)
    lines = (SAMPLE / "codings.csv").read_text(encoding="utf-8").splitlines()
    bob = work / "bob.csv"
    bob.write_text(
        "\n".join([lines[0], *("bob," + line.split(",", 1)[1] for line in lines[1:])]) + "\n",
        encoding="utf-8",
    )
    qc(offline, "coders", "add", "bob")
    qc(offline, "codings", "import", str(bob))
    # the project every run starts from, checkpointed into one file
    conn = sqlite3.connect(base)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"base": base, "study": study, "offline": offline, "bob": bob}


def command_args(name: str, files: dict[str, Path], target: Path) -> list[str]:
    return {
        "import": ["import", "--spacy-model", "blank", str(files["study"])],
        "codings import": ["codings", "import", str(files["bob"])],
        "project merge": ["project", "merge", str(files["offline"])],
        "project copy": ["project", "copy", "--to", str(target)],
        "backup": ["backup", str(target)],
    }[name]


def run_command(
    name: str, files: dict[str, Path], run_dir: Path, kill_after: float | None
) -> tuple[float, bool]:
    """Run on a fresh copy in ``run_dir``; returns (seconds, killed before it finished)."""
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True)
    db = run_dir / "project.db"
    copy_db(files["base"], db)
    args = command_args(name, files, run_dir / "target.db")
    started = time.perf_counter()
    child = subprocess.Popen(
        [*QUALCODE, "--db", str(db), "--as", "alice", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if kill_after is None:
        _out, err = child.communicate(timeout=600)
        if child.returncode != 0:
            raise SystemExit(f"reference run of {name} failed:\n{err}")
        return time.perf_counter() - started, False
    try:
        child.wait(timeout=kill_after)
        killed = False
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.wait()
        killed = True
    return time.perf_counter() - started, killed


def check_clean(db: Path) -> bool:
    return qc(db, "check", check=False).returncode == 0


def fault_run(
    name: str, files: dict[str, Path], work: Path, runs: int, rng: random.Random
) -> Figures:
    figures = Figures(name)
    base_print = fingerprint(files["base"])
    ref_dir = work / "runs" / "reference"
    figures.reference_s, _ = run_command(name, files, ref_dir, None)
    after = fingerprint(ref_dir / "project.db")
    copy_like = name in ("project copy", "backup")
    for i in range(runs):
        run_dir = work / "runs" / f"{name.replace(' ', '-')}-{i:03d}"
        moment = rng.uniform(0.2, 1.0) * figures.reference_s
        figures.kill_at.append(moment)
        _seconds, killed = run_command(name, files, run_dir, moment)
        figures.runs += 1
        figures.killed += killed
        db = run_dir / "project.db"
        if not check_clean(db):
            figures.check_failed += 1
        now = fingerprint(db)
        if now == base_print:
            figures.unchanged += 1
        elif now == after and not copy_like:
            figures.changed += 1
        else:
            figures.half_written += 1
        if copy_like:
            target = run_dir / "target.db"
            figures.partial_left += sum(1 for p in run_dir.iterdir() if ".partial-" in p.name)
            if not target.exists():
                figures.target_absent += 1
            elif fingerprint(target) == base_print and check_clean(target):
                figures.target_complete += 1
            else:
                figures.target_bad += 1
        shutil.rmtree(run_dir)
    shutil.rmtree(ref_dir)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=None, help="runs per command (default 20)")
    parser.add_argument("--quick", action="store_true", help="5 runs per command")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", action="store_true", help="keep benchmarks/.work/faults-*")
    parser.add_argument(
        "--only", action="append", default=None, help="one command (repeatable), e.g. backup"
    )
    options = parser.parse_args()
    runs = options.runs or (5 if options.quick else 20)
    rng = random.Random(options.seed)
    work = ROOT / "benchmarks" / ".work" / f"faults-{os.getpid()}"
    work.mkdir(parents=True)
    load = os.getloadavg()[0]
    print(f"bench_faults: {runs} runs per command, SIGKILL at a random moment (seed "
          f"{options.seed}); {os.cpu_count()} cores, load {load:.2f}")  # fmt: skip
    started = time.perf_counter()
    try:
        files = prepare(work, rng)
        print(f"project: {files['base'].stat().st_size / 2**20:.1f} MB; setup "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        names = options.only or ["import", "codings import", "project merge", "project copy",
                                 "backup"]  # fmt: skip
        header = (
            f"{'command':<15}{'full run':>9}{'runs':>6}{'killed':>8}{'unchanged':>11}"
            f"{'changed':>9}{'half':>6}{'check':>7}{'target':>20}{'partial':>9}"
        )
        print(header)
        total_bad = 0
        for name in names:
            f = fault_run(name, files, work, runs, rng)
            target = (
                f"{f.target_absent} none/{f.target_complete} ok/{f.target_bad} bad"
                if name in ("project copy", "backup")
                else "-"
            )
            print(
                f"{f.name:<15}{f.reference_s:>8.2f}s{f.runs:>6}{f.killed:>8}{f.unchanged:>11}"
                f"{f.changed:>9}{f.half_written:>6}{f.check_failed:>7}{target:>20}"
                f"{f.partial_left:>9}",
                flush=True,
            )
            total_bad += f.half_written + f.check_failed + f.target_bad
            print(
                f"{'':<15}kill moments: median {statistics.median(f.kill_at):.2f} s "
                f"(between {min(f.kill_at):.2f} and {max(f.kill_at):.2f} s)"
            )
        verdict = "PASS: nothing half-written" if total_bad == 0 else f"FAIL: {total_bad} bad"
        print(f"{verdict} ({time.perf_counter() - started:.0f} s in all)")
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
