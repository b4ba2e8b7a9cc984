"""The transcript view on its own: motion, filter, sub-span selection, chips, styles, size."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from textual import events
from textual.app import App, ComposeResult

from qualcode.services.workspace_types import SegmentItem
from qualcode.tui.widgets.transcript_view import CodeChip, TranscriptView, wrap_spans

SIZE = (120, 40)
INTERVIEWER = frozenset({"Interviewer"})
FIRST = "We saw data poisoning, twice."


def make_transcript(count: int = 12, words: int = 0) -> tuple[list[SegmentItem], str]:
    """Turns of three segments, alternating Interviewer and P02; ids are 101, 102, ..."""
    parts: list[str] = ["[header]"]
    segments: list[SegmentItem] = []
    offset = len(parts[0]) + 1
    for i in range(count):
        speaker = "Interviewer" if (i // 3) % 2 == 0 else "P02"
        if i == 0:
            body = FIRST
        elif words:
            body = " ".join(f"word{(i * 7 + k) % 97}" for k in range(words)) + "."
        else:
            body = f"Sentence number {i + 1} from {speaker}."
        segments.append(SegmentItem(101 + i, i + 1, offset, offset + len(body), speaker, body))
        parts.append(body)
        offset += len(body) + 1
    return segments, " ".join(parts)


class ViewApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.moved: list[int] = []
        self.selections: list[tuple[int, int] | None] = []
        self.keys: list[str] = []

    def compose(self) -> ComposeResult:
        yield TranscriptView()

    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    def on_transcript_view_cursor_moved(self, message: TranscriptView.CursorMoved) -> None:
        assert message.segment.ordinal == message.index + 1
        self.moved.append(message.index)

    def on_transcript_view_selection_changed(
        self, message: TranscriptView.SelectionChanged
    ) -> None:
        self.selections.append(message.span)

    def on_key(self, event: events.Key) -> None:
        self.keys.append(event.key)


Scenario = Callable[[ViewApp, Any, str], Awaitable[None]]


def run(
    scenario: Scenario,
    count: int = 12,
    size: tuple[int, int] = SIZE,
    words: int = 0,
    chips: dict[int, list[CodeChip]] | None = None,
) -> None:
    async def main() -> None:
        app = ViewApp()
        async with app.run_test(size=size) as pilot:
            segments, text = make_transcript(count, words)
            app.view.focus()
            app.view.set_content(segments, text, INTERVIEWER, chips or {}, {102})
            await pilot.pause()
            app.moved.clear()
            await scenario(app, pilot, text)

    asyncio.run(main())


def screen_lines(view: TranscriptView) -> list[str]:
    return ["".join(s.text for s in view.render_line(y)) for y in range(view.size.height)]


def ordinals_on_screen(view: TranscriptView) -> set[str]:
    """The segment ordinals in the gutter (the first column is the cursor mark)."""
    words = (line[1:].split("│")[0].split() for line in screen_lines(view))
    return {w[0].rstrip("✎") for w in words if w and w[0].rstrip("✎").isdigit()}


def test_moves_with_keys_and_posts_cursor_moved() -> None:
    async def scenario(app: ViewApp, pilot: Any, text: str) -> None:
        view = app.view
        assert view.cursor == 0 and view.current is not None and view.current.id == 101
        await pilot.press("j", "down", "j")
        assert view.cursor == 3
        await pilot.press("k", "up")
        assert view.cursor == 1
        await pilot.pause()
        assert app.moved == [1, 2, 3, 2, 1]
        assert not {"j", "k", "up", "down"} & set(app.keys)  # consumed by the view
        view.goto(7)
        assert view.cursor == 7 and view.current is not None and view.current.ordinal == 8
        view.cursor = 4
        assert view.cursor == 4
        await pilot.pause()
        y = next(y for y, line in enumerate(screen_lines(view)) if "Sentence number 7 " in line)
        await pilot.click(TranscriptView, offset=(30, y))
        assert view.cursor == 6

    run(scenario)


def test_cursor_is_clamped_at_the_ends() -> None:
    async def scenario(app: ViewApp, pilot: Any, text: str) -> None:
        view = app.view
        await pilot.press("k", "up")
        assert view.cursor == 0
        await pilot.press("G")
        assert view.cursor == 11
        await pilot.press("j", "down", "pagedown", "ctrl+d")
        assert view.cursor == 11
        await pilot.press("home")
        assert view.cursor == 0
        await pilot.press("end")
        assert view.cursor == 11
        await pilot.press("home")
        assert view.cursor == 0
        view.goto(99)
        assert view.cursor == 11
        view.goto(-5)
        assert view.cursor == 0
        await pilot.pause()
        assert app.moved == [11, 0, 11, 0, 11, 0]

    run(scenario)


def test_page_keys_move_by_a_screenful_and_keep_the_cursor_in_view() -> None:
    async def scenario(app: ViewApp, pilot: Any, text: str) -> None:
        view = app.view
        await pilot.press("pagedown")
        first_page = view.cursor
        assert first_page > 10
        await pilot.press("ctrl+d")
        assert view.cursor > first_page
        await pilot.pause()
        assert str(view.cursor + 1) in ordinals_on_screen(view)
        await pilot.press("pageup", "ctrl+u")
        assert view.cursor < first_page

    run(scenario, count=200)


def test_filter_shows_only_some_segments_and_skips_the_others() -> None:
    async def scenario(app: ViewApp, pilot: Any, text: str) -> None:
        view = app.view
        view.goto(4)
        await pilot.pause()
        app.moved.clear()
        view.set_filter({101, 103, 108, 110})
        assert view.cursor == 2  # nearest visible to index 4 (ties go forward)
        await pilot.press("j")
        assert view.cursor == 7
        await pilot.press("j", "j", "j")
        assert view.cursor == 9
        await pilot.press("home")
        assert view.cursor == 0
        await pilot.pause()
        assert app.moved == [2, 7, 9, 0]
        lines = "\n".join(screen_lines(view))
        assert "Sentence number 3 " in lines and "Sentence number 8 " in lines
        assert "Sentence number 2 " not in lines and "⋮" in lines
        view.goto(1)  # hidden: the nearest visible one
        assert view.cursor in (0, 2)
        view.set_filter(set())
        await pilot.pause()
        assert view.current is None and view.target_span() is None
        assert "no segments match the filter" in screen_lines(view)[0]
        view.set_filter(None)
        await pilot.press("j")
        assert view.current is not None
        assert view.cursor in (1, 3)

    run(scenario)


def test_selection_keys_choose_any_sub_span() -> None:
    async def scenario(app: ViewApp, pilot: Any, text: str) -> None:
        view = app.view
        segment = view.current
        assert segment is not None and text[segment.start : segment.end] == FIRST

        async def selected(*keys: str) -> str | None:
            await pilot.press(*keys)
            span = view.selection
            return None if span is None else text[span[0] : span[1]]

        assert view.target_span() == (segment.start, segment.end)
        assert await selected("v") == "We"
        assert await selected("w") == "We saw"
        assert await selected("w") == "We saw data"
        assert await selected("l") == "We saw data "
        assert await selected("right", "right") == "We saw data po"
        assert await selected("h", "left") == "We saw data "
        assert await selected("b") == "We saw data"
        assert await selected("b") == "We saw"
        assert await selected("W") == "saw"
        assert await selected("W") == "data"  # the start passes the end: one word
        assert await selected("w", "l") == "data poisoning,"
        assert await selected("B") == "saw data poisoning,"
        assert await selected("B", "B") == "We saw data poisoning,"
        assert await selected("w", "w", "w") == FIRST  # clamped at the segment's end
        assert view.target_span() == view.selection
        assert await selected("escape") is None
        assert await selected("v", "h", "h", "b") == "W"  # never empty
        assert await selected("escape") is None
        assert view.target_span() == (segment.start, segment.end)
        await pilot.pause()
        assert app.selections[0] == (segment.start, segment.start + 2)
        assert app.selections[-1] is None
        assert "escape" not in app.keys and "w" not in app.keys

    run(scenario)


def test_moving_cancels_the_selection_and_v_toggles() -> None:
    async def scenario(app: ViewApp, pilot: Any, text: str) -> None:
        view = app.view
        await pilot.press("v", "w")
        assert view.selection is not None
        await pilot.press("j")
        assert view.selection is None and view.cursor == 1
        await pilot.press("v")
        assert view.selection is not None
        await pilot.press("v")
        assert view.selection is None
        await pilot.press("v")
        view.clear_selection()
        assert view.selection is None
        await pilot.pause()
        assert app.selections[-1] is None

    run(scenario)


def test_keys_it_does_not_use_pass_through() -> None:
    async def scenario(app: ViewApp, pilot: Any, text: str) -> None:
        # Without a selection the selection keys are the app's (e.g. code shortcuts).
        await pilot.press("h", "l", "w", "b", "W", "B", "escape", "x", "n", "slash", "1")
        await pilot.pause()
        assert app.keys == ["h", "l", "w", "b", "W", "B", "escape", "x", "n", "slash", "1"]
        assert app.view.selection is None
        app.keys.clear()
        await pilot.press("v", "x", "w", "h", "escape", "m")
        await pilot.pause()
        assert app.keys == ["x", "m"]

    run(scenario)


def test_chips_memos_and_layout_are_drawn() -> None:
    async def scenario(app: ViewApp, pilot: Any, text: str) -> None:
        view = app.view
        lines = screen_lines(view)
        assert all(len(line) == len(lines[0]) for line in lines)
        assert "Poisoning" not in "\n".join(lines)
        first = next(line for line in lines if "We saw data poisoning" in line)
        assert " 1 " in first and "Interviewer" in first and "│" in first
        assert "✎" in next(line for line in lines if "Sentence number 2 " in line)
        gutter = next(line for line in lines if "Sentence number 2 " in line).split("│")[0]
        assert "Interviewer" not in gutter  # same turn: the speaker is not repeated
        assert "P02" in next(line for line in lines if "Sentence number 4 " in line)
        view.goto(2)
        view.set_chips(
            {
                102: [CodeChip("Poisoning", "#e06c75")],
                103: [
                    CodeChip("Evasion", "#61afef", coder="alice", partial=True),
                    CodeChip("An extremely long code name that cannot fit the column", ""),
                    CodeChip("Third", "not a colour"),
                ],
            },
            memos=(),
        )
        await pilot.pause()
        assert view.cursor == 2
        lines = screen_lines(view)
        screen = "\n".join(lines)
        second = next(line for line in lines if "Sentence number 2 " in line)
        assert second.rstrip().endswith("▌ Poisoning") and "✎" not in second
        assert "◐ alice: Evasion" in screen and "Third" in screen
        assert "▌ An extremely long code" in screen and "…" in screen
        third = lines.index(next(line for line in lines if "Sentence number 3 " in line))
        assert "Third" in lines[third + 2]  # the segment grew to three lines
        assert "Sentence number 4 " in lines[third + 4]  # after the blank line between turns
        assert "Poisoning" in app.export_screenshot()

    run(scenario)


def test_interviewer_lines_look_different_from_participant_lines() -> None:
    async def scenario(app: ViewApp, pilot: Any, text: str) -> None:
        view = app.view
        view.goto(11)
        await pilot.pause()
        lines = screen_lines(view)

        def text_style(fragment: str) -> Any:
            y = next(y for y, line in enumerate(lines) if fragment in line)
            return next(s.style for s in view.render_line(y) if fragment in s.text)

        interviewer = text_style("Sentence number 2 ")
        participant = text_style("Sentence number 5 ")
        assert interviewer != participant
        assert interviewer.italic and not participant.italic
        cursor = text_style("Sentence number 12 ")
        assert cursor.bgcolor != participant.bgcolor

    run(scenario)


def test_narrow_and_wide_terminals() -> None:
    chips = {105: [CodeChip("Poisoning", "#e06c75")]}
    for width in (60, 160):

        async def scenario(app: ViewApp, pilot: Any, text: str, width: int = width) -> None:
            lines = screen_lines(app.view)
            assert len(lines[0]) == width - 1  # the scrollbar takes one column
            assert "Poisoning" in "\n".join(lines)

        run(scenario, size=(width, 30), words=30, chips=chips)


def test_resize_rewraps_and_keeps_the_cursor() -> None:
    async def scenario(app: ViewApp, pilot: Any, text: str) -> None:
        view = app.view
        view.goto(30)
        await pilot.resize_terminal(70, 30)
        await pilot.pause()
        assert view.cursor == 30
        assert "31" in ordinals_on_screen(view)
        assert all(len(line) == 69 for line in screen_lines(view))

    run(scenario, count=60, words=25)


def test_a_five_thousand_segment_transcript_lays_out_and_paints() -> None:
    async def scenario(app: ViewApp, pilot: Any, text: str) -> None:
        view = app.view
        assert view.virtual_size.height > 5000 * 2
        await pilot.press("G")
        await pilot.pause()
        assert view.cursor == 4999
        assert "5000" in ordinals_on_screen(view)
        await pilot.press("pageup", "k", "v", "w")
        assert view.selection is not None
        await pilot.pause()
        assert str(view.cursor + 1) in ordinals_on_screen(view)
        assert str(view.cursor + 1) in app.export_screenshot()

    run(scenario, count=5000, words=25)


def test_wrap_offsets() -> None:
    text = "alpha beta  gamma supercalifragilistic delta"
    spans = wrap_spans(text, 10)
    assert [text[a:b] for a, b in spans] == [
        "alpha beta",
        "gamma",
        "supercalif",
        "ragilistic",
        "delta",
    ]
    assert wrap_spans("", 10) == [(0, 0)]
    assert [("a\nbb cc"[a:b]) for a, b in wrap_spans("a\nbb cc", 10)] == ["a", "bb cc"]
    wide = "日本語のテキスト and more"
    assert [wide[a:b] for a, b in wrap_spans(wide, 8)] == ["日本語の", "テキスト", "and more"]
