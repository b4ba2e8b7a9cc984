"""A throwaway PostgreSQL server for the test suite.

The server runs from the machine's own binaries (``/usr/lib/postgresql/<ver>/bin``), keeps its
data directory and unix socket in a fresh temp dir (on /dev/shm when it is roomy: several times
faster than disk), listens on no TCP port and trades durability for speed. As root every server
command runs as the ``postgres`` user (``runuser``). The postmaster is our own child process, so
it is reaped as soon as it stops.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import psycopg
from psycopg import sql

PG_ROOT = Path("/usr/lib/postgresql")
_SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
_SHM = Path("/dev/shm")
_SHM_MIN_FREE = 1 << 30  # Docker's default 64 MB /dev/shm is too small: use /tmp then
_START_TIMEOUT = 60.0

# Appended to postgresql.conf (unix_socket_directories is added): no TCP, no durability.
_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


def _version_key(bin_dir: Path) -> tuple[int, ...]:
    parts = bin_dir.parent.name.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else (-1,)


def find_pg_bin() -> Path | None:
    """The bin dir of the highest installed PostgreSQL server version, or None."""
    candidates = [
        bin_dir
        for bin_dir in PG_ROOT.glob("*/bin")
        if all((bin_dir / exe).is_file() for exe in _SERVER_BINARIES)
    ]
    return max(candidates, key=_version_key) if candidates else None


def _temp_parent() -> str:
    with contextlib.suppress(OSError):
        st = os.statvfs(_SHM)
        if st.f_bavail * st.f_frsize >= _SHM_MIN_FREE and os.access(_SHM, os.W_OK | os.X_OK):
            return str(_SHM)
    return "/tmp"  # not TMPDIR: the postgres user must be able to traverse the parents


class PostgresServer:
    """One PostgreSQL server in a temp dir; ``start()`` it, ``stop()`` it (idempotent)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.tmp_dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._counter = itertools.count(1)
        self._prev_sigterm: Callable[[int, FrameType | None], Any] | int | None = None
        self._as_root = os.geteuid() == 0

    # --- paths --------------------------------------------------------------------------
    def _path(self, name: str) -> Path:
        if self.tmp_dir is None:
            raise RuntimeError("PostgresServer is not started")
        return self.tmp_dir / name

    @property
    def data_dir(self) -> Path:
        return self._path("data")

    @property
    def sock_dir(self) -> Path:
        return self._path("sock")

    @property
    def log_file(self) -> Path:
        return self._path("postgres.log")

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:
        """initdb a fresh cluster and start the postmaster; returns once it accepts connections."""
        if self.tmp_dir is not None:
            raise RuntimeError("PostgresServer already started")
        owner: pwd.struct_passwd | None = None
        if self._as_root:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root but there is no 'postgres' user") from None
        atexit.register(self.stop)
        self._install_sigterm_handler()
        self.tmp_dir = Path(tempfile.mkdtemp(prefix="qualcode-pg-", dir=_temp_parent()))
        self.tmp_dir.chmod(0o755)
        self.data_dir.mkdir(mode=0o700)
        self.sock_dir.mkdir(mode=0o755)
        self.log_file.touch(mode=0o644)
        if owner is not None:
            for path in (self.tmp_dir, self.data_dir, self.sock_dir, self.log_file):
                os.chown(path, owner.pw_uid, owner.pw_gid)

        self._run(
            "initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip
        settings = {**_SETTINGS, "unix_socket_directories": _conf_str(str(self.sock_dir))}
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# qualcode test server\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

        with self.log_file.open("ab") as log:
            self._proc = subprocess.Popen(
                self._cmd("postgres", "-D", str(self.data_dir)), cwd=self.tmp_dir,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C is for pytest; our teardown stops the server
            )  # fmt: skip
        self._wait_ready()

    def stop(self) -> None:
        """Stop the server (``pg_ctl stop -m immediate``), remove the temp dir; idempotent."""
        atexit.unregister(self.stop)
        self._restore_sigterm_handler()
        if self.tmp_dir is None:
            return
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            try:
                self._run("pg_ctl", "stop", "-m", "immediate", "-w", "-s", "-D", str(self.data_dir))
                proc.wait(timeout=30)
            except (RuntimeError, subprocess.TimeoutExpired):
                self._kill(proc)
        shutil.rmtree(self.tmp_dir, ignore_errors=True)
        self.tmp_dir = None

    # --- databases ----------------------------------------------------------------------
    def url(self, dbname: str) -> str:
        """SQLAlchemy URL of a database (no driver name: the application picks psycopg 3)."""
        return f"postgresql://postgres@/{quote(dbname)}?host={quote(str(self.sock_dir))}"

    @staticmethod
    def database_name(url: str) -> str:
        """The database name in a URL made by ``url()``."""
        return unquote(urlsplit(url).path.lstrip("/"))

    def admin_connect(self, dbname: str = "postgres") -> psycopg.Connection:
        """An autocommit superuser connection (close it, e.g. with ``with``)."""
        return psycopg.connect(
            host=str(self.sock_dir), user="postgres", dbname=dbname, autocommit=True,
            connect_timeout=10,
        )  # fmt: skip

    def create_database(self) -> str:
        """Create a fresh, uniquely named database and return its URL."""
        name = f"t_{next(self._counter)}_{secrets.token_hex(4)}"
        with self.admin_connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting whoever is still connected to it."""
        with self.admin_connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    # --- helpers ------------------------------------------------------------------------
    def _cmd(self, exe: str, *args: str) -> list[str]:
        cmd = [str(self.bin_dir / exe), *args]
        return ["runuser", "-u", "postgres", "--", *cmd] if self._as_root else cmd

    def _run(self, exe: str, *args: str) -> None:
        cmd = self._cmd(exe, *args)
        # cwd: postgres may not be allowed into the directory pytest was started from.
        proc = subprocess.run(
            cmd, cwd=self.tmp_dir, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(
                f"{exe} failed (exit code {proc.returncode}): {' '.join(cmd)}\n"
                f"{proc.stdout}{proc.stderr}{self._log_tail()}"
            )

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError, RuntimeError):
            return "\nserver log:\n" + self.log_file.read_text(errors="replace")[-3000:]
        return ""

    def _wait_ready(self) -> None:
        # Like pg_ctl -w: postmaster.pid's 8th line says "ready" once connections are accepted.
        assert self._proc is not None
        pid_file = self.data_dir / "postmaster.pid"
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                raise RuntimeError(f"postgres exited with code {code}{self._log_tail()}")
            with contextlib.suppress(OSError):
                lines = pid_file.read_text().splitlines()
                if len(lines) >= 8 and lines[7].strip() == "ready":
                    return
            time.sleep(0.01)
        raise RuntimeError(f"postgres did not start within {_START_TIMEOUT:.0f}s{self._log_tail()}")

    def _kill(self, proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            pid = int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)  # runuser and postgres (new session)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)

    def _install_sigterm_handler(self) -> None:
        """Turn SIGTERM into KeyboardInterrupt so pytest tears down (and stops us) cleanly."""
        with contextlib.suppress(ValueError):  # ValueError: not the main thread
            if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
                self._prev_sigterm = signal.signal(signal.SIGTERM, _sigterm_to_interrupt)

    def _restore_sigterm_handler(self) -> None:
        if self._prev_sigterm is not None:
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGTERM, self._prev_sigterm)
            self._prev_sigterm = None


def _sigterm_to_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _conf_str(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
