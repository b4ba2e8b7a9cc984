"""Print or write a table as a terminal table, CSV or JSON (``--format table|csv|json``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qualcode.errors import QualcodeError
from qualcode.export.csv_safe import csv_text

# Columns of prose that take the spare width of a terminal table.
WIDE_COLUMNS = frozenset({"text", "description", "quote", "memo", "codes"})


def to_json(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    records = [dict(zip(header, row, strict=True)) for row in rows]
    return json.dumps(records, ensure_ascii=False, indent=2, default=str) + "\n"


def render_table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None
) -> None:
    from rich.console import Console
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
    Console().print(table)


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write an export file readable by its owner only (mode 0600, also when it existed)."""
    import os

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise QualcodeError(f"{path}: cannot write ({exc.strerror}); choose another --out") from exc
    with os.fdopen(fd, "wb") as stream:
        os.fchmod(stream.fileno(), 0o600)
        stream.write(data)


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
