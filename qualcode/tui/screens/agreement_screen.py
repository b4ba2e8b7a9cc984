"""`K`: agreement and consensus.

Top: the agreement of the coders per code (the numbers of ``qualcode agreement``), sortable by
any column. Enter on a code lists below the segments the coders disagree on, each with every
compared coder's codes side by side and the consensus so far; the lead decides a segment with
one key, stored by ``consensus.set_consensus`` as codings of the coder ``consensus``.

Blind coding: a coder who is not the lead never sees another coder's codes, and of the numbers
only the overall rows (ALL), unless the lead opened the per-code figures to coders
(``qualcode agreement --open-to-coders on``): per-code figures reveal what the others coded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.services.workspace_types import CodeItem, CoderInfo
from qualcode.tui.db import DbRunner, on_screen
from qualcode.tui.screens.code_picker import CodePickerScreen
from qualcode.tui.screens.pick import PickScreen
from qualcode.tui.widgets.agreement_render import (
    BY_KEY,
    COLUMNS,
    RATING_STYLE,
    SORT_CYCLE,
    how_label,
    number,
    review_prompt,
    short_labels,
    sort_rows,
    table_cells,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from qualcode.services.agreement import AgreementReport
    from qualcode.services.consensus_review import ReviewItem, ReviewView

BLIND = (
    "Blind coding: the segments and the coders' codes are for the lead only, who records the "
    "consensus; you see the agreement figures the lead opened to coders."
)


ACCEPT_BINDINGS = [
    Binding(
        str(n),
        f"accept({n})",
        f"Coder {n}'s codes" if n > 1 else "Coder 1…9's codes",
        show=n == 1,
        key_display="1…9" if n == 1 else None,
        id=f"agreement.accept{n}",
    )
    for n in range(1, 10)
]


class AgreementScreen(Screen[None]):
    DEFAULT_CSS = """
    AgreementScreen #agreement-summary { height: auto; padding: 0 1; }
    AgreementScreen #agreement-table { height: 2fr; min-height: 6; }
    AgreementScreen #review-title {
        height: auto; padding: 0 1; border-top: solid $panel; background: $boost;
    }
    AgreementScreen #review-list { height: 3fr; border: none; display: none; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", id="agreement.back"),
        Binding("q", "close", "Back to coding", show=False, id="agreement.close"),
        Binding("s", "sort", "Sort", id="agreement.sort"),
        Binding("r", "reverse", "Reverse", id="agreement.reverse"),
        *ACCEPT_BINDINGS,
        Binding("u", "union", "Union", id="agreement.union"),
        Binding("e", "edit", "Choose codes", id="agreement.edit"),
        Binding("n", "no_code", "No code", id="agreement.none"),
        Binding("a", "auto", "Auto", id="agreement.auto"),
    ]
    HELP_TEXT = (
        "Agreement of the coders per code (segments of transcripts at least two coders marked "
        "done), then ALL (mean) and ALL (pooled). alpha ≥ .800 is reliable (green), ≥ .667 "
        "tentative (yellow), below unreliable (red). s sorts by the next column, r reverses, "
        "or click a column's heading; it starts with alpha, worst first.\n"
        "Enter on a code lists the segments the coders disagree on: the text, each coder's "
        "codes side by side (numbered; yellow: codes they differ on, bold: the code chosen) "
        "and the consensus. Tab moves between the table and the list; Esc goes back up, q "
        "back to coding.\n"
        "The lead decides the highlighted segment with one key: 1…9 takes that coder's codes, "
        "u the union of everyone's, e lets you check the codes, n decides that no code "
        "applies. It is stored as codings of the coder 'consensus' (exports and 'qualcode "
        "agreement --coders consensus,…' can use it) with how it was decided; the cursor "
        "moves to the next segment to decide. a records the consensus wherever every coder "
        "agrees (qualcode consensus auto --rule all).\n"
        "Blind coding: a coder who is not the lead sees the figures only — no segment lists, "
        "no other coder's codes — and cannot record a consensus; of the figures only the ALL "
        "rows, unless the lead opened the per-code figures to coders (qualcode agreement "
        "--open-to-coders on)."
    )
    AUTO_FOCUS = "#agreement-table"

    def __init__(self, db: DbRunner, coder: CoderInfo) -> None:
        super().__init__()
        self.db = db
        self.coder = coder
        self.report: AgreementReport | None = None
        self.sort_key = "alpha"
        self.sort_reverse = False
        self.review: ReviewView | None = None
        self.review_code: str | None = None  # the code whose disagreements are (being) listed
        self.codes: list[CodeItem] = []  # the codebook, for choosing consensus codes

    # ---- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="agreement-summary")
        yield DataTable(id="agreement-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="review-title")
        yield OptionList(id="review-list")
        yield Footer()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#agreement-table", DataTable)

    @property
    def review_list(self) -> OptionList:
        return self.query_one("#review-list", OptionList)

    def on_mount(self) -> None:
        self.title = "qualcode — agreement and consensus"
        role = " (lead)" if self.coder.is_lead else ""
        self.sub_title = f"{self.coder.name}{role} · computing agreement…"
        self.query_one("#agreement-summary", Static).update(
            Text("Computing the agreement of the coders…", style="dim")
        )
        self._show_review_title()
        self.table.loading = True
        self.db.submit(self._compute, self._computed, self._not_computed, write=False, hold=True)
        if self.coder.is_lead:
            coder_id = self.coder.id

            def codebook(session: Session) -> list[CodeItem]:
                from qualcode.services.workspace import codebook_view

                return list(codebook_view(session, coder_id).codes)

            self.db.submit(codebook, self._codebook_loaded, write=False, hold=True)

    # ---- the agreement table ----------------------------------------------------------------

    def _compute(self, session: Session) -> AgreementReport:
        from qualcode.services.agreement import agreement
        from qualcode.services.agreement_access import visible_report

        # blind coding: a coder sees the ALL rows only, unless the lead opened the figures
        return visible_report(session, self.coder.name, agreement(session))

    def _codebook_loaded(self, codes: list[CodeItem]) -> None:
        self.codes = codes

    def _not_computed(self, message: str) -> None:
        if not on_screen(self):
            return  # the screen was closed while the agreement was computed
        self.table.loading = False
        self.sub_title = f"{self.coder.name} · no agreement to show"
        self.query_one("#agreement-summary", Static).update(Text(message, style="yellow"))
        self.query_one("#review-title", Static).update("")

    def _computed(self, report: AgreementReport) -> None:
        if not on_screen(self):
            return  # the screen was closed while the agreement was computed
        self.report = report
        self.table.loading = False
        if self.focused is None:
            self.table.focus()
        role = " (lead)" if self.coder.is_lead else ""
        self.sub_title = f"{self.coder.name}{role} · {', '.join(report.coders)}"
        self._fill_table()

    def _summary(self) -> Text:
        report = self.report
        assert report is not None
        text = Text()
        text.append(f"Agreement of {', '.join(report.coders)}", style="bold")
        text.append(
            f" per code: {report.units} segments of {len(report.transcripts)} transcript(s) "
            "marked done by at least two of them.\n"
        )
        for row in report.rows:
            if row.overall:
                text.append(f"{row.code} alpha ", style="bold")
                text.append(number(row.alpha).plain, style=RATING_STYLE.get(row.rating, ""))
                text.append(" · ")
        column = BY_KEY[self.sort_key]
        first = "worst first" if column.ascending else "most first"
        if column.value is None:
            first = "codebook order"
        order = f"reversed ({first})" if self.sort_reverse else first
        text.append(f"sorted by {column.label}, {order}", style="cyan")
        text.append(" (s: next column, r: reverse, or click a heading)", style="dim")
        from qualcode.services.agreement_access import HIDDEN_NOTE

        if HIDDEN_NOTE in report.notes:
            text.append(f"\nBlind coding: {HIDDEN_NOTE}.", style="yellow")
        return text

    def _fill_table(self) -> None:
        if self.report is None:
            return
        table = self.table
        keep = self._highlighted_code()
        table.clear(columns=True)
        for column in COLUMNS:
            label = column.label
            if column.key == self.sort_key:
                up = column.ascending != self.sort_reverse
                label += " ▲" if up else " ▼"
            table.add_column(label, key=column.key)
        table.add_column("theme", key="theme")
        table.add_column("note", key="note")
        labels = short_labels({r.code for r in self.report.rows if not r.overall})
        for row in sort_rows(self.report.rows, self.sort_key, self.sort_reverse):
            table.add_row(*table_cells(row, labels), key=row.code)
        if keep is not None:
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        self.query_one("#agreement-summary", Static).update(self._summary())

    def _highlighted_code(self) -> str | None:
        table = self.table
        if not table.row_count or not table.columns:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None

    def _sort(self, key: str, reverse: bool) -> None:
        self.sort_key, self.sort_reverse = key, reverse
        self._fill_table()

    def action_sort(self) -> None:
        index = SORT_CYCLE.index(self.sort_key) if self.sort_key in SORT_CYCLE else -1
        self._sort(SORT_CYCLE[(index + 1) % len(SORT_CYCLE)], False)

    def action_reverse(self) -> None:
        self._sort(self.sort_key, not self.sort_reverse)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        if key in BY_KEY:
            self._sort(key, not self.sort_reverse if key == self.sort_key else False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        code = str(event.row_key.value)
        if self.report is None:
            return
        row = next((r for r in self.report.rows if r.code == code), None)
        if row is None or row.overall:
            self.notify("choose one code: the ALL rows sum up every code")
            return
        if not self.coder.is_lead:
            self.notify(BLIND, severity="warning")
            return
        self.review_list.display = True
        self.review_list.focus()
        self._load_review(code)

    # ---- the disagreements on one code --------------------------------------------------------

    def _load_review(
        self, code: str, goto: tuple[str, int] | None = None, advance: bool = False
    ) -> None:
        if self.report is None:
            return
        self.review_code = code
        actor, coders = self.coder.name, list(self.report.coders)
        if self.review is None or self.review.code != code:
            self.review = None
            self.review_list.clear_options()
            self._show_review_title(loading=code)

        def load(session: Session) -> ReviewView:
            from qualcode.services.consensus_review import review_items

            return review_items(session, actor, code, coders)

        def shown(view: ReviewView) -> None:
            if on_screen(self) and code == self.review_code:
                self._show_review(view, goto, advance)

        def failed(message: str) -> None:
            self.notify(message, severity="error")

        self.db.submit(load, shown, failed, write=False, hold=True)

    def _show_review(self, view: ReviewView, goto: tuple[str, int] | None, advance: bool) -> None:
        self.review = view
        paths = {p for i in view.items for codes in i.codes_by_coder.values() for p in codes}
        labels = short_labels(paths | {p for i in view.items for p in i.consensus} | {view.code})
        options = self.review_list
        options.clear_options()
        for index, item in enumerate(view.items):
            if index:
                options.add_option(None)
            options.add_option(Option(review_prompt(item, view, labels), id=str(index)))
        target: int | None = None
        current = view.index_of(*goto) if goto else None
        if current is not None:
            target = view.next_undecided(current) if advance else current
            target = current if target is None else target
        elif view.items:
            target = view.next_undecided(len(view.items) - 1) or 0
        if target is not None:
            options.highlighted = target
        self._show_review_title()
        if advance and view.items and not view.undecided:
            self.notify(f"every disagreement on {view.code} is decided")

    def _show_review_title(self, loading: str = "") -> None:
        text = Text()
        view = self.review
        if not self.coder.is_lead:
            text.append(BLIND, style="dim")
        elif loading:
            text.append(f"Finding the segments the coders disagree on for {loading}…", style="dim")
        elif view is None:
            text.append(
                "Enter on a code: the segments the coders disagree on, to record the consensus.",
                style="dim",
            )
        elif not view.items:
            text.append(view.code, style="bold")
            text.append(": the coders agree on every segment; nothing to decide.")
        else:
            text.append(view.code, style="bold")
            text.append(f": {len(view.items)} segment(s) where the coders disagree, ")
            text.append(f"{view.undecided} to decide", style="yellow" if view.undecided else "")
            text.append(".\nThe consensus on the highlighted segment: ", style="dim")
            for position, coder in enumerate(view.coders, 1):
                text.append(f"{position}", style="bold cyan")
                text.append(f" {coder}'s codes · ", style="dim")
            for key, what in (("u", "union"), ("e", "choose"), ("n", "no code")):
                text.append(key, style="bold cyan")
                text.append(f" {what}" + (" · " if key != "n" else ""), style="dim")
        self.query_one("#review-title", Static).update(text)

    # ---- the lead's decisions ---------------------------------------------------------------

    def _lead(self) -> bool:
        if self.coder.is_lead:
            return True
        self.notify(
            f"consensus: needs the lead role ({self.coder.name} is not the project's lead)",
            severity="warning",
        )
        return False

    def _current(self) -> ReviewItem | None:
        """The highlighted disagreement, if the coder is the lead and one is listed."""
        if not self._lead():
            return None
        view = self.review
        if view is None:
            self.notify("choose a code first: Enter on its row in the table")
            return None
        index = self.review_list.highlighted
        if index is None or not 0 <= index < len(view.items):
            self.notify(f"no segment to decide for {view.code}")
            return None
        return view.items[index]

    def _set(
        self,
        item: ReviewItem,
        *,
        from_coder: str | None = None,
        union: bool = False,
        codes: list[str] | None = None,
    ) -> None:
        assert self.review is not None
        actor, code, coders = self.coder.name, self.review.code, ",".join(self.review.coders)
        transcript, ordinal = item.transcript, item.ordinal

        def run(session: Session) -> tuple[str, list[str]]:
            from qualcode.services.consensus import set_consensus

            return set_consensus(
                session, actor, transcript, ordinal,
                from_coder=from_coder, union=union, codes=codes, coders=coders,
            )  # fmt: skip

        def done(result: tuple[str, list[str]]) -> None:
            how, paths = result
            chosen = ", ".join(paths) or "no code"
            self.notify(f"{transcript} segment {ordinal}: {chosen} ({how_label(how)})", timeout=4)
            if on_screen(self):
                self._load_review(code, goto=(transcript, ordinal), advance=True)

        # the next key decides the next disagreement, once the list has moved on to it
        self.db.submit(run, done, hold=True)

    def action_accept(self, position: int) -> None:
        item = self._current()
        if item is None or self.review is None:
            return
        coders = self.review.coders
        if not 1 <= position <= len(coders):
            columns = ", ".join(f"{n} {c}" for n, c in enumerate(coders, 1))
            self.notify(f"no coder {position}: the coders are {columns}")
            return
        name = coders[position - 1]
        if name not in item.codes_by_coder:
            self.notify(f"{name} did not finish {item.transcript}: their codes are not compared")
            return
        self._set(item, from_coder=name)

    def action_union(self) -> None:
        item = self._current()
        if item is not None:
            self._set(item, union=True)

    def action_no_code(self) -> None:
        item = self._current()
        if item is not None:
            self._set(item, codes=[])

    def action_edit(self) -> None:
        item = self._current()
        if item is None:
            return
        if not self.codes:
            self.notify("the codebook is still loading; try again")
            return
        applied: dict[str, list[str]] = {}
        for coder, paths in item.codes_by_coder.items():
            for path in paths:
                applied.setdefault(path, []).append(coder)
        notes = {path: ", ".join(names) for path, names in applied.items()}
        for path in item.consensus:
            notes[path] = (notes.get(path, "") + " · consensus").lstrip(" ·")
        checked = set(item.consensus) if item.is_decided else set(applied)
        title = f"Consensus codes for {item.transcript} segment {item.ordinal}"

        def chosen(paths: list[str] | None) -> None:
            if paths is not None:
                self._set(item, codes=paths)

        self.app.push_screen(CodePickerScreen(title, self.codes, checked, notes), chosen)

    def action_auto(self) -> None:
        if not self._lead() or self.report is None:
            return
        actor, coders = self.coder.name, ",".join(self.report.coders)
        choices: list[Text | str] = [
            "Yes: record the consensus on every segment where all the coders agree",
            "No",
        ]

        def confirmed(index: int | None) -> None:
            if index != 0:
                return

            def run(session: Session) -> str:
                from qualcode.services.consensus import auto_consensus

                report = auto_consensus(session, actor, "all", coders)
                return (
                    f"consensus where all agree: {report.decided} segment(s) decided with "
                    f"{report.codings} coding(s); {report.already} decided before; "
                    f"{report.left} segment(s) left to decide"
                )

            def done(note: str) -> None:
                self.notify(note, timeout=8)
                if on_screen(self) and self.review is not None:
                    self._load_review(self.review.code)

            self.db.submit(run, done, hold=True)

        self.app.push_screen(
            PickScreen("Record the consensus where every coder agrees?", choices), confirmed
        )

    # ---- leaving ------------------------------------------------------------------------------

    def action_back(self) -> None:
        """Esc: from the list of disagreements back to the table; from the table, to coding."""
        if self.review_list.has_focus:
            self.table.focus()
            return
        self.app.pop_screen()

    def action_close(self) -> None:
        self.app.pop_screen()
