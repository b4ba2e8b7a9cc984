"""The coding screen's changes as operations that can be undone and redone exactly.

An operation is made when its key is pressed, so it holds the segment or span the cursor was
on then; its database work runs later, in order, on the database thread. It names what it
changes by stable keys (the code's GUID and the exact span, a removed coding's snapshot
with its GUID and memo), never by row ids, which a restore changes: any sequence of applies,
removes, memos, new codes, done marks, undos and redos stays exact.

Each operation also says what it does to the screen's own picture of the coder's codings,
memos and progress (``LocalState``), so a key pressed before the database has answered
(``c x`` on the same segment) already sees the change the previous key made.

Nothing here imports Textual: the operations run in the database thread and are tested
without a screen.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType

    from sqlalchemy.orm import Session

    from qualcode.services.workspace_types import CodingItem


def _ws() -> ModuleType:
    """The workspace services (imported on the database thread, on first use)."""
    from qualcode.services import workspace

    return workspace


@dataclass(frozen=True)
class Mark:
    """One of the coder's codings as the screen knows it: where, and which code."""

    transcript_id: int
    start: int
    end: int
    code_guid: str
    label: str = ""  # the code's name when it was applied (a new code is not in the codebook yet)
    color: str = ""

    @property
    def key(self) -> tuple[int, int, int, str]:
        return (self.transcript_id, self.start, self.end, self.code_guid)


@dataclass
class LocalState:
    """What the screen shows of the coder's own work, ahead of the database."""

    marks: dict[tuple[int, int, int, str], Mark] = field(default_factory=dict)
    memos: dict[int, str] = field(default_factory=dict)  # segment id -> text (shown transcript)
    memo_transcript: int | None = None
    status: dict[int, str] = field(default_factory=dict)  # transcript id -> progress

    def has(self, mark: Mark) -> bool:
        return mark.key in self.marks

    def add(self, mark: Mark) -> None:
        self.marks[mark.key] = mark

    def discard(self, mark: Mark) -> None:
        self.marks.pop(mark.key, None)

    def place(self, mark: Mark, present: bool) -> None:
        if present:
            self.add(mark)
        else:
            self.discard(mark)


class Op:
    """One undoable change. ``forward``/``backward`` run on the database thread and return
    a note for the status line ('' when there is nothing to say)."""

    label = ""

    def forward(self, session: Session) -> str:
        raise NotImplementedError

    def backward(self, session: Session) -> str:
        raise NotImplementedError

    def local(self, state: LocalState, forward: bool) -> None:
        """The change as the screen shows it at once."""


@dataclass(eq=False)
class ApplyOp(Op):
    coder_id: int
    mark: Mark
    label: str = ""
    item: CodingItem | None = None  # the coding it made (None: it was there already)
    snapshot: CodingItem | None = None  # the coding as its undo removed it, to put back

    def forward(self, session: Session) -> str:
        ws = _ws()
        m = self.mark
        if self.snapshot is not None:  # a redo: the same coding again, GUID and memo kept
            self.item = ws.restore_coding(session, self.snapshot)
            return "" if self.item is not None else f"{self.label} is already applied there"
        code_id = ws.code_id_for(session, m.code_guid)
        self.item = ws.apply_span(session, self.coder_id, m.transcript_id, code_id, m.start, m.end)
        return "" if self.item else f"{self.label} was already applied here: nothing changed"

    def backward(self, session: Session) -> str:
        if self.item is None:
            return f"nothing to undo: {self.label} was already applied before"
        removed = _ws().remove_coding_guid(session, self.coder_id, self.item.guid)
        self.item = None
        if removed is None:
            return f"{self.label} was already removed"
        self.snapshot = removed
        return ""

    def local(self, state: LocalState, forward: bool) -> None:
        state.place(self.mark, forward)


@dataclass(eq=False)
class RemoveOp(Op):
    coder_id: int
    mark: Mark
    label: str = ""
    snapshot: CodingItem | None = None

    def forward(self, session: Session) -> str:
        ws = _ws()
        m = self.mark
        code_id = ws.code_id_for(session, m.code_guid)
        removed = ws.remove_coding_at(
            session, self.coder_id, m.transcript_id, code_id, m.start, m.end
        )
        if removed is None:
            self.snapshot = None
            return f"{self.label} was not applied there: nothing removed"
        self.snapshot = removed
        return ""

    def backward(self, session: Session) -> str:
        if self.snapshot is None:
            return f"nothing to undo: {self.label} had not been removed"
        restored = _ws().restore_coding(session, self.snapshot)
        return "" if restored is not None else f"{self.label} is already back"

    def local(self, state: LocalState, forward: bool) -> None:
        state.place(self.mark, not forward)


@dataclass(eq=False)
class MemoOp(Op):
    coder_id: int
    transcript_id: int
    segment_id: int
    text: str
    before: str  # the text the screen showed (the database's old text replaces it)
    label: str = "memo"

    def forward(self, session: Session) -> str:
        self.before = _ws().set_memo(
            session, self.coder_id, self.transcript_id, self.segment_id, self.text
        )
        return ""

    def backward(self, session: Session) -> str:
        _ws().set_memo(session, self.coder_id, self.transcript_id, self.segment_id, self.before)
        return ""

    def local(self, state: LocalState, forward: bool) -> None:
        if state.memo_transcript != self.transcript_id:
            return
        text = (self.text if forward else self.before).strip()
        if text:
            state.memos[self.segment_id] = text
        else:
            state.memos.pop(self.segment_id, None)


@dataclass(eq=False)
class StatusOp(Op):
    coder_id: int
    transcript_id: int
    new: str
    before: str
    label: str = "progress"

    def forward(self, session: Session) -> str:
        self.before = _ws().set_status(session, self.coder_id, self.transcript_id, self.new)
        return ""

    def backward(self, session: Session) -> str:
        _ws().set_status(session, self.coder_id, self.transcript_id, self.before)
        return ""

    def local(self, state: LocalState, forward: bool) -> None:
        state.status[self.transcript_id] = self.new if forward else self.before


@dataclass(eq=False)
class NewCodeOp(Op):
    """Create a code and apply it; undone, the code is withdrawn; redone, made again with
    the same GUID, so later operations on it still find it."""

    coder_id: int
    mark: Mark  # the span, and the new code's GUID (made here)
    name: str
    parent_id: int | None
    description: str
    label: str = ""
    item: CodingItem | None = None  # the coding it made

    @staticmethod
    def new_guid() -> str:
        return str(uuid.uuid4())

    def forward(self, session: Session) -> str:
        ws = _ws()
        m = self.mark
        code = ws.create_code(
            session, self.coder_id, self.name, self.parent_id, self.description, m.code_guid
        )
        self.item = ws.apply_span(session, self.coder_id, m.transcript_id, code.id, m.start, m.end)
        kind = "proposed code" if code.status == "proposed" else "new code"
        return f"{kind} {code.path} applied"

    def backward(self, session: Session) -> str:
        ws = _ws()
        if self.item is not None:
            ws.remove_coding_guid(session, self.coder_id, self.item.guid)
            self.item = None
        ws.withdraw_code(session, self.coder_id, ws.code_id_for(session, self.mark.code_guid))
        return ""

    def local(self, state: LocalState, forward: bool) -> None:
        state.place(self.mark, forward)


class History:
    """The undo and redo stacks. Entries move between them when a key is pressed, before
    the database has run anything, so ``u u`` typed fast undoes two changes."""

    def __init__(self) -> None:
        self.undo: list[Op] = []
        self.redo: list[Op] = []

    def did(self, op: Op) -> None:
        self.undo.append(op)
        self.redo.clear()

    def take_undo(self) -> Op | None:
        if not self.undo:
            return None
        op = self.undo.pop()
        self.redo.append(op)
        return op

    def take_redo(self) -> Op | None:
        if not self.redo:
            return None
        op = self.redo.pop()
        self.undo.append(op)
        return op

    def forget(self, op: Op) -> None:
        """An operation that failed on the database: it is in neither stack any more."""
        for stack in (self.undo, self.redo):
            if op in stack:
                stack.remove(op)
