"""Plain-text and Markdown transcripts: find speaker turns from labels at line starts.

A labelled line looks like ``[00:12:03] Interviewer: text`` — an optional timestamp
(``[hh:mm:ss]``, ``(mm:ss)`` or bare, optional ``.mmm``), a label of 1–4 words (at most 40
characters: letters, digits, spaces, ``.``, ``-``, ``'``, ``_``), a colon and the text.
Rev-style ``Speaker 1 (00:00):`` and a timestamp right after the colon are accepted too.
In Markdown, ``**Interviewer:**`` and ``**P05**:`` count, and heading lines (``# ...``) belong
to no turn.

Prose such as ``Note: the recording stopped`` is not a speaker: a label counts only if it
starts at least two lines of the file or looks like a speaker role (Interviewer, P07,
Speaker 2, INT, Q, A, ...). Unlabelled lines continue the current turn, across blank lines.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import QualcodeError
from qualcode.ingest.decoding import read_text
from qualcode.ingest.model import Document, Turn

TIMESTAMP = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
LABEL = r"[^\W_][\w.'’\- ]{0,39}"
MAX_LABEL_WORDS = 4
MAX_LABEL_CHARS = 40

_LINE = re.compile(
    rf"""
    [ \t]*
    (?:\[(?P<ts1>{TIMESTAMP})\]|\((?P<ts2>{TIMESTAMP})\)|(?P<ts3>{TIMESTAMP})(?=[ \t]))?
    [ \t]*(?:[-–—][ \t]*)?
    (?:
        \*\*[ \t]*(?:[\[(](?P<ts4>{TIMESTAMP})[\])][ \t]*)?
        (?P<blabel>{LABEL}?)[ \t]*(?::\*\*|\*\*[ \t]*:)
      |
        (?P<label>{LABEL}?)(?:[ \t]*[\[(](?P<ts5>{TIMESTAMP})[\])])?[ \t]*:(?=\s|$)
    )
    [ \t]*(?:[\[(](?P<ts6>{TIMESTAMP})[\])])?
    """,
    re.VERBOSE,
)
_HEADING = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]|$)")
_KNOWN_SPEAKER = re.compile(
    r"(?i:interviewer|interviewee|moderator|participant|respondent|facilitator)"
    r"(?:[ _-]?(?:\d+|[A-Z]))?"
    r"|(?i:speaker)[ _-]?\d+|(?i:[PR])[ _-]?\d+|I|R|Q|A|INT|IV|IE"
)
_TS_GROUPS = ("ts1", "ts2", "ts3", "ts4", "ts5", "ts6")
# A label line's colon comes within its first characters (timestamps, a 40-character label,
# some spaces); matching only this much of a line keeps the scan linear in the text (the
# pattern's runs of optional spaces backtrack quadratically on a long run of blanks).
_HEAD = 200


def is_label(label: str) -> bool:
    """True if ``label`` (already stripped) has the shape of a speaker label."""
    return (
        0 < len(label) <= MAX_LABEL_CHARS
        and len(label.split()) <= MAX_LABEL_WORDS
        and re.fullmatch(LABEL, label) is not None
    )


def is_known_speaker(label: str) -> bool:
    """True if ``label`` is a conventional speaker name (Interviewer, P07, Speaker 2, ...)."""
    return _KNOWN_SPEAKER.fullmatch(label) is not None


@dataclass(frozen=True)
class _Mark:
    """A line that may start a turn (label) or that belongs to no turn (heading)."""

    line_start: int
    content_start: int
    label: str | None  # None for a heading line
    timestamp: str | None


def _scan(text: str, markdown: bool, heading_starts: Collection[int]) -> list[_Mark]:
    marks: list[_Mark] = []
    pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        if start in heading_starts or (markdown and _HEADING.match(line)):
            marks.append(_Mark(start, start + len(line), None, None))
            continue
        if ":" not in line:
            continue
        head = line[:_HEAD]
        m = _LINE.match(head)
        if m is None or (len(head) < len(line) and m.end() >= len(head) - 1):
            continue
        raw = m.group("blabel")
        if raw is None:
            raw = m.group("label")
        elif not markdown:
            continue
        label = raw.strip()
        if not is_label(label):
            continue
        timestamp = next((m.group(g) for g in _TS_GROUPS if m.group(g)), None)
        marks.append(_Mark(start, start + m.end(), label, timestamp))
    return marks


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` so that it neither starts nor ends with whitespace."""
    piece = text[start:end]
    stripped = piece.lstrip()
    if not stripped:
        return start, start
    start += len(piece) - len(stripped)
    return start, start + len(stripped.rstrip())


def detect_turns(
    text: str, *, markdown: bool = False, heading_starts: Collection[int] = ()
) -> tuple[Turn, ...]:
    """Split normalised ``text`` into speaker turns (see the module docstring).

    ``heading_starts`` are offsets of line starts that are headings (used for .docx
    headings); such lines, like Markdown headings, belong to no turn. A turn's span covers
    its content only; turns with no content are dropped.
    """
    marks = _scan(text, markdown, frozenset(heading_starts))
    counts = Counter(m.label for m in marks if m.label is not None)
    speakers = {label for label, n in counts.items() if n >= 2 or is_known_speaker(label)}

    turns: list[Turn] = []
    speaker: str | None = None
    timestamp: str | None = None
    start = 0

    def close(end: int) -> None:
        s, e = strip_span(text, start, end)
        if s < e:
            turns.append(Turn(speaker, s, e, timestamp))

    for mark in marks:
        if mark.label is None:  # a heading: ends the turn; the speaker carries on after it
            close(mark.line_start)
            start, timestamp = mark.content_start, None
        elif mark.label in speakers:
            close(mark.line_start)
            start, speaker, timestamp = mark.content_start, mark.label, mark.timestamp
    close(len(text))
    return tuple(turns)


def read_plain(path: Path) -> Document:
    """Read a .txt or .md transcript (a ``.md``/``.markdown`` suffix enables Markdown rules)."""
    text, warnings = read_text(path)
    markdown = path.suffix.lower() in {".md", ".markdown"}
    turns = detect_turns(text, markdown=markdown)
    if not turns:
        raise QualcodeError(f"{path}: no transcript text (only headings); add the text")
    return Document(text, turns, "md" if markdown else "txt", tuple(warnings))
