"""Print or write a table as a terminal table, CSV or JSON (``--format table|csv|json``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError
from qualcode.export.csv_safe import csv_text

if TYPE_CHECKING:
    from rich.console import Console

# Columns of prose that take the spare width of a terminal table.
WIDE_COLUMNS = frozenset({"text", "description", "quote", "memo", "codes"})


def to_json(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    records = [dict(zip(header, row, strict=True)) for row in rows]
    return json.dumps(records, ensure_ascii=False, indent=2, default=str) + "\n"


def terminal(stderr: bool = False) -> Console:
    """A rich Console that prints every string literally: transcript text such as
    ``[inaudible]``, ``[/]`` or ``:smile:`` is data, never rich markup or an emoji code.
    Every table qualcode prints goes through one; styles come from ``style=`` and Text."""
    from rich.console import Console

    return Console(stderr=stderr, markup=False, emoji=False)


def render_table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None
) -> None:
    from rich.table import Table

    wide = [name in WIDE_COLUMNS for name in header]
    table = Table(title=title, header_style="bold", show_header=any(header), expand=any(wide))
    for name, is_wide in zip(header, wide, strict=True):
        if is_wide:
            table.add_column(name, overflow="fold", ratio=3 if name == "text" else 2, min_width=30)
        else:
            table.add_column(name, overflow="fold", max_width=30)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    terminal().print(table)


def _cannot_write(path: Path | str, exc: OSError, what: str = "cannot write") -> QualcodeError:
    reason = exc.strerror or type(exc).__name__
    return QualcodeError(f"{path}: {what} ({reason}); choose another --out")


STREAM_PATHS = ("/dev/stdout", "/dev/stderr", "/dev/tty")
STREAM_FOLDERS = ("/dev/fd/", "/proc/")


def _is_stream_path(path: Path) -> bool:
    """``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/1``: a stream another program opened
    (a shell redirection), written directly, whatever file it leads to."""
    import os

    absolute = os.path.abspath(path)
    return absolute in STREAM_PATHS or absolute.startswith(STREAM_FOLDERS)


def _write_all(fd: int, data: bytes) -> None:
    import os

    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _write_directly(path: Path, data: bytes, flags: int) -> None:
    """Write into something that exists and is not ours to replace (a device, a FIFO, a
    stream): no chmod, no rename, no truncation of a device."""
    import os

    try:
        fd = os.open(path, os.O_WRONLY | flags)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    try:
        _write_all(fd, data)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    finally:
        os.close(fd)


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write an export file without ever leaving a half-written one.

    * A new file is created private to its owner (mode 0600).
    * An existing regular file is replaced whole: the data goes to a temporary file in the
      same folder, which is renamed over it, keeping the old file's mode (and owner when
      possible). A full disk, an error or a kill leaves the earlier file as it was. A
      symbolic link is followed: the file it points to is replaced, the link kept.
    * Something that is not a regular file (``/dev/null``, a FIFO, a terminal) is written to
      directly: never chmod-ed, truncated, renamed or replaced. So is whatever
      ``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N`` or ``/proc/…`` leads to (a shell
      redirection: a regular file there is appended to).
    """
    import contextlib
    import errno
    import os
    import stat
    import tempfile

    try:
        info: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise QualcodeError(f"{path}: is a folder; give a file name for --out")
    if info is not None and (not stat.S_ISREG(info.st_mode) or _is_stream_path(path)):
        # A regular file behind /dev/stdout was opened by the shell (> or >>): append to it.
        _write_directly(path, data, os.O_APPEND if stat.S_ISREG(info.st_mode) else 0)
        return
    target = Path(os.path.realpath(path))  # through symbolic links: replace the file, not the link
    if info is not None and not os.access(target, os.W_OK):
        raise _cannot_write(path, PermissionError(13, "Permission denied"))
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )  # mode 0600
    except FileNotFoundError:
        raise QualcodeError(
            f"{path}: the folder {target.parent} does not exist; create it or choose another --out"
        ) from None
    except OSError as exc:
        raise _cannot_write(path, exc, f"cannot create a file in {target.parent}") from exc
    try:
        try:
            if info is not None:
                if (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
                    # Not allowed unless root: then the new file is ours, with the old mode.
                    with contextlib.suppress(OSError):
                        os.fchown(fd, info.st_uid, info.st_gid)
                os.fchmod(fd, stat.S_IMODE(info.st_mode))
            _write_all(fd, data)
            try:
                os.fsync(fd)
            except OSError as exc:  # a file system without fsync is no reason to fail
                if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
                    raise
        finally:
            os.close(fd)
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            kept = "the earlier file is unchanged" if info is not None else "nothing was written"
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
            fix = "free some space or choose another --out" if full else "choose another --out"
            reason = exc.strerror or type(exc).__name__
            raise QualcodeError(f"{path}: cannot write ({reason}); {kept}; {fix}") from exc
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: not every file system allows it)."""
    import contextlib
    import os

    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def write_private(path: Path, content: str) -> None:
    """Write a text export file (UTF-8, newlines as given), private to its owner."""
    write_private_bytes(path, content.encode("utf-8"))


def emit(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    out: Path | None = None,
    title: str | None = None,
) -> None:
    """Show rows in the chosen format, on standard output or in ``out``."""
    if fmt == "table" and out is None:
        render_table(header, rows, title)
        return
    if fmt == "json":
        content = to_json(header, rows)
    elif fmt in ("csv", "table"):
        content = csv_text(header, rows)
    else:
        raise QualcodeError(f"--format {fmt}: unknown format; use table, csv or json")
    if out is None:
        sys.stdout.write(content)
    else:
        write_private(out, content)
