"""Faults a user can cause: one line ``error: …``, exit 2, never an internal error.

A damaged or non-project ``--db`` file, recursive YAML, a CSV field over csv's 128 KB, text
PostgreSQL cannot store (NUL), a full disk; a killed ``project copy`` or ``backup`` leaves
nothing at the target; a read-only project can be read; concurrent upgrades wait.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_run import Runner, run_cli, runner_for
from tests.unit.conftest import DATA, MINI, MINI_CODEBOOK

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    """A SQLite project with the mini interviews and codebook."""
    qc = runner_for(str(tmp_path / "project.db"), capsys)
    assert qc("init", "--lead", "alice").ok
    assert qc("import", "--spacy-model", "blank", str(MINI)).ok
    assert qc("codebook", "import", str(MINI_CODEBOOK)).ok
    return qc


def _user_error(result: object, *words: str) -> None:
    code, err = result.code, result.err  # type: ignore[attr-defined]
    assert code == 2, err
    assert err.startswith("error: "), err
    assert "internal error" not in err and "Traceback" not in err, err
    for word in words:
        assert word in err, (word, err)


# --- a damaged or non-project --db file --------------------------------------------------


def _bad_db_files(tmp_path: Path, good: Path) -> dict[str, tuple[Path, str]]:
    random_bytes = tmp_path / "random.db"
    random_bytes.write_bytes(os.urandom(8192))
    text = tmp_path / "notes.db"
    text.write_text("these are my notes, not a database\n")
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(good.read_bytes()[:8192])
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    return {
        "random bytes": (random_bytes, "not a SQLite database file"),
        "a text file": (text, "not a SQLite database file"),
        "a truncated project": (truncated, "damaged"),
        "another SQLite database": (other, "not a qualcode project"),
    }


def test_bad_db_files_are_user_errors(
    project: Runner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.db"
    assert project("backup", str(good)).ok
    for label, (path, words) in _bad_db_files(tmp_path, good).items():
        for command in (["transcripts"], ["check"], ["import", str(MINI / "P01.txt")]):
            result = run_cli(capsys, ["--db", str(path), *command])
            _user_error(result, str(path), words)
            assert label


def test_a_project_damaged_inside_is_reported(
    project: Runner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "damaged.db"
    assert project("backup", str(damaged)).ok
    size = damaged.stat().st_size
    with damaged.open("r+b") as handle:  # keep the header and schema page, ruin the rest
        handle.seek(2 * 4096)
        handle.write(b"\xff" * (size - 2 * 4096))
    result = run_cli(capsys, ["--db", str(damaged), "check"])
    assert result.code in (1, 2), result.err
    assert "internal error" not in result.err
    assert "damaged" in result.out + result.err or "integrity" in result.out
    result = run_cli(capsys, ["--db", str(damaged), "export", "quotes"])
    assert result.code in (0, 2)
    assert "internal error" not in result.err


# --- files given to import / codebook import ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name: x\ncodes: &c\n  - name: a\n    children: *c\n", "aliases"),
        ("name: x\ncodes: " + "[" * 50_000 + "]" * 50_000 + "\n", "nested too deeply"),
        (
            "name: x\na0: &a0 [x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
            + "codes:\n  - name: c\n    children: [*a8]\n",
            "aliases",
        ),
    ],
    ids=["recursive", "deep", "billion-laughs"],
)
def test_hostile_yaml_is_refused(project: Runner, tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(text)
    _user_error(project("codebook", "import", str(path)), str(path), words)
    _user_error(project("codebook", "merge-file", str(path)), str(path), words)


def test_deeply_nested_codes_are_refused(project: Runner, tmp_path: Path) -> None:
    lines, indent = ["name: x", "codes:"], ""
    for i in range(200):
        lines += [f"{indent}- name: c{i}", f"{indent}  children:"]
        indent += "    "
    lines.append(f"{indent}- name: leaf")
    path = tmp_path / "deep.yaml"
    path.write_text("\n".join(lines) + "\n")
    _user_error(project("codebook", "import", str(path)), str(path))


def test_survey_field_over_128_kb_imports(project: Runner, tmp_path: Path) -> None:
    answer = "We never saw an attack. " * 8_000  # 192 KB in one field
    path = tmp_path / "survey.csv"
    path.write_text(f'id,answer\nr1,"{answer}"\nr2,short answer\n')
    result = project("import", "--spacy-model", "blank", "--id-column", "id", str(path))
    assert result.ok, result.err
    assert "survey-r1" in project("transcripts", "--format", "csv").out


def test_nul_in_text_is_refused_at_import(project: Runner, tmp_path: Path) -> None:
    utf8 = tmp_path / "nul.txt"
    utf8.write_bytes(b"Interviewer: hello\nP01: one\x00two\n")
    utf16 = tmp_path / "nul16.txt"
    utf16.write_bytes("Interviewer: hi\nP01: a\x00b\n".encode("utf-16"))
    for path in (utf8, utf16):
        _user_error(project("import", "--spacy-model", "blank", str(path)), str(path), "NUL")
    _user_error(project("codebook", "import", str(utf8)), str(utf8), "NUL")


@pytest.mark.pg
def test_copy_to_postgresql_refuses_nul_and_keeps_nothing(
    project: Runner, tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = sqlite3.connect(tmp_path / "project.db")  # as an older qualcode let it in
    with conn:
        conn.execute("UPDATE transcript SET source = ? WHERE name = 'P01'", ("P01\x00.txt",))
    conn.close()
    _user_error(project("project", "copy", "--to", pg_url), "NUL", "nothing was copied")
    result = run_cli(capsys, ["--db", pg_url, "transcripts"])
    _user_error(result, "no project here")


# --- a full disk ---------------------------------------------------------------------------

_LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
from qualcode.cli.main import main
main(sys.argv[1:])
"""


def _run_limited(limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _LIMITED.format(limit=limit), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_full_disk_is_a_user_error_and_leaves_nothing(project: Runner, tmp_path: Path) -> None:
    db = str(tmp_path / "project.db")
    size = (tmp_path / "project.db").stat().st_size
    for args, target in (
        (["backup", str(tmp_path / "b.db")], tmp_path / "b.db"),
        (["project", "copy", "--to", str(tmp_path / "c.db")], tmp_path / "c.db"),
    ):
        done = _run_limited(size // 4, "--db", db, *args)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith(f"error: {target}: cannot write it"), done.stderr
        assert not [p.name for p in tmp_path.iterdir() if p.name.startswith((".b.db", ".c.db"))]
        assert not target.exists()
    big = tmp_path / "big.txt"
    big.write_text("Interviewer: Tell me more.\n\nP01: " + "We said it. " * 200_000 + "\n")
    done = _run_limited(size + 64 * 1024, "--db", db, "import", "--spacy-model", "blank", str(big))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: database: "), done.stderr
    assert "internal error" not in done.stderr
    assert project("check").ok
    assert "big" not in project("transcripts", "--format", "csv").out


# --- killed copy / backup ------------------------------------------------------------------

_KILLED = """
import os, signal, sys
from qualcode.services import project_copy
original = project_copy.{function}
def killed(*args, **kwargs):
    {before}
    os.kill(os.getpid(), signal.SIGKILL)
project_copy.{function} = killed
from qualcode.cli.main import main
main(sys.argv[1:])
"""


def _run_killed(function: str, before: str, *args: str) -> subprocess.CompletedProcess[str]:
    code = _KILLED.format(function=function, before=before)
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("command", ["backup", "copy"])
def test_a_killed_copy_or_backup_leaves_nothing_at_the_target(
    project: Runner, tmp_path: Path, command: str
) -> None:
    db = str(tmp_path / "project.db")
    target = tmp_path / "out" / "target.db"
    target.parent.mkdir()
    args = ["backup", str(target)]
    if command == "copy":
        args = ["project", "copy", "--to", str(target)]
    # killed when the copy is complete, just before it gets its name: the worst moment
    done = _run_killed("publish", "pass", "--db", db, *args)
    assert done.returncode == -9, done.stderr
    assert not target.exists()
    assert not (target.parent / "target.db-wal").exists()
    leftovers = list(target.parent.iterdir())
    assert all(p.name.startswith(".target.db.partial-") for p in leftovers)
    result = project(*args)  # the same command again works, and clears the killed one's file
    assert result.ok, result.err
    assert run_cli_check(target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["target.db"]


def run_cli_check(path: Path) -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "qualcode", "--db", str(path), "check"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return done.returncode == 0


@pytest.mark.pg
def test_a_killed_copy_to_postgresql_leaves_an_empty_database(
    project: Runner, tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "project.db")
    before = "original(*args, **kwargs)"  # every row written, not yet committed
    done = _run_killed("_fill", before, "--db", db, "project", "copy", "--to", pg_url)
    assert done.returncode == -9, done.stderr
    _user_error(run_cli(capsys, ["--db", pg_url, "transcripts"]), "no project here")
    assert project("project", "copy", "--to", pg_url).ok
    assert "P01" in run_cli(capsys, ["--db", pg_url, "transcripts", "--format", "csv"]).out


# --- a read-only project; concurrent upgrades ---------------------------------------------


def test_a_read_only_project_can_be_read(
    project: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from qualcode.store import engine

    folder = tmp_path / "share"
    folder.mkdir()
    assert project("backup", str(folder / "p.db")).ok
    db = str(folder / "p.db")
    real_access = os.access

    def access(path: object, mode: int, *args: object, **kwargs: object) -> bool:
        if mode == os.W_OK and str(path).startswith(str(folder)):
            return False  # as on a read-only share (root ignores file modes)
        return real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(engine.os, "access", access)
    if os.geteuid() != 0:
        (folder / "p.db").chmod(0o444)
        folder.chmod(0o555)
    try:
        for command in (["transcripts"], ["check"], ["export", "quotes"], ["codebook", "list"]):
            result = run_cli(capsys, ["--db", db, *command])
            assert result.ok, (command, result.err)
        assert run_cli(capsys, ["--db", db, "backup", str(tmp_path / "copy.db")]).ok
        result = run_cli(capsys, ["--db", db, "--as", "alice", "coders", "add", "bob"])
        assert result.code == 2 and "read" in result.err, result.err
        assert sorted(p.name for p in folder.iterdir()) == ["p.db"]
    finally:
        folder.chmod(0o755)


def test_concurrent_upgrades_wait_for_each_other(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    shutil.copy(DATA / "projects" / "schema-0001.db", db)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "qualcode", "--db", str(db), "db", "upgrade"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert "internal error" not in err
    upgraded = sum("upgraded the project schema" in err for _out, err in outputs)
    assert upgraded >= 1
    assert run_cli_check(db)
    backups = list(tmp_path.glob("old.db.0001-*.bak"))
    assert len(backups) == upgraded
    assert not list(tmp_path.glob(".*partial*"))


def test_an_argument_that_is_not_utf8_is_a_user_error(project: Runner) -> None:
    """A terminal that is not UTF-8 sends bytes Python keeps as lone surrogates, which no
    project can store: refused before anything runs, naming the argument."""
    memo = "caf\udce9"  # 'café' typed in a Latin-1 terminal
    result = project("apply", "--coder", "bob", "--transcript", "P01", "--segment", "2",
                     "--code", "Training", "--memo", memo)  # fmt: skip
    assert result.code == 2
    assert result.err.startswith("error: argument") and "not valid UTF-8" in result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
