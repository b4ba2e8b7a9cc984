"""Positions of REFI-QDA selections → offsets in our normalised transcript text.

The standard counts ``startPosition``/``endPosition`` in Unicode code points of the plain-text
source, 0-based, end exclusive (Python slicing). Two things stand between such a position
and an offset in the stored transcript:

1. **Normalisation.** The stored text is :func:`qualcode.ingest.decoding.normalise` of the
   source: no leading BOM, ``\\n`` for CRLF and CR, NFC. :func:`normalise_with_map` returns
   the same text plus, for every code point offset of the source, the offset in that text.
2. **Other counting.** Not every writer follows the standard. NVivo for Windows counts UTF-16
   code units (an emoji is two) and a line break as two (CRLF), even when the file has bare
   LF. A :class:`Reading` says how positions were counted; :func:`choose_reading` picks the
   one the evidence supports.

The heuristic (:func:`choose_reading`). For every way of counting that gives different
positions for these texts (code points or UTF-16 units × line breaks as in the file, always
two, or always one) it scores all selections of the file together:

* ``invalid``: selections that fall outside the text, are empty or reversed, or split an
  emoji (a UTF-16 surrogate pair) or a CRLF pair;
* ``names``: selections whose ``name`` (writers put the quoted text there) matches the text
  at the converted position;
* ``aligned``: selection ends that sit on word boundaries (a start not on whitespace and not
  inside a word, an end likewise).

The reading with the fewest invalid selections wins, then the most matching names, then the
most aligned ends; a tie goes to the standard's code points. So the standard is kept unless
positions only make sense counted another way (selections past the end of the text, or cut
words), which is how a NVivo-for-Windows export of text with emoji or line breaks shows.

Pure functions, no database.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_NEWLINES = str.maketrans({"\u2028": "\n", "\u2029": "\n"})
_LONG_PIECE = 256  # above this, offsets inside a changed piece are approximated


@dataclass(frozen=True)
class Reading:
    """How a writer counted positions: ``unit`` and how a line break counts.

    ``unit``: ``codepoint`` (the standard) or ``utf16``. ``newline``: ``file`` (as the bytes
    are: CRLF is two, LF one), ``crlf`` (every line break is two) or ``lf`` (every one is one).
    """

    unit: str = "codepoint"
    newline: str = "file"

    @property
    def standard(self) -> bool:
        return self.unit == "codepoint" and self.newline == "file"

    def describe(self) -> str:
        unit = "UTF-16 code units" if self.unit == "utf16" else "code points"
        newline = {
            "file": "line breaks as in the file",
            "crlf": "every line break counted as two (CRLF)",
            "lf": "every line break counted as one",
        }[self.newline]
        return f"{unit}, {newline}"


STANDARD = Reading()
# In order of preference when the evidence ties.
READINGS = (
    STANDARD,
    Reading("utf16", "crlf"),  # NVivo for Windows
    Reading("utf16", "file"),
    Reading("codepoint", "crlf"),
    Reading("codepoint", "lf"),
    Reading("utf16", "lf"),
)


def _normalise_piece(piece: str, drop_cr: bool) -> str:
    if piece.startswith("\r"):
        piece = piece[1:] if drop_cr else "\n" + piece[1:]
    piece = piece.translate(_NEWLINES)
    return piece if piece.isascii() else unicodedata.normalize("NFC", piece)


def normalise_with_map(raw: str) -> tuple[str, list[int]]:
    """``(text, where)``: ``text == decoding.normalise(raw)`` and ``where[i]`` is the offset in
    ``text`` of code point offset ``i`` of ``raw`` (``len(where) == len(raw) + 1``).

    NFC works within runs that start at an ASCII character (nothing composes with a preceding
    character across an ASCII one), so the text is cut there: most pieces are one ASCII
    character, mapped one to one. A piece whose length changes maps its start and end exactly
    and offsets inside it to the length of its normalised prefix.
    """
    where: list[int] = []
    out: list[str] = []
    length = 0
    i = 0
    n = len(raw)
    if raw.startswith("\ufeff"):
        where.append(0)
        i = 1
    while i < n:
        j = i + 1
        while j < n and not raw[j].isascii():
            j += 1
        piece = raw[i:j]
        drop_cr = piece == "\r" and j < n and raw[j] == "\n"
        done = _normalise_piece(piece, drop_cr)
        if len(done) == len(piece):
            where.extend(range(length, length + len(piece)))
        else:
            where.append(length)
            for k in range(1, len(piece)):
                if len(piece) > _LONG_PIECE:
                    inner = min(k, len(done))
                else:
                    inner = len(_normalise_piece(piece[:k], False))
                where.append(length + min(inner, len(done)))
        out.append(done)
        length += len(done)
        i = j
    where.append(length)
    return "".join(out), where


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_BREAK = re.compile(r"\r\n|\r|\n")


class UnitMap:
    """Counted positions ↔ code point offsets of one text, for one :class:`Reading`.

    Kept sparse: only characters that do not count as one (an emoji in UTF-16, a line break
    counted otherwise than in the file) are listed, so a long transcript costs little.
    """

    def __init__(self, length: int, events: list[tuple[int, int]]) -> None:
        self.length = length
        self.index: list[int] = []  # code point offset of each such character
        self.width: list[int] = []  # how many positions it counts for (0, 2)
        self.position: list[int] = []  # its counted position
        extra = 0
        for i, width in events:
            self.index.append(i)
            self.width.append(width)
            self.position.append(i + extra)
            extra += width - 1
        self.total = length + extra

    def to_code_point(self, position: int) -> int | None:
        """The code point offset at a counted ``position``; None inside a character (half an
        emoji in UTF-16, the second unit of a line break counted as two)."""
        m = bisect.bisect_right(self.position, position) - 1
        if m < 0:
            return position if 0 <= position <= self.length else None
        start, width, i = self.position[m], self.width[m], self.index[m]
        if position == start:
            return i
        if position < start + width:
            return None
        offset = i + 1 + (position - start - width)
        return offset if offset <= self.length else None

    def from_code_point(self, offset: int) -> int:
        m = bisect.bisect_left(self.index, offset) - 1  # events before ``offset``
        if m < 0:
            return offset
        return self.position[m] + self.width[m] + (offset - self.index[m] - 1)


def unit_map(raw: str, reading: Reading) -> UnitMap | None:
    """How positions counted the ``reading`` way map to code points of ``raw``; None when
    they are code points (the standard, or a text where the reading makes no difference)."""
    if reading.standard:
        return None
    events: list[tuple[int, int]] = []
    if reading.unit == "utf16":
        events.extend((m.start(), 2) for m in _ASTRAL.finditer(raw))
    if reading.newline != "file":
        for m in _BREAK.finditer(raw):
            if m.group() == "\r\n":
                if reading.newline == "lf":
                    events.append((m.start(), 0))  # the CR counts nothing, the LF one
            elif reading.newline == "crlf":
                events.append((m.start(), 2))
    if not events:
        return None
    events.sort()
    return UnitMap(len(raw), events)


def to_code_point(position: int, units: UnitMap | None) -> int | None:
    """The code point offset of a counted ``position`` (see :meth:`UnitMap.to_code_point`)."""
    if units is None:
        return position
    return units.to_code_point(position)


@dataclass(frozen=True)
class Selection:
    """What a selection says: counted positions, and its name (often the quoted text)."""

    start: int
    end: int
    name: str = ""


@dataclass
class Score:
    invalid: int = 0
    names: int = 0
    aligned: int = 0

    def key(self) -> tuple[int, int, int]:
        return (self.invalid, -self.names, -self.aligned)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _name_matches(name: str, quoted: str) -> bool:
    name = _squash(name).rstrip("…").removesuffix("...").strip()
    if len(name) < 3:
        return False
    quoted = _squash(quoted)
    return quoted == name or quoted.startswith(name)


def _aligned_start(raw: str, i: int) -> bool:
    if i >= len(raw) or raw[i].isspace():
        return False
    return i == 0 or not (raw[i - 1].isalnum() and raw[i].isalnum())


def _aligned_end(raw: str, i: int) -> bool:
    if i <= 0 or raw[i - 1].isspace():
        return False
    return i == len(raw) or not (raw[i - 1].isalnum() and raw[i].isalnum())


def convert(raw: str, selection: Selection, units: UnitMap | None) -> tuple[int, int] | None:
    """Code point offsets ``(start, end)`` in ``raw`` of a selection, or None if invalid."""
    start = to_code_point(selection.start, units)
    end = to_code_point(selection.end, units)
    if start is None or end is None or not 0 <= start < end <= len(raw):
        return None
    return start, end


def score(raw: str, selections: Sequence[Selection], units: UnitMap | None) -> Score:
    """The evidence for one way of counting (``units``, from :func:`unit_map`) in one text."""
    result = Score()
    for selection in selections:
        span = convert(raw, selection, units)
        if span is None:
            result.invalid += 1
            continue
        start, end = span
        if selection.name and _name_matches(selection.name, raw[start:end]):
            result.names += 1
        result.aligned += _aligned_start(raw, start) + _aligned_end(raw, end)
    return result


def choose_reading(
    sources: Sequence[tuple[str, Sequence[Selection]]],
) -> tuple[Reading, dict[Reading, Score]]:
    """The reading of positions that fits these ``(raw text, selections)`` best (see the
    module docstring), and the scores of the readings that differ from the standard."""
    scores: dict[Reading, Score] = {}
    for reading in READINGS:
        total = Score()
        differs = reading.standard
        for raw, selections in sources:
            if not selections:
                continue
            units = unit_map(raw, reading)
            differs = differs or units is not None
            one = score(raw, selections, units)
            total.invalid += one.invalid
            total.names += one.names
            total.aligned += one.aligned
        if differs:
            scores[reading] = total
    best = min(scores, key=lambda r: (scores[r].key(), READINGS.index(r)))
    return best, scores
