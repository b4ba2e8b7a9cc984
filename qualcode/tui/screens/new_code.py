"""`n`: create a new (inductive) code and apply it to the current segment or span.

Enter in the name moves to the description; Enter there (or Ctrl+S anywhere) creates.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from qualcode.services.workspace_types import CodeItem


@dataclass(frozen=True)
class NewCode:
    name: str
    parent_id: int | None
    description: str


class NewCodeScreen(ModalScreen[NewCode | None]):
    DEFAULT_CSS = """
    NewCodeScreen { align: center middle; }
    NewCodeScreen > Vertical {
        width: 80%; max-width: 90; height: auto; border: round $accent;
        background: $surface; padding: 0 1;
    }
    NewCodeScreen Input, NewCodeScreen Select { margin-bottom: 1; }
    NewCodeScreen Horizontal { height: auto; align-horizontal: right; }
    NewCodeScreen #problem { color: $error; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="newcode.cancel"),
        Binding("ctrl+s", "create", "Create", id="newcode.create"),
    ]

    def __init__(
        self, codes: list[CodeItem], parent_id: int | None, proposed: bool, name: str = ""
    ) -> None:
        super().__init__()
        self.codes = codes
        self.parent_id = parent_id
        self.proposed = proposed
        self.initial_name = name

    def compose(self) -> ComposeResult:
        with Vertical():
            note = " (a proposal: the lead will review it)" if self.proposed else ""
            yield Label(f"New code{note}")
            yield Input(self.initial_name, placeholder="name", id="name")
            options = [("(top level: a new theme)", -1)] + [
                ("  " * c.depth + c.name, c.id) for c in self.codes if c.usable
            ]
            yield Select(
                options,
                value=self.parent_id if self.parent_id is not None else -1,
                allow_blank=False,
                id="parent",
            )
            yield Input(placeholder="description (what the code captures)", id="description")
            yield Label("", id="problem")
            yield Label("Enter: next field, then create · Ctrl+S: create · Esc: cancel")
            with Horizontal():
                yield Button("Create and apply", variant="primary", id="create")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    @on(Input.Submitted, "#name")
    def _next(self) -> None:
        self.query_one("#description", Input).focus()

    @on(Input.Submitted, "#description")
    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self.query_one("#problem", Label).update("A code needs a name.")
            self.query_one("#name", Input).focus()
            return
        if "/" in name:
            self.query_one("#problem", Label).update("A name cannot contain '/'.")
            return
        value = self.query_one("#parent", Select).value
        parent = value if isinstance(value, int) and value >= 0 else None
        description = self.query_one("#description", Input).value.strip()
        self.dismiss(NewCode(name, parent, description))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
