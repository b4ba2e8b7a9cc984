"""`m`: write the coder's memo on the current segment.

A memo being typed is never lost: Esc (or quitting the app) with changed text asks whether
to save it, discard it or keep editing.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

UNSAVED_CHOICES = ("s", "d", "k")


class UnsavedScreen(ModalScreen[str]):
    """Returns "s" (save), "d" (discard) or "k" (keep editing)."""

    DEFAULT_CSS = """
    UnsavedScreen { align: center middle; }
    UnsavedScreen > Vertical {
        width: 60; max-width: 90%; height: auto; border: round $warning;
        background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("s,ctrl+s", "choose('s')", "Save", id="unsaved.save"),
        Binding("d", "choose('d')", "Discard", id="unsaved.discard"),
        Binding("k,escape", "choose('k')", "Keep editing", id="unsaved.keep"),
    ]

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"The {self.what} has unsaved text.")
            yield Label("s: save it · d: discard it · k or Esc: keep editing")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


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

    @property
    def unsaved(self) -> bool:
        return self.query_one(TextArea).text.strip() != self.text.strip()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        if self.unsaved:
            self.ask_unsaved()
        else:
            self.dismiss(None)

    def ask_unsaved(self, then: Callable[[], object] | None = None) -> None:
        """Save, discard or keep editing; ``then`` runs after a save or a discard (the app
        quitting)."""

        def answered(choice: str | None) -> None:
            if choice == "k" or choice is None:
                self.query_one(TextArea).focus()
                return
            self.dismiss(self.query_one(TextArea).text if choice == "s" else None)
            if then is not None:
                self.app.call_later(then)

        self.app.push_screen(UnsavedScreen("memo"), answered)
