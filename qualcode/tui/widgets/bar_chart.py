"""A horizontal bar chart: one line per item, ``label  value ████▍  note``.

Generic: items are ``(label, value)``, ``(label, value, style)`` or ``BarItem`` (which adds a
note column, e.g. a running total). Bars are drawn in eighths of a cell with Unicode block
characters; labels are cut with ``…`` when the width is short, and a width too small for
everything drops the notes first and finally crops the lines. ``render_bars`` is the drawing
as a plain function (Rich Text), ``BarChart`` the widget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from qualcode.export.bars import bar

DEFAULT_BAR_STYLE = "dodger_blue2"
MIN_BAR = 4  # cells the bar keeps before labels are cut
MIN_LABEL = 3


class BarItem(NamedTuple):
    label: str
    value: float
    style: str | None = None  # the bar's Rich style (default: the chart's)
    note: str = ""  # shown after the bar, in its own column


ItemLike = BarItem | tuple[str, float] | tuple[str, float, str | None]


def as_items(items: Iterable[ItemLike]) -> list[BarItem]:
    return [item if isinstance(item, BarItem) else BarItem(*item) for item in items]


def format_value(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _fit(text: str, width: int) -> str:
    """``text`` padded or cut (with …) to exactly ``width`` cells."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


class _Layout(NamedTuple):
    label: int
    value: int
    bar: int
    note: int  # 0: no note column


def _layout(items: Sequence[BarItem], width: int, values: Sequence[str]) -> _Layout:
    """Widths of the columns: ``label value bar note`` with a space between each."""
    label_w = max((cell_len(item.label) for item in items), default=0)
    value_w = max((len(v) for v in values), default=0)
    note_w = max((cell_len(item.note) for item in items), default=0)
    rest = width - value_w - 1 - (note_w + 1 if note_w else 0)  # for the label and the bar
    if note_w and rest < min(label_w, MIN_LABEL) + 2:
        note_w = 0  # too narrow: the notes go first
        rest = width - value_w - 1
    keep_bar = min(rest, max(MIN_BAR, rest // 2))
    label = min(label_w, rest - keep_bar - 1)
    if label < min(label_w, MIN_LABEL):  # very narrow: a few letters of label, then the bar
        label = min(label_w, MIN_LABEL, rest - 2)
    label = max(label, 0)
    return _Layout(label, value_w, max(0, rest - (label + 1 if label else 0)), note_w)


def render_bars(
    items: Iterable[ItemLike],
    width: int,
    *,
    maximum: float | None = None,
    bar_style: str = DEFAULT_BAR_STYLE,
    value_format: Callable[[float], str] = format_value,
    empty: str = "nothing to show",
) -> Text:
    """The chart as lines of exactly ``width`` cells (one per item)."""
    rows = as_items(items)
    width = max(width, 1)
    if not rows:
        return Text(_fit(empty, width), style="dim", no_wrap=True, overflow="crop")
    values = [value_format(item.value) for item in rows]
    top = maximum if maximum is not None else max(item.value for item in rows)
    layout = _layout(rows, width, values)
    text = Text(no_wrap=True, overflow="crop", end="")
    for number, (item, shown) in enumerate(zip(rows, values, strict=True)):
        line = Text(no_wrap=True, overflow="crop", end="")
        if layout.label:
            line.append(_fit(item.label, layout.label) + " ")
        line.append(shown.rjust(layout.value), style="bold")
        line.append(" ")
        drawn = bar(max(item.value, 0), top, layout.bar)
        line.append(drawn, style=item.style or bar_style)
        line.append(" " * max(0, layout.bar - cell_len(drawn)))
        if layout.note:
            line.append(" " + _fit(item.note, layout.note), style="dim")
        line.truncate(width, pad=True)
        if number:
            text.append("\n")
        text.append_text(line)
    return text


class BarChart(Widget):
    """The chart as a widget: ``update(items)`` redraws it; its height is one line per item."""

    DEFAULT_CSS = "BarChart { height: auto; }"

    def __init__(
        self,
        items: Iterable[ItemLike] = (),
        *,
        maximum: float | None = None,
        bar_style: str = DEFAULT_BAR_STYLE,
        empty: str = "nothing to show",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.items = as_items(items)
        self.maximum = maximum
        self.bar_style = bar_style
        self.empty = empty

    def update(self, items: Iterable[ItemLike], maximum: float | None = None) -> None:
        self.items = as_items(items)
        self.maximum = maximum
        self.refresh(layout=True)

    def render(self) -> Text:
        return render_bars(
            self.items,
            self.content_size.width,
            maximum=self.maximum,
            bar_style=self.bar_style,
            empty=self.empty,
        )

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self.items))
