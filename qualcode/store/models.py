"""SQLAlchemy 2 models: the project's data.

Offsets are code points of the stored transcript text (NFC, ``\\n`` line endings), end
exclusive, as in Python slicing and in REFI-QDA. GUIDs on codes, codings and transcripts
make merges and round trips match by identity, never by name alone.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def new_guid() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso_utc(value: datetime) -> str:
    """A stored time as ``2026-11-23T14:05:09Z``, the same on SQLite (which returns naive
    UTC) and PostgreSQL (which returns it in the session's zone)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Coder(Base):
    __tablename__ = "coder"
    __table_args__ = (CheckConstraint("role IN ('lead', 'coder')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(10), default="coder")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Participant(Base):
    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attributes: Mapped[list[ParticipantAttribute]] = relationship(
        back_populates="participant",
        cascade="all, delete-orphan",
        order_by="ParticipantAttribute.name",
    )


class ParticipantAttribute(Base):
    __tablename__ = "participant_attribute"
    __table_args__ = (UniqueConstraint("participant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(Text, default="")
    participant: Mapped[Participant] = relationship(back_populates="attributes")


class Transcript(Base):
    __tablename__ = "transcript"

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(10), default="sentence")
    segmenter: Mapped[str] = mapped_column(String(100), default="")
    words: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    participant: Mapped[Participant] = relationship()


class Segment(Base):
    __tablename__ = "segment"
    __table_args__ = (
        UniqueConstraint("transcript_id", "ordinal"),
        Index("ix_segment_transcript_start", "transcript_id", "start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcript.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    text: Mapped[str] = mapped_column(Text)


class Code(Base):
    __tablename__ = "code"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'proposed', 'merged', 'retired')", name="status"),
        CheckConstraint("kind IN ('descriptive', 'inductive')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)
    name: Mapped[str] = mapped_column(String(300))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("code.id"), nullable=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(12), default="descriptive")
    description: Mapped[str] = mapped_column(Text, default="")
    include: Mapped[str] = mapped_column(Text, default="")
    exclude: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[str] = mapped_column(Text, default="")
    color: Mapped[str] = mapped_column(String(20), default="")
    shortcut: Mapped[str] = mapped_column(String(10), default="")
    status: Mapped[str] = mapped_column(String(10), default="active")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("code.id"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Coding(Base):
    """A code applied by a coder to the span ``[start, end)`` of a transcript.

    ``segment_id`` is the segment holding the span's start: the unit a segment-level view
    (agreement, theme counts) uses. A segment coding's span is its segment's span.
    """

    __tablename__ = "coding"
    __table_args__ = (
        UniqueConstraint("transcript_id", "start", "end", "code_id", "coder_id"),
        CheckConstraint('"start" >= 0 AND "end" > "start"', name="span"),
        Index("ix_coding_segment_code", "segment_id", "code_id"),
        Index("ix_coding_code", "code_id"),
        Index("ix_coding_coder_transcript", "coder_id", "transcript_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcript.id", ondelete="CASCADE"))
    segment_id: Mapped[int] = mapped_column(ForeignKey("segment.id", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("coder.id"))
    memo: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    codebook_seq: Mapped[int] = mapped_column(Integer, default=0)


class Progress(Base):
    __tablename__ = "progress"
    __table_args__ = (
        UniqueConstraint("coder_id", "transcript_id"),
        CheckConstraint("status IN ('not_started', 'in_progress', 'done')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coder.id"))
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcript.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="not_started")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Memo(Base):
    """A memo written by a coder on a transcript or one of its segments."""

    __tablename__ = "memo"

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcript.id", ondelete="CASCADE"))
    segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("segment.id", ondelete="CASCADE"), nullable=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("coder.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsensusDecision(Base):
    """How the consensus on one segment was reached: by whom, how and when.

    The consensus itself is stored as codings of the special coder ``consensus``; this row
    records that the segment was decided (also when the decision is "no code").
    ``how`` is ``auto:all``, ``auto:majority``, ``coder:NAME``, ``union`` or ``edit``.
    """

    __tablename__ = "consensus_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcript.id", ondelete="CASCADE"), index=True
    )
    segment_id: Mapped[int] = mapped_column(
        ForeignKey("segment.id", ondelete="CASCADE"), unique=True
    )
    how: Mapped[str] = mapped_column(String(220))
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """Who changed what, when: one row per command or TUI action that wrote something."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class CodebookEvent(Base):
    """One codebook change: the codebook at any point is a replay of these."""

    __tablename__ = "codebook_event"

    seq: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))
    code_guid: Mapped[str] = mapped_column(String(36), index=True)
    before: Mapped[str] = mapped_column(Text, default="")  # JSON of the fields before
    after: Mapped[str] = mapped_column(Text, default="")  # JSON of the fields after
    rationale: Mapped[str] = mapped_column(Text, default="")


class CodebookTag(Base):
    __tablename__ = "codebook_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200), unique=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProjectInfo(Base):
    """Key/value facts about the project (name, created_at, creator)."""

    __tablename__ = "project_info"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
