"""A codebook change's prompt: a few fields (a new name, …) and the reason kept in the history.

Enter moves to the next field and saves on the last; a required field left empty is refused
with a message, and the prompt stays open.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    value: str = ""
    required: bool = False
    placeholder: str = ""


def why_field(required: bool = True) -> Field:
    """The rationale, kept in the codebook history."""
    if required:
        return Field("why", "Why? (kept in the codebook history)", required=True)
    return Field("why", "Why? (optional, kept in the codebook history)")


class RationaleScreen(ModalScreen[dict[str, str] | None]):
    """Returns the fields' values by key (stripped), or None when cancelled."""

    DEFAULT_CSS = """
    RationaleScreen { align: center middle; }
    RationaleScreen > Vertical {
        width: 80%; max-width: 100; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    RationaleScreen Input { margin-bottom: 1; }
    RationaleScreen #title { text-style: bold; margin-bottom: 1; }
    RationaleScreen #problem { color: $error; }
    RationaleScreen #hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="rationale.cancel"),
        Binding("ctrl+s", "save", "Save", id="rationale.save"),
    ]

    def __init__(self, title: str, fields: list[Field]) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id="title")
            for field in self.fields:
                yield Label(field.label)
                yield Input(field.value, placeholder=field.placeholder, id=f"field-{field.key}")
            yield Label("", id="problem")
            yield Label("Enter: next field, then save · Ctrl+S: save · Esc: cancel", id="hint")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def _input(self, key: str) -> Input:
        return self.query_one(f"#field-{key}", Input)

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self.action_save()

    def action_save(self) -> None:
        values = {f.key: self._input(f.key).value.strip() for f in self.fields}
        for field in self.fields:
            if field.required and not values[field.key]:
                message = (
                    "Give the reason: the codebook history keeps why each change was made."
                    if field.key == "why"
                    else f"{field.label}: cannot be empty."
                )
                self.query_one("#problem", Label).update(message)
                self._input(field.key).focus()
                return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)
