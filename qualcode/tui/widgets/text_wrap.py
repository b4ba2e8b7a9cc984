"""Word wrap and fitting measured in terminal cells, keeping character offsets.

The transcript view wraps segment text with these and keeps each line's offsets into the
text, so a sub-span selection can be drawn on the wrapped lines.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, get_character_cell_size, set_cell_size

NON_SPACE = re.compile(r"[^ ]+")


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells with an ellipsis when it does not fit (not padded)."""
    if width <= 0:
        return ""
    if (len(text) if text.isascii() else cell_len(text)) <= width:
        return text
    return set_cell_size(text, width - 1) + "…"


def wrap_spans(text: str, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap on spaces: the [start, end) offsets of each line of ``text``.

    Lines end before the breaking space; words longer than ``width`` are hard-broken;
    ``\\n`` always breaks. An empty text is one empty line.
    """
    width = max(1, width)
    if "\n" in text:
        spans: list[tuple[int, int]] = []
        offset = 0
        for part in text.split("\n"):
            spans.extend((offset + a, offset + b) for a, b in wrap_spans(part, width))
            offset += len(part) + 1
        return spans
    if not text.isascii() and cell_len(text) != len(text):
        return _wrap_cells(text, width)
    n = len(text)
    spans = []
    pos = 0
    while pos < n and text[pos] == " ":
        pos += 1
    while pos < n:
        if n - pos <= width:
            spans.append((pos, n))
            break
        cut = text.rfind(" ", pos, pos + width + 1)
        if cut < pos:
            spans.append((pos, pos + width))
            pos += width
        else:
            spans.append((pos, cut))
            pos = cut + 1
        while pos < n and text[pos] == " ":
            pos += 1
    return spans or [(0, 0)]


def _wrap_cells(text: str, width: int) -> list[tuple[int, int]]:
    """The same wrap measured in terminal cells (wide characters)."""
    spans: list[tuple[int, int]] = []
    start = end = -1
    used = 0
    for match in NON_SPACE.finditer(text):
        word_start, word_end = match.span()
        cells = cell_len(match.group())
        if start >= 0 and used + (word_start - end) + cells <= width:
            used += (word_start - end) + cells
            end = word_end
            continue
        if start >= 0:
            spans.append((start, end))
        while cells > width:
            cut, taken = word_start, 0
            while cut < word_end and taken + get_character_cell_size(text[cut]) <= width:
                taken += get_character_cell_size(text[cut])
                cut += 1
            cut = max(cut, word_start + 1)
            spans.append((word_start, cut))
            word_start = cut
            cells = cell_len(text[word_start:word_end])
        start, end, used = word_start, word_end, cells
    if start >= 0:
        spans.append((start, end))
    return spans or [(0, 0)]
