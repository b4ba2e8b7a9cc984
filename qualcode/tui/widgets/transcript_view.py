"""The transcript view: segments with a speaker gutter, wrapped text and code chips.

A line-API widget (``ScrollView`` + ``render_line``): the layout is a flat list of display
lines computed once per content, width or filter change; rendered lines are cached as
``Strip``s and only the lines of segments whose state changed are re-rendered.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color, ColorParseError
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from qualcode.services.workspace_types import SegmentItem
from qualcode.tui.widgets.text_wrap import fit, wrap_spans

WORD = re.compile(r"\w+(?:['’\-]\w+)*")
NON_SPACE = re.compile(r"[^ ]+")
CONTROL = {code: " " for code in (*range(32), 127) if code != 10}
BLANK, GAP = -1, -2  # display lines that belong to no segment: between turns, filter gaps


@dataclass(frozen=True)
class CodeChip:
    label: str  # code name (or path)
    color: str  # "#rrggbb" or "" (then a default colour)
    coder: str | None = None  # set when the lead shows all coders: "alice: Poisoning"
    partial: bool = False  # the coding covers only a sub-span of the segment


SELECTION_ACTIONS = frozenset(
    {"selection_end_char", "selection_end_word", "selection_start_word", "cancel_selection"}
)


class TranscriptView(ScrollView, can_focus=True, inherit_bindings=False):
    """The segments of one transcript; a cursor on the current segment; sub-span selection."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "move(1)", "Next", id="next_segment", priority=True),
        Binding("k,up", "move(-1)", "Prev", id="prev_segment", priority=True),
        Binding(
            "pagedown,ctrl+d", "page(1)", "Page down", show=False, id="page_down", priority=True
        ),
        Binding("pageup,ctrl+u", "page(-1)", "Page up", show=False, id="page_up", priority=True),
        Binding("home,g", "first", "First segment", show=False, id="first_segment", priority=True),
        Binding("end,G", "last", "Last segment", show=False, id="last_segment", priority=True),
        Binding("v", "select_span", "Select span", id="select_span", priority=True),
        Binding(
            "l,right",
            "selection_end_char(1)",
            "Extend by a character",
            show=False,
            id="selection_extend_char",
            priority=True,
        ),
        Binding(
            "h,left",
            "selection_end_char(-1)",
            "Shrink by a character",
            show=False,
            id="selection_shrink_char",
            priority=True,
        ),
        Binding(
            "w",
            "selection_end_word(1)",
            "Extend to next word",
            id="selection_extend_word",
            priority=True,
        ),
        Binding(
            "b",
            "selection_end_word(-1)",
            "Shrink by a word",
            id="selection_shrink_word",
            priority=True,
        ),
        Binding(
            "W",
            "selection_start_word(1)",
            "Start a word later",
            show=False,
            id="selection_start_next_word",
            priority=True,
        ),
        Binding(
            "B",
            "selection_start_word(-1)",
            "Start a word earlier",
            show=False,
            id="selection_start_prev_word",
            priority=True,
        ),
        Binding(
            "escape", "cancel_selection", "Cancel selection", id="cancel_selection", priority=True
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript-view--cursor",
        "transcript-view--interviewer",
        "transcript-view--speaker",
        "transcript-view--interviewer-speaker",
        "transcript-view--selection",
        "transcript-view--gutter",
        "transcript-view--memo",
    }

    DEFAULT_CSS = """
    TranscriptView {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
        & > .transcript-view--cursor { background: $primary 10%; }
        &:focus > .transcript-view--cursor { background: $primary 22%; }
        & > .transcript-view--interviewer { color: $text-muted; text-style: italic; }
        & > .transcript-view--speaker { color: $text-primary; text-style: bold; }
        & > .transcript-view--interviewer-speaker { color: $text-secondary; text-style: italic; }
        & > .transcript-view--selection { text-style: reverse underline; }
        & > .transcript-view--gutter { color: $text-muted; }
        & > .transcript-view--memo { color: $text-warning; }
    }
    """

    class CursorMoved(Message):
        """The current segment changed."""

        def __init__(self, view: TranscriptView, index: int, segment: SegmentItem) -> None:
            super().__init__()
            self.view = view
            self.index = index  # into the full segments sequence
            self.segment = segment

        @property
        def control(self) -> TranscriptView:
            return self.view

    class SelectionChanged(Message):
        """A sub-span selection started, changed or ended (``span`` is None)."""

        def __init__(self, view: TranscriptView, span: tuple[int, int] | None) -> None:
            super().__init__()
            self.view = view
            self.span = span  # absolute transcript offsets [start, end)

        @property
        def control(self) -> TranscriptView:
            return self.view

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._segments: tuple[SegmentItem, ...] = ()
        self._index_of: dict[int, int] = {}  # segment id -> index
        self._bodies: list[str] = []  # each segment's text, offsets relative to segment.start
        self._display_bodies: list[str] = []  # the same with control characters as spaces
        self._speakers: list[str] = []
        self._interviewer: list[bool] = []
        self._chips: dict[int, tuple[CodeChip, ...]] = {}
        self._memos: frozenset[int] = frozenset()
        self._filter: frozenset[int] | None = None
        self._visible: list[int] = []
        self._vis_pos: list[int] = []  # segment index -> position in _visible, or -1
        self._cursor = 0
        self._sel: tuple[int, int] | None = None  # relative to the cursor segment's start
        # layout
        self._width = 0
        self._text_width = 0
        self._geometry = (2, 0, 0)  # ordinal digits, speaker width, chip column width
        self._wraps: list[list[tuple[int, int]]] = []
        self._line_seg: list[int] = []
        self._line_row: list[int] = []
        self._seg_first: list[int] = []
        self._seg_count: list[int] = []
        self._turn: list[bool] = []
        # rendering
        self._cache: LRUCache[int, Strip] = LRUCache(1024)
        self._styles: dict[str, Style] | None = None
        self._chip_styles: dict[str, tuple[Style, Style]] = {}

    # ---- public interface -------------------------------------------------------------------

    def set_content(
        self,
        segments: Sequence[SegmentItem],
        text: str,
        interviewer: frozenset[str],
        chips: Mapping[int, Sequence[CodeChip]],
        memos: Collection[int] = (),
    ) -> None:
        """Show a transcript: the cursor on the first segment, no filter, no selection."""
        had_selection = self._sel is not None
        self._segments = tuple(segments)
        self._index_of = {seg.id: i for i, seg in enumerate(self._segments)}
        bodies = []
        for seg in self._segments:
            valid = 0 <= seg.start <= seg.end <= len(text)
            bodies.append(text[seg.start : seg.end] if valid else seg.text)
        self._bodies = bodies
        self._display_bodies = [b if b.isprintable() else b.translate(CONTROL) for b in bodies]
        self._speakers = [seg.speaker or "" for seg in self._segments]
        self._interviewer = [s in interviewer for s in self._speakers]
        self._chips = {key: tuple(value) for key, value in chips.items() if value}
        self._memos = frozenset(memos)
        self._filter = None
        self._cursor = 0
        self._sel = None
        self._wraps = []
        self._update_visible()
        self._layout(rewrap=True)
        self.scroll_to(0, 0, animate=False, immediate=True)
        if had_selection:
            self.post_message(self.SelectionChanged(self, None))
        if self._segments:
            self.post_message(self.CursorMoved(self, 0, self._segments[0]))

    def set_chips(
        self, chips: Mapping[int, Sequence[CodeChip]], memos: Collection[int] | None = None
    ) -> None:
        """Update the codes (and memo marks) only, keeping the cursor and the scroll."""
        new = {key: tuple(value) for key, value in chips.items() if value}
        old = self._chips
        changed = {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}
        if memos is not None:
            new_memos = frozenset(memos)
            changed |= self._memos ^ new_memos
            self._memos = new_memos
        self._chips = new
        if not changed or not self._width:
            return
        indexes = [self._index_of[key] for key in changed if key in self._index_of]
        if any(
            self._seg_first[i] >= 0 and self._seg_count[i] != self._lines_for(i) for i in indexes
        ):
            self._layout(rewrap=False, keep_anchor=True)
        else:
            for i in indexes:
                self._invalidate(i)

    def set_filter(self, segment_ids: Collection[int] | None) -> None:
        """Show only these segments (None: all); the cursor moves to the nearest visible one."""
        self._filter = None if segment_ids is None else frozenset(segment_ids)
        self._update_visible()
        old = self._cursor
        nearest = self._nearest_visible(old)
        if nearest is not None:
            self._cursor = nearest
        self._layout(rewrap=False)
        if self._cursor != old and self._segments:
            self._cancel_selection()
            self.post_message(self.CursorMoved(self, self._cursor, self._segments[self._cursor]))
        self._scroll_to_cursor(center=True)

    @property
    def cursor(self) -> int:
        """Index of the current segment in the full sequence."""
        return self._cursor

    @cursor.setter
    def cursor(self, index: int) -> None:
        self.goto(index)

    @property
    def current(self) -> SegmentItem | None:
        if not self._segments or self._vis_pos[self._cursor] < 0:
            return None
        return self._segments[self._cursor]

    def goto(self, index: int) -> None:
        """Move the cursor (to the nearest visible segment) and scroll it into view."""
        if not self._segments:
            return
        index = max(0, min(index, len(self._segments) - 1))
        target = self._nearest_visible(index)
        if target is None:
            return
        if target != self._cursor:
            old = self._cursor
            self._cancel_selection()
            self._cursor = target
            self._invalidate(old)
            self._invalidate(target)
            self.post_message(self.CursorMoved(self, target, self._segments[target]))
        self._scroll_to_cursor()

    def move(self, delta: int) -> None:
        """Move by ``delta`` visible segments (clamped at the ends)."""
        if not self._visible:
            return
        position = self._vis_pos[self._cursor]
        if position < 0:
            self.goto(self._cursor)
            return
        position = max(0, min(position + delta, len(self._visible) - 1))
        self.goto(self._visible[position])

    @property
    def selection(self) -> tuple[int, int] | None:
        """Absolute transcript offsets [start, end) of the active sub-span selection."""
        if self._sel is None or not self._segments:
            return None
        start = self._segments[self._cursor].start
        return start + self._sel[0], start + self._sel[1]

    def target_span(self) -> tuple[int, int] | None:
        """The selection if any, else the current segment's [start, end)."""
        selection = self.selection
        if selection is not None:
            return selection
        current = self.current
        return None if current is None else (current.start, current.end)

    def clear_selection(self) -> None:
        self._cancel_selection()

    # ---- actions ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in SELECTION_ACTIONS:
            return self._sel is not None
        return True

    def action_move(self, delta: int) -> None:
        self.move(delta)

    def action_page(self, direction: int) -> None:
        if not self._visible or self._seg_first[self._cursor] < 0:
            return
        height = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=self.scroll_offset.y + direction * height, animate=False, immediate=True)
        line = self._seg_first[self._cursor] + direction * height
        line = max(0, min(line, len(self._line_seg) - 1))
        self.goto(self._segment_near_line(line, direction))

    def action_first(self) -> None:
        if self._visible:
            self.goto(self._visible[0])

    def action_last(self) -> None:
        if self._visible:
            self.goto(self._visible[-1])

    def action_select_span(self) -> None:
        if self._sel is not None:
            self._cancel_selection()
            return
        if self.current is None or not self._bodies[self._cursor].strip():
            return
        self._set_selection(self._words()[0])

    def action_selection_end_char(self, delta: int) -> None:
        if self._sel is None:
            return
        start, end = self._sel
        size = len(self._bodies[self._cursor])
        self._set_selection((start, max(start + 1, min(end + delta, size))))

    def action_selection_end_word(self, direction: int) -> None:
        if self._sel is None:
            return
        start, end = self._sel
        ends = [e for _s, e in self._words()]
        if direction > 0:
            end = next((e for e in ends if e > end), len(self._bodies[self._cursor]))
        else:
            end = next((e for e in reversed(ends) if start < e < end), end)
        self._set_selection((start, end))

    def action_selection_start_word(self, direction: int) -> None:
        if self._sel is None:
            return
        start, end = self._sel
        words = self._words()
        if direction > 0:
            word = next((w for w in words if w[0] > start), None)
            if word is not None:
                start, end = word[0], max(end, word[1])
        else:
            start = next((s for s, _e in reversed(words) if s < start), 0)
        self._set_selection((start, end))

    def action_cancel_selection(self) -> None:
        self._cancel_selection()

    # ---- selection helpers ------------------------------------------------------------------

    def _words(self) -> list[tuple[int, int]]:
        body = self._bodies[self._cursor]
        words = [m.span() for m in WORD.finditer(body)]
        return words or [(0, len(body))]

    def _set_selection(self, selection: tuple[int, int] | None) -> None:
        if selection == self._sel:
            return
        self._sel = selection
        self._invalidate(self._cursor)
        self.post_message(self.SelectionChanged(self, self.selection))

    def _cancel_selection(self) -> None:
        if self._sel is not None:
            self._set_selection(None)

    # ---- visibility and layout --------------------------------------------------------------

    def _update_visible(self) -> None:
        wanted = self._filter
        self._visible = [
            i for i, seg in enumerate(self._segments) if wanted is None or seg.id in wanted
        ]
        self._vis_pos = [-1] * len(self._segments)
        for position, i in enumerate(self._visible):
            self._vis_pos[i] = position

    def _nearest_visible(self, index: int) -> int | None:
        if not self._visible:
            return None
        if 0 <= index < len(self._vis_pos) and self._vis_pos[index] >= 0:
            return index
        position = bisect_left(self._visible, index)
        candidates = self._visible[max(0, position - 1) : position + 1]
        return min(candidates, key=lambda i: (abs(i - index), i < index))

    def _segment_near_line(self, line: int, direction: int) -> int:
        """The segment on ``line``, or the next one in ``direction`` (else the other way)."""
        for step in (direction or 1, -(direction or 1)):
            y = line
            while 0 <= y < len(self._line_seg):
                if self._line_seg[y] >= 0:
                    return self._line_seg[y]
                y += step
        return self._cursor

    def _lines_for(self, i: int) -> int:
        return max(len(self._wraps[i]), len(self._chips.get(self._segments[i].id, ())), 1)

    def _compute_geometry(self, width: int) -> tuple[int, int, int, int]:
        """(ordinal digits, speaker width, chip column width, text width) for ``width``."""
        digits = max(2, len(str(max((s.ordinal for s in self._segments), default=0))))
        longest = max((len(s) for s in set(self._speakers)), default=0)
        speaker = min(longest, 12 if width >= 80 else 8 if width >= 70 else 5)
        chips = max(18, min(40, round(width * 0.3)))
        gutter = digits + speaker + 6
        text = width - gutter - chips
        if text < 20:
            chips = max(12, width - gutter - 20)
            text = width - gutter - chips
        if text < 10:
            chips, text = 0, width - gutter
        if text < 1:
            speaker = 0
            text = max(1, width - digits - 6)
        return digits, speaker, chips, text

    def _layout(self, rewrap: bool, keep_anchor: bool = False) -> None:
        width = self.scrollable_content_region.width if self.is_mounted else 0
        anchor = self._anchor() if keep_anchor else None
        self._cache.clear()
        self._width = width
        if width <= 0:
            return
        digits, speaker, chips, text_width = self._compute_geometry(width)
        self._geometry = (digits, speaker, chips)
        if rewrap or text_width != self._text_width or len(self._wraps) != len(self._segments):
            self._wraps = [wrap_spans(body, text_width) for body in self._display_bodies]
        self._text_width = text_width
        count = len(self._segments)
        line_seg: list[int] = []
        line_row: list[int] = []
        first = [-1] * count
        lines = [0] * count
        turn = [False] * count
        speakers, wraps, all_chips = self._speakers, self._wraps, self._chips
        filtered = self._filter is not None
        previous = -1
        for i in self._visible:
            if previous >= 0:
                if filtered and i != previous + 1:
                    line_seg.append(GAP)
                    line_row.append(0)
                elif speakers[i] != speakers[previous]:
                    line_seg.append(BLANK)
                    line_row.append(0)
            turn[i] = previous < 0 or speakers[i] != speakers[previous] or i != previous + 1
            n = max(len(wraps[i]), len(all_chips.get(self._segments[i].id, ())), 1)
            first[i] = len(line_seg)
            lines[i] = n
            line_seg.extend([i] * n)
            line_row.extend(range(n))
            previous = i
        self._line_seg, self._line_row = line_seg, line_row
        self._seg_first, self._seg_count, self._turn = first, lines, turn
        self.virtual_size = Size(width, max(1, len(line_seg)))
        if anchor is not None:
            segment, row = anchor
            if self._seg_first[segment] >= 0:
                y = self._seg_first[segment] + min(row, self._seg_count[segment] - 1)
                self.scroll_to(y=max(0, y), animate=False, immediate=True)
        self.refresh()

    def _anchor(self) -> tuple[int, int] | None:
        """The segment and row at the top of the viewport (to keep it there on re-layout)."""
        y = self.scroll_offset.y
        while y < len(self._line_seg):
            if self._line_seg[y] >= 0:
                offset = y - self.scroll_offset.y
                return self._line_seg[y], self._line_row[y] - offset
            y += 1
        return None

    def _scroll_to_cursor(self, center: bool = False) -> None:
        if not self._width or not self._segments or self._seg_first[self._cursor] < 0:
            return
        first, count = self._seg_first[self._cursor], self._seg_count[self._cursor]
        if first > 0 and self._line_seg[first - 1] < 0:
            first, count = first - 1, count + 1  # the blank line before a turn
        height = self.scrollable_content_region.height
        spacing = Spacing(2, 0, 2, 0) if height > count + 6 else None
        self.scroll_to_region(
            Region(0, first, self._width, count),
            spacing=spacing,
            animate=False,
            center=center,
            immediate=True,
        )

    def _invalidate(self, i: int) -> None:
        """Re-render the lines of segment ``i``."""
        if not self._width or not 0 <= i < len(self._seg_first) or self._seg_first[i] < 0:
            return
        first, count = self._seg_first[i], self._seg_count[i]
        for y in range(first, first + count):
            self._cache.discard(y)
        self.refresh_lines(first, count)

    # ---- events -------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        if self.scrollable_content_region.width != self._width:
            self._layout(rewrap=True, keep_anchor=bool(self._width))
            self._scroll_to_cursor()

    def on_click(self, event: events.Click) -> None:
        """A click on a segment makes it the current one."""
        offset = event.get_content_offset(self)
        if offset is None or not self._width:
            return
        line = offset.y + self.scroll_offset.y
        if 0 <= line < len(self._line_seg) and self._line_seg[line] >= 0:
            self.goto(self._line_seg[line])

    def on_focus(self, event: events.Focus) -> None:
        self._invalidate(self._cursor)

    def on_blur(self, event: events.Blur) -> None:
        self._invalidate(self._cursor)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._chip_styles.clear()
        self._cache.clear()
        self.refresh()

    # ---- rendering ----------------------------------------------------------------------------

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
