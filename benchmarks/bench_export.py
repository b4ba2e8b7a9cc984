"""Export benchmark: ``export themes`` and ``export matrix`` against the SQL query under them.

A seeded synthetic SQLite project (default 200 transcripts of 500 segments from 180
participants — 20 of them with a second interview — 3 coders, 12 themes × 25 codes and
1,000,000 codings, 4 % of them sub-spans and 1 % spanning two or three segments; every
coder finished about 90 % of the transcripts) is built with bulk inserts. Then, in one
process, each figure beside the time of the single aggregate query that underlies it,
measured in the same run:

1. ``theme_frequencies`` (the service behind ``qualcode export themes``: choosing the
   coders, loading the codebook, the query, building the rows) against that query alone,
   executed on a raw connection and fetched;
2. ``qualcode export themes --out FILE.csv`` as a child process (wall clock: Python start,
   imports, opening the project, the service, writing the file), against the same query;
3. ``export_matrix`` (code × participant) against its query;
4. informative: ``--by role``, rules ``all`` and ``majority``, and the naive aggregate
   (``COUNT(DISTINCT …)`` grouped by code on ``coding.segment_id`` alone: no span overlap, no
   theme roll-up, no scope) to show what counting correctly costs.

The target (from the issue): each service within 2× of its query. This is a script, not a
test: it reports. Run: ``.venv/bin/python benchmarks/bench_export.py`` (or ``make bench``);
``--quick`` for a fast check (20 transcripts, 50,000 codings). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from qualcode.services.lookup import CodeIndex
from qualcode.services.project import init_project
from qualcode.services.research_exports import export_matrix
from qualcode.services.themes import (
    choose_selection,
    code_maps,
    counting_query,
    row_specs,
    theme_frequencies,
    unit_tables,
)
from qualcode.store.bulk import insert_rows
from qualcode.store.models import (
    Code,
    Coder,
    Coding,
    Participant,
    ParticipantAttribute,
    Progress,
    Segment,
    Transcript,
)
from qualcode.store.project import Project, open_project

HERE = Path(__file__).resolve().parent
WORK_ROOT = HERE / ".work"
TARGET_RATIO = 2.0
DEFAULT_SEED = 20240607
QUALCODE = Path(sys.executable).with_name("qualcode")
ROLES = ("ML engineer", "data scientist", "team lead", "researcher", "security engineer")
SIZES = ("startup", "mid-size", "large")
SENTENCE = "We talked about how the model could be attacked and what the team did about it"
STAMP = "2026-01-01 00:00:00.000000"


def build_study(
    db: str,
    transcripts: int,
    segments: int,
    codings: int,
    coders: int,
    themes: int,
    codes_per_theme: int,
    seed: int,
) -> dict[str, int]:
    """Create the synthetic project; returns what it holds."""
    rng = random.Random(seed)
    project = init_project(db, "lead")
    try:
        with project.transaction() as session:
            coder_ids = []
            for i in range(coders):
                coder = Coder(name=f"coder{i + 1}", role="coder")
                session.add(coder)
                session.flush()
                coder_ids.append(coder.id)
            code_ids = []
            for t in range(themes):
                theme = Code(name=f"Theme {t + 1:02d}", position=t)
                session.add(theme)
                session.flush()
                for c in range(codes_per_theme):
                    code = Code(
                        name=f"Code {t + 1:02d}.{c + 1:02d}", parent_id=theme.id, position=c
                    )
                    session.add(code)
                    session.flush()
                    code_ids.append(code.id)
            n_participants = max(1, transcripts * 9 // 10)
            participant_ids = []
            for p in range(n_participants):
                participant = Participant(key=f"P{p + 1:03d}")
                participant.attributes.append(
                    ParticipantAttribute(name="role", value=ROLES[p % len(ROLES)])
                )
                participant.attributes.append(
                    ParticipantAttribute(name="company_size", value=SIZES[p % len(SIZES)])
                )
                session.add(participant)
                session.flush()
                participant_ids.append(participant.id)
            # texts: one sentence per segment, separated by a space
            width = len(SENTENCE) + 1
            body = " ".join([SENTENCE] * segments)
            transcript_ids = []
            for i in range(transcripts):
                owner = participant_ids[i % n_participants]  # the first few have two interviews
                transcript = Transcript(
                    name=f"T{i + 1:03d}",
                    participant_id=owner,
                    sha256=f"{i:064x}",
                    text=body,
                    format="txt",
                    words=segments * len(SENTENCE.split()),
                )
                session.add(transcript)
                session.flush()
                transcript_ids.append(transcript.id)
            rows = [
                (tid, k + 1, k * width, k * width + len(SENTENCE), "P", SENTENCE)
                for tid in transcript_ids
                for k in range(segments)
            ]
            insert_rows(
                session,
                Segment.__table__,
                ("transcript_id", "ordinal", "start", "end", "speaker", "text"),
                rows,
            )
            seg_ids: dict[int, int] = {
                tid: first
                for tid, first in session.execute(
                    select(Segment.transcript_id, func.min(Segment.id)).group_by(
                        Segment.transcript_id
                    )
                )
            }
            # which coder finished which transcript (about 90 %)
            finished = {(c, t) for c in coder_ids for t in transcript_ids if rng.random() < 0.9}
            insert_rows(
                session,
                Progress.__table__,
                ("coder_id", "transcript_id", "status", "updated_at"),
                [(c, t, "done", STAMP) for c, t in sorted(finished)],
            )
            pairs = sorted(finished)
            per_pair = codings // len(pairs)
            extra = codings - per_pair * len(pairs)
            seen: set[tuple[int, int, int, int, int]] = set()
            coding_rows: list[tuple[Any, ...]] = []
            for n, (coder_id, tid) in enumerate(pairs):
                want = per_pair + (1 if n < extra else 0)
                first = seg_ids[tid]
                made = 0
                while made < want:
                    k = rng.randrange(segments)
                    code_id = code_ids[rng.randrange(len(code_ids))]
                    start = k * width
                    end = start + len(SENTENCE)
                    roll = rng.random()
                    if roll < 0.04:  # a sub-span of the segment
                        start += rng.randrange(0, 20)
                        end -= rng.randrange(0, 20)
                    elif roll < 0.05 and k < segments - 3:  # into the next one or two
                        end += width * rng.randrange(1, 3)
                    key = (tid, start, end, code_id, coder_id)
                    if key in seen:
                        continue
                    seen.add(key)
                    coding_rows.append(
                        (
                            str(uuid.uuid4()),
                            tid,
                            first + k,
                            start,
                            end,
                            code_id,
                            coder_id,
                            "",
                            STAMP,
                            0,
                        )
                    )
                    made += 1
            insert_rows(
                session,
                Coding.__table__,
                (
                    "guid",
                    "transcript_id",
                    "segment_id",
                    "start",
                    "end",
                    "code_id",
                    "coder_id",
                    "memo",
                    "created_at",
                    "codebook_seq",
                ),
                coding_rows,
            )
        with project.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
    finally:
        project.close()
    return {
        "transcripts": transcripts,
        "participants": n_participants,
        "segments": transcripts * segments,
        "codings": len(coding_rows),
        "codes": len(code_ids) + themes,
        "finished": len(finished),
    }


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def _s(x: float) -> str:
    return f"{x:.3f} s" if x >= 0.1 else f"{x * 1e3:.1f} ms"


@contextmanager
def query_runner(project: Project, **kwargs: Any) -> Iterator[Callable[[], list[Any]]]:
    """The single aggregate query under the service, compiled once and run on the connection
    holding its temporary tables (created before, not timed)."""
    with project.session() as session:
        selection = choose_selection(session, rule=kwargs.pop("rule", None))
        index = CodeIndex.load(session)
        maps = code_maps(index, row_specs(index, "code"))
        with unit_tables(session, selection, maps) as tables:
            statement = counting_query(tables, **kwargs)
            compiled = str(
                statement.compile(project.engine, compile_kwargs={"literal_binds": True})
            )
            connection = session.connection()

            def run() -> list[Any]:
                return list(connection.exec_driver_sql(compiled).fetchall())

            yield run


NAIVE = """
SELECT coding.code_id, count(DISTINCT transcript.participant_id), count(DISTINCT coding.segment_id)
FROM coding JOIN transcript ON transcript.id = coding.transcript_id
GROUP BY coding.code_id
"""


def print_table(rows: Sequence[Sequence[str]], aligned: int = 4) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(aligned)]
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i % 2 else cell.ljust(widths[i])
            for i, cell in enumerate(row[:aligned])
        ]
        print("  ".join([*cells, *row[aligned:]]).rstrip())


def verdict(ratio: float) -> str:
    return "PASS" if ratio <= TARGET_RATIO else "MISSES TARGET"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--transcripts", type=int, default=200, help="transcripts (200)")
    parser.add_argument("--segments", type=int, default=500, help="segments each (500)")
    parser.add_argument("--codings", type=int, default=1_000_000, help="codings (1,000,000)")
    parser.add_argument("--coders", type=int, default=3, help="coders (3)")
    parser.add_argument("--repeat", type=int, help="runs of each figure, medians (3)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument("--keep", action="store_true", help="keep the project in .work/")
    parser.add_argument("--db", help="reuse this project (built by an earlier --keep run)")
    parser.add_argument("--quick", action="store_true", help="20 transcripts, 50,000 codings")
    args = parser.parse_args(argv)
    if args.quick:
        args.transcripts, args.segments, args.codings = 20, 250, 50_000
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if min(args.transcripts, args.segments, args.codings, args.coders, args.repeat) < 1:
        parser.error("sizes and --repeat must be at least 1")

    WORK_ROOT.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="export-", dir=WORK_ROOT))
    try:
        if args.db:
            db = args.db
            print(f"study: reusing {db}")
        else:
            db = str(work / "bench.db")
            t0 = time.perf_counter()
            facts = build_study(
                db, args.transcripts, args.segments, args.codings, args.coders, 12, 25, args.seed
            )
            size = Path(db).stat().st_size / 1e6
            print(
                f"study: {facts['codings']:,} codings by {args.coders} coders on "
                f"{facts['transcripts']} transcripts ({facts['segments']:,} segments) of "
                f"{facts['participants']} participants; {facts['codes']} codes; "
                f"{facts['finished']} coder × transcript pairs done; {size:.0f} MB "
                f"(seed {args.seed}, built in {time.perf_counter() - t0:.1f} s)"
            )
        load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        print(f"machine: {os.cpu_count()} CPUs{load}, Python {sys.version.split()[0]}\n")
        return run_figures(db, work, args.repeat)
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run_figures(db: str, work: Path, repeat: int) -> int:
    project = open_project(db)
    try:

        def query(**kwargs: Any) -> float:
            with query_runner(project, **kwargs) as run:
                run()  # warm the page cache
                seconds, _ = timed(run, repeat)
            return seconds

        def service(**kwargs: Any) -> Callable[[], Any]:
            def run() -> Any:
                with project.session() as session:
                    return theme_frequencies(session, **kwargs)

            return run

        def matrix() -> Any:
            with project.session() as session:
                return export_matrix(session)

        def naive() -> list[Any]:
            with project.engine.connect() as connection:
                return list(connection.exec_driver_sql(NAIVE).fetchall())

        q_themes = query()
        s_themes, table = timed(service(), repeat)
        q_matrix = query(per_participant=True)
        s_matrix, result = timed(matrix, repeat)
        header = result.header
        q_by = query(attribute="role")
        s_by, _ = timed(service(by="role"), repeat)
        q_all = query(rule="all")
        s_all, _ = timed(service(rule="all"), repeat)
        q_majority = query(rule="majority")
        s_majority, _ = timed(service(rule="majority"), repeat)
        q_naive, _ = timed(naive, repeat)
    finally:
        project.close()

    out = work / "themes.csv"
    cli_times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(
            [str(QUALCODE), "--db", db, "export", "themes", "--out", str(out)],
            check=True,
            capture_output=True,
        )
        cli_times.append(time.perf_counter() - t0)
    cli = statistics.median(cli_times)
    # the command's fixed cost: the same export on an empty project (start, imports, opening)
    empty = str(work / "empty.db")
    subprocess.run(
        [str(QUALCODE), "--db", empty, "init", "--lead", "lead"], check=True, capture_output=True
    )
    fixed_times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(
            [str(QUALCODE), "--db", empty, "export", "themes", "--out", str(work / "e.csv")],
            check=True,
            capture_output=True,
        )
        fixed_times.append(time.perf_counter() - t0)
    fixed = statistics.median(fixed_times)

    rows = [
        [
            "export themes (service)",
            _s(s_themes),
            "its query",
            _s(q_themes),
            f"{s_themes / q_themes:.2f}× (target ≤ {TARGET_RATIO:.0f}×) "
            f"{verdict(s_themes / q_themes)}",
        ],
        [
            "qualcode export themes (CLI)",
            _s(cli),
            "its query",
            _s(q_themes),
            f"{cli / q_themes:.2f}× {verdict(cli / q_themes)}; wall clock of the whole process",
        ],
        [
            "  CLI less its fixed cost",
            _s(cli - fixed),
            "its query",
            _s(q_themes),
            f"{(cli - fixed) / q_themes:.2f}×; fixed cost (the same command on an empty "
            f"project: start, imports, opening) {_s(fixed)}",
        ],
        [
            "export matrix (service)",
            _s(s_matrix),
            "its query",
            _s(q_matrix),
            f"{s_matrix / q_matrix:.2f}× {verdict(s_matrix / q_matrix)}; "
            f"{len(header) - 2} participant columns",
        ],
        ["export themes --by role", _s(s_by), "its query", _s(q_by), f"{s_by / q_by:.2f}×"],
        ["export themes --rule all", _s(s_all), "its query", _s(q_all), f"{s_all / q_all:.2f}×"],
        [
            "export themes --rule majority",
            _s(s_majority),
            "its query",
            _s(q_majority),
            f"{s_majority / q_majority:.2f}×",
        ],
        [
            "themes query (overlaps, roll-up)",
            _s(q_themes),
            "naive aggregate",
            _s(q_naive),
            f"{q_themes / q_naive:.2f}×: COUNT(DISTINCT) by code on segment_id alone",
        ],
    ]
    print_table(rows)
    print(
        f"\n{len(table.rows)} rows; participants_total {table.participants_total}; "
        f"counted: {table.selection.describe()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
