"""TUI benchmark: the coding TUI against a minimal Textual app measured in the same run.

Five figures, each beside the same figure for a minimal Textual app (a Header, a Static
with a paragraph of text and a Footer) run the same way: headless, ``run_test(size=(160,
45))``, on this machine, in this run.

1. **First paint**: from process start (the parent's clock just before it spawns the child)
   until the first frame with real content has been painted: for qualcode, the coding screen
   showing the sample study's first transcript (P01, as the lead alice); for the minimal app,
   its first frame. Fresh ``python -c`` processes, ``--repeat`` of each. Target <= 1.5x.
2. **Opening a 5,000-segment transcript** in the running app: from
   ``CodingScreen.open_transcript(id)`` until the content is set and the screen has been
   repainted, beside opening a 50-segment transcript in the same app. Target: the 5,000-segment
   one under 0.5 s on top of the small one. The view's own ``set_content`` time is reported.
3. **One apply-code key press**: a code's shortcut key on a segment, until the chip is painted
   (the coding stored, the view reloaded and repainted), beside a key binding of the minimal
   app that updates its Static, until repainted. Target <= 1.3x. The time until the key is
   handled (before the database round trip) and the stages after it are reported too.
4. **100 keys in one burst**: ``j`` + a code's shortcut, 50 times, posted all at once (as
   SSH delivers keys in packets) on a transcript the coder has not coded, until the 50th
   coding is stored; the stored codings must be exactly the 50 segments after the cursor.
   Beside it, the minimal app handling 100 keys posted at once (each updating its Static).
   ``--repeat`` bursts (one transcript each), in the key-press child. No target.
5. **Peak RSS** of the first-paint processes (the sample study open in the app) beside the
   minimal app's.

This is a script, not a test: it prints figures and ratios, it never fails a build. Work
files go to ``benchmarks/.work/`` (git-ignored). See benchmarks/README.md.

Run: ``.venv/bin/python benchmarks/bench_tui.py`` (about a minute); ``--quick`` for a fast check.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK_ROOT = HERE / ".work"
SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "aml_barriers.yaml"
SIZE = (160, 45)  # every app in this benchmark runs headless at this terminal size

FIRST_PAINT_TARGET = 1.5  # x the minimal app
OPEN_TARGET_S = 0.5  # seconds on top of opening a small transcript
KEY_TARGET = 1.3  # x the minimal app

BIG_SEGMENTS, SMALL_SEGMENTS = 5_000, 50
BIG_NAME, SMALL_NAME = "S5000", "S0050"  # file stems: transcript, participant and speaker name
SAMPLE_CODER, SAMPLE_TRANSCRIPT = "alice", "P01"  # the lead of the sample study, its first file
BENCH_CODER = "bench"  # a new coder (no codings yet) for the key presses and the opens
CODE_KEY = "a"  # shortcut of "Security seen as a separate field" (codebooks/aml_barriers.yaml)
BURST_PAIRS = 50  # a burst: "j" + CODE_KEY, 50 times: 100 keys posted at once
DEFAULT_SEED = 20240601

# ---------------------------------------------------------------------------------------
# Child programs
# ---------------------------------------------------------------------------------------
#
# The first-paint children are ``python -c`` programs assembled from these snippets, so
# that nothing but what the app itself needs is imported before the first paint (this module
# imports argparse, asyncio, sqlite3, statistics, ...: tens of milliseconds that would be
# added to both apps and shrink the ratio). The minimal app's source is shared with the
# key-press child, which runs it with exec().

PRELUDE = """\
import time
T_START = time.time()
import asyncio
import json
import sys
"""

MINIMAL_APP = '''\
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

T_IMPORTED = time.time()

BODY = (
    "Interviewer: Could you tell me a bit more about how your team looks after the models "
    "it puts in production? P01: Honestly, we check the training data once in a while, but "
    "nobody really owns the security side of it, so it mostly falls through the cracks. "
) * 6


class MinimalApp(App[None]):
    """The baseline: a Header, a Static with some text, a Footer and one key binding."""

    BINDINGS = [Binding("a", "press", "Press")]

    def __init__(self) -> None:
        super().__init__()
        self.presses = 0
        self.on_change = None  # the key-press child hooks its probe here

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(BODY, id="body")
        yield Footer()

    def action_press(self) -> None:
        self.presses += 1
        self.query_one("#body", Static).update(f"key pressed {self.presses} times. {BODY}")
        if self.on_change is not None:
            self.on_change()
'''

MINIMAL_SETUP = """\
T_OPENED = time.time()
app = MinimalApp()


def ready():
    try:
        return app.query_one("#body").is_mounted
    except Exception:
        return False


frame_ready = ready
"""

QUALCODE_SETUP = """\
from qualcode.tui.app import make_app

T_IMPORTED = time.time()
T_OPENED = time.time()  # as `qualcode code` does: the app opens the project in its thread
app = make_app(sys.argv[1], sys.argv[2], sys.argv[3] or None, use_keymap_file=False)


def ready():
    screen = app.coding
    return screen is not None and screen.content is not None


def frame_ready():
    screen = app.coding
    return screen is not None and screen.is_mounted
"""

PAINT_MAIN = """\
T_BUILT = time.time()
SIZE = (int(sys.argv[4]), int(sys.argv[5]))


async def first_paint():
    stamps = {}
    painted = asyncio.Event()

    def mark():
        stamps["painted"] = time.time()
        painted.set()

    def mark_frame():
        stamps["frame"] = time.time()

    async def watch():
        while not frame_ready():
            await asyncio.sleep(0.001)
        app.call_after_refresh(mark_frame)
        while not ready():
            await asyncio.sleep(0.001)
        stamps["ready"] = time.time()
        app.call_after_refresh(mark)

    watcher = asyncio.create_task(watch())
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(painted.wait(), 60)
        await pilot.pause()
    await watcher
    return stamps


stamps = asyncio.run(first_paint())
print(json.dumps({"start": T_START, "imported": T_IMPORTED, "opened": T_OPENED,
                  "built": T_BUILT, **stamps}))
"""


def paint_program(kind: str) -> str:
    if kind == "minimal":
        return PRELUDE + MINIMAL_APP + MINIMAL_SETUP + PAINT_MAIN
    return PRELUDE + QUALCODE_SETUP + PAINT_MAIN


# ---- in-app children (``bench_tui.py --child KIND ...``): start-up is not measured there --


def now() -> float:
    return time.perf_counter()


class GcClock:
    """Total time spent in the garbage collector of this process (gc.callbacks)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = now()
        else:
            self.total += now() - self._start


class Probe:
    """Timestamps of an app's database jobs, and of the first paint after a wanted change.

    ``expect(want)`` before an action; ``check()`` runs after every database callback (and
    wherever a child calls it); the first time ``want()`` holds, the change is stamped and a
    callback is queued for after the next refresh, which stamps the paint.
    """

    def __init__(self, app: Any, wrap_db: bool = True) -> None:
        self.app = app
        self.jobs: list[dict[str, Any]] = []
        self.want: Callable[[], bool] | None = None
        self.changed_at = self.painted_at = self.changed_cpu = self.painted_cpu = 0.0
        self.painted = asyncio.Event()
        self.gc = GcClock()
        self.gc_start = self.gc_painted = 0.0
        if wrap_db:
            self._wrap_submit(app.db)

    def _wrap_submit(self, db: Any) -> None:
        submit = db.submit

        def timed_submit(
            run: Callable[[Any], Any],
            done: Callable[[Any], None] | None = None,
            failed: Callable[[str], None] | None = None,
            write: bool = True,
            **options: Any,  # e.g. hold: passed on as given
        ) -> None:
            job: dict[str, Any] = {"write": write, "submit": now()}
            self.jobs.append(job)

            def timed_run(session: Any) -> Any:
                job["run"] = now()
                try:
                    return run(session)
                finally:
                    job["ran"] = now()

            def timed_done(result: Any) -> None:
                job["done"] = now()
                if done is not None:
                    done(result)
                job["finished"] = now()
                self.check()

            submit(timed_run, timed_done, failed, write, **options)

        db.submit = timed_submit  # the instance only: qualcode's code is not touched

    def expect(self, want: Callable[[], bool]) -> None:
        self.jobs.clear()
        self.want = want
        self.changed_at = self.painted_at = self.changed_cpu = self.painted_cpu = 0.0
        self.painted = asyncio.Event()
        self.gc_start = self.gc.total

    def check(self) -> None:
        if self.want is not None and self.want():
            self.want = None
            self.changed_at = now()
            self.changed_cpu = time.process_time()
            self.app.call_after_refresh(self._mark)

    def _mark(self) -> None:
        self.painted_at = now()
        self.painted_cpu = time.process_time()
        self.gc_painted = self.gc.total
        self.painted.set()

    @property
    def gc_s(self) -> float:
        """Time in the garbage collector from ``expect`` until the paint."""
        return self.gc_painted - self.gc_start

    async def wait(self, timeout: float = 30.0) -> None:
        await asyncio.wait_for(self.painted.wait(), timeout)


def send_key(app: Any, key: str) -> None:
    """A key as the terminal driver would deliver it (Pilot.press also waits for idle CPU,
    at least 2 x 20 ms, which would swamp the figure)."""
    from textual import events

    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    app.post_message(event)


async def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = now() + timeout
    while not condition():
        if now() > deadline:
            raise TimeoutError("the app did not get there in time")
        await asyncio.sleep(0.001)


async def quiesce(app: Any, pilot: Any) -> None:
    """Let queued database jobs finish and the app go idle (between measurements)."""
    db = getattr(app, "db", None)
    for _ in range(2):
        if db is not None:
            await db.settle()
        await pilot.pause()


def open_qualcode(db: str, coder: str, transcript: str) -> Any:
    from qualcode.store.project import open_project
    from qualcode.tui.app import make_app

    return make_app(open_project(db), coder, transcript, use_keymap_file=False)


def peak_rss_mb() -> float:
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / 1024 / 1024


async def child_open(db: str, repeat: int) -> dict[str, Any]:
    """Open the big and the small transcript in turn, ``repeat`` times each."""
    app = open_qualcode(db, BENCH_CODER, SMALL_NAME)
    results: dict[str, list[dict[str, float]]] = {BIG_NAME: [], SMALL_NAME: []}
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app.coding is not None and app.coding.content is not None)
        await quiesce(app, pilot)
        screen = app.coding
        view = screen.view
        probe = Probe(app)
        set_content = view.set_content
        set_content_s: list[float] = []

        def timed_set_content(*args: Any, **kwargs: Any) -> None:
            t0 = now()
            set_content(*args, **kwargs)
            set_content_s.append(now() - t0)

        view.set_content = timed_set_content
        ids = {t.name: t.id for t in screen.transcripts}
        for _ in range(repeat):
            for name in (BIG_NAME, SMALL_NAME):
                target = ids[name]

                def shown(target: int = target) -> bool:
                    return screen.content is not None and screen.content.transcript.id == target

                probe.expect(shown)
                set_content_s.clear()
                cpu0, t0 = time.process_time(), now()
                screen.open_transcript(target)
                await probe.wait()
                load = probe.jobs[0]
                results[name].append(
                    {
                        "total": probe.painted_at - t0,
                        "db": load["ran"] - t0,
                        "ui": probe.changed_at - load["ran"],
                        "set_content": set_content_s[-1],
                        "paint": probe.painted_at - probe.changed_at,
                        "paint_cpu": probe.painted_cpu - probe.changed_cpu,
                        "cpu": probe.painted_cpu - cpu0,
                        "gc": probe.gc_s,
                        "segments": len(screen.content.segments),
                    }
                )
                await quiesce(app, pilot)
    return {"opens": results, "rss_mb": peak_rss_mb()}


async def child_keys_qualcode(db: str, presses: int, bursts: int) -> dict[str, Any]:
    """Press a code's shortcut on a segment, then ``j``; ``presses`` times. Then ``bursts``
    bursts of 100 keys, each on a transcript of its own."""
    app = open_qualcode(db, BENCH_CODER, SAMPLE_TRANSCRIPT)
    rows: list[dict[str, float]] = []
    moves: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app.coding is not None and app.coding.content is not None)
        await quiesce(app, pilot)
        screen = app.coding
        view = screen.view
        probe = Probe(app)
        move = view.move

        def probed_move(delta: int) -> None:
            move(delta)
            probe.check()

        view.move = probed_move
        code = next(c for c in screen.codebook.codes if c.shortcut == CODE_KEY and c.usable)
        presses = min(presses, len(screen.content.segments) - 1)
        for _ in range(presses):
            segment = view.current

            def chip_shown(segment_id: int = segment.id) -> bool:
                return any(
                    c.segment_id == segment_id and c.code_id == code.id for c in screen.codings
                )

            probe.expect(chip_shown)
            cpu0, t0 = time.process_time(), now()
            send_key(app, CODE_KEY)
            await probe.wait()
            apply = next(j for j in probe.jobs if j["write"])
            reload = next(  # the reload the apply's callback submitted
                j for j in probe.jobs if apply["done"] <= j["submit"] <= apply["finished"]
            )
            rows.append(
                {
                    "total": probe.painted_at - t0,
                    "handled": apply["submit"] - t0,
                    "write": apply["ran"] - apply["submit"],
                    "to_ui": reload["submit"] - apply["ran"],
                    "reload": reload["ran"] - reload["submit"],
                    "show": probe.changed_at - reload["ran"],
                    "paint": probe.painted_at - probe.changed_at,
                    "paint_cpu": probe.painted_cpu - probe.changed_cpu,
                    "cpu": probe.painted_cpu - cpu0,
                    "gc": probe.gc_s,
                    "write_run": apply["ran"] - apply["run"],
                    "reload_run": reload["ran"] - reload["run"],
                }
            )
            await quiesce(app, pilot)
            cursor = view.cursor

            def moved(cursor: int = cursor) -> bool:
                return bool(view.cursor == cursor + 1)

            probe.expect(moved)
            t0 = now()
            send_key(app, "j")
            await probe.wait()
            moves.append(probe.painted_at - t0)
            await quiesce(app, pilot)
        label = code.name
        # What the coder sees: the chip is drawn from the key press, before the database
        # round trip confirms it (the view's set_chips is probed for that).
        set_chips = view.set_chips

        def probed_set_chips(*args: Any, **kwargs: Any) -> None:
            set_chips(*args, **kwargs)
            probe.check()

        view.set_chips = probed_set_chips
        visible: list[float] = []
        for _ in range(min(presses, len(screen.content.segments) - view.cursor - 2)):
            send_key(app, "j")
            await quiesce(app, pilot)
            segment = view.current

            def chip_visible(span: tuple[int, int] = (segment.start, segment.end)) -> bool:
                # the screen's own picture of the coder's codings, drawn before the database
                # answers (CodingScreen.local)
                return any(
                    (m.start, m.end) == span and m.code_guid == code.guid
                    for m in screen.local.marks.values()
                )

            probe.expect(chip_visible)
            t0 = now()
            send_key(app, CODE_KEY)
            await probe.wait()
            visible.append(probe.painted_at - t0)
            await quiesce(app, pilot)
        probe.want = None
        burst_rows = await burst_qualcode(app, pilot, probe, code, bursts)
    return {
        "presses": rows,
        "moves": moves,
        "visible": visible,
        "bursts": burst_rows,
        "code": label,
        "rss_mb": peak_rss_mb(),
    }


def send_burst(app: Any, keys: Sequence[str]) -> None:
    """Every key posted at once, with no pause between them, as a terminal over SSH delivers
    a packet of keys (tests/tui/conftest.py ``burst()`` does the same)."""
    for key in keys:
        send_key(app, key)


async def burst_qualcode(
    app: Any, pilot: Any, probe: Probe, code: Any, bursts: int
) -> list[dict[str, Any]]:
    """``bursts`` times: open a transcript the coder has not coded (P02, P03, ...), post
    ``j`` + the code's key BURST_PAIRS times at once, and time it until the last coding is
    stored; then check that the stored codings are exactly the intended segments."""
    from qualcode.services import workspace

    screen = app.coding
    view = screen.view
    gate = app.keys
    targets = sorted(
        (t for t in screen.transcripts
         if t.name != SAMPLE_TRANSCRIPT and t.segments > BURST_PAIRS),
        key=lambda t: t.name,
    )[:bursts]
    stamps: dict[str, float] = {}
    wanted_keys = 2 * BURST_PAIRS
    dispatched = gate.dispatched

    def timed_dispatched(event: Any, target: Any) -> None:  # the gate of this instance only
        dispatched(event, target)
        if gate.handled - stamps.get("handled0", 0) == wanted_keys:
            stamps["handled"] = now()

    gate.dispatched = timed_dispatched

    async def read(run: Callable[[Any], Any]) -> Any:
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        app.db.submit(run, answer.set_result, lambda m: answer.set_exception(RuntimeError(m)),
                      write=False)
        return await answer

    rows: list[dict[str, Any]] = []
    for target in targets:
        def shown(transcript_id: int = target.id) -> bool:
            return screen.content is not None and screen.content.transcript.id == transcript_id

        screen.open_transcript(target.id)
        await wait_until(shown)
        await quiesce(app, pilot)
        await wait_until(lambda: gate.idle)
        start = view.cursor
        intended = [
            (s.ordinal, s.start, s.end, code.id)
            for s in screen.content.segments[start + 1 :][:BURST_PAIRS]
        ]
        ordinals = {s.id: s.ordinal for s in screen.content.segments}
        probe.jobs.clear()
        stamps.clear()
        stamps["handled0"] = gate.handled
        keys = ["j", CODE_KEY] * BURST_PAIRS
        cpu0, t0 = time.process_time(), now()
        send_burst(app, keys)

        def stored() -> bool:
            ran = [j for j in probe.jobs if j["write"] and "ran" in j]
            return len(ran) >= BURST_PAIRS

        await wait_until(stored)
        cpu_stored = time.process_time()
        writes = [j for j in probe.jobs if j["write"]]
        stored_at = max(j["ran"] for j in writes if "ran" in j)
        await wait_until(lambda: gate.idle and not app.db.pending)
        stamps["painted"] = await next_paint(app)
        # every job the burst set off has run: its writes, and the reloads after them
        reloads = [j for j in probe.jobs if not j["write"]]

        def mine(session: Any, transcript_id: int = target.id) -> list[Any]:
            return list(workspace.transcript_codings(session, transcript_id, screen.coder.id))

        got = sorted((ordinals[c.segment_id], c.start, c.end, c.code_id) for c in await read(mine))
        rows.append(
            {
                "transcript": target.name,
                "stored": stored_at - t0,
                "handled": stamps.get("handled", float("nan")) - t0,
                "settled": stamps["painted"] - t0,
                "cpu_stored": cpu_stored - cpu0,
                "writes": len(writes),
                "reloads": len(reloads),
                "keys": gate.handled - stamps["handled0"],
                "ok": got == intended and len(intended) == BURST_PAIRS,
                "got": [ordinal for ordinal, *_rest in got],
                "count": len(got),
            }
        )
        await quiesce(app, pilot)
    gate.dispatched = dispatched
    return rows


async def child_keys_minimal(presses: int, bursts: int) -> dict[str, Any]:
    namespace: dict[str, Any] = {"time": time}
    exec(MINIMAL_APP, namespace)
    app = namespace["MinimalApp"]()
    probe = Probe(app, wrap_db=False)
    app.on_change = probe.check
    rows: list[dict[str, float]] = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app.query_one("#body").is_mounted)
        await quiesce(app, pilot)
        for _ in range(presses):
            probe.expect(lambda: True)
            cpu0, t0 = time.process_time(), now()
            send_key(app, "a")
            await probe.wait()
            rows.append(
                {
                    "total": probe.painted_at - t0,
                    "handled": probe.changed_at - t0,
                    "paint": probe.painted_at - probe.changed_at,
                    "paint_cpu": probe.painted_cpu - probe.changed_cpu,
                    "cpu": probe.painted_cpu - cpu0,
                    "gc": probe.gc_s,
                }
            )
            await quiesce(app, pilot)
        probe.want = None
        burst_rows = await burst_minimal(app, pilot, bursts)
    return {"presses": rows, "bursts": burst_rows, "rss_mb": peak_rss_mb()}


async def next_paint(app: Any) -> float:
    """The time of the app's next repaint (a ``call_after_refresh`` callback)."""
    painted = asyncio.Event()
    stamp: list[float] = []

    def mark() -> None:
        stamp.append(now())
        painted.set()

    app.call_after_refresh(mark)
    await asyncio.wait_for(painted.wait(), 30)
    return stamp[0]


class LastKey:
    """The minimal app's ``on_change`` hook: stamps the key that brings the count to
    ``target``, and the repaint after it."""

    def __init__(self, app: Any, target: int) -> None:
        self.app, self.target = app, target
        self.handled = self.painted = 0.0
        self.done = asyncio.Event()

    def __call__(self) -> None:
        if self.app.presses == self.target:
            self.handled = now()
            self.app.call_after_refresh(self._painted)

    def _painted(self) -> None:
        self.painted = now()
        self.done.set()


async def burst_minimal(app: Any, pilot: Any, bursts: int) -> list[dict[str, Any]]:
    """``bursts`` times: post 100 ``a`` at once (each rewrites the Static), until the 100th
    has been handled, and until the screen is repainted after it."""
    rows: list[dict[str, Any]] = []
    keys = 2 * BURST_PAIRS
    for _ in range(bursts):
        last = LastKey(app, app.presses + keys)
        app.on_change = last
        cpu0, t0 = time.process_time(), now()
        send_burst(app, ["a"] * keys)
        await asyncio.wait_for(last.done.wait(), 60)
        rows.append(
            {
                "handled": last.handled - t0,
                "settled": last.painted - t0,
                "cpu": time.process_time() - cpu0,
                "keys": keys,
            }
        )
        app.on_change = None
        await quiesce(app, pilot)
    return rows


def run_child(args: argparse.Namespace) -> int:
    kind = args.child
    if kind == "open":
        result = asyncio.run(child_open(args.db, args.repeat))
    elif kind == "keys-qualcode":
        result = asyncio.run(child_keys_qualcode(args.db, args.presses, args.repeat))
    elif kind == "keys-minimal":
        result = asyncio.run(child_keys_minimal(args.presses, args.repeat))
    else:
        raise SystemExit(f"unknown child {kind!r}")
    print(json.dumps(result))
    return 0


# ---------------------------------------------------------------------------------------
# Study: the sample study, and a synthetic one with a 5,000-segment transcript
# ---------------------------------------------------------------------------------------

VOCABULARY = """
model data team security training people attack pipeline production review risk
budget client engineer process system test results feature labels vendor audit
manager project deadline incident monitoring access policy threat dashboard release
week month year time problem question answer idea example issue part place point
really actually basically probably usually honestly always never sometimes often
check build deploy retrain monitor measure explain discuss ignore document validate
share trust compare estimate worry think know remember expect assume decide learn
new old whole main shared public private internal external critical manual automated
noisy fragile expensive cheap simple obvious difficult important careful quick slow
the the the a a our their my that this some every most all any which what when where
we they I you he she it nobody somebody everyone and and but or so because while
although since then after before until about with without for from into on in at by
"""
WORDS = tuple(VOCABULARY.split())
LAST_WORDS = tuple(w for w in WORDS[:40] if len(w) > 3)


def _sentence(rng: random.Random, end: str) -> str:
    """A plain sentence of 15-35 words (about 25): letters, commas, one final mark."""
    count = round(rng.triangular(15, 35, 25))
    words = [rng.choice(WORDS) for _ in range(count - 1)]
    words.append(rng.choice(LAST_WORDS))  # never "a." or "I.": spaCy keeps those as one token
    for i in range(4, count - 3, rng.randint(6, 12)):
        words[i] += ","
    words[0] = words[0][0].upper() + words[0][1:]
    return " ".join(words) + end


def synthetic_transcript(name: str, sentences: int, seed: int) -> str:
    """Interviewer questions (1-2 sentences) and answers (3-12 sentences) in turns."""
    rng = random.Random(f"{seed}:{name}")
    blocks: list[str] = []
    count = 0
    while count < sentences:
        asked = min(rng.choice((1, 1, 2)), sentences - count)
        blocks.append("Interviewer: " + " ".join(_sentence(rng, "?") for _ in range(asked)))
        count += asked
        answered = min(rng.randint(3, 12), sentences - count)
        if answered:
            blocks.append(f"{name}: " + " ".join(_sentence(rng, ".") for _ in range(answered)))
            count += answered
    return "\n\n".join(blocks) + "\n"


def qualcode_argv() -> list[str]:
    script = Path(sys.executable).parent / "qualcode"
    return [str(script)] if script.exists() else [sys.executable, "-m", "qualcode"]


def child_env(workdir: Path) -> dict[str, str]:
    """The environment of every child: bytecode cached (in the work folder).

    A user's installation has its modules compiled; with PYTHONDONTWRITEBYTECODE set (as in
    some sandboxes) qualcode's own modules would be compiled from source at every start while
    the installed libraries have their .pyc files, which would not be a fair comparison.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    return env


ENV: dict[str, str] | None = None  # set by main() before any child runs


def qc(db: Path, *args: str | Path, actor: str = "alice") -> None:
    argv = [*qualcode_argv(), "--db", str(db), "--as", actor, *map(str, args)]
    done = subprocess.run(argv, cwd=db.parent, capture_output=True, text=True, env=ENV)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stderr[-3000:]}")


def build_sample(db: Path) -> None:
    """The sample study, as ``make demo`` builds it."""
    qc(db, "init", "--lead", "alice")
    qc(db, "import", "--spacy-model", "blank", SAMPLE / "interviews")
    qc(db, "participants", "import", SAMPLE / "participants.csv")
    qc(db, "codebook", "import", CODEBOOK)
    qc(db, "codings", "import", "--done", SAMPLE / "codings.csv")


def build_synthetic(db: Path, folder: Path, seed: int) -> dict[str, int]:
    """A project with two one-file imports: 5,000 and 50 segments. Returns segment counts."""
    folder.mkdir(parents=True, exist_ok=True)
    qc(db, "init", "--lead", BENCH_CODER, actor=BENCH_CODER)
    for name, sentences in ((BIG_NAME, BIG_SEGMENTS), (SMALL_NAME, SMALL_SEGMENTS)):
        path = folder / f"{name}.txt"
        path.write_text(synthetic_transcript(name, sentences, seed), encoding="utf-8")
        qc(db, "import", "--spacy-model", "blank", path, actor=BENCH_CODER)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT t.name, count(*), t.words FROM segment s "
            "JOIN transcript t ON s.transcript_id = t.id GROUP BY t.name"
        ).fetchall()
    return {name: int(count) for name, count, _words in rows} | {
        f"{name} words": int(words) for name, _count, words in rows
    }


def copy_db(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


# ---------------------------------------------------------------------------------------
# Measuring subprocesses
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    spawned: float  # time.time() just before the child was started
    wall_s: float
    peak_rss_mb: float
    data: dict[str, Any]


def run_measured(argv: Sequence[str], cwd: Path) -> Run:
    """Run ``argv``; its JSON result (last stdout line), wall time and own peak RSS (wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        spawned = time.time()
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), cwd=cwd, stdout=out, stderr=err, env=ENV)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    shown = [a if len(a) < 80 else a[:60] + "…" for a in argv]
    if code != 0:
        sys.exit(f"failed ({code}): {' '.join(shown)}\n{stderr[-3000:]}")
    lines = stdout.strip().splitlines()
    if not lines:
        sys.exit(f"no result from {' '.join(shown)}\n{stderr[-3000:]}")
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 1024 / 1024
    return Run(spawned, wall, usage.ru_maxrss * scale, json.loads(lines[-1]))


def measure_first_paint(kind: str, db: Path, workdir: Path) -> Run:
    argv = [sys.executable, "-c", paint_program(kind), str(db), SAMPLE_CODER, SAMPLE_TRANSCRIPT,
            str(SIZE[0]), str(SIZE[1])]
    return run_measured(argv, workdir)


def child_argv(kind: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind, *args]


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


def med(values: Sequence[float]) -> float:
    return statistics.median(values)


def _s(x: float) -> str:
    return f"{x:.2f} s"


def _ms(x: float) -> str:
    return f"{x * 1000:.1f} ms"


def _mb(x: float) -> str:
    return f"{x:,.0f} MB"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISSES TARGET"


def print_table(rows: Sequence[Sequence[str]], aligned: int = 4) -> None:
    """Label/figure pairs aligned in columns (figures right-aligned), then free notes."""
    widths = [max(len(row[i]) for row in rows if len(row) > i) for i in range(aligned)]
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i % 2 else cell.ljust(widths[i])
            for i, cell in enumerate(row[:aligned])
        ]
        print("  ".join([*cells, *row[aligned:]]).rstrip())


def paint_stages(runs: Sequence[Run]) -> dict[str, float]:
    """Medians of each stage of the first-paint children, from the parent's spawn."""
    stages: dict[str, list[float]] = {}
    for run in runs:
        d = run.data
        points = {
            "python start": d["start"] - run.spawned,
            "imports": d["imported"] - d["start"],
            "open project": d["opened"] - d["imported"],
            "build app": d["built"] - d["opened"],
            "run until content": d["ready"] - d["built"],
            "until painted": d["painted"] - d["ready"],
            "total": d["painted"] - run.spawned,
            "frame": d["frame"] - run.spawned,
        }
        for key, value in points.items():
            stages.setdefault(key, []).append(value)
    return {key: med(values) for key, values in stages.items()}


def gc_note(rows: Sequence[dict[str, float]]) -> str:
    """How often the garbage collector ran for long (> 10 ms) inside the timed interval."""
    long = [r["gc"] for r in rows if r["gc"] > 0.010]
    if not long:
        return "no GC pause > 10 ms"
    return (f"GC pauses > 10 ms in {len(long)} of {len(rows)} (median {_ms(med(long))}; "
            f"without them: median {_ms(med([r['total'] for r in rows if r['gc'] <= 0.010]))})"
            if len(long) < len(rows) else f"GC pauses in all, median {_ms(med(long))}")


def burst_rows(
    bq: Sequence[dict[str, Any]], bm: Sequence[dict[str, Any]], keys: int
) -> list[list[str]]:
    """The table's lines for the bursts of ``keys`` keys (none when no burst ran)."""
    if not bq or not bm:
        return []
    stored = med([b["stored"] for b in bq])
    handled_m = med([b["handled"] for b in bm])
    handled_q = med([b["handled"] for b in bq])
    return [
        [f"{keys}-key burst", _ms(stored), f"minimal app {keys} keys", _ms(handled_m),
         f"ratio {stored / handled_m:.2f} (informative: {BURST_PAIRS} x j + '{CODE_KEY}' "
         f"posted at once, until the last coding is stored)"],
        ["  per key", _ms(stored / keys), "per key", _ms(handled_m / keys),
         "(the same, divided by the keys)"],
        ["  keys handled", _ms(handled_q), "keys handled", _ms(handled_m),
         f"ratio {handled_q / handled_m:.2f} (informative: until the {keys}th key's handler "
         "ran)"],
    ]


def report(
    paints: dict[str, list[Run]],
    opened: Run,
    keys_q: Run,
    keys_m: Run,
    counts: dict[str, int],
) -> None:
    fq, fm = paint_stages(paints["qualcode"]), paint_stages(paints["minimal"])
    paint_ratio = fq["frame"] / fm["frame"]
    content_ratio = fq["total"] / fm["total"]
    rss_q = med([r.peak_rss_mb for r in paints["qualcode"]])
    rss_m = med([r.peak_rss_mb for r in paints["minimal"]])

    opens = opened.data["opens"]

    def open_median(name: str, key: str) -> float:
        return med([o[key] for o in opens[name]])

    big, small = open_median(BIG_NAME, "total"), open_median(SMALL_NAME, "total")
    extra = big - small

    pq, pm = keys_q.data["presses"], keys_m.data["presses"]

    def key_median(rows: list[dict[str, float]], key: str) -> float:
        return med([r[key] for r in rows])

    key_q, key_m = key_median(pq, "total"), key_median(pm, "total")
    key_ratio = key_q / key_m
    move = med(keys_q.data["moves"])
    seen = med(keys_q.data["visible"])
    bq, bm = keys_q.data["bursts"], keys_m.data["bursts"]
    burst_keys = 2 * BURST_PAIRS

    print()
    print_table(
        [
            ["first paint qualcode", _s(fq["frame"]), "minimal app", _s(fm["frame"]),
             f"ratio {paint_ratio:.2f} (target ≤ {FIRST_PAINT_TARGET}) "
             f"{verdict(paint_ratio <= FIRST_PAINT_TARGET)}: the first frame, from process start"],
            ["  with the transcript", _s(fq["total"]), "minimal app", _s(fm["total"]),
             f"ratio {content_ratio:.2f} (informative: until the first transcript is painted)"],
            ["  from app built", _s(fq["run until content"] + fq["until painted"]),
             "minimal app", _s(fm["run until content"] + fm["until painted"]),
             "(informative: app.run_test() until painted; start, imports, project excluded)"],
            [f"open {BIG_SEGMENTS:,} segments", _s(big), f"open {SMALL_SEGMENTS} segments",
             _s(small), f"+{extra:.2f} s (target < {OPEN_TARGET_S} s) "
             f"{verdict(extra < OPEN_TARGET_S)}"],
            ["  set_content", _ms(open_median(BIG_NAME, "set_content")), "set_content",
             _ms(open_median(SMALL_NAME, "set_content")), "(TranscriptView.set_content alone)"],
            ["apply-code key", _ms(seen), "minimal app key", _ms(key_m),
             f"ratio {seen / key_m:.2f} (target ≤ {KEY_TARGET}) "
             f"{verdict(seen / key_m <= KEY_TARGET)}: until the chip is painted"],
            ["  stored + confirmed", _ms(key_q), "minimal app key", _ms(key_m),
             f"ratio {key_ratio:.2f} (informative: until the database round trip is "
             "painted)"],
            ["  key handled", _ms(key_median(pq, "handled")), "key handled",
             _ms(key_median(pm, "handled")),
             "(informative: until the handler ran, before the database round trip)"],
            ["  j (next segment)", _ms(move), "minimal app key", _ms(key_m),
             f"ratio {move / key_m:.2f} (informative: a key without database work)"],
            *burst_rows(bq, bm, burst_keys),
            ["peak RSS qualcode", _mb(rss_q), "minimal app", _mb(rss_m),
             f"ratio {rss_q / rss_m:.2f} (the first-paint processes; no target)"],
        ]
    )

    print("\nwhere the time goes (medians):")
    order = ["python start", "imports", "open project", "build app", "run until content",
             "until painted"]
    for name, stages in (("qualcode", fq), ("minimal", fm)):
        print(f"  first paint, {name}: " + ", ".join(f"{key} {_ms(stages[key])}" for key in order))
    for name in (BIG_NAME, SMALL_NAME):
        rows = opens[name]
        print(f"  open {rows[0]['segments']:,} segments: database job "
              f"{_ms(open_median(name, 'db'))}, UI callback {_ms(open_median(name, 'ui'))} "
              f"(set_content "
              f"{_ms(open_median(name, 'set_content'))}), paint {_ms(open_median(name, 'paint'))} "
              f"(CPU {_ms(open_median(name, 'paint_cpu'))}); CPU in all "
              f"{_ms(open_median(name, 'cpu'))}\n      {gc_note(rows)}")
    print(f"  apply-code key: handled {_ms(key_median(pq, 'handled'))}, write job "
          f"{_ms(key_median(pq, 'write'))} (running {_ms(key_median(pq, 'write_run'))}), "
          f"back to UI + reload submitted {_ms(key_median(pq, 'to_ui'))}, reload job "
          f"{_ms(key_median(pq, 'reload'))} (running {_ms(key_median(pq, 'reload_run'))}),\n"
          f"      back to UI + chips set {_ms(key_median(pq, 'show'))}, paint "
          f"{_ms(key_median(pq, 'paint'))} (CPU {_ms(key_median(pq, 'paint_cpu'))}); CPU in all "
          f"{_ms(key_median(pq, 'cpu'))}\n      {gc_note(pq)}")
    print(f"  minimal app key: handled {_ms(key_median(pm, 'handled'))}, paint "
          f"{_ms(key_median(pm, 'paint'))} (CPU {_ms(key_median(pm, 'paint_cpu'))}); "
          f"CPU in all {_ms(key_median(pm, 'cpu'))}; {gc_note(pm)}")
    if bq and bm:
        print(f"  {burst_keys}-key burst: all keys handled {_ms(key_median(bq, 'handled'))}, last "
              f"coding stored {_ms(key_median(bq, 'stored'))} (CPU "
              f"{_ms(key_median(bq, 'cpu_stored'))}), {med([b['writes'] for b in bq]):.0f} "
              f"write and {med([b['reloads'] for b in bq]):.0f} read jobs, everything "
              f"confirmed and painted {_ms(key_median(bq, 'settled'))}\n"
              f"      minimal app: {burst_keys} keys handled {_ms(key_median(bm, 'handled'))} "
              f"(CPU {_ms(key_median(bm, 'cpu'))}), painted {_ms(key_median(bm, 'settled'))}")
    print(f"\nkey presses: {len(pq)} x '{CODE_KEY}' ({keys_q.data['code']}) then 'j' on P01 "
          f"as a new coder; {len(pm)} x 'a' in the minimal app.")
    if bq:
        names = ", ".join(b["transcript"] for b in bq)
        print(f"bursts: {len(bq)} x {BURST_PAIRS} x ('j', '{CODE_KEY}') posted at once, each on "
              f"a transcript the coder had not coded ({names}); {len(bm)} x {burst_keys} x 'a' "
              "in the minimal app.")
    print(f"peak RSS of the in-app children (informative): opening the {BIG_SEGMENTS:,}-segment "
          f"transcript {_mb(opened.peak_rss_mb)}, key presses on the sample study "
          f"{_mb(keys_q.peak_rss_mb)}, minimal app key presses {_mb(keys_m.peak_rss_mb)}.")
    wrong_bursts = [b for b in bq if not b["ok"] or b["keys"] != burst_keys]
    if wrong_bursts:
        for b in wrong_bursts:
            print(f"CHECK: burst on {b['transcript']}: {b['keys']} keys handled, {b['count']} "
                  f"codings stored on segments {b['got']}, expected the {BURST_PAIRS} segments "
                  f"after the cursor, each with the code once")
    elif bq:
        print(f"checks: each burst handled its {burst_keys} keys in order: the stored codings "
              f"are exactly the {BURST_PAIRS} segments after the cursor, each with the code "
              f"({len(bq)} of {len(bq)} bursts)")
    expected = {BIG_NAME: BIG_SEGMENTS, SMALL_NAME: SMALL_SEGMENTS}
    wrong = {k: counts.get(k) for k, v in expected.items() if counts.get(k) != v}
    if wrong:
        print(f"CHECK: synthetic transcripts have {wrong} segments, expected {expected}")
    else:
        print(f"checks: synthetic transcripts have {BIG_SEGMENTS:,} and {SMALL_SEGMENTS} "
              f"segments ({counts[BIG_NAME + ' words']:,} and "
              f"{counts[SMALL_NAME + ' words']:,} words)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="2 runs of each, fewer presses")
    parser.add_argument("--repeat", type=int, help="runs of each figure, medians (5; --quick 2)")
    parser.add_argument("--presses", type=int, help="key presses (40; --quick 16)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 2 if args.quick else 5
    if args.presses is None:
        args.presses = 16 if args.quick else 40
    if args.repeat < 1 or args.presses < 1:
        parser.error("--repeat and --presses must be at least 1")
    if args.child:
        return run_child(args)

    WORK_ROOT.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="tui-", dir=WORK_ROOT))
    global ENV
    ENV = child_env(workdir)
    try:
        t0 = time.perf_counter()
        sample = workdir / "sample.db"
        build_sample(sample)
        synthetic = workdir / "synthetic.db"
        counts = build_synthetic(synthetic, workdir / "synthetic", args.seed)
        keys_db = workdir / "keys.db"
        copy_db(sample, keys_db)
        print(f"studies: the sample study and a synthetic project ({BIG_SEGMENTS:,} + "
              f"{SMALL_SEGMENTS} segments) built in {time.perf_counter() - t0:.1f} s "
              f"in {workdir}")
        load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        print(f"machine: {os.cpu_count()} CPUs{load}, Python {sys.version.split()[0]}; "
              f"headless run_test(size={SIZE}); {args.repeat} run(s) of each, medians\n")

        for kind in ("minimal", "qualcode"):  # warm-up: bytecode and file caches, not counted
            measure_first_paint(kind, sample, workdir)
        paints: dict[str, list[Run]] = {"qualcode": [], "minimal": []}
        for i in range(1, args.repeat + 1):
            for kind in ("minimal", "qualcode"):
                run = measure_first_paint(kind, sample, workdir)
                paints[kind].append(run)
                total = run.data["painted"] - run.spawned
                print(f"[{i}] first paint {kind:8s} {total:6.2f} s, "
                      f"{run.peak_rss_mb:.0f} MB peak")

        opened = run_measured(
            child_argv("open", "--db", str(synthetic), "--repeat", str(args.repeat)), workdir
        )
        for name in (BIG_NAME, SMALL_NAME):
            times = ", ".join(f"{o['total']:.3f}" for o in opened.data["opens"][name])
            print(f"open {name}: {times} s")

        counts_args = ["--presses", str(args.presses), "--repeat", str(args.repeat)]
        keys_m = run_measured(child_argv("keys-minimal", *counts_args), workdir)
        keys_q = run_measured(
            child_argv("keys-qualcode", "--db", str(keys_db), *counts_args), workdir
        )
        for name, run in (("minimal", keys_m), ("qualcode", keys_q)):
            totals = sorted(r["total"] * 1000 for r in run.data["presses"])
            print(f"key presses {name:8s} min {totals[0]:.1f} ms, median "
                  f"{med(totals):.1f} ms, max {totals[-1]:.1f} ms ({len(totals)} presses)")
        for name, run, key in (("minimal", keys_m, "handled"), ("qualcode", keys_q, "stored")):
            times = ", ".join(f"{b[key] * 1000:.0f}" for b in run.data["bursts"])
            print(f"100-key bursts {name:8s} {times} ms")
        report(paints, opened, keys_q, keys_m, counts)
    finally:
        if args.keep:
            print(f"\nkept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
