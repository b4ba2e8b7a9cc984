"""Carry codings across a changed transcript text (``import --replace``).

Texts are compared word by word (difflib on whitespace-separated tokens, which stays fast on
long transcripts); an old offset maps to the new text where its token survived unchanged.
"""

from __future__ import annotations

import bisect
import difflib
import re

TOKEN = re.compile(r"\S+|\s+")


def _tokens(text: str) -> tuple[list[str], list[int]]:
    words: list[str] = []
    starts: list[int] = []
    for match in TOKEN.finditer(text):
        words.append(match.group())
        starts.append(match.start())
    return words, starts


class OffsetMap:
    """Map code-point offsets of ``old`` text to ``new`` text where the text is unchanged."""

    def __init__(self, old: str, new: str) -> None:
        old_words, self._old_starts = _tokens(old)
        new_words, self._new_starts = _tokens(new)
        self._old_len = len(old)
        matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
        # (old char start, old char end, new char start) of each matching run of tokens.
        self._blocks: list[tuple[int, int, int]] = []
        for a, b, size in matcher.get_matching_blocks():
            if size == 0:
                continue
            old_start = self._old_starts[a]
            old_end = self._old_starts[a + size] if a + size < len(old_words) else len(old)
            self._blocks.append((old_start, old_end, self._new_starts[b]))
        self._keys = [block[0] for block in self._blocks]

    def map(self, offset: int) -> int | None:
        i = bisect.bisect_right(self._keys, offset) - 1
        if i < 0:
            return None
        old_start, old_end, new_start = self._blocks[i]
        if offset >= old_end:
            return None
        return new_start + (offset - old_start)

    def map_span(self, start: int, end: int) -> tuple[int, int] | None:
        """The new span of ``[start, end)`` if both of its ends survived, else None."""
        new_start = self.map(start)
        new_last = self.map(end - 1)
        if new_start is None or new_last is None or new_last < new_start:
            return None
        return new_start, new_last + 1
