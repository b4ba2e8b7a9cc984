"""Read-only views: transcripts, segments and the project summary."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.services.lookup import CodeIndex, get_transcript, require_coder
from qualcode.store.models import (
    Code,
    Coder,
    Coding,
    Participant,
    Progress,
    Segment,
    Transcript,
)

TRANSCRIPT_COLUMNS = ("name", "participant", "format", "segments", "words", "codings", "done_by")
SEGMENT_COLUMNS = ("ordinal", "speaker", "start", "end", "text")


def transcript_rows(session: Session) -> list[tuple[Any, ...]]:
    seg_counts = dict(
        session.execute(
            select(Segment.transcript_id, func.count()).group_by(Segment.transcript_id)
        ).all()
    )
    coding_counts = dict(
        session.execute(
            select(Coding.transcript_id, func.count()).group_by(Coding.transcript_id)
        ).all()
    )
    done: dict[int, list[str]] = {}
    for transcript_id, coder in session.execute(
        select(Progress.transcript_id, Coder.name)
        .join(Coder, Progress.coder_id == Coder.id)
        .where(Progress.status == "done")
        .order_by(Coder.name)
    ):
        done.setdefault(transcript_id, []).append(coder)
    rows = []
    for tid, name, participant, fmt, words in session.execute(
        select(Transcript.id, Transcript.name, Participant.key, Transcript.format, Transcript.words)
        .join(Participant, Transcript.participant_id == Participant.id)
        .order_by(Transcript.name)
    ):
        rows.append(
            (
                name,
                participant,
                fmt,
                seg_counts.get(tid, 0),
                words,
                coding_counts.get(tid, 0),
                ",".join(done.get(tid, [])),
            )
        )
    return rows


def segment_rows(
    session: Session, transcript_name: str, coder_name: str | None = None
) -> list[tuple[Any, ...]]:
    """The transcript's segments; with a coder, a last column lists that coder's codes."""
    transcript = get_transcript(session, transcript_name)
    rows = session.execute(
        select(
            Segment.id, Segment.ordinal, Segment.speaker, Segment.start, Segment.end, Segment.text
        )
        .where(Segment.transcript_id == transcript.id)
        .order_by(Segment.ordinal)
    ).all()
    if coder_name is None:
        return [tuple(row[1:]) for row in rows]
    coder = require_coder(session, coder_name)
    index = CodeIndex.load(session)
    applied: dict[int, list[str]] = {}
    for segment_id, code_id in session.execute(
        select(Coding.segment_id, Coding.code_id)
        .where(Coding.transcript_id == transcript.id, Coding.coder_id == coder.id)
        .order_by(Coding.start)
    ):
        label = index.label(index.by_id[code_id])
        if label not in applied.setdefault(segment_id, []):
            applied[segment_id].append(label)
    return [(*row[1:], "; ".join(applied.get(row[0], []))) for row in rows]


def summary(session: Session) -> list[tuple[str, str]]:
    """A few lines a researcher wants to see first."""

    def count(model: type[Any]) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    words = session.scalar(select(func.coalesce(func.sum(Transcript.words), 0))) or 0
    coders = [
        f"{name} ({role})"
        for name, role in session.execute(select(Coder.name, Coder.role).order_by(Coder.name))
    ]
    statuses = dict(session.execute(select(Code.status, func.count()).group_by(Code.status)).all())
    themes = (
        session.scalar(select(func.count()).select_from(Code).where(Code.parent_id.is_(None))) or 0
    )
    progress = []
    for name, done in session.execute(
        select(Coder.name, func.count())
        .join(Progress, Progress.coder_id == Coder.id)
        .where(Progress.status == "done")
        .group_by(Coder.name)
        .order_by(Coder.name)
    ):
        progress.append(f"{name} {done}")
    return [
        ("participants", str(count(Participant))),
        ("transcripts", f"{count(Transcript)} ({words:,} words, {count(Segment):,} segments)"),
        (
            "codebook",
            f"{sum(statuses.values())} codes under {themes} themes"
            + "".join(f", {n} {s}" for s, n in sorted(statuses.items()) if s != "active"),
        ),
        ("coders", ", ".join(coders) or "none"),
        ("codings", f"{count(Coding):,}"),
        ("transcripts done", ", ".join(progress) or "none yet"),
    ]
