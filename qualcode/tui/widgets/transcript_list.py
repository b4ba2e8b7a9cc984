"""The transcript list: participant, segments, and this coder's progress."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from qualcode.services.workspace_types import TranscriptItem

STATUS_MARK = {
    "not_started": ("○", "dim"),
    "in_progress": ("◐", "yellow"),
    "done": ("●", "green"),
}


def transcript_prompt(item: TranscriptItem, current: bool = False) -> Text:
    mark, style = STATUS_MARK.get(item.status, ("?", ""))
    text = Text()
    text.append(f"{mark} ", style=style)
    text.append(item.name, style="bold" if current else "")
    if item.participant != item.name:
        text.append(f" ({item.participant})", style="dim")
    text.append(f"\n  {item.segments} seg · {item.status_label}", style="dim")
    return text


class TranscriptList(OptionList):
    """Selecting a transcript posts OptionList.OptionSelected with the transcript id."""

    DEFAULT_CSS = """
    TranscriptList { width: 26; border: none; border-right: solid $panel; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: dict[int, tuple[TranscriptItem, bool]] = {}

    def show(self, items: list[TranscriptItem], current_id: int | None) -> None:
        """Show the list; when only some entries changed, update just those in place."""
        wanted = {item.id: (item, item.id == current_id) for item in items}
        if list(wanted) == list(self._shown):
            for item_id, (item, current) in wanted.items():
                if self._shown[item_id] != (item, current):
                    self.replace_option_prompt(str(item_id), transcript_prompt(item, current))
            self._shown = wanted
            return
        self._shown = wanted
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(
            [Option(transcript_prompt(i, i.id == current_id), id=str(i.id)) for i in items]
        )
        if highlighted is not None and highlighted < len(items):
            self.highlighted = highlighted
        elif current_id is not None:
            for index, item in enumerate(items):
                if item.id == current_id:
                    self.highlighted = index
