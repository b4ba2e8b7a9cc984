"""Word (.docx) transcripts: paragraphs (and table rows) -> text -> the plain-text turn rules.

Each non-empty paragraph becomes one line of ``Document.text``; paragraphs are separated by
a blank line. Tables are read in document order: a row like ``Interviewer | text`` or
``00:01:02 | P05 | text`` becomes one line ``[ts ]label: text``; any other row contributes
each cell paragraph as its own paragraph. Paragraphs styled as headings (Title, Heading n)
belong to no turn, like Markdown headings. Speaker labels are then found exactly as in
plain text (:func:`qualcode.ingest.turns_text.detect_turns`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError
from qualcode.ingest.decoding import normalise, read_bytes
from qualcode.ingest.model import Document
from qualcode.ingest.turns_text import TIMESTAMP, detect_turns, is_label

if TYPE_CHECKING:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

_TIMESTAMP_CELL = re.compile(rf"[\[(]?{TIMESTAMP}[\])]?")


def read_docx(path: Path) -> Document:
    """Read a .docx transcript; a corrupt or non-Word file raises QualcodeError."""
    raw = read_bytes(path)
    if not raw:
        raise QualcodeError(f"{path}: the file is empty")
    paragraphs = _load_paragraphs(path)
    parts: list[str] = []
    heading_starts: list[int] = []
    offset = 0
    for text, is_heading in paragraphs:
        text = normalise(text).strip()
        if not text:
            continue
        if parts:
            offset += 2  # the "\n\n" separator
        if is_heading:
            heading_starts.extend(offset + i for i in _line_starts(text))
        parts.append(text)
        offset += len(text)
    full = "\n\n".join(parts)
    turns = detect_turns(full, heading_starts=heading_starts)
    if not turns:
        raise QualcodeError(f"{path}: the document contains no transcript text; add the text")
    return Document(full, turns, "docx")


def _line_starts(text: str) -> Iterator[int]:
    yield 0
    for m in re.finditer("\n", text):
        yield m.end()


def _load_paragraphs(path: Path) -> list[tuple[str, bool]]:
    import zipfile

    import docx  # python-docx; imported here so that importing this module stays fast

    if not zipfile.is_zipfile(path):
        raise QualcodeError(
            f"{path}: not a readable .docx file (not a Word package; an old .doc or a renamed "
            "file?); re-save it from Word"
        )
    try:
        document = docx.Document(str(path))
        return list(_walk(document.iter_inner_content()))
    except Exception as exc:  # any failure inside python-docx means an unreadable file
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        reason = reason[:80] or exc.__class__.__name__
        raise QualcodeError(
            f"{path}: not a readable .docx file ({reason}); re-save it from Word"
        ) from None


def _walk(items: Iterator[Paragraph | Table]) -> Iterator[tuple[str, bool]]:
    """Yield (paragraph text, is a heading) in document order, descending into tables."""
    from docx.text.paragraph import Paragraph

    for item in items:
        if isinstance(item, Paragraph):
            yield item.text, _is_heading(item)
        else:
            yield from _table(item)


def _is_heading(paragraph: Paragraph) -> bool:
    try:
        name = paragraph.style.name if paragraph.style is not None else ""
    except (KeyError, AttributeError, ValueError):
        return False
    name = name or ""
    return name == "Title" or name.startswith("Heading")


def _table(table: Table) -> Iterator[tuple[str, bool]]:
    for row in table.rows:
        cells = []
        seen: set[int] = set()
        for cell in row.cells:  # merged cells repeat; read each once
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell)
        line = _row_as_turn([" ".join(p.text for p in cell.paragraphs) for cell in cells])
        if line is not None:
            yield line, False
            continue
        for cell in cells:
            yield from _walk(cell.iter_inner_content())


def _row_as_turn(cells: list[str]) -> str | None:
    """``[timestamp |] label | text...`` as one labelled line, else None."""
    values = [" ".join(c.split()) for c in cells]
    values = [v for v in values if v]
    timestamp = ""
    if values and _TIMESTAMP_CELL.fullmatch(values[0]):
        timestamp = values.pop(0).strip("[]()") + " "
    if len(values) < 2:
        return None
    label = values[0].rstrip(":").strip()
    if not is_label(label):
        return None
    return f"{timestamp}{label}: {' '.join(values[1:])}"
