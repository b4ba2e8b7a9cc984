"""`/`: find a code by fuzzy match on its name and path; Enter applies it.

Enter with no match applies nothing: with ``offer_new`` it returns the typed text, and the
coding screen offers to create that code.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from qualcode.fuzzy import best
from qualcode.services.workspace_types import CodeItem


def code_prompt(code: CodeItem) -> Text:
    text = Text()
    text.append("▌ ", style=code.color or "grey50")
    text.append(code.name, style="bold")
    parent = code.path.rpartition("/")[0]
    if parent:
        text.append(f"  {parent}", style="dim")
    if code.shortcut:
        text.append(f"  [{code.shortcut}]", style="cyan")
    if code.status == "proposed":
        text.append("  proposed", style="italic yellow")
    return text


class CodeSearchScreen(ModalScreen[int | str | None]):
    """Returns the chosen code's id; the typed text when nothing matched and ``offer_new``;
    else None."""

    DEFAULT_CSS = """
    CodeSearchScreen { align: center middle; }
    CodeSearchScreen > Vertical {
        width: 80%; max-width: 100; height: 70%; border: round $accent; background: $surface;
        padding: 0 1;
    }
    CodeSearchScreen OptionList { height: 1fr; border: none; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="search.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="search.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="search.up"),
    ]

    def __init__(
        self, codes: list[CodeItem], title: str = "Apply code", offer_new: bool = False
    ) -> None:
        super().__init__()
        self.codes = [c for c in codes if c.usable]
        self.title_text = title
        self.offer_new = offer_new

    def compose(self) -> ComposeResult:
        with Vertical():
            new = " (no match: a new code)" if self.offer_new else ""
            yield Label(f"{self.title_text}: type to filter · Enter chooses{new} · Esc cancels")
            yield Input(placeholder="code name or Theme/Code", id="query")
            yield OptionList(id="matches")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        matches = self.codes
        if query.strip():
            scored = [(best(query, c.name, c.path), i, c) for i, c in enumerate(self.codes)]
            matches = [
                c
                for s, _i, c in sorted(
                    ((s, i, c) for s, i, c in scored if s is not None), key=lambda t: (-t[0], t[1])
                )
            ]
        options = self.query_one("#matches", OptionList)
        options.clear_options()
        options.add_options([Option(code_prompt(c), id=str(c.id)) for c in matches])
        if matches:
            options.highlighted = 0

    @on(Input.Changed, "#query")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def action_move(self, delta: int) -> None:
        options = self.query_one("#matches", OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + delta))

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        options = self.query_one("#matches", OptionList)
        option = options.highlighted_option
        if option is not None and option.id:
            self.dismiss(int(option.id))
        elif self.offer_new and event.value.strip():
            self.dismiss(event.value.strip())  # nothing matched: offer to create it
        else:
            self.dismiss(None)

    @on(OptionList.OptionSelected, "#matches")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id) if event.option.id else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
