"""`S`: code saturation — for each transcript in coded order, the codes applied for the first
time (bars) and the codes so far. Blind by default: the coder's own codings; the lead can
switch to every coder's (``A``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from qualcode.services.workspace_types import CoderInfo
from qualcode.tui.db import DbRunner, on_screen
from qualcode.tui.widgets.bar_chart import BarChart, BarItem

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from qualcode.services.saturation import SaturationRow


def chart_items(rows: list[SaturationRow]) -> list[BarItem]:
    """One bar per transcript: its new codes; the note is the running total."""
    return [
        BarItem(
            f"{row.position:>2} {row.transcript}",
            row.new_codes,
            note=f"{row.cumulative_codes} so far",
        )
        for row in rows
    ]


def details(rows: list[SaturationRow]) -> Text:
    """Which codes each transcript added."""
    text = Text()
    for row in rows:
        if not row.new_codes:
            continue
        text.append(f"{row.transcript}", style="bold")
        text.append(f" +{row.new_codes}: ", style="dim")
        text.append(row.new_code_names + "\n")
    return text


class SaturationScreen(Screen[None]):
    DEFAULT_CSS = """
    SaturationScreen > #saturation-summary { height: auto; padding: 0 1; }
    SaturationScreen > VerticalScroll { height: 1fr; padding: 0 1; }
    SaturationScreen #saturation-chart { margin: 1 0; max-width: 100; }
    SaturationScreen #saturation-details { height: auto; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", id="saturation.back"),
        Binding("A", "toggle_all", "All coders", id="saturation.toggle_all"),
    ]

    def __init__(self, db: DbRunner, coder: CoderInfo) -> None:
        super().__init__()
        self.db = db
        self.coder = coder
        self.show_all = False  # blind by default, also for the lead
        self.rows: list[SaturationRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="saturation-summary")
        with VerticalScroll():
            yield BarChart(id="saturation-chart", empty="no codings yet")
            yield Static(id="saturation-details")
        yield Footer()

    @property
    def chart(self) -> BarChart:
        return self.query_one(BarChart)

    def on_mount(self) -> None:
        self.title = "qualcode — saturation"
        self._load()

    def _load(self) -> None:
        coder_id, show_all = self.coder.id, self.show_all

        def load(session: Session) -> list[SaturationRow]:
            from qualcode.services.saturation import coder_saturation

            return coder_saturation(session, coder_id, show_all)

        self.db.submit(load, self._show, write=False, hold=True)

    def _show(self, rows: list[SaturationRow]) -> None:
        if not on_screen(self):
            return  # the screen was closed while the chart loaded
        self.rows = rows
        whose = "all coders' codings" if self.show_all else f"{self.coder.name}'s codings"
        role = " (lead)" if self.coder.is_lead else ""
        self.sub_title = f"{self.coder.name}{role} · {whose}"
        summary = Text()
        summary.append("Code saturation", style="bold")
        summary.append(f" — {whose}, transcripts in the order they were coded\n")
        if rows:
            last = rows[-1]
            summary.append(
                f"{len(rows)} transcript(s), {last.cumulative_codes} distinct code(s); "
                f"the last added {last.new_codes}. ",
            )
        summary.append(
            "Bars: codes used for the first time in the transcript; then the codes so far.",
            style="dim",
        )
        self.query_one("#saturation-summary", Static).update(summary)
        self.chart.update(chart_items(rows))
        self.query_one("#saturation-details", Static).update(details(rows))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_all":  # blind coding: only the lead may see everyone's codings
            return self.coder.is_lead
        return True

    def action_toggle_all(self) -> None:
        if not self.coder.is_lead:
            self.notify("blind coding: only the lead can see other coders' codings")
            return
        self.show_all = not self.show_all
        self._load()

    def action_back(self) -> None:
        self.app.pop_screen()
