"""Plain data produced by the readers and the segmenter (no database, no Textual)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass(frozen=True)
class Turn:
    """One speaker turn: ``text[start:end]`` of its Document is what the speaker said.

    Offsets are code points into ``Document.text`` (end exclusive); the speaker label and
    any timestamp are outside the span.
    """

    speaker: str | None
    start: int
    end: int
    timestamp: str | None = None


@dataclass(frozen=True)
class Document:
    """A transcript as read from a file: normalised text (NFC, ``\\n``) and its turns."""

    text: str
    turns: tuple[Turn, ...]
    format: str
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Respondent:
    """One respondent of an open-ended survey CSV: becomes one transcript."""

    respondent_id: str
    document: Document


class SegmentSpan(NamedTuple):
    """A unit for coding: ``text == document.text[start:end]``; never crosses a turn.

    A named tuple rather than a dataclass: an import makes hundreds of thousands of them.
    """

    ordinal: int
    start: int
    end: int
    speaker: str | None
    text: str
