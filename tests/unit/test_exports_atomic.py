"""Exports replace a file whole (temporary file + rename), keep the mode of a file they
replace, create new files private (0600), and write to a non-regular target (/dev/null, a
FIFO, /dev/full, /dev/stdout) directly, never changing it."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.cli_run import Runner
from tests.unit.conftest import MINI

REPO = Path(__file__).resolve().parents[2]


def _mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _coded(mini: Runner) -> Runner:
    result = mini("codings", "import", str(MINI / "codings.csv"))
    assert result.ok, result.err
    return mini


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_a_new_export_is_private(mini: Runner, tmp_path: Path) -> None:
    out = tmp_path / "codings.csv"
    assert _coded(mini)("codings", "export", "--out", str(out)).ok
    assert _mode(out) == 0o600
    assert out.read_text(encoding="utf-8").startswith("coder,transcript,segment,code")
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664])
def test_a_replaced_file_keeps_its_mode(mini: Runner, tmp_path: Path, mode: int) -> None:
    out = tmp_path / "codings.csv"
    out.write_text("old content\n")
    out.chmod(mode)
    inode = out.stat().st_ino
    assert _coded(mini)("codings", "export", "--out", str(out)).ok
    assert _mode(out) == mode
    assert out.read_text(encoding="utf-8").startswith("coder,")
    assert out.stat().st_ino != inode  # replaced by a rename, not rewritten in place
    assert _leftovers(tmp_path) == []


def test_every_writer_keeps_the_mode(mini: Runner, tmp_path: Path) -> None:
    _coded(mini)
    for name, args in [
        ("themes.xlsx", ["export", "themes"]),
        ("themes.md", ["export", "themes"]),
        ("book.yaml", ["codebook", "export"]),
        ("book.qdc", ["refi", "export"]),
    ]:
        out = tmp_path / name
        out.write_bytes(b"old")
        out.chmod(0o644)
        result = mini(*args, "--out", str(out))
        assert result.ok, (name, result.err)
        assert _mode(out) == 0o644, name
        assert out.read_bytes() != b"old", name
    assert _leftovers(tmp_path) == []


def test_a_symbolic_link_is_followed_and_kept(mini: Runner, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert _coded(mini)("codings", "export", "--out", str(link)).ok
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text(encoding="utf-8").startswith("coder,")
    assert _mode(real) == 0o640


def test_dev_null_is_written_to_not_chmod_ed(mini: Runner) -> None:
    before = os.stat("/dev/null")
    try:
        result = _coded(mini)("codings", "export", "--out", "/dev/null")
        assert result.ok, result.err
        after = os.stat("/dev/null")
        assert stat.S_ISCHR(after.st_mode)
        assert after.st_mode == before.st_mode and after.st_uid == before.st_uid
    finally:  # should this ever regress, do not leave the machine with a broken /dev/null
        if stat.S_IMODE(os.stat("/dev/null").st_mode) != stat.S_IMODE(before.st_mode):
            os.chmod("/dev/null", stat.S_IMODE(before.st_mode))


def test_a_fifo_gets_the_data_and_stays_a_fifo(mini: Runner, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo, 0o644)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as stream:
            received.append(stream.read())

    reader = threading.Thread(target=read)
    reader.start()
    result = _coded(mini)("codings", "export", "--out", str(fifo))
    reader.join(timeout=30)
    assert result.ok, result.err
    assert received and received[0].startswith(b"coder,transcript")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and _mode(fifo) == 0o644
    assert _leftovers(tmp_path) == []


def test_a_full_device_is_a_clean_error(mini: Runner) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    before = os.stat("/dev/full")
    result = _coded(mini)("codings", "export", "--out", "/dev/full")
    assert result.code == 2
    assert result.err == (
        "error: /dev/full: cannot write (No space left on device); choose another --out\n"
    )
    assert os.stat("/dev/full").st_mode == before.st_mode


def test_a_full_disk_leaves_the_earlier_export_intact(
    mini: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "codings.csv"
    out.write_text("the earlier export\n")
    out.chmod(0o644)
    _coded(mini)
    real_write = os.write

    def full(fd: int, data: bytes) -> int:
        if len(data) > 100:
            real_write(fd, bytes(data)[:100])  # a part gets written, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    result = mini("codings", "export", "--out", str(out))
    monkeypatch.undo()
    assert result.code == 2
    assert result.err == (
        f"error: {out}: cannot write (No space left on device); the earlier file is unchanged; "
        "free some space or choose another --out\n"
    )
    assert out.read_text() == "the earlier export\n" and _mode(out) == 0o644
    assert _leftovers(tmp_path) == []
    new = tmp_path / "new.csv"
    monkeypatch.setattr(os, "write", full)
    result = mini("codings", "export", "--out", str(new))
    monkeypatch.undo()
    assert result.code == 2 and "nothing was written" in result.err
    assert not new.exists() and _leftovers(tmp_path) == []


KILLED_WRITE = """
import os, signal, sys
from pathlib import Path
from qualcode.export import output

def killed(*args):
    os.kill(os.getpid(), signal.SIGKILL)

os.replace = killed  # the process dies after writing, before the rename
output.write_private(Path(sys.argv[1]), "new export\\n" * 1000)
"""


@pytest.mark.parametrize("existing", [True, False])
def test_a_kill_leaves_the_earlier_export_and_no_empty_file(tmp_path: Path, existing: bool) -> None:
    out = tmp_path / "codings.csv"
    if existing:
        out.write_text("the earlier export\n")
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WRITE, str(out)], cwd=REPO, capture_output=True, timeout=60
    )
    assert done.returncode == -9, done.stderr
    if existing:
        assert out.read_text() == "the earlier export\n"
    else:
        assert not out.exists()


def test_out_to_dev_stdout_redirected_to_a_file(mini: Runner, tmp_path: Path) -> None:
    _coded(mini)
    db = next(iter(tmp_path.glob("*.db")), None)
    if db is None:
        pytest.skip("needs the SQLite project file")
    target = tmp_path / "redirected.csv"
    with open(target, "wb") as stream:
        done = subprocess.run(
            [sys.executable, "-m", "qualcode", "--db", str(db), "--as", "alice",
             "codings", "export", "--out", "/dev/stdout"],
            cwd=REPO, stdout=stream, stderr=subprocess.PIPE, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert target.read_text(encoding="utf-8").startswith("coder,transcript")
    assert _leftovers(tmp_path) == []


def test_a_folder_or_a_missing_folder_is_refused(mini: Runner, tmp_path: Path) -> None:
    _coded(mini)
    result = mini("codings", "export", "--out", str(tmp_path))
    assert result.code == 2
    assert result.err == f"error: {tmp_path}: is a folder; give a file name for --out\n"
    missing = tmp_path / "nope" / "x.csv"
    result = mini("codings", "export", "--out", str(missing))
    assert result.code == 2
    assert result.err == (
        f"error: {missing}: the folder {missing.parent} does not exist; "
        "create it or choose another --out\n"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any file")
def test_a_read_only_file_is_not_replaced(mini: Runner, tmp_path: Path) -> None:
    out = tmp_path / "codings.csv"
    out.write_text("keep me\n")
    out.chmod(0o444)
    result = _coded(mini)("codings", "export", "--out", str(out))
    assert result.code == 2 and "Permission denied" in result.err
    assert out.read_text() == "keep me\n"
