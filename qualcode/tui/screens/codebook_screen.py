"""`C`: the codebook screen. The tree (or the proposals queue) on the left; the highlighted
code's definition, history and codings to recode on the right; the lead's changes, each with
its reason, made by the ``codebook_changes`` services.

Dismissed with True when the codebook changed, so the coding screen reloads its panel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Static,
    TabbedContent,
    TabPane,
    Tree,
)
from textual.widgets.tree import TreeNode

from qualcode.tui.db import DbRunner, on_screen
from qualcode.tui.screens.code_search import CodeSearchScreen
from qualcode.tui.screens.pick import PickScreen
from qualcode.tui.screens.rationale import Field, RationaleScreen, why_field

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from qualcode.services.codebook_review import CodeDetail, ReviewCode, ReviewView

LIVE = ("active", "proposed")
CODES_TAB, PROPOSALS_TAB = "codes-tab", "proposals-tab"


def status_note(code: ReviewCode) -> Text:
    """The marker after a code's name: proposed, retired, merged into …, split into …"""
    if code.status == "proposed":
        return Text(" proposed", style="yellow")
    if code.status == "merged":
        return Text(f" merged → {code.merged_into}", style="dim")
    if code.split_into:
        return Text(" split", style="dim magenta")
    if code.status == "retired":
        return Text(" retired", style="dim red")
    return Text()


def tree_label(code: ReviewCode) -> Text:
    item = code.item
    text = Text()
    text.append("▌ ", style=item.color or "grey50")
    style = "italic" if code.status == "proposed" else "" if code.status in LIVE else "dim strike"
    text.append(item.name, style=style)
    if item.count:
        text.append(f" {item.count}", style="cyan")
    text.append_text(status_note(code))
    return text


def definition(code: ReviewCode) -> Text:
    item = code.item
    text = Text()
    text.append(item.path, style="bold")
    text.append_text(status_note(code))
    facts = [item.status, item.kind]
    if item.shortcut:
        facts.append(f"shortcut {item.shortcut}")
    if code.creator:
        facts.append(f"{'proposed' if item.status == 'proposed' else 'created'} by {code.creator}")
    facts.append(f"{item.count} coding{'' if item.count == 1 else 's'}")
    text.append("\n" + " · ".join(facts) + "\n\n", style="dim")
    for title, body in (
        ("Description: ", item.description),
        ("Use when: ", item.include),
        ("Not when: ", item.exclude),
        ("Example: ", item.example),
    ):
        text.append(title, style="bold")
        text.append((body or "—") + "\n", style="" if body else "dim")
    if code.merged_into:
        text.append(f"\nMerged into {code.merged_into}: its codings moved there.\n", style="dim")
    if code.split_into:
        text.append(f"\nSplit into {', '.join(code.split_into)}.\n", style="magenta")
    return text


def detail_view(code: ReviewCode, detail: CodeDetail | None) -> RenderableType:
    parts: list[RenderableType] = [definition(code)]
    if detail is None:
        parts.append(Text("loading the history…", style="dim"))
        return Group(*parts)
    history = Table(title="History", title_justify="left", expand=True, show_edge=False)
    history.add_column("at", style="dim", no_wrap=True)
    history.add_column("who", no_wrap=True)
    history.add_column("action", style="bold")
    history.add_column("change", ratio=1)
    history.add_column("why", ratio=2)
    for entry in detail.history:
        at = entry.at[:16].replace("T", " ")
        history.add_row(at, entry.actor, entry.action, entry.change, entry.rationale)
    parts.append(history)
    if code.split_into:
        recode = Table(
            title=f"Codings to recode ({len(detail.recode)})",
            title_justify="left",
            expand=True,
            show_edge=False,
        )
        for column in ("transcript", "segment", "coder"):
            recode.add_column(column)
        for row in detail.recode:
            recode.add_row(row.transcript, str(row.segment), row.coder)
        parts.append(Text(""))
        parts.append(recode if detail.recode else Text("No codings left to recode.", style="dim"))
    return Group(*parts)


class ReviewTree(Tree[int]):
    DEFAULT_CSS = "ReviewTree { height: 1fr; border: none; }"


class CodebookScreen(Screen[bool]):
    """Returns True when the codebook was changed here."""

    DEFAULT_CSS = """
    CodebookScreen #codebook-review { height: 1fr; }
    CodebookScreen #lists { width: 2fr; max-width: 70; border-right: solid $panel; }
    CodebookScreen #proposals { height: 1fr; }
    CodebookScreen #detail { width: 3fr; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q", "back", "Back", id="codebook.back"),
        Binding("p", "switch_list", "Proposals", id="codebook.proposals"),
        Binding("a", "accept", "Accept", id="codebook.accept"),
        Binding("r", "reject", "Reject", id="codebook.reject"),
        Binding("e", "edit", "Edit", id="codebook.edit"),
        Binding("R", "rename", "Rename", id="codebook.rename"),
        Binding("M", "move", "Move", id="codebook.move"),
        Binding("g", "merge", "Merge into", id="codebook.merge"),
        Binding("s", "split", "Split", id="codebook.split"),
        Binding("t", "retire", "Retire", id="codebook.retire"),
    ]
    HELP_TEXT = (
        "The codebook screen: ↑/↓ move in the tree (or the proposals queue, p); the right "
        "pane shows the code's definition, its history and, for a split code, the codings "
        "still to recode.\nOnly the lead changes the codebook; every change but accept and "
        "edit asks for the reason, kept in the codebook history. Esc or q goes back to coding."
    )
    AUTO_FOCUS = "#review-tree"

    def __init__(self, db: DbRunner, coder: str) -> None:
        super().__init__()
        self.db = db
        self.coder = coder
        self.view: ReviewView | None = None
        self.detail: CodeDetail | None = None
        self.current_id: int | None = None
        self.changed = False
        self._code_nodes: dict[int, TreeNode[int]] = {}

    # ---- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="codebook-review"):
            with TabbedContent(id="lists", initial=CODES_TAB):
                with TabPane("Codebook", id=CODES_TAB):
                    tree: ReviewTree = ReviewTree("Codebook", id="review-tree")
                    tree.show_root = False
                    yield tree
                with TabPane("Proposals", id=PROPOSALS_TAB):
                    yield DataTable(id="proposals", cursor_type="row")
            with VerticalScroll(id="detail"):
                yield Static("", id="detail-text")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "qualcode — codebook"
        self.sub_title = "loading…"
        table = self.query_one("#proposals", DataTable)
        table.add_columns("code", "under", "by", "codings", "description")
        self.reload()
        self.set_interval(2.0, self._poll, name="codebook-poll")

    @property
    def code_tree(self) -> ReviewTree:
        return self.query_one(ReviewTree)

    @property
    def proposals(self) -> DataTable[Any]:
        return self.query_one("#proposals", DataTable)

    @property
    def showing_proposals(self) -> bool:
        return self.query_one(TabbedContent).active == PROPOSALS_TAB

    # ---- loading ------------------------------------------------------------------------

    def reload(self) -> None:
        coder = self.coder

        def load(session: Session) -> ReviewView:
            from qualcode.services.codebook_review import review_view

            return review_view(session, coder)

        self.db.submit(load, self._show, write=False, hold=True)

    def _poll(self) -> None:
        """Another coder's proposal (or the lead's change elsewhere) appears here too."""
        if self.view is None or self.db.pending:
            return
        seq = self.view.seq

        def check(session: Session) -> int:
            from qualcode.services.codebook_events import current_seq

            return current_seq(session)

        def compare(current: int) -> None:
            if current != seq:
                self.reload()

        self.db.submit(check, compare, failed=lambda _m: None, write=False)

    def _show(self, view: ReviewView) -> None:
        if not on_screen(self):
            return  # the screen was closed while the codebook loaded
        self.view = view
        role = " (lead)" if view.is_lead else " · read only: changes need the lead role"
        live = sum(1 for c in view.codes if c.status in LIVE)
        self.sub_title = f"{view.coder}{role} · {live} codes · {len(view.proposals)} proposed"
        self._fill_tree(view)
        self._fill_proposals(view)
        tab = self.query_one(TabbedContent).get_tab(PROPOSALS_TAB)
        tab.label = f"Proposals ({len(view.proposals)})"
        self._highlight_from_list()

    def _fill_tree(self, view: ReviewView) -> None:
        tree = self.code_tree
        keep = self.current_id
        collapsed = {n.data for n in self._code_nodes.values() if n.children and not n.is_expanded}
        tree.clear()
        nodes: dict[int, TreeNode[int]] = {}
        for code in view.codes:
            parent_id = code.item.parent_id
            parent = nodes.get(parent_id, tree.root) if parent_id is not None else tree.root
            nodes[code.id] = parent.add(
                tree_label(code), data=code.id, expand=code.id not in collapsed
            )
        for node in nodes.values():
            if not node.children:
                node.allow_expand = False
        self._code_nodes = nodes
        _ = tree.last_line  # lays the new nodes out, so the cursor can move to one
        if keep in nodes:
            tree.move_cursor(nodes[keep])
        elif nodes:
            tree.move_cursor(next(iter(nodes.values())))

    def _fill_proposals(self, view: ReviewView) -> None:
        table = self.proposals
        keep = self.current_id
        table.clear()
        for code in view.proposals:
            table.add_row(
                code.item.name,
                code.path.rpartition("/")[0] or "(top level)",
                code.creator or "—",
                str(code.item.count),
                code.item.description or "—",
                key=str(code.id),
            )
        ids = [c.id for c in view.proposals]
        if keep in ids:
            table.move_cursor(row=ids.index(keep))

    def _highlight_from_list(self) -> None:
        """The code under the cursor of the list on show becomes the current one."""
        code_id: int | None = None
        if self.showing_proposals:
            table = self.proposals
            if table.row_count:
                key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
                code_id = int(key.value) if key.value else None
        else:
            node = self.code_tree.cursor_node
            code_id = node.data if node is not None else None
        self._select(code_id)

    def _select(self, code_id: int | None) -> None:
        self.current_id = code_id
        self.detail = None
        self._render_detail()
        if code_id is None or self.view is None:
            return
        coder = self.coder

        def load(session: Session) -> CodeDetail:
            from qualcode.services.codebook_review import code_detail

            return code_detail(session, code_id, coder)

        def loaded(detail: CodeDetail) -> None:
            if on_screen(self) and detail.code.id == self.current_id:  # not after Esc
                self.detail = detail
                self._render_detail()

        self.db.submit(load, loaded, failed=lambda _m: None, write=False)

    def _render_detail(self) -> None:
        code = self.current
        text = self.query_one("#detail-text", Static)
        if code is None:
            empty = "No proposals to review." if self.showing_proposals else "No codes yet."
            if self.view is None:
                empty = "loading…"
            text.update(Text(empty, style="dim"))
            return
        detail = self.detail if self.detail and self.detail.code.id == code.id else None
        text.update(detail_view(detail.code if detail else code, detail))

    @property
    def current(self) -> ReviewCode | None:
        if self.view is None or self.current_id is None:
            return None
        return self.view.by_id().get(self.current_id)

    # ---- events ---------------------------------------------------------------------------

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[int]) -> None:
        if not self.showing_proposals and event.node.data != self.current_id:
            self._select(event.node.data)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.showing_proposals and event.row_key.value:
            code_id = int(event.row_key.value)
            if code_id != self.current_id:
                self._select(code_id)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        (self.proposals if self.showing_proposals else self.code_tree).focus()
        self._highlight_from_list()

    def action_switch_list(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = CODES_TAB if self.showing_proposals else PROPOSALS_TAB

    def action_back(self) -> None:
        self.dismiss(self.changed)

    # ---- changes ------------------------------------------------------------------------

    def _target(self, action: str, statuses: tuple[str, ...] = ()) -> ReviewCode | None:
        """The code to change, if the coder is the lead and the code can take the change."""
        if self.view is None:
            return None
        if not self.view.is_lead:
            self.notify(
                f"codebook {action}: needs the lead role ({self.coder} is not the project's lead)",
                severity="warning",
            )
            return None
        code = self.current
        if code is None:
            self.notify("highlight a code first")
            return None
        if statuses and code.status not in statuses:
            what = "a proposal" if statuses == ("proposed",) else "in use"
            self.notify(f"codebook {action}: {code.path} is {code.status}, not {what}")
            return None
        return code

    def _run(self, run: Callable[[Session], str]) -> None:
        """One change in one transaction; its note is shown, then everything is reloaded."""

        def done(note: str) -> None:
            self.changed = True
            self.notify(note, timeout=4)
            self.reload()

        # the keys after it act on the reloaded tree
        self.db.submit(run, done, hold=True)

    def _ask(self, title: str, fields: list[Field], then: Callable[[dict[str, str]], None]) -> None:
        def answered(values: dict[str, str] | None) -> None:
            if values is not None:
                then(values)

        self.app.push_screen(RationaleScreen(title, fields), answered)

    def action_accept(self) -> None:
        code = self._target("accept", ("proposed",))
        if code is None:
            return
        actor, path = self.coder, code.path

        def then(values: dict[str, str]) -> None:
            def run(session: Session) -> str:
                from qualcode.services.codebook_changes import accept_code

                return f"accepted {accept_code(session, actor, path, values['why'])}"

            self._run(run)

        self._ask(f"Accept the proposal {path}", [why_field(required=False)], then)

    def action_reject(self) -> None:
        code = self._target("reject", ("proposed",))
        if code is None:
            return
        actor, path = self.coder, code.path

        def then(values: dict[str, str]) -> None:
            def run(session: Session) -> str:
                from qualcode.services.codebook_changes import reject_code

                return f"rejected {reject_code(session, actor, path, values['why'])}"

            self._run(run)

        self._ask(f"Reject the proposal {path}", [why_field()], then)

    def action_retire(self) -> None:
        code = self._target("retire", LIVE)
        if code is None:
            return
        actor, path = self.coder, code.path

        def then(values: dict[str, str]) -> None:
            def run(session: Session) -> str:
                from qualcode.services.codebook_changes import retire_code

                retired = retire_code(session, actor, path, values["why"])
                return f"retired {retired}: it can no longer be applied; its codings stay"

            self._run(run)

        self._ask(f"Retire {path}", [why_field()], then)

    def action_rename(self) -> None:
        code = self._target("rename")
        if code is None:
            return
        actor, path = self.coder, code.path

        def then(values: dict[str, str]) -> None:
            def run(session: Session) -> str:
                from qualcode.services.codebook_changes import rename_code

                old = rename_code(session, actor, path, values["name"], values["why"])
                return f"renamed {old} → {values['name']}"

            self._run(run)

        fields = [Field("name", "New name", code.item.name, required=True), why_field()]
        self._ask(f"Rename {path}", fields, then)

    def action_edit(self) -> None:
        code = self._target("edit")
        if code is None:
            return
        actor, path, item = self.coder, code.path, code.item
        fields = [
            Field("description", "Description", item.description),
            Field("include", "Use when (include)", item.include),
            Field("exclude", "Not when (exclude)", item.exclude),
            Field("example", "Example", item.example),
            why_field(required=False),
        ]

        def then(values: dict[str, str]) -> None:
            def run(session: Session) -> str:
                from qualcode.services.codebook_changes import edit_code

                changed = edit_code(
                    session,
                    actor,
                    path,
                    description=values["description"],
                    include=values["include"],
                    exclude=values["exclude"],
                    example=values["example"],
                    why=values["why"],
                )
                return f"edited {path}: {', '.join(changed)}" if changed else "nothing changed"

            self._run(run)

        self._ask(f"Edit the definition of {path}", fields, then)

    def action_split(self) -> None:
        code = self._target("split", LIVE)
        if code is None:
            return
        actor, path = self.coder, code.path
        fields = [
            Field("names", "New codes, comma-separated", required=True, placeholder="A, B"),
            why_field(),
        ]

        def then(values: dict[str, str]) -> None:
            names = [n.strip() for n in values["names"].split(",")]

            def run(session: Session) -> str:
                from qualcode.services.codebook_changes import split_code

                old, new = split_code(session, actor, path, names, values["why"])
                return f"split {old} into {', '.join(new)}; its codings stay on it, to recode"

            self._run(run)

        self._ask(f"Split {path}", fields, then)

    def _descendants(self, code_id: int) -> set[int]:
        assert self.view is not None
        found: set[int] = set()
        frontier = [code_id]
        while frontier:
            current = frontier.pop()
            for other in self.view.codes:
                if other.item.parent_id == current and other.id not in found:
                    found.add(other.id)
                    frontier.append(other.id)
        return found

    def action_move(self) -> None:
        code = self._target("move")
        if code is None or self.view is None:
            return
        actor, path = self.coder, code.path
        excluded = self._descendants(code.id) | {code.id}
        parents = [c for c in self.view.codes if c.status in LIVE and c.id not in excluded]
        labels: list[Text | str] = ["(top level: a theme)"]
        labels += [Text("  " * c.item.depth + c.item.name) for c in parents]

        def picked(index: int | None) -> None:
            if index is None:
                return
            parent = parents[index - 1].path if index > 0 else None
            where = parent or "the top level"

            def then(values: dict[str, str]) -> None:
                def run(session: Session) -> str:
                    from qualcode.services.codebook_changes import move_code

                    return f"moved to {move_code(session, actor, path, parent, values['why'])}"

                self._run(run)

            self._ask(f"Move {path} to {where}", [why_field()], then)

        self.app.push_screen(PickScreen(f"Move {path} under:", labels), picked)

    def action_merge(self) -> None:
        code = self._target("merge", LIVE)
        if code is None or self.view is None:
            return
        actor, path = self.coder, code.path
        excluded = self._descendants(code.id) | {code.id}
        targets = [c for c in self.view.codes if c.status in LIVE and c.id not in excluded]
        by_id = {c.id: c for c in targets}

        def picked(target_id: int | str | None) -> None:
            target = by_id.get(target_id) if isinstance(target_id, int) else None
            if target is None:
                return
            into = target.path

            def then(values: dict[str, str]) -> None:
                def run(session: Session) -> str:
                    from qualcode.services.codebook_changes import merge_codes

                    result = merge_codes(session, actor, [path], into, values["why"])
                    return f"merged {path} into {result.target}: {result.moved} codings moved" + (
                        f", {result.collapsed} duplicates dropped" if result.collapsed else ""
                    )

                self._run(run)

            self._ask(f"Merge {path} into {into}", [why_field()], then)

        search = CodeSearchScreen([c.item for c in targets], title=f"Merge {path} into")
        self.app.push_screen(search, picked)
