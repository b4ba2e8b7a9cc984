"""Drawing the agreement screen: table columns and their sorting, cells, review prompts.

Plain functions of the agreement and review data (no database, no screen state), so the
screen keeps only layout, keys and database jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich import box
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from qualcode.services.agreement import AgreementRow
    from qualcode.services.consensus_review import ReviewItem, ReviewView

RATING_STYLE = {"reliable": "green", "tentative": "yellow", "unreliable": "red", "undefined": "dim"}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[AgreementRow], float | None] | None  # None: codebook order
    ascending: bool  # the first direction chosen: the worst (or most used) codes first
    percent: bool = False


COLUMNS = (
    Column("code", "code", None, True),
    Column("units", "units", lambda r: r.units, False),
    Column("alpha", "alpha", lambda r: r.alpha, True),
    Column("agree", "% agree", lambda r: r.percent_agreement, True, percent=True),
    Column("coded", "coded", lambda r: r.coded_units, False),
    Column("fleiss", "Fleiss", lambda r: r.fleiss_kappa, True),
    Column("ac1", "AC1", lambda r: r.gwet_ac1, True),
    Column("cohen", "Cohen", lambda r: r.cohen_kappa, True),
    Column("rating", "rating", lambda r: r.alpha, True),
)
BY_KEY = {column.key: column for column in COLUMNS}
SORT_CYCLE = ("alpha", "agree", "coded", "fleiss", "ac1", "cohen", "units", "code")


def sort_rows(rows: list[AgreementRow], key: str, reverse: bool = False) -> list[AgreementRow]:
    """The codes sorted by a column (undefined values last), then the ALL rows as they were."""
    codes = [r for r in rows if not r.overall]
    overall = [r for r in rows if r.overall]
    column = BY_KEY[key]
    get = column.value
    if get is None:
        return (codes[::-1] if reverse else codes) + overall
    defined = [r for r in codes if get(r) is not None]
    undefined = [r for r in codes if get(r) is None]
    defined.sort(key=lambda r: get(r) or 0.0, reverse=column.ascending == reverse)
    return defined + undefined + overall


def number(value: float | None, percent: bool = False, style: str = "") -> Text:
    if value is None:
        return Text("—", style="dim", justify="right")
    shown = f"{value:.1%}" if percent else f"{value:.3f}"
    return Text(shown, style=style, justify="right")


def table_cells(row: AgreementRow, labels: dict[str, str]) -> list[Text]:
    """A row of the table: the code's name (its path where the name is not unique), the
    figures, the rating, the theme and the note."""
    style = RATING_STYLE.get(row.rating, "")
    bold = " bold" if row.overall else ""
    cells = [Text(labels.get(row.code, row.code), style=bold.strip())]
    for column in COLUMNS[1:-1]:
        assert column.value is not None
        value = column.value(row)
        if column.key in ("units", "coded"):
            cells.append(Text("—" if value is None else str(value), justify="right"))
        else:
            emphasis = style + bold if column.key == "alpha" else ""
            cells.append(number(value, column.percent, emphasis))
    cells.append(Text(row.rating, style=style + bold))
    theme = "" if row.overall or row.theme == row.code else row.theme
    cells.append(Text(theme, style="dim"))
    cells.append(Text(row.note, style="dim"))
    return cells


def short_labels(paths: set[str]) -> dict[str, str]:
    """A code's name, or its path where two of the codes shown share the name."""
    names: dict[str, set[str]] = {}
    for path in paths:
        names.setdefault(path.rpartition("/")[2].casefold(), set()).add(path)
    labels: dict[str, str] = {}
    for path in paths:
        name = path.rpartition("/")[2]
        labels[path] = path if len(names[name.casefold()]) > 1 else name
    return labels


def codes_cell(
    paths: tuple[str, ...] | None, reviewed: str, differing: set[str], labels: dict[str, str]
) -> Text:
    if paths is None:
        return Text("did not finish", style="dim italic")
    if not paths:
        return Text("no code", style="dim")
    text = Text()
    for i, path in enumerate(paths):
        if i:
            text.append("\n")
        style = "bold yellow" if path == reviewed else "yellow" if path in differing else ""
        text.append("• " + labels.get(path, path), style=style)
    return text


def consensus_cell(item: ReviewItem, labels: dict[str, str]) -> Text:
    if not item.is_decided:
        return Text("to decide", style="italic yellow")
    text = Text()
    for path in item.consensus:
        text.append("• " + labels.get(path, path) + "\n", style="green")
    if not item.consensus:
        text.append("no code\n", style="green")
    text.append(how_label(item.decided) + (f" · {item.note}" if item.note else ""), style="dim")
    return text


def how_label(how: str) -> str:
    """How a consensus was reached, in words (``coder:bob`` → ``bob's codes``)."""
    if how.startswith("coder:"):
        return f"{how.removeprefix('coder:')}'s codes"
    return {
        "union": "union of the coders' codes",
        "edit": "chosen by the lead",
        "auto:all": "auto: every coder agreed",
        "auto:majority": "auto: the majority's codes",
    }.get(how, how)


def review_prompt(item: ReviewItem, view: ReviewView, labels: dict[str, str]) -> Table:
    """One disagreement: the segment's text, each coder's codes, the consensus, side by side."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
    head = Text()
    head.append("✓ " if item.is_decided else "● ", style="green" if item.is_decided else "yellow")
    head.append(f"{item.transcript} · segment {item.ordinal}", style="bold")
    if item.speaker:
        head.append(f" · {item.speaker}", style="dim")
    table.add_column(head, ratio=3)
    for position, coder in enumerate(view.coders, 1):
        table.add_column(Text(f"{position} {coder}", style="bold cyan"), ratio=2)
    table.add_column(Text("consensus", style="bold"), ratio=2)
    finished = [set(codes) for codes in item.codes_by_coder.values()]
    everyone = set.intersection(*finished) if finished else set()
    differing = set().union(*finished) - everyone
    cells: list[Text] = [Text(item.text)]
    for coder in view.coders:
        cells.append(codes_cell(item.codes_by_coder.get(coder), view.code, differing, labels))
    cells.append(consensus_cell(item, labels))
    table.add_row(*cells)
    return table
