"""Several coders at once, in real processes, on SQLite and PostgreSQL: no write lost, no
duplicate, no "database is locked" reaching a user; and a process killed with SIGKILL in the
middle of a bulk change leaves the project as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from qualcode.store.retry import StillBusy, retrying, transient
from tests.cli_run import Runner

ROOT = Path(__file__).resolve().parents[2]

# One coder's session: apply a code to every segment, one command (one transaction) each,
# in-process so that the test is about the database and not about interpreter start-up.
CODER = textwrap.dedent(
    """
    import sys
    from qualcode.cli.main import main

    db, coder = sys.argv[1], sys.argv[2]
    failures = 0
    for transcript, segments in (("P01", 9), ("P02", 7)):
        for segment in range(1, segments + 1):
            for who in (coder, "shared"):  # every process also writes the same codings
                try:
                    main(["--db", db, "--as", who, "apply", "--coder", who, "--transcript",
                          transcript, "--segment", str(segment), "--code", "Training"])
                except SystemExit as exc:
                    failures += bool(exc.code)
    sys.exit(1 if failures else 0)
    """
)


def _ok(qc: Runner, *args: str) -> str:
    result = qc(*args)
    assert result.ok, result.err
    return result.out


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _codings(qc: Runner) -> list[str]:
    return _ok(qc, "codings", "export", "--format", "csv").strip().splitlines()[1:]


def test_coders_writing_at_once_lose_nothing(mini: Runner, db_url: str, tmp_path: Path) -> None:
    rows = ["coder,transcript,segment,code"] + [
        f"bulk,P0{t},{s},Exposure/News" for t, n in ((1, 9), (2, 7)) for s in range(1, n + 1)
    ]
    bulk = tmp_path / "bulk.csv"
    bulk.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _ok(mini, "done", "--coder", "alice", "P01")
    _ok(mini, "apply", "--coder", "bob", "--transcript", "P01", "--segment", "1", "--code",
        "Training")  # fmt: skip
    _ok(mini, "done", "--coder", "bob", "P01")
    coders = [_spawn("-c", CODER, db_url, f"coder{i}") for i in range(4)]
    importer = _spawn("-m", "qualcode", "--db", db_url, "--as", "alice", "codings", "import",
                      str(bulk))  # fmt: skip
    readers = [  # the lead reads agreement and exports while the coders write
        _spawn("-m", "qualcode", "--db", db_url, "--as", "alice", *command)
        for command in (["agreement"], ["codings", "export"], ["agreement", "--unit", "span"])
    ]
    for process in [*coders, importer, *readers]:
        _out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err
        assert "locked" not in err and "error" not in err, err
    codings = _codings(mini)
    per_coder = {}
    for line in codings:
        per_coder[line.split(",")[0]] = per_coder.get(line.split(",")[0], 0) + 1
    assert {f"coder{i}": 16 for i in range(4)}.items() <= per_coder.items()
    assert per_coder["shared"] == 16  # written by four processes at once, stored once each
    assert per_coder["bulk"] == 16
    assert len(codings) == len(set(codings))
    assert "no problems found" in _ok(mini, "check")


def test_a_killed_bulk_import_leaves_the_project_as_it_was(
    mini: Runner, db_url: str, tmp_path: Path
) -> None:
    before = _codings(mini)
    rows = ["coder,transcript,segment,code,memo"]
    for i in range(3000):  # many rows, so the write transaction is long enough to be hit
        t, n = ((1, 9), (2, 7))[i % 2]
        rows.append(f"c{i},P0{t},{1 + i % n},Training,memo {i}")
    big = tmp_path / "big.csv"
    big.write_text("\n".join(rows) + "\n", encoding="utf-8")
    outcomes = set()
    for delay in (0.3, 0.6, 0.9, 1.2, 1.6, 2.0):
        process = _spawn("-m", "qualcode", "--db", db_url, "--as", "alice", "codings", "import",
                         str(big))  # fmt: skip
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        after = _codings(mini)
        if process.returncode == -signal.SIGKILL:
            assert after in (before, after) and len(after) in (len(before), len(before) + 3000)
        outcomes.add(len(after) - len(before))
        assert "no problems found" in _ok(mini, "check")
        if len(after) != len(before):  # the import had committed before the kill: undo
            break
    assert outcomes <= {0, 3000}


def test_retrying_waits_out_another_writer_then_gives_a_clear_error() -> None:
    import sqlite3

    locked = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    assert transient(locked) == "busy"
    assert transient(ValueError("x")) is None
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise locked
        return "stored"

    assert retrying(flaky, bound=5, sleep=lambda _s: None) == "stored"
    assert len(calls) == 3

    def always() -> None:
        raise locked

    with pytest.raises(StillBusy, match="nothing from this command was stored"):
        retrying(always, bound=0.05, sleep=lambda _s: None)
