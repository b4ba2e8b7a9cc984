"""`m`: write the coder's memo on the current segment."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea


class MemoScreen(ModalScreen[str | None]):
    """Returns the memo text (empty deletes the memo), or None when cancelled."""

    DEFAULT_CSS = """
    MemoScreen { align: center middle; }
    MemoScreen > Vertical {
        width: 80%; max-width: 100; height: 60%; border: round $accent;
        background: $surface; padding: 0 1;
    }
    MemoScreen TextArea { height: 1fr; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="memo.save"),
        Binding("escape", "cancel", "Cancel", id="memo.cancel"),
    ]

    def __init__(self, about: str, text: str) -> None:
        super().__init__()
        self.about = about
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Memo on {self.about} — Ctrl+S saves, Esc cancels; empty deletes it")
            yield TextArea(self.text, id="memo-text")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)
