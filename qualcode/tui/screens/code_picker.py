"""Choose several codes at once (e.g. the consensus codes of a segment).

The codes are listed in codebook order with check boxes, the given ones already checked;
Space toggles, Enter (or Ctrl+S) saves, ``/`` filters the list by name or path, Esc cancels.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, SelectionList
from textual.widgets.selection_list import Selection

from qualcode.fuzzy import best
from qualcode.services.workspace_types import CodeItem


class CodeChecklist(SelectionList[str]):
    """Space toggles a code; Enter saves the choice (instead of toggling)."""

    BINDINGS = [Binding("enter", "screen.save", "Save", show=False)]


def checklist_prompt(code: CodeItem, note: str = "") -> Text:
    text = Text()
    text.append("  " * code.depth)
    text.append("▌ ", style=code.color or "grey50")
    text.append(code.name, style="bold" if code.parent_id is not None else "")
    if note:
        text.append(f"  {note}", style="cyan")
    if code.status == "proposed":
        text.append("  proposed", style="italic yellow")
    return text


class CodePickerScreen(ModalScreen[list[str] | None]):
    """Returns the checked codes' paths in codebook order, or None when cancelled."""

    DEFAULT_CSS = """
    CodePickerScreen { align: center middle; }
    CodePickerScreen > Vertical {
        width: 80%; max-width: 100; height: 80%; border: round $accent; background: $surface;
        padding: 0 1;
    }
    CodePickerScreen #picker-title { text-style: bold; }
    CodePickerScreen #picker-filter { display: none; }
    CodePickerScreen #picker-filter.shown { display: block; }
    CodePickerScreen CodeChecklist, CodePickerScreen CodeChecklist:focus {
        height: 1fr; border: none;
    }
    CodePickerScreen #picker-hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="codes.cancel"),
        Binding("ctrl+s", "save", "Save", id="codes.save"),
        Binding("slash", "filter", "Filter", id="codes.filter"),
    ]

    def __init__(
        self,
        title: str,
        codes: list[CodeItem],
        checked: set[str],
        notes: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.codes = [c for c in codes if c.usable]
        self.checked = {c.path for c in self.codes if c.path in checked}
        self.notes = dict(notes or {})

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id="picker-title")
            yield Input(placeholder="filter: code name or Theme/Code", id="picker-filter")
            yield CodeChecklist(id="picker-codes")
            yield Label(
                "Space: check/uncheck · Enter: save · /: filter · Esc: cancel", id="picker-hint"
            )

    @property
    def checklist(self) -> CodeChecklist:
        return self.query_one(CodeChecklist)

    def on_mount(self) -> None:
        self._fill("")
        self.checklist.focus()

    def _fill(self, query: str) -> None:
        shown = self.codes
        if query.strip():
            shown = [c for c in self.codes if best(query, c.name, c.path) is not None]
        checklist, on = self.checklist, self.checked
        checklist.clear_options()
        checklist.add_options(
            [
                Selection(checklist_prompt(c, self.notes.get(c.path, "")), c.path, c.path in on)
                for c in shown
            ]
        )
        if shown:
            checklist.highlighted = 0

    @on(SelectionList.SelectionToggled)
    def _toggled(self, event: SelectionList.SelectionToggled[str]) -> None:
        path = event.selection.value
        if path in self.checked:
            self.checked.discard(path)
        else:
            self.checked.add(path)

    @on(Input.Changed, "#picker-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#picker-filter")
    def _filter_done(self) -> None:
        self.checklist.focus()

    def action_filter(self) -> None:
        field = self.query_one("#picker-filter", Input)
        field.add_class("shown")
        field.focus()

    def action_save(self) -> None:
        self.dismiss([c.path for c in self.codes if c.path in self.checked])

    def action_cancel(self) -> None:
        self.dismiss(None)
