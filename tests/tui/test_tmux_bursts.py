"""The real ``qualcode`` TUI in a terminal (tmux), typed at in bursts the way SSH delivers
keys: several in one packet. Each key must act on the state it was pressed in (the key
gate, qualcode/tui/key_gate.py), so the codings stored in the SQLite file are exactly the
ones typed: the right segments, the right codes, undo and redo in their places.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli_run import runner_for

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

QUALCODE = Path(sys.executable).parent / "qualcode"  # the venv's console script
TIMEOUT = 60.0  # seconds: generous, for a loaded machine; the polls return at once when done

TURNS, ANSWERS = 6, 10  # interviewer turns, each answered with ANSWERS sentences


def long_transcript() -> tuple[str, list[str]]:
    """A transcript (file text) of interviewer/L01 turns, and its segments' texts in order:
    one segment per sentence, the question first in each turn (66 segments)."""
    numbers = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    blocks: list[str] = []
    segments: list[str] = []
    for turn in range(1, TURNS + 1):
        question = f"What happened in week {numbers[turn - 1]}?"
        answers = [f"Answer {numbers[n]} of week {numbers[turn - 1]}." for n in range(ANSWERS)]
        blocks += [f"Interviewer: {question}", "L01: " + " ".join(answers)]
        segments += [question, *answers]
    return "\n\n".join(blocks) + "\n", segments


# The pane runs the app under a shell that writes its exit status to a file. tmux's own
# #{pane_dead_status} is not dependable: tmux (3.3a here) sometimes misses the SIGCHLD and
# leaves the pane's process a zombie, the status never known (seen with `sleep 0.3` too).
WRAPPER = '"$@"; echo $? > "$0.part"; mv "$0.part" "$0"'


class Tmux:
    """A tmux server of its own (``-L``, no user config), with one 80x24 session."""

    def __init__(self, workdir: Path) -> None:
        self.socket = f"qualcode-test-{uuid.uuid4().hex[:12]}"
        self.config = workdir / "tmux.conf"
        # no status line (the app gets all 24 rows); the pane stays when the app exits
        self.config.write_text("set -g status off\nset -g remain-on-exit on\n")
        self.status_file = workdir / "exit-status"
        self.target = "coding"
        self.last_screen = ""
        self.socket_path = ""
        # run from inside tmux too: this server is not the one $TMUX names
        self.env = {name: value for name, value in os.environ.items() if name != "TMUX"}

    def run(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=30,
            env=self.env,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, cwd: Path, env: dict[str, str], *command: str) -> None:
        options = ["-d", "-x", "80", "-y", "24", "-s", self.target, "-c", str(cwd)]
        options += [item for name, value in env.items() for item in ("-e", f"{name}={value}")]
        wrapped = ["/bin/sh", "-c", WRAPPER, str(self.status_file), *command]
        self.run("new-session", *options, *wrapped)
        self.socket_path = self.run("display-message", "-p", "#{socket_path}").strip()

    def send(self, *keys: str) -> None:
        """One ``send-keys``: tmux writes the keys to the terminal at once, a burst."""
        self.run("send-keys", "-t", self.target, *keys)

    def screen(self) -> str:
        text = self.run("capture-pane", "-p", "-t", self.target)
        if text.strip():
            self.last_screen = text
        return text

    def exited(self) -> bool:
        self.screen()  # the last screen, should the wait time out
        return self.status_file.exists()

    def exit_status(self) -> int:
        return int(self.status_file.read_text())

    def wait_for(self, what: str, condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {TIMEOUT:.0f} s waiting for {what}; the screen was:\n"
                    f"{self.last_screen}"
                )
            time.sleep(0.05)

    def kill(self) -> None:
        self.run("kill-server", check=False)
        if self.socket_path:  # tmux leaves its socket file behind
            Path(self.socket_path).unlink(missing_ok=True)


def test_keys_in_bursts_code_the_segments_they_were_typed_on(
    project_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert QUALCODE.exists(), f"no qualcode console script next to {sys.executable}"
    qc = runner_for(project_db, capsys)
    text, segments = long_transcript()
    source = tmp_path / "L01.txt"
    source.write_text(text, encoding="utf-8")
    imported = qc("import", "--spacy-model", "blank", str(source))
    assert imported.ok, imported.err
    listed = json.loads(qc("segments", "L01", "--format", "json").out)
    assert [s["text"] for s in listed] == segments  # one segment per sentence
    spans = {s["ordinal"]: (s["start"], s["end"], s["text"]) for s in listed}
    before = json.loads(qc("codings", "export", "--format", "json").out)

    tmux = Tmux(tmp_path)
    env = {"QUALCODE_KEYS": str(tmp_path / "no-keys.toml")}  # the default keys, whoever runs
    try:
        app = ["--db", project_db, "--as", "bob", "code", "--transcript", "L01"]
        tmux.start(tmp_path, env, str(QUALCODE), *app)
        # the first frame, then what the start-up job loaded: the transcript list (with
        # L01's segment count), the codebook; L01 itself comes in the same job
        tmux.wait_for(
            "the transcript on screen",
            lambda: all(
                part in tmux.screen() for part in (f"{len(segments)} seg", "Never seen an attack")
            ),
        )

        # the cursor starts on segment 1; j moves, 1 applies Exposure/News (shortcut 1)
        tmux.send(*["j", "1", "j", "1"] * 10)  # segments 2..21
        # letters typed after / go to the search (n alone would be "new code"), Enter
        # applies the highlighted code to the segment / was pressed on
        tmux.send("/", "n", "e", "v", "e", "r", "Enter")  # segment 21: Never seen an attack
        tmux.send(
            *["j", "2"],  # 22: Training (shortcut 2)
            *["j", "3", "u"],  # 23: Never seen an attack (3), undone at once
            *["j", "2", "u", "C-r"],  # 24: Training, undone, redone
            *["/", "n", "e", "v", "Enter"],  # 24: Never seen an attack, by search
            *["j", "1"],  # 25: Exposure/News
        )
        tmux.send("q")  # quits once the pending writes are stored

        tmux.wait_for("qualcode to exit", tmux.exited)
        assert tmux.exit_status() == 0, tmux.last_screen
    finally:
        tmux.kill()

    news, training, never = "Exposure/News", "Training", "Never seen an attack"
    intended = [(ordinal, news) for ordinal in range(2, 22)] + [
        (21, never),
        (22, training),
        (24, training),
        (24, never),
        (25, news),
    ]
    after = json.loads(qc("codings", "export", "--format", "json").out)
    stored = sorted(
        (row["segment"], row["code"], (row["start"], row["end"], row["text"]))
        for row in after
        if row["coder"] == "bob" and row["transcript"] == "L01"
    )
    # whole segments, each coded once with the code typed on it
    assert stored == sorted((ordinal, code, spans[ordinal]) for ordinal, code in intended)
    others = [row for row in after if (row["coder"], row["transcript"]) != ("bob", "L01")]
    assert others == before  # nobody else's codings, nor bob's on other transcripts, changed
