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
    _check_package(path)
    try:
        document = docx.Document(str(path))
        return list(_walk(document.iter_inner_content()))
    except Exception as exc:  # any failure inside python-docx means an unreadable file
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        reason = reason[:80] or exc.__class__.__name__
        raise QualcodeError(
            f"{path}: not a readable .docx file ({reason}); re-save it from Word"
        ) from None


# python-docx reads every part of the package into memory and parses the XML parts into
# trees several times their size, so a package is checked before it is opened: a zip bomb
# (a few KB that expand to gigabytes) is refused having read nothing but the zip directory.
# ``zipfile`` never returns more than a member's declared size, so the sizes can be trusted.
MAX_MEMBERS = 10_000
MAX_PACKAGE_BYTES = 100 * 1024 * 1024  # all parts, uncompressed
MAX_XML_BYTES = 40 * 1024 * 1024  # the XML parts python-docx parses (about 8x as a tree)
MAX_RATIO = 100  # uncompressed : compressed, per part (Word's XML compresses about 10:1)
RATIO_FLOOR_BYTES = 1024 * 1024


def _check_package(path: Path) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise QualcodeError(f"{path}: not a readable .docx file ({exc}); re-save it") from None
    refused = f"{path}: refused: not a plausible Word document"
    if len(infos) > MAX_MEMBERS:
        raise QualcodeError(f"{refused} ({len(infos)} parts); re-save it from Word")
    total = sum(i.file_size for i in infos)
    xml = sum(i.file_size for i in infos if i.filename.lower().endswith((".xml", ".rels")))
    if total > MAX_PACKAGE_BYTES or xml > MAX_XML_BYTES:
        raise QualcodeError(
            f"{refused} (it expands to {total / 2**20:.0f} MB, {xml / 2**20:.0f} MB of it "
            f"XML; the limits are {MAX_PACKAGE_BYTES // 2**20} MB and "
            f"{MAX_XML_BYTES // 2**20} MB); save the text as .txt or split the document"
        )
    for info in infos:
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise QualcodeError(
                f"{refused} (part {info.filename!r} expands {info.file_size // 2**20} MB from "
                f"{info.compress_size} bytes: a zip bomb?); re-save it from Word"
            )


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
