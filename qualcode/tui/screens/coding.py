"""The coding screen: transcript list, transcript view, codebook panel.

Every change is one short transaction run by the DbRunner; the screen keeps an undo stack
of inverse operations. A coder sees only their own codings unless they are the lead and
ask for everyone's (``A``).
"""

from __future__ import annotations

import gc
from bisect import bisect_right
from dataclasses import replace
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
    SegmentItem,
    TranscriptContent,
    TranscriptItem,
)
from qualcode.tui.db import DbRunner, on_screen
from qualcode.tui.history import (
    ApplyOp,
    History,
    LocalState,
    Mark,
    MemoOp,
    NewCodeOp,
    Op,
    RemoveOp,
    StatusOp,
)
from qualcode.tui.key_gate import hold_keys, release_keys
from qualcode.tui.keys import bound_keys
from qualcode.tui.screens.code_search import CodeSearchScreen, code_prompt
from qualcode.tui.screens.memo import MemoScreen
from qualcode.tui.screens.new_code import NewCode, NewCodeScreen
from qualcode.tui.screens.pick import PickScreen
from qualcode.tui.widgets.codebook_panel import CodebookPanel, CodeTree
from qualcode.tui.widgets.status_line import StatusLine
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


class CodingScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "search", "Code search", id="code_search"),
        Binding("x", "remove", "Remove", id="remove_code"),
        Binding("n", "new_code", "New code", id="new_code"),
        Binding("m", "memo", "Memo", id="memo"),
        Binding("u", "undo", "Undo", id="undo"),
        Binding("ctrl+r", "redo", "Redo", show=False, id="redo"),
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
        self.show_all = False
        self.filter_label = ""
        self.history = History()
        self.local = LocalState()  # the coder's own work as shown, ahead of the database
        self._tickets = 0  # changes sent to the database thread so far
        self._overlay: list[tuple[int, Op, bool]] = []  # changes no reload has shown yet
        self._parents: frozenset[int] = frozenset()  # codes with codes under them (themes)
        self._codes_by_guid: dict[str, CodeItem] = {}
        self._starts: list[int] = []  # the shown transcript's segment starts (for bisect)
        self._keys_pressed = 0
        self._refresh_queued = False  # a reload job submitted and not started yet
        self._refresh_note = ""  # said when the reload waiting to run has shown

    # ---- layout -------------------------------------------------------------------------

    DEFAULT_CSS = """
    """

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="workspace"):
            yield TranscriptList(id="transcripts")
            yield TranscriptView(id="view")
            yield CodebookPanel()
        yield StatusLine(id="status")
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
        # (the two would share the GIL). Keys typed meanwhile wait for the transcript.
        hold_keys(self.app, self)
        self.call_after_refresh(self.db.submit, load, loaded, self._cannot_start, False)
        self.set_interval(2.0, self._poll, name="poll")

    def _cannot_start(self, message: str) -> None:
        """The project could not be opened or read: leave with the reason (exit status 2)."""
        release_keys(self.app, self)
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
            release_keys(self.app, self)
            self.query_one(TranscriptList).show(self.transcripts, None)
            self.sub_title = "no transcripts yet: import some with 'qualcode import'"
        self._report_shadowed_shortcuts()
        # What start-up made stays: keep it out of the garbage collector's full passes,
        # which would otherwise pause a key press now and then.
        gc.freeze()

    def _report_shadowed_shortcuts(self) -> None:
        """A code's shortcut that a command key takes (after the user's keys.toml) is said
        at start-up, naming the code, the key and the command: it would do nothing."""
        from qualcode.shortcuts import keymap_conflicts

        keymap: dict[str, str] = getattr(self.app, "_keymap", {}) or {}
        commands = bound_keys((type(self.app), CodingScreen, TranscriptView), keymap)
        shortcuts = {c.shortcut: c.path for c in self.codebook.codes if c.shortcut and c.usable}
        problems = keymap_conflicts(commands, shortcuts)
        for problem in problems:
            self.notify(problem, severity="warning", timeout=15)
        if problems:
            more = f" ({len(problems) - 1} more in the notifications)" if len(problems) > 1 else ""
            self.say(problems[0] + more, "warning")

    # ---- loading ------------------------------------------------------------------------

    def open_transcript(self, transcript_id: int, goto: int | None = None) -> None:
        coder = self.coder
        if coder is None:
            return
        show_all = self.show_all

        def load(session: Session) -> TranscriptContent:
            return _ws().load_transcript(session, transcript_id, coder.id, show_all)

        def failed(message: str) -> None:
            self.say(f"cannot open that transcript: {message}", "error")

        # keys typed after ] act on the transcript it opens: they wait until it is shown
        ticket = self._tickets
        self.db.submit(
            load, lambda content: self._opened(content, goto, ticket), failed, False, hold=True
        )

    def _opened(self, content: TranscriptContent, goto: int | None, ticket: int = 0) -> None:
        release_keys(self.app, self)
        if not on_screen(self):
            return
        self.content = content
        self.codings = content.codings
        self._starts = [s.start for s in content.segments]
        self._reconcile(ticket, content.transcript.id, content.codings, content.memos)
        self.filter_label = ""
        self.view.set_content(
            content.segments,
            content.text,
            content.interviewer_speakers,
            self._chips(),
            set(self.local.memos),
        )
        if goto is not None:
            self.view.goto(goto)
        self.query_one(TranscriptList).show(self.transcripts, content.transcript.id)
        self._update_title()

    # ---- what is shown: the database's picture plus the changes it has not shown yet -------

    def _reconcile(
        self,
        ticket: int,
        transcript_id: int,
        codings: tuple[CodingItem, ...],
        memos: dict[int, str],
        items: list[TranscriptItem] | None = None,
    ) -> None:
        """A reload read after change number ``ticket``: it is the truth up to there; the
        changes made since are laid on top of it again."""
        self._overlay = [entry for entry in self._overlay if entry[0] > ticket]
        own = self.coder.id if self.coder else None
        local = LocalState(memo_transcript=transcript_id)
        for coding in codings:
            if coding.coder_id == own:
                local.add(Mark(transcript_id, coding.start, coding.end, coding.code_guid))
        local.memos = dict(memos)
        if items is not None:
            local.status = {}
        else:  # statuses were not reloaded: keep what is known
            local.status = dict(self.local.status)
        for _ticket, op, forward in self._overlay:
            op.local(local, forward)
        self.local = local

    def _show_local(self) -> None:
        """Redraw the chips and memo marks from ``self.local`` (no database round trip)."""
        if self.content is None:
            return
        self.view.set_chips(self._chips(), set(self.local.memos))
        self._update_title()

    def _segment_at(self, offset: int) -> SegmentItem | None:
        if self.content is None or not self._starts:
            return None
        index = bisect_right(self._starts, offset) - 1
        return self.content.segments[index] if index >= 0 else None

    def _chips(self) -> dict[int, list[CodeChip]]:
        chips: dict[int, list[CodeChip]] = {}
        if self.content is None:
            return chips
        codes = self.codebook.by_id()
        own = self.coder.id if self.coder else None
        shown: list[tuple[int, int, CodeChip]] = []
        if self.show_all:
            for coding in self.codings:
                if coding.coder_id == own:
                    continue
                code = codes.get(coding.code_id)
                shown.append(
                    (
                        coding.start,
                        coding.end,
                        CodeChip(
                            label=code.name if code else "(code no longer in the codebook)",
                            color=code.color if code else "",
                            coder=coding.coder,
                        ),
                    )
                )
        tid = self.content.transcript.id
        me = self.coder.name if self.coder and self.show_all else None
        for mark in self.local.marks.values():
            if mark.transcript_id != tid:
                continue
            code = self._codes_by_guid.get(mark.code_guid)
            label = code.name if code else mark.label or "(code no longer in the codebook)"
            color = code.color if code else mark.color
            shown.append((mark.start, mark.end, CodeChip(label=label, color=color, coder=me)))
        shown.sort(key=lambda item: (item[0], item[2].coder or "", item[2].label))
        for start, end, chip in shown:
            segment = self._segment_at(start)
            if segment is None:
                continue
            partial = (start, end) != (segment.start, segment.end)
            if partial:
                chip = CodeChip(chip.label, chip.color, coder=chip.coder, partial=True)
            chips.setdefault(segment.id, []).append(chip)
        return chips

    def _show_codebook(self, codebook: CodebookView) -> None:
        self.codebook = codebook
        self._codes_by_guid = {code.guid: code for code in codebook.codes}
        self._parents = frozenset(
            code.parent_id
            for code in codebook.codes
            if code.parent_id is not None and code.status in ("active", "proposed")
        )
        self.query_one(CodebookPanel).show(codebook)

    def _transcript_item(self, transcript_id: int) -> TranscriptItem | None:
        item = next((t for t in self.transcripts if t.id == transcript_id), None)
        if item is None and self.content is not None:
            item = self.content.transcript
        status = self.local.status.get(transcript_id)
        if item is not None and status is not None and status != item.status:
            item = replace(item, status=status)
        return item

    def _update_title(self) -> None:
        if self.content is None or self.coder is None:
            return
        item = self._transcript_item(self.content.transcript.id) or self.content.transcript
        role = " (lead)" if self.coder.is_lead else ""
        view = "all coders" if self.show_all else "blind"
        extra = f" · filter: {self.filter_label}" if self.filter_label else ""
        self.title = f"qualcode — {item.name}"
        self.sub_title = f"{self.coder.name}{role} · {item.status_label} · {view}{extra}"

    def _refresh(self, note: str = "") -> None:
        """After a change: reload codings, memos, the transcript list and the codebook."""
        if self.content is None or self.coder is None:
            return
        if note:
            self._refresh_note = note
        if self._refresh_queued:
            return  # the reload waiting to run comes after every change made so far
        self._refresh_queued = True
        coder_id, transcript_id, show_all = self.coder.id, self.content.transcript.id, self.show_all
        ticket = self._tickets

        def load(session: Session) -> tuple[Any, ...]:
            self._refresh_queued = False  # a change made from now on needs another reload
            return (
                _ws().transcript_codings(session, transcript_id, coder_id, show_all),
                _ws().segment_memos(session, transcript_id, coder_id),
                _ws().transcript_items(session, coder_id),
                _ws().codebook_view(session, coder_id, show_all),
            )

        def show(result: tuple[Any, ...]) -> None:
            if not on_screen(self):
                return  # the app is closing
            if show_all != self.show_all:  # read for the other view: read again
                self._refresh()
                return
            codings, memos, self.transcripts, codebook = result
            note_now, self._refresh_note = self._refresh_note, ""
            if codebook != self.codebook:
                self._show_codebook(codebook)
            if self.content is None or self.content.transcript.id != transcript_id:
                self._overlay = [entry for entry in self._overlay if entry[0] > ticket]
                return
            self.codings = codings
            self._reconcile(ticket, transcript_id, codings, memos, self.transcripts)
            self._show_local()
            self.query_one(TranscriptList).show(self.transcripts, transcript_id)
            if note_now:
                self.say(note_now)

        def failed(message: str) -> None:
            self._refresh_queued = False
            self.say(f"could not reload: {message}", "error")

        self.db.submit(load, show, failed, write=False)

    def _poll(self) -> None:
        """Other coders' codebook changes (and, in the lead's view, their codings) appear."""
        top = self.app.screen
        if getattr(self.app, "quitting", False):
            return
        if self.coder is None or self.db.pending or (top is not self and not top.is_modal):
            return  # (not while a full screen, e.g. the codebook screen, covers this one)
        seq = self.codebook.seq

        def check(session: Session) -> int:
            return _ws().codebook_seq(session)

        def compare(current: int) -> None:
            if not on_screen(self) or getattr(self.app, "quitting", False):
                return
            if current != seq or self.show_all:
                self._refresh("codebook updated" if current != seq else "")

        self.db.submit(check, compare, failed=lambda _m: None, write=False)

    # ---- changes ------------------------------------------------------------------------
    #
    # A change is an operation (tui/history.py) made when its key is pressed, on the segment
    # or span the cursor was on then. It changes the screen's own picture of the coder's work
    # at once (``self.local``), and its database work runs in order on the database thread.

    def say(self, message: str, severity: str = "information") -> None:
        """The status line: what the last key did (or did not do), until the next key."""
        self.query_one(StatusLine).show(message, severity)
        if severity == "error":
            self.notify(message, severity="error", timeout=8)

    def key_pressed(self) -> None:
        """A new key: the status line's message is about the previous one."""
        self._keys_pressed += 1
        self.query_one(StatusLine).show("")

    def _run_op(self, op: Op, forward: bool, note: str = "") -> None:
        self._tickets += 1
        entry = (self._tickets, op, forward)
        op.local(self.local, forward)
        self._overlay.append(entry)
        self._show_local()

        def run(session: Session) -> str:
            return op.forward(session) if forward else op.backward(session)

        pressed = self._keys_pressed

        def done(message: str) -> None:
            if message:  # it did nothing: always said
                self.say(message, "warning")
            elif note and pressed == self._keys_pressed:  # not over a later key's message
                self.say(note)
            self._refresh()

        def failed(message: str) -> None:
            if entry in self._overlay:
                self._overlay.remove(entry)
            self.history.forget(op)
            what = op.label if forward else f"undo of {op.label}"
            self.say(f"{what} was not saved: {message}", "error")
            self._refresh()

        self.db.submit(run, done, failed)

    def _do(self, op: Op, note: str = "") -> None:
        self.history.did(op)
        self._run_op(op, True, note)

    def _mark(self, code: CodeItem, span: tuple[int, int]) -> Mark | None:
        if self.content is None:
            return None
        return Mark(self.content.transcript.id, span[0], span[1], code.guid, code.name, code.color)

    def apply_code(self, code_id: int, span: tuple[int, int] | None = None) -> None:
        """Apply a code to ``span`` (by default the selection, else the current segment)."""
        if self.content is None or self.coder is None:
            return
        span = span or self.view.target_span()
        code = self.codebook.by_id().get(code_id)
        if span is None or code is None:
            return
        self.view.clear_selection()
        if not self.codable(code):
            self.say(f"{code.path} is a theme: apply one of its codes (/ searches)", "warning")
            return
        mark = self._mark(code, span)
        if mark is None:
            return
        if self.local.has(mark):
            where = "this span" if self._is_partial(mark) else "this segment"
            self.say(f"{code.name} is already applied to {where}: nothing changed", "warning")
            return
        self._do(ApplyOp(self.coder.id, mark, code.name))

    def codable(self, code: CodeItem) -> bool:
        """A code is applied by a coder when it is usable and not a theme (a code with codes
        under it): its codes are what a theme counts."""
        return code.usable and code.id not in self._parents

    def action_search(self) -> None:
        if self.content is None:
            return
        span = self.view.target_span()  # the segment or span when / was pressed

        def chosen(result: int | str | None) -> None:
            if isinstance(result, int):
                self.apply_code(result, span)
            elif isinstance(result, str):
                self.action_new_code(result, span)

        codes = [c for c in self.codebook.codes if self.codable(c)]
        self.app.push_screen(CodeSearchScreen(codes, offer_new=True), chosen)

    def _codings_here(self) -> list[Mark]:
        current = self.view.current
        if current is None or self.content is None:
            return []
        tid = self.content.transcript.id
        own = [m for m in self.local.marks.values() if m.transcript_id == tid]
        span = self.view.selection
        if span is not None:
            here = [m for m in own if m.start < span[1] and span[0] < m.end]
        else:
            here = [m for m in own if current.start <= m.start < current.end]
        return sorted(here, key=self._mark_order)

    def _mark_order(self, mark: Mark) -> tuple[int, int, str]:
        """Codings in reading order, then by the code's path (the order the picker lists)."""
        code = self._code_for(mark)
        return (mark.start, mark.end, code.path if code else mark.label)

    def action_remove(self) -> None:
        here = self._codings_here()
        self.view.clear_selection()
        if not here:
            self.say("none of your codes on this segment: nothing removed", "warning")
            return
        if len(here) == 1:
            self._remove(here[0])
            return
        labels: list[Text | str] = []
        for mark in here:
            code = self._code_for(mark)
            label = code_prompt(code) if code else Text(mark.label or "(unknown code)")
            if self.content and self._is_partial(mark):
                label.append(f"  “{self.content.text[mark.start : mark.end][:40]}”", style="dim")
            labels.append(label)

        def chosen(index: int | None) -> None:
            if index is not None:
                self._remove(here[index])

        self.app.push_screen(PickScreen("Remove which code?", labels), chosen)

    def _code_for(self, mark: Mark) -> CodeItem | None:
        return self._codes_by_guid.get(mark.code_guid)

    def _is_partial(self, mark: Mark) -> bool:
        segment = self._segment_at(mark.start)
        return segment is None or (mark.start, mark.end) != (segment.start, segment.end)

    def _remove(self, mark: Mark) -> None:
        if self.coder is None:
            return
        code = self._code_for(mark)
        label = code.name if code else mark.label or "code"
        self._do(RemoveOp(self.coder.id, mark, label), f"removed {label}")

    def action_new_code(self, name: str = "", span: tuple[int, int] | None = None) -> None:
        if self.content is None or self.coder is None:
            return
        highlighted = self.query_one(CodebookPanel).highlighted_code()
        parent = None
        if highlighted is not None:
            parent = highlighted.parent_id if highlighted.parent_id is not None else highlighted.id
        coder = self.coder
        span = span or self.view.target_span()
        transcript_id = self.content.transcript.id
        self.view.clear_selection()

        def created(new: NewCode | None) -> None:
            if new is None or span is None:
                return
            mark = Mark(transcript_id, span[0], span[1], NewCodeOp.new_guid(), new.name)
            op = NewCodeOp(
                coder.id, mark, new.name, new.parent_id, new.description, f"new code {new.name}"
            )
            self._do(op)

        self.app.push_screen(
            NewCodeScreen(list(self.codebook.codes), parent, not coder.is_lead, name), created
        )

    def action_memo(self) -> None:
        current = self.view.current
        if current is None or self.content is None or self.coder is None:
            return
        coder_id, transcript_id, segment_id = self.coder.id, self.content.transcript.id, current.id
        about = f"{self.content.transcript.name} segment {current.ordinal}"
        before = self.local.memos.get(segment_id, "")

        def written(text: str | None) -> None:
            if text is None or text.strip() == before.strip():
                return
            op = MemoOp(coder_id, transcript_id, segment_id, text, before)
            self._do(op, "memo saved" if text.strip() else "memo deleted")

        self.app.push_screen(MemoScreen(about, before), written)

    def action_done(self) -> None:
        if self.content is None or self.coder is None:
            return
        transcript_id = self.content.transcript.id
        before = self._status(transcript_id)
        new = "in_progress" if before == "done" else "done"
        name = self.content.transcript.name
        op = StatusOp(self.coder.id, transcript_id, new, before)
        self._do(op, f"{name} marked done" if new == "done" else f"{name} reopened")
        self._update_title()

    def _status(self, transcript_id: int) -> str:
        if transcript_id in self.local.status:
            return self.local.status[transcript_id]
        item = next((t for t in self.transcripts if t.id == transcript_id), None)
        return item.status if item is not None else "not_started"

    def action_undo(self) -> None:
        op = self.history.take_undo()
        if op is None:
            self.say("nothing to undo")
            return
        self._run_op(op, False, f"undone: {op.label}")

    def action_redo(self) -> None:
        op = self.history.take_redo()
        if op is None:
            self.say("nothing to redo")
            return
        self._run_op(op, True, f"redone: {op.label}")

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
        """Enter on a code in the panel applies it; the transcript has the keys again."""
        self.apply_code(event.code_id)
        self.view.focus()

    def on_code_tree_clicked(self, event: CodeTree.Clicked) -> None:
        """A click shows a code's definition; a double click applies it. Either way j/k go
        on moving in the transcript."""
        if event.double and event.code_id is not None:
            self.apply_code(event.code_id)
        self.view.focus()

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
