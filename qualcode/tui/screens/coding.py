"""The coding screen: transcript list, transcript view, codebook panel.

Every change is one short transaction run by the DbRunner; the screen keeps an undo stack
of inverse operations. A coder sees only their own codings unless they are the lead and
ask for everyone's (``A``).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList

from qualcode.services.workspace_types import (
    CodebookView,
    CodeItem,
    CoderInfo,
    CodingItem,
    TranscriptContent,
    TranscriptItem,
)
from qualcode.tui.db import DbRunner
from qualcode.tui.screens.code_search import CodeSearchScreen, code_prompt
from qualcode.tui.screens.memo import MemoScreen
from qualcode.tui.screens.new_code import NewCode, NewCodeScreen
from qualcode.tui.screens.pick import PickScreen
from qualcode.tui.widgets.codebook_panel import CodebookPanel
from qualcode.tui.widgets.transcript_list import TranscriptList
from qualcode.tui.widgets.transcript_view import CodeChip, TranscriptView

if TYPE_CHECKING:
    from types import ModuleType

    from sqlalchemy.orm import Session


def _ws() -> ModuleType:
    """The workspace services, imported in the database thread on first use: SQLAlchemy is
    not needed to paint the first frame."""
    from qualcode.services import workspace

    return workspace


# Keys the transcript view uses while a sub-span is selected (they extend the selection).
SELECTION_KEYS = frozenset({"h", "l", "w", "b", "W", "B", "left", "right", "escape"})


@dataclass(frozen=True)
class Undo:
    label: str
    run: Callable[[Session], object]


class CodingScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "search", "Code search", id="code_search"),
        Binding("x", "remove", "Remove", id="remove_code"),
        Binding("n", "new_code", "New code", id="new_code"),
        Binding("m", "memo", "Memo", id="memo"),
        Binding("u", "undo", "Undo", id="undo"),
        Binding("d", "done", "Done", id="mark_done"),
        Binding(
            "left_square_bracket",
            "step_transcript(-1)",
            "Previous transcript",
            show=False,
            id="prev_transcript",
        ),
        Binding(
            "right_square_bracket",
            "step_transcript(1)",
            "Next transcript",
            show=False,
            id="next_transcript",
        ),
        Binding("A", "toggle_all", "All coders", id="toggle_all"),
        Binding("S", "saturation", "Saturation", id="saturation", show=False),
        Binding("T", "themes_screen", "Theme frequencies", show=False, id="themes_screen"),
        Binding("C", "codebook_screen", "Codebook screen", show=False, id="codebook_screen"),
        Binding("K", "agreement_screen", "Agreement", show=False, id="agreement_screen"),
    ]

    def __init__(self, db: DbRunner, coder: str, transcript: str | None = None) -> None:
        super().__init__()
        self.db = db
        self.coder_name = coder
        self.start_transcript = transcript
        self.coder: CoderInfo | None = None
        self.transcripts: list[TranscriptItem] = []
        self.codebook = CodebookView((), 0)
        self.content: TranscriptContent | None = None
        self.codings: tuple[CodingItem, ...] = ()
        self.memos: dict[int, str] = {}
        self.show_all = False
        self.pending_chips: dict[int, list[CodeChip]] = {}  # shown before the database answers
        self.filter_label = ""
        self.undo_stack: list[Undo] = []

    # ---- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="workspace"):
            yield TranscriptList(id="transcripts")
            yield TranscriptView(id="view")
            yield CodebookPanel()
        yield Footer()

    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    AUTO_FOCUS = "#view"  # focused as the screen mounts: no extra footer rebuild

    def on_mount(self) -> None:
        self.sub_title = "loading…"
        name = self.coder_name

        start = self.start_transcript

        def load(session: Session) -> tuple[Any, ...] | None:
            """Everything the first screen needs, in one read job (None: a new coder)."""
            coder = _ws().known_coder(session, name)
            if coder is None:
                return None
            items = _ws().transcript_items(session, coder.id)
            first = _ws().first_transcript(items, start)
            content = _ws().load_transcript(session, first.id, coder.id) if first else None
            return coder, items, _ws().codebook_view(session, coder.id), content

        def loaded(result: tuple[Any, ...] | None) -> None:
            if result is not None:
                self._loaded(result)
                return
            # A coder new to the project is registered first (the only write at start-up;
            # reads never wait for another coder's write, so opening is never held up).
            self.db.submit(
                lambda session: _ws().coder_info(session, name),
                lambda _coder: self.db.submit(load, loaded, self._cannot_start, write=False),
                self._cannot_start,
            )

        # Paint the first frame before the database thread starts importing SQLAlchemy
        # (the two would share the GIL).
        self.call_after_refresh(self.db.submit, load, loaded, self._cannot_start, False)
        self.set_interval(2.0, self._poll, name="poll")

    def _cannot_start(self, message: str) -> None:
        """The project could not be opened or read: leave with the reason (exit status 2)."""
        failed_app = self.app
        if hasattr(failed_app, "failure"):
            failed_app.failure = message
        failed_app.exit(return_code=2)

    def _loaded(self, result: tuple[Any, ...]) -> None:
        self.coder, self.transcripts, codebook, content = result
        self.refresh_bindings()  # the lead's keys show once we know who codes
        self._show_codebook(codebook)
        if self.start_transcript and not any(
            t.name == self.start_transcript for t in self.transcripts
        ):
            self.notify(f"no transcript named {self.start_transcript!r}", severity="error")
        if content is not None:
            self._opened(content, None)
        else:
            self.query_one(TranscriptList).show(self.transcripts, None)
            self.sub_title = "no transcripts yet: import some with 'qualcode import'"
        # What start-up made stays: keep it out of the garbage collector's full passes,
        # which would otherwise pause a key press now and then.
        gc.freeze()

    # ---- loading ------------------------------------------------------------------------

    def open_transcript(self, transcript_id: int, goto: int | None = None) -> None:
        coder = self.coder
        if coder is None:
            return
        show_all = self.show_all

        def load(session: Session) -> TranscriptContent:
            return _ws().load_transcript(session, transcript_id, coder.id, show_all)

        self.db.submit(load, lambda content: self._opened(content, goto), write=False)

    def _opened(self, content: TranscriptContent, goto: int | None) -> None:
        self.content = content
        self.codings = content.codings
        self.memos = dict(content.memos)
        self.filter_label = ""
        self.view.set_content(
            content.segments,
            content.text,
            content.interviewer_speakers,
            self._chips(),
            set(self.memos),
        )
        if goto is not None:
            self.view.goto(goto)
        self.query_one(TranscriptList).show(self.transcripts, content.transcript.id)
        self._update_title()

    def _chips(self) -> dict[int, list[CodeChip]]:
        codes = self.codebook.by_id()
        segments = {s.id: s for s in self.content.segments} if self.content else {}
        chips: dict[int, list[CodeChip]] = {}
        for coding in self.codings:
            code = codes.get(coding.code_id)
            segment = segments.get(coding.segment_id)
            partial = segment is not None and (coding.start, coding.end) != (
                segment.start,
                segment.end,
            )
            chips.setdefault(coding.segment_id, []).append(
                CodeChip(
                    label=code.name if code else "(code no longer in the codebook)",
                    color=code.color if code else "",
                    coder=coding.coder if self.show_all else None,
                    partial=partial,
                )
            )
        for segment_id, pending in self.pending_chips.items():
            chips.setdefault(segment_id, []).extend(pending)
        return chips

    def _show_codebook(self, codebook: CodebookView) -> None:
        self.codebook = codebook
        self.query_one(CodebookPanel).show(codebook)

    def _update_title(self) -> None:
        if self.content is None or self.coder is None:
            return
        item = next(
            (t for t in self.transcripts if t.id == self.content.transcript.id),
            self.content.transcript,
        )
        role = " (lead)" if self.coder.is_lead else ""
        view = "all coders" if self.show_all else "blind"
        extra = f" · filter: {self.filter_label}" if self.filter_label else ""
        self.title = f"qualcode — {item.name}"
        self.sub_title = f"{self.coder.name}{role} · {item.status_label} · {view}{extra}"

    def _refresh(self, note: str = "") -> None:
        """After a change: reload codings, memos, the transcript list and the codebook."""
        if self.content is None or self.coder is None:
            return
        coder_id, transcript_id, show_all = self.coder.id, self.content.transcript.id, self.show_all

        def load(session: Session) -> tuple[Any, ...]:
            return (
                _ws().transcript_codings(session, transcript_id, coder_id, show_all),
                _ws().segment_memos(session, transcript_id, coder_id),
                _ws().transcript_items(session, coder_id),
                _ws().codebook_view(session, coder_id, show_all),
            )

        def show(result: tuple[Any, ...]) -> None:
            codings, memos, self.transcripts, codebook = result
            self.pending_chips.clear()
            if self.content is None or self.content.transcript.id != transcript_id:
                return
            self.codings = codings
            self.memos = memos
            if codebook != self.codebook:
                self._show_codebook(codebook)
            self.view.set_chips(self._chips(), set(self.memos))
            self.query_one(TranscriptList).show(self.transcripts, transcript_id)
            self._update_title()
            if note:
                self.notify(note, timeout=3)

        self.db.submit(load, show, write=False)

    def _poll(self) -> None:
        """Other coders' codebook changes (and, in the lead's view, their codings) appear."""
        top = self.app.screen
        if self.coder is None or self.db.pending or (top is not self and not top.is_modal):
            return  # (not while a full screen, e.g. the codebook screen, covers this one)
        seq = self.codebook.seq

        def check(session: Session) -> int:
            return _ws().codebook_seq(session)

        def compare(current: int) -> None:
            if current != seq or self.show_all:
                self._refresh("codebook updated" if current != seq else "")

        self.db.submit(check, compare, failed=lambda _m: None, write=False)

    # ---- changes ------------------------------------------------------------------------

    def _change(
        self,
        run: Callable[[Session], Any],
        undo: Callable[[Any], Undo | None],
        note: Callable[[Any], str],
    ) -> None:
        def done(result: Any) -> None:
            entry = undo(result)
            if entry is not None:
                self.undo_stack.append(entry)
            self._refresh(note(result))

        self.db.submit(run, done)

    def apply_code(self, code_id: int) -> None:
        if self.content is None or self.coder is None:
            return
        span = self.view.target_span()
        if span is None:
            return
        coder_id, transcript_id = self.coder.id, self.content.transcript.id
        code = self.codebook.by_id().get(code_id)
        label = code.name if code else "code"
        start, end = span
        current = self.view.current
        if code is not None and current is not None:  # show it now; the refresh confirms it
            self.pending_chips.setdefault(current.id, []).append(
                CodeChip(
                    code.name,
                    code.color,
                    coder=self.coder.name if self.show_all else None,
                    partial=(start, end) != (current.start, current.end),
                )
            )
            self.view.set_chips(self._chips(), set(self.memos))
        self.view.clear_selection()

        def run(session: Session) -> CodingItem | None:
            return _ws().apply_span(session, coder_id, transcript_id, code_id, start, end)

        def undo(item: CodingItem | None) -> Undo | None:
            if item is None:
                return None
            return Undo(f"apply {label}", lambda s: _ws().remove_coding(s, coder_id, item.id))

        self._change(run, undo, lambda item: "" if item else f"{label} was already applied here")

    def action_search(self) -> None:
        if self.content is None:
            return

        def chosen(code_id: int | None) -> None:
            if code_id is not None:
                self.apply_code(code_id)

        self.app.push_screen(CodeSearchScreen(list(self.codebook.codes)), chosen)

    def _codings_here(self) -> list[CodingItem]:
        current = self.view.current
        if current is None or self.coder is None:
            return []
        span = self.view.selection
        own = [c for c in self.codings if c.coder_id == self.coder.id]
        if span is not None:
            return [c for c in own if c.start < span[1] and span[0] < c.end]
        return [c for c in own if c.segment_id == current.id]

    def action_remove(self) -> None:
        here = self._codings_here()
        if not here:
            self.notify("none of your codes on this segment")
            return
        if len(here) == 1:
            self._remove(here[0])
            return
        codes = self.codebook.by_id()
        labels: list[Text | str] = []
        for coding in here:
            code = codes.get(coding.code_id)
            label = code_prompt(code) if code else Text("(unknown code)")
            if self.content and (coding.start, coding.end) != self._segment_span(coding):
                label.append(
                    f"  “{self.content.text[coding.start : coding.end][:40]}”", style="dim"
                )
            labels.append(label)

        def chosen(index: int | None) -> None:
            if index is not None:
                self._remove(here[index])

        self.app.push_screen(PickScreen("Remove which code?", labels), chosen)

    def _segment_span(self, coding: CodingItem) -> tuple[int, int]:
        segments = self.content.segments if self.content else ()
        segment = next((s for s in segments if s.id == coding.segment_id), None)
        return (segment.start, segment.end) if segment else (-1, -1)

    def _remove(self, coding: CodingItem) -> None:
        coder = self.coder
        if coder is None:
            return
        code = self.codebook.by_id().get(coding.code_id)
        label = code.name if code else "code"

        def run(session: Session) -> CodingItem:
            return _ws().remove_coding(session, coder.id, coding.id)

        def undo(item: CodingItem) -> Undo:
            return Undo(f"remove {label}", lambda s: _ws().restore_coding(s, item))

        self._change(run, undo, lambda _item: f"removed {label}")

    def action_new_code(self) -> None:
        if self.content is None or self.coder is None:
            return
        highlighted = self.query_one(CodebookPanel).highlighted_code()
        parent = None
        if highlighted is not None:
            parent = highlighted.parent_id if highlighted.parent_id is not None else highlighted.id
        coder = self.coder
        span = self.view.target_span()
        transcript_id = self.content.transcript.id

        def created(new: NewCode | None) -> None:
            if new is None or span is None:
                return

            def run(session: Session) -> tuple[CodeItem, CodingItem | None]:
                code = _ws().create_code(
                    session, coder.id, new.name, new.parent_id, new.description
                )
                coding = _ws().apply_span(
                    session, coder.id, transcript_id, code.id, span[0], span[1]
                )
                return code, coding

            def undo(result: tuple[CodeItem, CodingItem | None]) -> Undo:
                code, coding = result

                def revert(session: Session) -> None:
                    if coding is not None:
                        _ws().remove_coding(session, coder.id, coding.id)
                    _ws().withdraw_code(session, coder.id, code.id)

                return Undo(f"create {code.name}", revert)

            def note(result: tuple[CodeItem, CodingItem | None]) -> str:
                code = result[0]
                kind = "proposed code" if code.status == "proposed" else "new code"
                return f"{kind} {code.path} applied"

            self.view.clear_selection()
            self._change(run, undo, note)

        self.app.push_screen(
            NewCodeScreen(list(self.codebook.codes), parent, not coder.is_lead), created
        )

    def action_memo(self) -> None:
        current = self.view.current
        if current is None or self.content is None or self.coder is None:
            return
        coder_id, transcript_id, segment_id = self.coder.id, self.content.transcript.id, current.id
        about = f"{self.content.transcript.name} segment {current.ordinal}"

        def written(text: str | None) -> None:
            if text is None:
                return

            def run(session: Session) -> str:
                return _ws().set_memo(session, coder_id, transcript_id, segment_id, text)

            def undo(old: str) -> Undo:
                return Undo(
                    "memo",
                    lambda s: _ws().set_memo(s, coder_id, transcript_id, segment_id, old),
                )

            self._change(run, undo, lambda _old: "memo saved" if text.strip() else "memo deleted")

        self.app.push_screen(MemoScreen(about, self.memos.get(current.id, "")), written)

    def action_done(self) -> None:
        if self.content is None or self.coder is None:
            return
        coder_id, transcript_id = self.coder.id, self.content.transcript.id
        item = next((t for t in self.transcripts if t.id == transcript_id), None)
        new = "in_progress" if item is not None and item.status == "done" else "done"

        def run(session: Session) -> str:
            return _ws().set_status(session, coder_id, transcript_id, new)

        def undo(old: str) -> Undo:
            return Undo("progress", lambda s: _ws().set_status(s, coder_id, transcript_id, old))

        name = self.content.transcript.name
        self._change(
            run, undo, lambda _old: f"{name} marked done" if new == "done" else f"{name} reopened"
        )

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.notify("nothing to undo")
            return
        entry = self.undo_stack.pop()

        def failed(message: str) -> None:
            self.notify(f"cannot undo {entry.label}: {message}", severity="error")

        self.db.submit(entry.run, lambda _r: self._refresh(f"undone: {entry.label}"), failed)

    def action_step_transcript(self, delta: int) -> None:
        if not self.transcripts:
            return
        ids = [t.id for t in self.transcripts]
        current = self.content.transcript.id if self.content else ids[0]
        index = ids.index(current) if current in ids else 0
        target = index + delta
        if 0 <= target < len(ids):
            self.open_transcript(ids[target])
        else:
            self.notify("no more transcripts that way")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_all":  # only the lead may unblind: others do not see the key
            return self.coder is not None and self.coder.is_lead
        return True

    def action_codebook_screen(self) -> None:
        """The codebook screen; the panel reloads when the codebook was changed there."""
        from qualcode.tui.screens.codebook_screen import CodebookScreen

        def closed(changed: bool | None) -> None:
            if changed:
                self._refresh("codebook updated")

        self.app.push_screen(CodebookScreen(self.db, self.coder_name), closed)

    def action_toggle_all(self) -> None:
        if self.coder is None:
            return
        if not self.coder.is_lead:
            self.notify("blind coding: only the lead can show other coders' codings")
            return
        self.show_all = not self.show_all
        self._refresh("showing all coders' codings" if self.show_all else "showing your codings")

    def action_saturation(self) -> None:
        """Code saturation: new codes per transcript (the coder's own; the lead can see all)."""
        if self.coder is None:
            return
        from qualcode.tui.screens.saturation_screen import SaturationScreen

        self.app.push_screen(SaturationScreen(self.db, self.coder))

    def action_themes_screen(self) -> None:
        """Theme frequencies: participants per code and theme (the coder's own; the lead's
        consensus or all coders)."""
        if self.coder is None:
            return
        from qualcode.tui.screens.themes_screen import ThemesScreen

        self.app.push_screen(ThemesScreen(self.db, self.coder))

    def action_agreement_screen(self) -> None:
        """Agreement per code; the lead reviews the disagreements and records consensus."""
        if self.coder is None:
            return
        from qualcode.tui.screens.agreement_screen import AgreementScreen

        self.app.push_screen(AgreementScreen(self.db, self.coder))

    # ---- filters (command palette) --------------------------------------------------------

    def filter_by_code(self, code_id: int | None) -> None:
        if code_id is None:
            self.view.set_filter(None)
            self.filter_label = ""
        else:
            segments = {c.segment_id for c in self.codings if c.code_id == code_id}
            code = self.codebook.by_id().get(code_id)
            self.view.set_filter(segments)
            self.filter_label = code.name if code else "code"
            if not segments:
                self.notify("no segments with that code in this transcript")
        self._update_title()

    def filter_uncoded(self) -> None:
        if self.content is None:
            return
        coded = {c.segment_id for c in self.codings}
        self.view.set_filter([s.id for s in self.content.segments if s.id not in coded])
        self.filter_label = "uncoded"
        self._update_title()

    # ---- events ---------------------------------------------------------------------------

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option_list, TranscriptList) and event.option.id:
            self.open_transcript(int(event.option.id))
            self.view.focus()

    def on_codebook_panel_code_chosen(self, event: CodebookPanel.CodeChosen) -> None:
        self.apply_code(event.code_id)

    def on_key(self, event: events.Key) -> None:
        """A code's shortcut key applies it (unless the key is a command of this screen)."""
        character = event.character
        if not character or len(character) != 1 or self.content is None:
            return
        if self.view.selection is not None and event.key in SELECTION_KEYS:
            return
        if event.key in self._command_keys():
            return
        for code in self.codebook.codes:
            if code.shortcut == character and code.usable:
                event.stop()
                event.prevent_default()
                self.apply_code(code.id)
                return

    def _command_keys(self) -> set[str]:
        keys = {"j", "k", "v", "q", "question_mark", "up", "down"}
        for binding_key, active in self.app.active_bindings.items():
            if active.node is self or active.node is self.app:
                keys.add(binding_key)
        return keys
