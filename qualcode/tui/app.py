"""The qualcode TUI: built by ``make_app`` (the CLI and the tests use the same factory)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from qualcode.tui.db import DbRunner
from qualcode.tui.key_gate import KeyGate, KeySettled
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
        actor: str | None = None,
    ) -> None:
        super().__init__()
        self.coder = coder
        self.transcript = transcript
        # who acts (the audit log's actor): the coder, or a lead coding as them
        self.db = DbRunner(self, project, actor=actor or coder)
        self.use_keymap_file = use_keymap_file
        self.failure: str | None = None  # why the app could not start, for the CLI to print
        self.keys = KeyGate(self)
        self.quitting = False  # once set, no new reload is started

    async def on_event(self, event: events.Event) -> None:
        """Keys and pastes go through the gate: one at a time, in the order pressed."""
        if not isinstance(event, (events.Key, events.Paste)) or event.is_forwarded:
            await super().on_event(event)
            return
        if self.keys.take(event):
            return  # it waits its turn
        pressed = getattr(self.screen, "key_pressed", None)
        if pressed is not None:
            pressed()  # the status line spoke of the previous key
        await super().on_event(event)
        target = (self.focused or self.screen) if event.is_forwarded else None
        self.keys.dispatched(event, target)

    def on_key_settled(self, message: KeySettled) -> None:
        self.keys.settled(message)

    async def action_quit(self) -> None:
        """Quit, but never with a memo half typed or changes not yet stored."""
        from qualcode.tui.screens.memo import MemoScreen, UnsavedScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, UnsavedScreen):
                return  # the question is on screen already
            if isinstance(screen, MemoScreen) and screen.unsaved:
                screen.ask_unsaved(then=self._quit_when_stored)
                return
        await self._quit_when_stored()

    async def _quit_when_stored(self) -> None:
        self.quitting = True
        if self.db.pending:
            self.sub_title = "saving…"
            await self.db.settle(timeout=30.0)
        self.exit()

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
            "A code's shortcut key (shown first in the codebook panel) applies it. "
            "A click on a code in the codebook panel shows its definition; a double click, or "
            "Enter, applies it. A theme (a code with codes under it) is not applied: choose "
            "one of its codes. Tab moves between panels.\n"
            "u undoes and Ctrl+R redoes, through any sequence of changes. The line under the "
            "transcript says what the last key did, or why it did nothing.\n"
            "Keys typed quickly are taken one at a time, in order: each acts on the segment "
            "the cursor was on when it was pressed.\n"
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
            "write qualcode-codings.csv in the current folder (a coder: their own codings)",
            self.export_codings,
        )

    def export_codings(self) -> None:
        from pathlib import Path

        from qualcode.export.output import emit
        from qualcode.services.coding import EXPORT_COLUMNS, export_codings

        target = Path.cwd() / "qualcode-codings.csv"
        coder = self.coder

        def run(session: Any) -> tuple[int, bool]:
            from qualcode.services.lookup import get_coder

            # blind coding: a coder exports their own codings; the lead exports everyone's
            found = get_coder(session, coder)
            lead = found is not None and found.role == "lead"
            rows = export_codings(session, None if lead else coder)
            emit(EXPORT_COLUMNS, rows, "csv", target)
            return len(rows), lead

        def done(result: tuple[int, bool]) -> None:
            count, lead = result
            whose = "codings" if lead else f"of your own codings ({coder}: blind coding)"
            self.notify(f"wrote {count} {whose} to {target}")

        self.db.submit(run, done, write=False)


def make_app(
    project: Project | str,
    coder: str,
    transcript: str | None = None,
    use_keymap_file: bool = True,
    actor: str | None = None,
) -> QualcodeApp:
    """The TUI on an open Project, or on a ``--db`` location opened in the database thread."""
    return QualcodeApp(project, coder, transcript, use_keymap_file, actor)
