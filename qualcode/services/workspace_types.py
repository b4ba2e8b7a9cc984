"""Plain, frozen data the coding TUI (and any other front end) receives from the services."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qualcode.services.lookup import CodeIndex
    from qualcode.store.models import Code

from dataclasses import dataclass, field

PROGRESS_LABELS = {"not_started": "not started", "in_progress": "in progress", "done": "done"}


@dataclass(frozen=True)
class CoderInfo:
    id: int
    name: str
    role: str

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"


@dataclass(frozen=True)
class TranscriptItem:
    id: int
    name: str
    participant: str
    segments: int
    words: int
    status: str  # not_started | in_progress | done (for the coder asking)
    codings: int  # this coder's codings

    @property
    def status_label(self) -> str:
        return PROGRESS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class SegmentItem:
    id: int
    ordinal: int
    start: int
    end: int
    speaker: str | None
    text: str


@dataclass(frozen=True)
class CodingItem:
    id: int
    guid: str
    transcript_id: int
    segment_id: int
    start: int
    end: int
    code_id: int
    coder_id: int
    coder: str
    memo: str = ""
    code_guid: str = ""


@dataclass(frozen=True)
class CodeItem:
    id: int
    guid: str
    name: str
    path: str
    parent_id: int | None
    depth: int
    description: str
    include: str
    exclude: str
    example: str
    color: str
    shortcut: str
    status: str
    kind: str
    count: int  # codings visible to the coder asking (their own, or everyone's for the lead view)

    @property
    def usable(self) -> bool:
        return self.status in ("active", "proposed")


@dataclass(frozen=True)
class CodebookView:
    codes: tuple[CodeItem, ...]
    seq: int  # the codebook version: changes whenever the codebook does

    def by_id(self) -> dict[int, CodeItem]:
        return {code.id: code for code in self.codes}


@dataclass(frozen=True)
class TranscriptContent:
    transcript: TranscriptItem
    text: str
    segments: tuple[SegmentItem, ...]
    codings: tuple[CodingItem, ...]
    memos: dict[int, str] = field(default_factory=dict)  # segment id -> this coder's memo
    interviewer_speakers: frozenset[str] = frozenset()


def code_item(code: Code, index: CodeIndex, count: int) -> CodeItem:
    """A code as the TUI shows it, with its path, depth and a count of codings."""
    return CodeItem(
        code.id,
        code.guid,
        code.name,
        index.path(code),
        code.parent_id,
        index.depth(code),
        code.description,
        code.include,
        code.exclude,
        code.example,
        code.color,
        code.shortcut,
        code.status,
        code.kind,
        count,
    )
