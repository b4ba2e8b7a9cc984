"""Caption transcripts (.vtt from Teams/Zoom, .srt): cues -> speaker turns.

Speakers come from a WebVTT voice tag ``<v Name>text</v>`` (Teams; also ``<v.loud Name>``)
or a ``Name: text`` prefix (Zoom, many .srt files). A prefix counts as a speaker when it
starts at least two cues, looks like a speaker role, or when at least half of the cues carry
a prefix. A cue without a speaker continues the previous speaker; consecutive cues of one
speaker merge into one turn. Tags are removed and HTML entities unescaped; runs of
whitespace (line breaks in a cue, ``&nbsp;``) become one space. ``Document.text`` has one
line per turn, ``Speaker: content`` (or just the content), turns separated by a blank line;
the cue texts of a turn are joined with a space.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import QualcodeError
from qualcode.ingest.decoding import read_text
from qualcode.ingest.model import Document, Turn
from qualcode.ingest.turns_text import is_known_speaker

_CUE_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_TIMING = re.compile(rf"[ \t]*{_CUE_TIME}[ \t]+-->[ \t]+{_CUE_TIME}(?:[ \t].*)?")
# No nested or overlapping repeats, and no '<' inside a tag: linear in the text (a voice
# class pattern ``(?:\.[^\s>]*)*`` backtracked exponentially on ``<v....``).
_VOICE = re.compile(r"<v(?:\.[^\s>.<]*)*[ \t]([^<>]*)>")
_TAG = re.compile(r"<[^<>]*>|\{\\[^{}]*\}")
_PREFIX = re.compile(r"([^\W_][\w.'’\-()/&, ]{0,59}?)[ \t]*:(?:\s+|$)")
_MAX_PREFIX_WORDS = 6
_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")


@dataclass(frozen=True)
class _Cue:
    """One cue, or one voice span of a cue that holds several ``<v>`` spans."""

    timestamp: str
    voice: str | None  # speaker from a <v> tag
    text: str  # tags stripped, lines joined with a space


def read_vtt(path: Path) -> Document:
    """Read a WebVTT caption file (Teams, Zoom)."""
    cues, warnings = _parse(path, vtt=True)
    return _build(path, cues, "vtt", warnings)


def read_srt(path: Path) -> Document:
    """Read a SubRip caption file."""
    cues, warnings = _parse(path, vtt=False)
    return _build(path, cues, "srt", warnings)


def _blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks as (0-based index of the first line, lines)."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for i, line in enumerate(lines):
        if line.strip():
            if not current:
                first = i
            current.append(line)
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def _skip_header(blocks: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """Drop the ``WEBVTT`` header block (and its header lines); keep a cue glued to it."""
    if not blocks or not blocks[0][1][0].lstrip().startswith("WEBVTT"):
        return blocks
    first, lines = blocks[0]
    for i, line in enumerate(lines):
        if "-->" in line:  # no blank line after the header: the cue starts here or one above
            k = i - 1 if i > 1 else i
            return [(first + k, lines[k:]), *blocks[1:]]
    return blocks[1:]


def _parse(path: Path, *, vtt: bool) -> tuple[list[_Cue], list[str]]:
    text, warnings = read_text(path)
    blocks = _blocks(text.split("\n"))
    if vtt:
        blocks = _skip_header(blocks)
    sep = "." if vtt else ","
    cues: list[_Cue] = []
    for first, lines in blocks:
        head = lines[0].strip()
        if vtt and head.split(maxsplit=1)[0] in _SKIPPED_BLOCKS and "-->" not in head:
            continue
        t = 0 if "-->" in lines[0] else 1
        if t >= len(lines) or "-->" not in lines[t]:
            raise QualcodeError(
                f"{path}: line {first + t + 1}: expected a cue timing line like "
                f"'00:00:01{sep}000 --> 00:00:04{sep}000'; fix the caption file"
            )
        m = _TIMING.fullmatch(lines[t])
        if m is None:
            raise QualcodeError(
                f"{path}: line {first + t + 1}: malformed cue timing {lines[t].strip()!r}; "
                f"expected '00:00:01{sep}000 --> 00:00:04{sep}000'"
            )
        raw = " ".join(line.strip() for line in lines[t + 1 :])
        cues.extend(_pieces(_hms(m), raw, vtt))
    if not cues:
        raise QualcodeError(f"{path}: no captions found; check that it is a caption file")
    return cues, warnings


def _clean(raw: str, vtt: bool) -> str:
    body = _TAG.sub("", raw)
    if vtt:
        body = html.unescape(body)
    return unicodedata.normalize("NFC", " ".join(body.split()))


def _pieces(timestamp: str, raw: str, vtt: bool) -> list[_Cue]:
    """Split a cue's text at ``<v Name>`` tags: one piece per voice span."""
    voices = list(_VOICE.finditer(raw)) if vtt else []
    if not voices:
        return [_Cue(timestamp, None, _clean(raw, vtt))]
    pieces = [_Cue(timestamp, None, _clean(raw[: voices[0].start()], vtt))]
    for i, v in enumerate(voices):
        end = voices[i + 1].start() if i + 1 < len(voices) else len(raw)
        name = unicodedata.normalize("NFC", html.unescape(v.group(1)).strip()) or None
        pieces.append(_Cue(timestamp, name, _clean(raw[v.end() : end], vtt)))
    return [p for p in pieces if p.text]


def _hms(m: re.Match[str]) -> str:
    hours, minutes, seconds = int(m.group(1) or 0), int(m.group(2)), int(m.group(3))
    hours, minutes = hours + minutes // 60, minutes % 60
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


def _prefixes(cues: list[_Cue]) -> list[tuple[str | None, str]]:
    """(speaker, text) per cue, splitting ``Name: text`` prefixes that count as speakers."""
    found: list[tuple[str, str] | None] = []
    for cue in cues:
        m = None if cue.voice else _PREFIX.match(cue.text)
        name = m.group(1).strip() if m else ""
        if m and name and len(name.split()) <= _MAX_PREFIX_WORDS:
            found.append((name, cue.text[m.end() :]))
        else:
            found.append(None)
    counts = Counter(f[0] for f in found if f is not None)
    everyone = 2 * sum(counts.values()) >= len(cues)
    result: list[tuple[str | None, str]] = []
    for cue, pre in zip(cues, found, strict=True):
        if pre is not None and (everyone or counts[pre[0]] >= 2 or is_known_speaker(pre[0])):
            result.append(pre)
        else:
            result.append((cue.voice, cue.text))
    return result


def _build(path: Path, cues: list[_Cue], fmt: str, warnings: list[str]) -> Document:
    merged: list[tuple[str | None, str, list[str]]] = []  # speaker, timestamp, texts
    for cue, (speaker, text) in zip(cues, _prefixes(cues), strict=True):
        text = text.strip()
        if not text:
            continue
        if merged and (speaker is None or speaker == merged[-1][0]):
            merged[-1][2].append(text)
        else:
            merged.append((speaker, cue.timestamp, [text]))
    if not merged:
        raise QualcodeError(f"{path}: the captions contain no text")
    parts: list[str] = []
    turns: list[Turn] = []
    offset = 0
    for speaker, timestamp, texts in merged:
        if parts:
            offset += 2
        prefix = f"{speaker}: " if speaker is not None else ""
        content = " ".join(texts)
        start = offset + len(prefix)
        turns.append(Turn(speaker, start, start + len(content), timestamp))
        parts.append(prefix + content)
        offset += len(prefix) + len(content)
    return Document("\n\n".join(parts), tuple(turns), fmt, tuple(warnings))
