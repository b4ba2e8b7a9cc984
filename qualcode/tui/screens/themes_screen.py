"""`T`: theme frequencies — per theme and code, how many participants mentioned it (a bar of
their share), the percentage and the segments: the numbers of `qualcode export themes`.

`b` cycles the participant attribute the table is split by (none → role → company_size …),
`l` switches between codes and themes only. Blind coding: a coder sees the frequencies of
their own codings; the lead sees the default of the export (the consensus when it exists,
otherwise every coder with rule any) and can switch to their own codings with `A`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Static

from qualcode.services.workspace_types import CoderInfo
from qualcode.tui.db import DbRunner, on_screen
from qualcode.tui.widgets.bar_chart import BarChart, BarItem

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from qualcode.services.themes import ThemeRow, ThemeTable

THEME_STYLE = "dodger_blue2"
CODE_STYLE = "steel_blue1"


def chart_items(rows: list[ThemeRow]) -> list[BarItem]:
    """One bar per row: participants (of the group's total); the note has % and segments."""
    return [
        BarItem(
            row.theme if row.depth == 0 else "  " * row.depth + row.code.rsplit("/", 1)[-1],
            row.participants,
            THEME_STYLE if row.depth == 0 else CODE_STYLE,
            f"{row.participants_pct:5.1f}%  {row.segments} seg",
        )
        for row in rows
    ]


class ThemesScreen(Screen[None]):
    DEFAULT_CSS = """
    ThemesScreen > #themes-summary { height: auto; padding: 0 1; }
    ThemesScreen > VerticalScroll { height: 1fr; padding: 0 1; }
    ThemesScreen .themes-heading { height: auto; margin: 1 0 0 0; }
    ThemesScreen BarChart { max-width: 110; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", id="themes.back"),
        Binding("b", "cycle_by", "By attribute", id="themes.cycle_by"),
        Binding("l", "toggle_level", "Codes/themes", id="themes.toggle_level"),
        Binding("A", "toggle_all", "Own/all codings", id="themes.toggle_all"),
    ]

    def __init__(self, db: DbRunner, coder: CoderInfo) -> None:
        super().__init__()
        self.db = db
        self.coder = coder
        self.show_all = coder.is_lead  # blind coding: a coder sees only their own codings
        self.by: str | None = None
        self.level = "code"
        self.attributes: list[str] = []
        self.table: ThemeTable | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="themes-summary")
        yield VerticalScroll(id="themes-body")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "qualcode — theme frequencies"
        self._load()

    def _load(self) -> None:
        coder_id, show_all, by, level = self.coder.id, self.show_all, self.by, self.level

        def load(session: Session) -> tuple[ThemeTable, list[str]]:
            from qualcode.services.themes import attribute_names, coder_theme_frequencies

            table = coder_theme_frequencies(session, coder_id, show_all, by, level)
            return table, attribute_names(session)

        self.db.submit(load, self._show, write=False, hold=True)

    @property
    def charts(self) -> list[BarChart]:
        return list(self.query(BarChart))

    def _show(self, result: tuple[ThemeTable, list[str]]) -> None:
        if not on_screen(self):
            return  # the screen was closed while the table loaded
        table, self.attributes = result
        self.table = table
        who = table.selection.describe()
        role = " (lead)" if self.coder.is_lead else ""
        self.sub_title = f"{self.coder.name}{role} · {who}"
        summary = Text()
        summary.append("Theme frequencies", style="bold")
        summary.append(
            f" — {who}: {len(table.selection.transcripts)} transcript(s), "
            f"{table.participants_total} participant(s)"
        )
        if table.by is not None:
            summary.append(f", by {table.by}")
        summary.append(
            "\nBars: participants who mentioned the code (of the participants in scope); then "
            "the percentage and the segments. b: by attribute, l: codes/themes"
            + (", A: own/all codings" if self.coder.is_lead else ""),
            style="dim",
        )
        self.query_one("#themes-summary", Static).update(summary)
        body = self.query_one("#themes-body", VerticalScroll)
        body.remove_children()
        widgets: list[Widget] = []
        groups: list[str | None] = list(table.groups) if table.by is not None else [None]
        for group in groups:
            total = table.totals.get(group, 0)
            if table.by is not None:
                heading = Text()
                heading.append(f"{table.by} = {group or '(none)'}", style="bold")
                heading.append(f"  {total} participant(s)", style="dim")
                widgets.append(Static(heading, classes="themes-heading"))
            rows = [row for row in table.rows if row.group == group]
            widgets.append(BarChart(chart_items(rows), maximum=max(total, 1), empty="no codes yet"))
        body.mount(*widgets)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_all":  # blind coding: only the lead may see everyone's codings
            return self.coder.is_lead
        return True

    def action_cycle_by(self) -> None:
        options: list[str | None] = [None, *self.attributes]
        if len(options) == 1:
            self.notify("no participant attributes; import them with 'qualcode participants'")
            return
        position = options.index(self.by) if self.by in options else 0
        self.by = options[(position + 1) % len(options)]
        self._load()

    def action_toggle_level(self) -> None:
        self.level = "theme" if self.level == "code" else "code"
        self._load()

    def action_toggle_all(self) -> None:
        if not self.coder.is_lead:
            self.notify("blind coding: only the lead can see other coders' codings")
            return
        self.show_all = not self.show_all
        self._load()

    def action_back(self) -> None:
        self.app.pop_screen()
