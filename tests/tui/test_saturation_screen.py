"""`S`: the saturation screen, and the bar chart widget it draws with."""

from __future__ import annotations

from textual.app import App, ComposeResult

from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.saturation_screen import SaturationScreen
from qualcode.tui.widgets.bar_chart import BarChart, BarItem, render_bars
from tests.tui.conftest import AppFactory, run, settle

SIZE = (120, 32)


def bars(app: QualcodeApp) -> list[tuple[str, float, str]]:
    screen = app.screen
    assert isinstance(screen, SaturationScreen)
    return [(item.label.split()[-1], item.value, item.note) for item in screen.chart.items]


def chart_lines(app: QualcodeApp) -> list[str]:
    screen = app.screen
    assert isinstance(screen, SaturationScreen)
    chart = screen.chart
    return ["".join(s.text for s in chart.render_line(y)) for y in range(chart.size.height)]


def test_a_coder_sees_only_their_own_codings(app_for: AppFactory) -> None:
    async def scenario() -> None:
        app = app_for("bob", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("S")
            await settle(app, pilot)
            assert bars(app) == [("P01", 2, "2 so far")]
            lines = chart_lines(app)
            assert "P01" in lines[0] and "█" in lines[0]
            assert "bob's codings" in app.screen.sub_title
            await pilot.press("A")  # blind coding: not for bob
            await settle(app, pilot)
            assert bars(app) == [("P01", 2, "2 so far")]
            assert not app.screen.show_all  # type: ignore[attr-defined]
            await pilot.press("escape")
            assert isinstance(app.screen, CodingScreen)

    run(scenario())


def test_the_lead_switches_between_own_and_all_codings(app_for: AppFactory) -> None:
    async def scenario() -> None:
        app = app_for("alice", "P01")
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("S")
            await settle(app, pilot)
            # alice alone: P01 adds News and Never seen an attack, P02 adds Training
            assert bars(app) == [("P01", 2, "2 so far"), ("P02", 1, "3 so far")]
            lines = chart_lines(app)
            assert lines[0].count("█") > lines[1].count("█") > 0
            await pilot.press("A")
            await settle(app, pilot)
            assert bars(app) == [("P01", 3, "3 so far"), ("P02", 0, "3 so far")]
            assert "all coders' codings" in app.screen.sub_title
            assert "█" not in chart_lines(app)[1]
            assert "P01 +3: Exposure/News; Exposure/Training; Risk/Never seen an attack" in str(
                app.screen.query_one("#saturation-details").render()
            )
            await pilot.press("A")
            await settle(app, pilot)
            assert bars(app)[1] == ("P02", 1, "3 so far")
            await pilot.press("escape")
            assert isinstance(app.screen, CodingScreen)

    run(scenario())


def test_render_bars_fits_any_width() -> None:
    items = [
        BarItem("A rather long theme name", 12, None, "12 so far"),
        BarItem("Short", 0, None, "12 so far"),
        ("Tiny", 1),
        ("Red", 6, "red"),
    ]
    for width in (1, 4, 8, 12, 20, 40, 80):
        lines = render_bars(items, width).plain.split("\n")
        assert len(lines) == 4
        assert all(len(line) == width for line in lines), (width, lines)
    lines = render_bars(items, 40).plain.split("\n")
    assert lines[0].startswith("A rather lon…") and lines[0].endswith("12 so far")
    assert "█" not in lines[1] and " 0 " in lines[1]  # a zero shows no bar
    assert "▏" in lines[2] or "█" in lines[2]  # a small value still shows
    # the longest bar fills its column; 6 of 12 is half of it
    full = lines[0].count("█")
    assert abs(lines[3].count("█") - full / 2) <= 1
    narrow = render_bars(items, 12).plain.split("\n")
    assert "so far" not in narrow[0]  # the notes go first
    assert narrow[0].startswith("A …") or narrow[0].startswith("A r")
    assert render_bars([], 10).plain == "nothing t…"


class ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield BarChart([("Exposure", 5), ("Risk", 0), ("Defense", 2.5, "green")])


def test_bar_chart_widget_on_a_narrow_screen() -> None:
    async def scenario() -> None:
        app = ChartApp()
        async with app.run_test(size=(14, 6)) as pilot:
            chart = app.query_one(BarChart)
            assert chart.size.height == 3
            lines = ["".join(s.text for s in chart.render_line(y)) for y in range(3)]
            assert all(len(line) == 14 for line in lines)
            assert "█" in lines[0] and "█" not in lines[1]
            chart.update([("Only", 1)])
            await pilot.pause()
            assert chart.size.height == 1

    run(scenario())
