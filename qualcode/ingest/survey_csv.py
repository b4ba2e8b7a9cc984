"""Open-ended survey answers from a CSV file: one transcript per respondent.

Decision: each respondent (data row) becomes ONE transcript. Each selected text column is
one turn whose speaker is the column header (the question); ``Document.text`` is
``f"{column}: {answer}"`` per non-empty answer, turns separated by a blank line, and a
multi-line answer keeps its newlines (so paragraphs within an answer still split). The
respondent id comes from ``id_column`` (empty or duplicate ids are errors naming the CSV
line) or, without one, is ``row001``, ``row002``, ... numbered by data row (completely
empty lines are not rows). Empty answers are skipped; respondents with no non-empty answer
are left out of the result, so callers can report ``rows - len(result)`` as skipped.

The file is decoded like every text file (BOM, UTF-16, cp1252 fallback with a warning that
is copied into each Document); the delimiter is sniffed among ``,`` ``;`` tab and ``|``,
falling back to a comma. Quoting is strict: a broken quote is an error naming the line.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from qualcode.errors import QualcodeError
from qualcode.ingest.decoding import read_text
from qualcode.ingest.model import Document, Respondent, Turn

_DELIMITERS = ",;\t|"


def read_survey(
    path: Path, text_columns: list[str] | None = None, id_column: str | None = None
) -> list[Respondent]:
    """Read respondents from a survey CSV (see the module docstring for the rules)."""
    text, warnings = read_text(path)
    rows = _rows(path, text)
    header_line, header = next(rows, (1, []))
    header = [name.strip() for name in header]
    if not any(header):
        raise QualcodeError(
            f"{path}: line {header_line}: no header row; the first row must name the columns"
        )
    header = [name or f"column{i}" for i, name in enumerate(header, start=1)]
    id_index = _column(path, header, id_column) if id_column is not None else None
    if text_columns is None:
        wanted = [i for i in range(len(header)) if i != id_index]
    else:
        wanted = [_column(path, header, name) for name in text_columns]
    if not wanted:
        raise QualcodeError(
            f"{path}: no text columns to import; name them (the columns are: {', '.join(header)})"
        )

    respondents: list[Respondent] = []
    seen: dict[str, int] = {}
    for n, (line, row) in enumerate(rows, start=1):
        extra = [v for v in row[len(header) :] if v.strip()]
        if extra:
            raise QualcodeError(
                f"{path}: line {line}: {len(row)} fields but the header has {len(header)}; "
                "check the quotes and delimiters in that row"
            )
        values = row + [""] * (len(header) - len(row))
        if id_index is None:
            rid = f"row{n:03d}"
        else:
            rid = values[id_index].strip()
            if not rid:
                raise QualcodeError(
                    f"{path}: line {line}: the {header[id_index]!r} column "
                    "is empty; give every row an id"
                )
            if rid in seen:
                raise QualcodeError(
                    f"{path}: line {line}: id {rid!r} already used on line "
                    f"{seen[rid]}; ids must be unique"
                )
            seen[rid] = line
        document = _document([(header[i], values[i]) for i in wanted], warnings)
        if document is not None:
            respondents.append(Respondent(rid, document))
    return respondents


def _column(path: Path, header: list[str], name: str) -> int:
    wanted = name.strip()
    matches = [i for i, column in enumerate(header) if column == wanted]
    if not matches:
        raise QualcodeError(
            f"{path}: no column named {name!r}; the columns are: {', '.join(header)}"
        )
    if len(matches) > 1:
        raise QualcodeError(
            f"{path}: line 1: {len(matches)} columns are named {name!r}; "
            "rename them so that each name is unique"
        )
    return matches[0]


def _document(answers: list[tuple[str, str]], warnings: list[str]) -> Document | None:
    parts: list[str] = []
    turns: list[Turn] = []
    offset = 0
    for column, answer in answers:
        answer = answer.strip()
        if not answer:
            continue
        if parts:
            offset += 2
        prefix = f"{column}: "
        start = offset + len(prefix)
        turns.append(Turn(column, start, start + len(answer)))
        parts.append(prefix + answer)
        offset = start + len(answer)
    if not turns:
        return None
    return Document("\n\n".join(parts), tuple(turns), "csv", tuple(warnings))


def _delimiter(text: str) -> str:
    sample = text[:65536]
    first_line = sample.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","
    return delimiter if delimiter in first_line else ","


def _rows(path: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, fields) per record, skipping completely empty lines."""
    # csv refuses a field over 128 KB by default; no field can be longer than the file.
    csv.field_size_limit(max(csv.field_size_limit(), min(len(text) + 1, sys.maxsize)))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise QualcodeError(
                f"{path}: line {line}: invalid CSV ({exc}); check the quotes in that row"
            ) from None
        if row:
            yield line, row
        line = reader.line_num + 1
