"""The qualcode TUI: built by ``make_app`` (the CLI and the tests use the same factory)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from qualcode.tui.db import DbRunner
from qualcode.tui.keys import load_keymap
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.help import HelpScreen

if TYPE_CHECKING:
    from qualcode.store.project import Project


class QualcodeApp(App[None]):
    TITLE = "qualcode"
    CSS = """
    #workspace { height: 1fr; }
    TranscriptView { width: 1fr; }
    """
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("ctrl+p", "command_palette", "Commands", id="command_palette", show=False),
    ]

    def __init__(
        self,
        project: Project | str,
        coder: str,
        transcript: str | None = None,
        use_keymap_file: bool = True,
    ) -> None:
        super().__init__()
        self.coder = coder
        self.transcript = transcript
        self.db = DbRunner(self, project, actor=coder)
        self.use_keymap_file = use_keymap_file
        self.failure: str | None = None  # why the app could not start, for the CLI to print

    def on_mount(self) -> None:
        if self.use_keymap_file:
            keymap, problem = load_keymap()
            if keymap:
                self.set_keymap(keymap)
            if problem:
                self.notify(problem, severity="warning", timeout=10)
        self.push_screen(CodingScreen(self.db, self.coder, self.transcript))

    @property
    def coding(self) -> CodingScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, CodingScreen):
                return screen
        return None

    def action_help(self) -> None:
        rows: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for key, active in self.active_bindings.items():
            binding = active.binding
            if binding.id in seen or not binding.description:
                continue
            seen.add(binding.id or key)
            rows.append((self.get_key_display(binding), binding.description, binding.id or ""))
        rows.sort(key=lambda row: row[2])
        extra = getattr(self.screen, "HELP_TEXT", "") or (
            "Motion: j/k or ↓/↑ next/previous segment, PgDn/PgUp, Home/End (or G) first/last. "
            "v selects a sub-span of the segment: w/b and l/h move its end, W/B its start, "
            "Esc cancels; then apply a code as usual to code that span only.\n"
            "A code's shortcut key (shown [like this] in the codebook panel) applies it. "
            "Enter on a code in the codebook panel applies it too. Tab moves between panels.\n"
            'Remap keys in ~/.config/qualcode/keys.toml (or $QUALCODE_KEYS): [keys] id = "key".'
        )
        self.push_screen(HelpScreen(rows, extra))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        coding = self.coding
        if coding is None:
            return
        for item in coding.transcripts:
            yield SystemCommand(
                f"Open transcript {item.name}",
                f"{item.participant}, {item.segments} segments, {item.status_label}",
                lambda tid=item.id: coding.open_transcript(tid),
            )
        for code in coding.codebook.codes:
            if code.parent_id is None:
                continue
            yield SystemCommand(
                f"Filter segments by code: {code.path}",
                "show only the segments with this code (in the current view)",
                lambda cid=code.id: coding.filter_by_code(cid),
            )
        yield SystemCommand(
            "Show uncoded segments", "segments without any code", coding.filter_uncoded
        )
        yield SystemCommand(
            "Show all segments", "remove the segment filter", lambda: coding.filter_by_code(None)
        )
        yield SystemCommand(
            "Open the codebook",
            "focus the codebook panel",
            lambda: coding.query_one("#code-tree").focus(),
        )
        yield SystemCommand(
            "Codebook screen",
            "definitions, history, the proposals queue; the lead's codebook changes",
            coding.action_codebook_screen,
        )
        yield SystemCommand(
            "Theme frequencies",
            "participants per code and theme, by attribute, with bars (T)",
            coding.action_themes_screen,
        )
        yield SystemCommand(
            "Agreement and consensus",
            "agreement per code; the lead reviews disagreements and records the consensus",
            coding.action_agreement_screen,
        )
        yield SystemCommand(
            "Export codings to CSV",
            "write qualcode-codings.csv in the current folder",
            self.export_codings,
        )

    def export_codings(self) -> None:
        from pathlib import Path

        from qualcode.export.output import emit
        from qualcode.services.coding import EXPORT_COLUMNS, export_codings

        target = Path.cwd() / "qualcode-codings.csv"

        def run(session: Any) -> int:
            rows = export_codings(session)
            emit(EXPORT_COLUMNS, rows, "csv", target)
            return len(rows)

        self.db.submit(run, lambda n: self.notify(f"wrote {n} codings to {target}"), write=False)


def make_app(
    project: Project | str,
    coder: str,
    transcript: str | None = None,
    use_keymap_file: bool = True,
) -> QualcodeApp:
    """The TUI on an open Project, or on a ``--db`` location opened in the database thread."""
    return QualcodeApp(project, coder, transcript, use_keymap_file)
