"""Drawing the transcript view's display lines: the line API half of TranscriptView.

``TranscriptLines`` renders one display line (gutter, wrapped text with the selection, code
chip) from the layout that ``TranscriptView`` computes, and caches the Strips.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.color import Color, ColorParseError
from textual.scroll_view import ScrollView
from textual.strip import Strip

from qualcode.services.workspace_types import SegmentItem
from qualcode.tui.widgets.text_wrap import fit

BLANK, GAP = -1, -2  # display lines that belong to no segment: between turns, filter gaps


@dataclass(frozen=True)
class CodeChip:
    label: str  # code name (or path)
    color: str  # "#rrggbb" or "" (then a default colour)
    coder: str | None = None  # set when the lead shows all coders: "alice: Poisoning"
    partial: bool = False  # the coding covers only a sub-span of the segment


class TranscriptLines(ScrollView):
    """Renders the display lines laid out by TranscriptView (state declared here)."""

    _segments: tuple[SegmentItem, ...]
    _display_bodies: list[str]
    _speakers: list[str]
    _interviewer: list[bool]
    _chips: dict[int, tuple[CodeChip, ...]]
    _memos: frozenset[int]
    _filter: frozenset[int] | None
    _visible: list[int]
    _cursor: int
    _sel: tuple[int, int] | None
    _wraps: list[list[tuple[int, int]]]
    _turn: list[bool]
    _line_seg: list[int]
    _line_row: list[int]
    _geometry: tuple[int, int, int]
    _text_width: int
    _width: int
    _cache: LRUCache[int, Strip]
    _styles: dict[str, Style] | None
    _chip_styles: dict[str, tuple[Style, Style]]

    def _style_map(self) -> dict[str, Style]:
        if self._styles is None:
            base = self.rich_style

            def foreground(name: str) -> Style:
                style = self.get_component_rich_style(name)
                return Style(
                    color=style.color,
                    bold=style.bold,
                    dim=style.dim,
                    italic=style.italic,
                    underline=style.underline,
                    reverse=style.reverse,
                    strike=style.strike,
                )

            self._styles = {
                "base": base,
                "cursor": base + self.get_component_rich_style("transcript-view--cursor"),
                "selection": self.get_component_rich_style("transcript-view--selection"),
                "interviewer": foreground("transcript-view--interviewer"),
                "speaker": foreground("transcript-view--speaker"),
                "interviewer-speaker": foreground("transcript-view--interviewer-speaker"),
                "gutter": foreground("transcript-view--gutter"),
                "memo": foreground("transcript-view--memo"),
            }
            self._styles["bar"] = Style(color=self._styles["speaker"].color)
        return self._styles

    def _chip_style(self, color: str) -> tuple[Style, Style]:
        """(swatch, label) styles for a chip colour; the label keeps contrast with the bg."""
        styles = self._chip_styles.get(color)
        if styles is None:
            try:
                parsed: Color | None = Color.parse(color) if color else None
            except ColorParseError:
                parsed = None
            if parsed is None:
                styles = (self._style_map()["gutter"], Style())
            else:
                background = self.background_colors[1]
                base_color = self._style_map()["base"].color
                label = parsed
                if base_color is not None and abs(parsed.brightness - background.brightness) < 0.3:
                    label = parsed.blend(Color.from_rich_color(base_color), 0.5)
                styles = (Style(color=parsed.rich_color), Style(color=label.rich_color))
            self._chip_styles[color] = styles
        return styles

    def render_line(self, y: int) -> Strip:
        line = self.scroll_offset.y + y
        if not self._width:
            return Strip.blank(self.size.width, self.rich_style)
        strip = self._cache.get(line)
        if strip is None:
            strip = self._render_display_line(line)
            self._cache.set(line, strip)
        return strip

    def _render_display_line(self, line: int) -> Strip:
        styles = self._style_map()
        base = styles["base"]
        width = self._width
        if line >= len(self._line_seg):
            if line == 0 and not self._visible:
                message = "  no segments"
                if self._filter is not None:
                    message += " match the filter"
                return Strip([Segment(message, base + styles["gutter"])]).crop_extend(
                    0, width, base
                )
            return Strip.blank(width, base)
        i = self._line_seg[line]
        digits, speaker_width, chip_width = self._geometry
        if i == BLANK:
            return Strip.blank(width, base)
        if i == GAP:
            gap = Segment(" " * digits + "⋮", base + styles["gutter"])
            return Strip([gap]).crop_extend(0, width, base)
        row = self._line_row[line]
        seg = self._segments[i]
        is_cursor = i == self._cursor
        interviewer = self._interviewer[i]
        back = styles["cursor"] if is_cursor else base
        gutter = back + styles["gutter"]
        parts = [Segment("▎" if is_cursor else " ", back + styles["speaker"])]
        if row == 0:
            parts.append(Segment(str(seg.ordinal).rjust(digits), gutter))
            parts.append(Segment("✎" if seg.id in self._memos else " ", back + styles["memo"]))
        else:
            parts.append(Segment(" " * (digits + 1), back))
        speaker = self._speakers[i] if row == 0 and self._turn[i] else ""
        speaker_style = styles["interviewer-speaker" if interviewer else "speaker"]
        parts.append(
            Segment(
                " " + set_cell_size(fit(speaker, speaker_width), speaker_width) + " ",
                back + speaker_style,
            )
        )
        parts.append(Segment("│", back + (styles["gutter"] if interviewer else styles["bar"])))
        parts.append(Segment(" ", back))
        text_style = back + styles["interviewer"] if interviewer else back
        wraps = self._wraps[i]
        used = 0
        if row < len(wraps):
            start, end = wraps[row]
            display = self._display_bodies[i]
            piece = display[start:end]
            used = len(piece) if piece.isascii() else cell_len(piece)
            selection = self._sel if is_cursor else None
            if selection is not None and selection[0] < end and start < selection[1]:
                cut_a, cut_b = max(start, selection[0]), min(end, selection[1])
                parts.append(Segment(display[start:cut_a], text_style))
                parts.append(Segment(display[cut_a:cut_b], text_style + styles["selection"]))
                parts.append(Segment(display[cut_b:end], text_style))
            else:
                parts.append(Segment(piece, text_style))
        parts.append(Segment(" " * max(0, self._text_width - used), back))
        if chip_width:
            chips = self._chips.get(seg.id, ())
            if row < len(chips):
                parts.extend(self._chip_segments(chips[row], chip_width, back))
            else:
                parts.append(Segment(" " * chip_width, back))
        strip = Strip(parts)
        if strip.cell_length != width:
            strip = strip.crop_extend(0, width, back)
        return strip

    def _chip_segments(self, chip: CodeChip, width: int, back: Style) -> list[Segment]:
        swatch, label_style = self._chip_style(chip.color)
        prefix = f"{chip.coder}: " if chip.coder else ""
        label = fit(prefix + chip.label, width - 3)
        parts = [
            Segment(" ", back),
            Segment("◐" if chip.partial else "▌", back + swatch),
            Segment(" ", back),
        ]
        if prefix and label.startswith(prefix):
            parts.append(Segment(prefix, back + self._style_map()["gutter"]))
            parts.append(Segment(label[len(prefix) :], back + label_style))
        else:
            parts.append(Segment(label, back + label_style))
        parts.append(Segment(" " * max(0, width - 3 - cell_len(label)), back))
        return parts
