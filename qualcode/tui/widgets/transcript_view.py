"""The transcript view: segments with a speaker gutter, wrapped text and code chips.

A line-API widget (``ScrollView`` + ``render_line``): the layout is a flat list of display
lines computed once per content, width or filter change; rendered lines are cached as
``Strip``s and only the lines of segments whose state changed are re-rendered.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Collection, Mapping, Sequence
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.strip import Strip

from qualcode.services.workspace_types import SegmentItem
from qualcode.tui.widgets.text_wrap import wrap_spans
from qualcode.tui.widgets.transcript_render import BLANK, GAP, CodeChip, TranscriptLines

WORD = re.compile(r"\w+(?:['’\-]\w+)*")
NON_SPACE = re.compile(r"[^ ]+")
CONTROL = {code: " " for code in (*range(32), 127) if code != 10}


SELECTION_ACTIONS = frozenset(
    {"selection_end_char", "selection_end_word", "selection_start_word", "cancel_selection"}
)


class TranscriptView(TranscriptLines, can_focus=True, inherit_bindings=False):
    """The segments of one transcript; a cursor on the current segment; sub-span selection."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "move(1)", "Next", id="next_segment", priority=True),
        Binding("k,up", "move(-1)", "Prev", id="prev_segment", priority=True),
        Binding(
            "pagedown,ctrl+d", "page(1)", "Page down", show=False, id="page_down", priority=True
        ),
        Binding("pageup,ctrl+u", "page(-1)", "Page up", show=False, id="page_up", priority=True),
        Binding("home", "first", "First segment", show=False, id="first_segment", priority=True),
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
