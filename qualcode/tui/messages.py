"""Past-tense messages that workers post back to the UI thread with plain data."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from qualcode.services.workspace_types import (
    CodebookView,
    CoderInfo,
    CodingItem,
    TranscriptContent,
    TranscriptItem,
)


@dataclass
class WorkspaceLoaded(Message):
    coder: CoderInfo
    transcripts: list[TranscriptItem]
    codebook: CodebookView


@dataclass
class TranscriptOpened(Message):
    content: TranscriptContent
    goto_segment: int | None = None


@dataclass
class CodingsRefreshed(Message):
    """After a change: the current transcript's codings, memos, the list and the codebook."""

    transcript_id: int
    codings: tuple[CodingItem, ...]
    memos: dict[int, str]
    transcripts: list[TranscriptItem]
    codebook: CodebookView
    note: str = ""


@dataclass
class CodebookChanged(Message):
    codebook: CodebookView


@dataclass
class ActionFailed(Message):
    text: str
