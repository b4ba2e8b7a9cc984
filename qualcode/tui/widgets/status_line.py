"""The status line: one line saying what the last key did, or why it did nothing.

It stays until the next key (``show("")``). Drawing it never lays the screen out again: the
line has a fixed height, so a change only repaints it (a ``Static.update`` would ask for a
layout of the whole screen on every key).
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; color: $text-muted; }
    StatusLine.-warning { color: $text-warning; }
    StatusLine.-error { color: $text-error; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.message = ""
        self.severity = "information"

    def show(self, message: str, severity: str = "information") -> None:
        if (message, severity) == (self.message, self.severity) or (
            not message and not self.message
        ):
            return
        self.message, self.severity = message, severity
        self.set_class(severity == "warning", "-warning")
        self.set_class(severity == "error", "-error")
        self.refresh()

    def render(self) -> Text:
        return Text(self.message, no_wrap=True, overflow="ellipsis")
