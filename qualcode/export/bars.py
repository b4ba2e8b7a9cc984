"""Horizontal bars drawn with Unicode block characters, in eighths of a cell (no Textual)."""

from __future__ import annotations

EIGHTHS = " ▏▎▍▌▋▊▉"  # index n: n/8 of a cell
FULL = "█"


def bar(value: float, maximum: float, width: int) -> str:
    """A bar of ``value / maximum`` of ``width`` cells; a value above zero shows at least ▏.

    The result is at most ``width`` cells, without trailing spaces.
    """
    if width <= 0 or maximum <= 0 or value <= 0:
        return ""
    eighths = round(min(value, maximum) / maximum * width * 8)
    eighths = max(eighths, 1)
    full, rest = divmod(eighths, 8)
    return FULL * full + (EIGHTHS[rest] if rest else "")
