"""A whole project read into plain values, for ``project merge``.

:func:`read_copy` reads a coder's copy with one query per table, so the merge itself can run
in this project's transaction without holding the other database open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.store.models import (
    Code,
    CodebookEvent,
    Coder,
    Coding,
    Memo,
    Participant,
    ParticipantAttribute,
    Progress,
    Segment,
    Transcript,
)


@dataclass
class ProjectCopy:
    """Everything read from the other project, as plain values."""

    coders: dict[int, tuple[str, str]]  # id -> (name, role)
    participants: dict[int, str]
    attributes: list[tuple[int, str, str]]
    transcripts: list[dict[str, Any]]
    segments: dict[int, list[tuple[int, int, int, str | None, str]]]
    segment_starts: dict[int, int]  # segment id -> start, to place segment memos
    codes: dict[int, dict[str, Any]]
    codings: list[dict[str, Any]]
    memos: list[dict[str, Any]]
    progress: list[tuple[int, int, str]]
    events: list[tuple[int, str, str, datetime]]


def _rows(session: Session, *columns: Any) -> list[Any]:
    return list(session.execute(select(*columns)))


def read_copy(session: Session) -> ProjectCopy:
    """Load the copy's contents (one query per table)."""
    transcripts = [
        dict(row._mapping)
        for row in session.execute(
            select(
                Transcript.id,
                Transcript.guid,
                Transcript.name,
                Transcript.participant_id,
                Transcript.sha256,
                Transcript.text,
                Transcript.format,
                Transcript.source,
                Transcript.unit,
                Transcript.segmenter,
                Transcript.words,
            )
        )
    ]
    segments: dict[int, list[tuple[int, int, int, str | None, str]]] = {}
    segment_starts: dict[int, int] = {}
    for sid, tid, ordinal, start, end, speaker, text in _rows(
        session,
        Segment.id,
        Segment.transcript_id,
        Segment.ordinal,
        Segment.start,
        Segment.end,
        Segment.speaker,
        Segment.text,
    ):
        segments.setdefault(tid, []).append((ordinal, start, end, speaker, text))
        segment_starts[sid] = start
    code_fields = [
        Code.id,
        Code.guid,
        Code.name,
        Code.parent_id,
        Code.position,
        Code.kind,
        Code.description,
        Code.include,
        Code.exclude,
        Code.example,
        Code.color,
        Code.status,
        Code.created_by_id,
    ]
    return ProjectCopy(
        coders={i: (n, r) for i, n, r in _rows(session, Coder.id, Coder.name, Coder.role)},
        participants=dict(_rows(session, Participant.id, Participant.key)),
        attributes=[
            tuple(r)
            for r in _rows(
                session,
                ParticipantAttribute.participant_id,
                ParticipantAttribute.name,
                ParticipantAttribute.value,
            )
        ],
        transcripts=transcripts,
        segments=segments,
        segment_starts=segment_starts,
        codes={row.id: dict(row._mapping) for row in session.execute(select(*code_fields))},
        codings=[
            dict(row._mapping)
            for row in session.execute(
                select(
                    Coding.guid,
                    Coding.transcript_id,
                    Coding.start,
                    Coding.end,
                    Coding.code_id,
                    Coding.coder_id,
                    Coding.memo,
                    Coding.created_at,
                    Coding.codebook_seq,
                ).order_by(Coding.id)
            )
        ],
        memos=[
            dict(row._mapping)
            for row in session.execute(
                select(
                    Memo.guid,
                    Memo.transcript_id,
                    Memo.segment_id,
                    Memo.author_id,
                    Memo.text,
                    Memo.created_at,
                )
            )
        ],
        progress=[
            tuple(r)
            for r in _rows(session, Progress.coder_id, Progress.transcript_id, Progress.status)
        ],
        events=[
            tuple(r)
            for r in _rows(
                session,
                CodebookEvent.seq,
                CodebookEvent.code_guid,
                CodebookEvent.action,
                CodebookEvent.at,
            )
        ],
    )
