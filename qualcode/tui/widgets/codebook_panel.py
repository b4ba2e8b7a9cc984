"""The codebook panel: the code tree (shortcut, colour, counts) and the highlighted code's
definition (description, include, exclude, example)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from qualcode.services.workspace_types import CodebookView, CodeItem


def code_label(code: CodeItem) -> Text:
    """``▌g Name 12``: the shortcut first, so a narrow panel never hides it."""
    text = Text()
    text.append("▌", style=code.color or "grey50")
    text.append(f"{code.shortcut or ' '} ", style="bold cyan")
    ended = code.status in ("retired", "merged")
    style = "italic" if code.status == "proposed" else "dim strike" if ended else ""
    text.append(code.name, style=style)
    if code.count:
        text.append(f" {code.count}", style="dim")
    if code.status != "active":
        text.append(f" {code.status}", style="dim yellow" if not ended else "dim")
    return text


def definition(code: CodeItem) -> Text:
    text = Text()
    text.append(code.path + "\n", style="bold")
    if code.status != "active" or code.kind == "inductive":
        text.append(f"{code.kind}, {code.status}\n", style="dim")
    for title, body in (
        ("", code.description),
        ("Use when: ", code.include),
        ("Not when: ", code.exclude),
        ("Example: ", code.example),
    ):
        if body:
            text.append(title, style="bold")
            text.append(body + "\n")
    return text


class CodeTree(Tree[int]):
    """A click highlights a code (its definition shows); a double click applies it."""

    DEFAULT_CSS = "CodeTree { height: 2fr; border: none; }"

    class Clicked(Message):
        def __init__(self, code_id: int | None, double: bool) -> None:
            super().__init__()
            self.code_id = code_id
            self.double = double

    async def _on_click(self, event: events.Click) -> None:
        meta = event.style.meta
        if "line" not in meta or meta.get("toggle", False):
            return  # the expand/collapse toggle: the tree's own handler
        event.prevent_default()  # not the tree's own "select" on a click
        event.stop()
        self.cursor_line = meta["line"]
        node = self.cursor_node
        self.post_message(self.Clicked(node.data if node is not None else None, event.chain >= 2))


class CodebookPanel(Vertical):
    """Highlighting (or a click) shows the definition; Enter or a double click on a code
    posts CodeChosen."""

    DEFAULT_CSS = """
    CodebookPanel { width: 38; border-left: solid $panel; }
    CodebookPanel > #definition { height: 1fr; border-top: solid $panel; padding: 0 1; }
    """

    class CodeChosen(Message):
        def __init__(self, code_id: int) -> None:
            super().__init__()
            self.code_id = code_id

    def __init__(self) -> None:
        super().__init__(id="codebook")
        self.codes: dict[int, CodeItem] = {}
        self._code_nodes: dict[int, TreeNode[int]] = {}

    def compose(self) -> ComposeResult:
        tree: CodeTree = CodeTree("Codebook", id="code-tree")
        tree.show_root = False
        yield tree
        with VerticalScroll(id="definition"):
            yield Static("", id="definition-text")

    def show(self, codebook: CodebookView) -> None:
        """Show the codebook; when only counts or labels changed, relabel in place."""
        tree = self.query_one(CodeTree)
        shape = [(c.id, c.parent_id) for c in codebook.codes]
        if shape == [(c.id, c.parent_id) for c in self.codes.values()] and self._code_nodes:
            for code in codebook.codes:
                if self.codes[code.id] != code:
                    self._code_nodes[code.id].set_label(code_label(code))
            self.codes = codebook.by_id()
            node = tree.cursor_node
            self._describe(node.data if node is not None else None)
            return
        cursor_id = tree.cursor_node.data if tree.cursor_node is not None else None
        collapsed = {node.data for node in tree.root.children if not node.is_expanded and node.data}
        self.codes = codebook.by_id()
        tree.clear()
        nodes: dict[int, TreeNode[int]] = {}
        for code in codebook.codes:
            parent = nodes.get(code.parent_id, tree.root) if code.parent_id else tree.root
            node = parent.add(code_label(code), data=code.id, expand=code.id not in collapsed)
            nodes[code.id] = node
        for node in list(nodes.values()):
            if not node.children:
                node.allow_expand = False
        self._code_nodes = nodes
        if cursor_id in nodes:
            tree.move_cursor(nodes[cursor_id])
        self._describe(cursor_id)

    def highlighted_code(self) -> CodeItem | None:
        node = self.query_one(CodeTree).cursor_node
        return self.codes.get(node.data) if node is not None and node.data else None

    def _describe(self, code_id: int | None) -> None:
        code = self.codes.get(code_id) if code_id is not None else None
        self.query_one("#definition-text", Static).update(
            definition(code)
            if code
            else Text("Highlight a code to see its definition.", style="dim")
        )

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[int]) -> None:
        self._describe(event.node.data)

    def on_tree_node_selected(self, event: Tree.NodeSelected[int]) -> None:
        if event.node.data is not None and not event.node.children:
            event.stop()
            self.post_message(self.CodeChosen(event.node.data))
