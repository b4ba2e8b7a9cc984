"""The one place that writes CSV, and the reader of CSV files qualcode takes in.

Writing: UTF-8, a header row, and cells safe from formula injection. A spreadsheet treats a
cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula;
such cells are prefixed with ``'`` so they show as text. So that the guard can be undone
exactly, a cell that already begins with one or more ``'`` followed by one of those
characters gets one more ``'`` too. Numbers are written as numbers (a negative number stays
a number).

Reading (:func:`read_csv_file`): strict CSV (an unclosed quote or a stray quote is an error
naming the line where the record starts), newlines inside quoted fields kept, every record
with its line number. :func:`unguard_cell` removes the ``'`` the writer added, and only that:
a ``'`` followed by one or more ``'`` and then a dangerous character. A cell that really
begins with ``'`` followed by anything else is kept as it is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
FIELD_LIMIT = 256 << 20  # characters in one field when reading (the csv module's default: 128 KiB)


def _needs_guard(text: str) -> bool:
    """True when ``text``, after any leading ``'``, begins with a dangerous character."""
    return text.lstrip("'").startswith(DANGEROUS_START)


def safe_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    if _needs_guard(text):
        return "'" + text
    return text


def unguard_cell(text: str) -> str:
    """Undo :func:`safe_cell` on a cell read back as text: ``'=x`` → ``=x``, ``''-x`` →
    ``'-x``; ``'x`` and ``'`` stay as they are."""
    if text.startswith("'") and _needs_guard(text):
        return text[1:]
    return text


class _NewlineRows:
    """The csv writer quotes a field holding a character of its line terminator. With
    ``\n`` alone a field holding a lone ``\r`` would go out unquoted and split the row when
    read back; so the writer ends rows with ``\r\n`` (quoting both) and this stream, which
    receives one whole row per write, ends them with ``\n``."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, row: str) -> int:
        return self.stream.write(row[:-2] + "\n")


def write_csv_stream(stream: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a header and rows to an open text stream; returns the number of data rows."""
    writer = csv.writer(_NewlineRows(stream), lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        count += 1
    return count


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    write_csv_stream(buffer, header, rows)
    return buffer.getvalue()


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvRecord:
    line: int  # the line the record starts on (1-based)
    cells: list[str]


@dataclass(frozen=True)
class CsvFile:
    path: Path
    header_line: int
    header: list[str]  # stripped, unguarded column names
    records: list[CsvRecord]  # the rows under the header; blank lines left out


_QUOTE_HINT = (
    "put a field holding commas, quotes or line breaks in double quotes and write a quote "
    'inside it as two ("")'
)


def _describe_csv_error(exc: csv.Error, line: int, end: int) -> str:
    """What went wrong in the record starting on ``line``; the reader stopped on ``end``."""
    message = str(exc)
    if "unexpected end of data" in message:
        return (
            "a quoted field is never closed (its opening quote runs to the end of the file); "
            'add the closing quote ("), or write a quote inside a field as two ("")'
        )
    if "expected after" in message and end > line:
        return (
            f"a quoted field is not closed on this line: it runs on to line {end}, where a "
            f'quote is followed by other text; add the closing quote ("), or write a quote '
            'inside a field as two ("")'
        )
    if "expected after" in message:
        return f"a quote in the middle of a field; {_QUOTE_HINT}"
    if "NUL" in message:
        return "the line contains a NUL byte; re-save the file as UTF-8 text"
    if "field larger than field limit" in message:
        return (
            f"a field is longer than {FIELD_LIMIT // (1 << 20)} MiB, probably an unclosed quote; "
            'check the quotes from this line on ("), or write a quote inside a field as two ("")'
        )
    return f"not valid CSV ({message}); {_QUOTE_HINT}"


def decode_csv(path: Path) -> str:
    """The file's text exactly as written (encodings as :mod:`qualcode.ingest.decoding`
    guesses them), without the newline and Unicode normalisation transcripts get: a cell
    read back equals the cell written."""
    from qualcode.errors import QualcodeError
    from qualcode.ingest.decoding import _binary, _decode, _looks_binary, read_bytes

    raw = read_bytes(path)
    if not raw:
        raise QualcodeError(f"{path}: the file is empty; give a CSV file with a header row")
    text, _warnings = _decode(path, raw)
    if _looks_binary(text):
        raise _binary(path)
    if "\x00" in text:  # PostgreSQL cannot store it: refused here, with its line
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise QualcodeError(
            f"{path}: line {line}: a NUL character (code 0), which a project cannot store; "
            "remove it and import again"
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise QualcodeError(
            f"{path}: the file is empty (it contains only whitespace); "
            "give a CSV file with a header row"
        )
    return text


RowTest = Callable[[list[str], list[str]], bool]  # (header, fields): a row of this file?
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _swallowed_row(
    path: Path, header: list[str], record: CsvRecord, looks_like_row: RowTest
) -> None:
    """Refuse a quoted field holding lines that look like rows of the file: an opening quote
    whose closing quote is missing, closed by chance by a later quote."""
    from qualcode.errors import QualcodeError

    for cell in record.cells:
        if "\n" not in cell and "\r" not in cell:
            continue
        for part in _LINE_BREAK.split(cell)[1:]:
            try:
                fields = next(csv.reader([part]), [])
            except csv.Error:
                continue
            if looks_like_row(header, fields):
                shown = part if len(part) <= 60 else part[:57] + "..."
                raise QualcodeError(
                    f"{path}: line {record.line}: a quoted field takes in a line that looks "
                    f"like a row of its own ({shown!r}): its closing quote is probably missing; "
                    'add it ("), or write a quote inside a field as two ("")'
                )


def read_csv_file(
    path: Path, text: str | None = None, looks_like_row: RowTest | None = None
) -> CsvFile:
    """Read a comma-separated file strictly: every record with the line it starts on, a
    header of stripped and unguarded names (none empty, none twice), every row with as many
    fields as the header. Blank lines are left out. Cells are returned as written (not
    stripped, not unguarded): the caller decides per column. ``looks_like_row`` tells a line
    inside a multi-line field that must be a row of its own (swallowed by an unclosed quote).

    Any problem raises a QualcodeError ``FILE: line N: what is wrong; what to do``.
    """
    from qualcode.errors import QualcodeError

    if text is None:
        text = decode_csv(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[CsvRecord] = []
    line = 1
    limit = csv.field_size_limit(FIELD_LIMIT)  # a long quote or memo is fine; restored below
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                what = _describe_csv_error(exc, line, reader.line_num)
                raise QualcodeError(f"{path}: line {line}: {what}") from None
            if row and any(cell.strip() for cell in row):
                records.append(CsvRecord(line, row))
            line = reader.line_num + 1
    finally:
        csv.field_size_limit(limit)
    if not records:
        raise QualcodeError(f"{path}: no header row; the first row must name the columns")
    first = records[0]
    header = [unguard_cell(name.strip()) for name in first.cells]
    for i, name in enumerate(header, start=1):
        if not name:
            raise QualcodeError(
                f"{path}: line {first.line}: column {i} has no name; "
                "name every column in the header row"
            )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise QualcodeError(
                f"{path}: line {first.line}: the column {name!r} appears twice; keep one of them"
            )
        seen.add(name)
    for record in records[1:]:
        if looks_like_row is not None:
            _swallowed_row(path, header, record, looks_like_row)
        if len(record.cells) != len(header):
            raise QualcodeError(
                f"{path}: line {record.line}: {len(record.cells)} field(s), expected "
                f"{len(header)} as in the header; check the commas and quotes in that row"
            )
    return CsvFile(path, first.line, header, records[1:])
