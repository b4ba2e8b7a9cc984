"""Load: N coder processes applying codings at once, on SQLite and on PostgreSQL.

Each process is one coder applying a code to segment after segment as fast as it can (one
transaction per apply, through the same service the CLI uses, with the same retry), far
faster than a person could ever type. Printed per back end and N (2, 4, 8): codings/s in
total, and the p50 / p99 latency of one apply, beside a single writer measured in the same
run (the baseline). PostgreSQL is started from the machine's binaries like the test suite's
(skipped with a note when they are missing).

    .venv/bin/python benchmarks/bench_load.py [--quick]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup(db: str, transcripts: int) -> None:
    from qualcode.cli.main import main

    folder = Path(tempfile.mkdtemp(prefix="qualcode-load-"))
    for i in range(1, transcripts + 1):
        sentences = " ".join(f"Sentence {j} of interview {i}." for j in range(1, 201))
        (folder / f"T{i:02d}.txt").write_text(f"P{i:02d}: {sentences}\n", encoding="utf-8")
    book = folder / "book.yaml"
    book.write_text("name: load\ncodes:\n  - name: A\n  - name: B\n", encoding="utf-8")
    for args in (
        ["init", "--lead", "lead"],
        ["import", "--spacy-model", "blank", str(folder)],
        ["codebook", "import", str(book)],
    ):
        try:
            main(["--db", db, "--as", "lead", *args])
        except SystemExit as exc:
            if exc.code:
                raise RuntimeError(f"setup failed: {args}") from None


def _worker(db: str, coder: str, applies: int, transcripts: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    from qualcode.services.coding import apply_code
    from qualcode.store.project import open_project
    from qualcode.store.retry import retrying

    project = open_project(db)
    project.actor = coder
    latencies = []
    start = time.perf_counter()
    for n in range(applies):
        transcript = f"T{1 + n % transcripts:02d}"
        segment = 1 + (n // transcripts) % 200
        code = "A" if n % 2 else "B"

        def one(t: str = transcript, s: int = segment, c: str = code) -> None:
            with project.transaction() as session:
                apply_code(session, coder, t, s, c)

        began = time.perf_counter()
        retrying(one)
        latencies.append(time.perf_counter() - began)
    out.put((coder, time.perf_counter() - start, latencies))
    project.close()


def _run(db: str, writers: int, applies: int, transcripts: int) -> tuple[float, float, float]:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [
        ctx.Process(target=_worker, args=(db, f"coder{writers}_{i}", applies, transcripts, queue))
        for i in range(writers)
    ]
    began = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - began
    for p in procs:
        p.join()
    latencies = sorted(x for _c, _t, lat in results for x in lat)
    # throughput over the span every writer was active (start-up excluded)
    busy = max(t for _c, t, _l in results)
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    del wall
    return writers * applies / busy, statistics.median(latencies), p99


def _count(db: str) -> int:
    from sqlalchemy import func, select

    from qualcode.store.models import Coding
    from qualcode.store.project import open_project

    project = open_project(db)
    try:
        with project.session() as session:
            return session.scalar(select(func.count()).select_from(Coding)) or 0
    finally:
        project.close()


def _backend(name: str, db: str, sizes: list[int], applies: int, transcripts: int) -> None:
    _setup(db, transcripts)
    base_rate, base_p50, base_p99 = _run(db, 1, applies, transcripts)
    print(f"{name}: 1 writer  {base_rate:8.0f} codings/s  p50 {base_p50 * 1e3:6.1f} ms  "
          f"p99 {base_p99 * 1e3:6.1f} ms  (baseline)")  # fmt: skip
    expected = applies
    for n in sizes:
        rate, p50, p99 = _run(db, n, applies, transcripts)
        expected += n * applies
        print(f"{name}: {n} writers {rate:8.0f} codings/s  p50 {p50 * 1e3:6.1f} ms  "
              f"p99 {p99 * 1e3:6.1f} ms  = {rate / base_rate:4.2f}× the single writer's "
              f"throughput, p99 {p99 / base_p99:4.1f}× its latency")  # fmt: skip
    stored = _count(db)
    print(f"{name}: {stored} codings stored, {expected} applied: "
          f"{'none lost, none doubled' if stored == expected else 'MISMATCH'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer applies per writer")
    args = parser.parse_args()
    applies = 60 if args.quick else 300
    transcripts = 10
    sizes = [2, 4, 8]
    print(f"load: {applies} applies per writer, one transaction each; writers: 1 (baseline), "
          f"{', '.join(map(str, sizes))}; {mp.cpu_count()} CPUs")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        _backend("sqlite", str(Path(folder) / "load.db"), sizes, applies, transcripts)
    from tests.pg_server import PostgresServer, find_pg_bin

    bin_dir = find_pg_bin()
    if bin_dir is None:
        print("postgresql: skipped (no server binaries; .ci/ensure-postgres installs them)")
        return
    server = PostgresServer(bin_dir)
    server.start()
    try:
        _backend("postgresql", server.create_database(), sizes, applies, transcripts)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
