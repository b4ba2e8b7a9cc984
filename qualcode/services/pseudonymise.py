"""``qualcode pseudonymise --names FILE.csv``: real names out of the project, codings kept.

The listed names are replaced by their placeholders everywhere a name can be stored:

* transcripts: text (segments and codings move by the exact shift of each replacement, see
  :mod:`qualcode.ingest.pseudonyms`, so each coding still covers the same words), name,
  source path; segment texts and speaker labels;
* participants: ids (keys), attribute names and values;
* memos, coding memos, consensus decision notes;
* codes: name, description, include, exclude, example; codebook tags;
* the codebook history (the before/after snapshots and rationales) and the audit log (target
  and detail): they keep the fact of each change, with the placeholder in place of the name;
* project facts (the codebook's name and description…).

Coder names are identities, not data: they are not changed (the scan reports one that
matches a listed name). One transaction for the whole project; then :func:`scan` looks
again at every one of those places and reports any occurrence left. The names themselves are
never written into the project: the audit entry of the run records counts only.

On SQLite, the caller then runs :func:`purge_free_pages` (``secure_delete`` and ``VACUUM``,
then a WAL checkpoint), so the old text is not left in free pages or the write-ahead log.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.ingest.pseudonyms import NameMatcher, Shift, apply
from qualcode.services.audit import audit
from qualcode.services.lookup import require_lead
from qualcode.store.models import (
    AuditEntry,
    Code,
    CodebookEvent,
    CodebookTag,
    Coder,
    Coding,
    ConsensusDecision,
    Memo,
    Participant,
    ParticipantAttribute,
    ProjectInfo,
    Segment,
    Transcript,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

IDENTITY_INFO = ("created_by",)  # project facts that name a coder, not a participant


@dataclass
class PseudonymReport:
    transcripts: dict[str, int] = field(default_factory=dict)  # name -> replacements
    speakers: int = 0
    memos: int = 0
    codings_moved: int = 0
    # other places changed: "transcript names" -> fields changed
    places: Counter[str] = field(default_factory=Counter)
    remaining: dict[str, int] = field(default_factory=dict)  # the scan: place -> occurrences

    @property
    def total(self) -> int:
        return sum(self.transcripts.values())


def pseudonymise(session: Session, actor: str, names: dict[str, str]) -> PseudonymReport:
    """Replace ``names`` (real name → placeholder) everywhere, keeping codings in place."""
    require_lead(session, actor, "pseudonymise")
    if session.get_bind().dialect.name == "sqlite":
        # freed and overwritten cells are zeroed, not left in the file's free space
        session.execute(text("PRAGMA secure_delete=ON"))
    matcher = NameMatcher(names)
    report = PseudonymReport()
    _transcripts(session, matcher, report)
    _participants(session, matcher, report)
    for memo in session.scalars(select(Memo)):
        if _set(memo, "text", matcher):
            report.memos += 1
    for coding in session.scalars(select(Coding).where(Coding.memo != "")):
        if _set(coding, "memo", matcher):
            report.memos += 1
    for decision in session.scalars(select(ConsensusDecision).where(ConsensusDecision.note != "")):
        if _set(decision, "note", matcher):
            report.places["consensus notes"] += 1
    _codes(session, matcher, report)
    for tag in session.scalars(select(CodebookTag)):
        if _set(tag, "label", matcher):
            report.places["codebook tags"] += 1
    for event in session.scalars(select(CodebookEvent)):
        changed = _set(event, "rationale", matcher)
        for side in ("before", "after"):
            value = getattr(event, side)
            if value and matcher.count(value):
                setattr(event, side, _json_replace(value, matcher))
                changed = True
        if changed:
            report.places["codebook history entries"] += 1
    for entry in session.scalars(select(AuditEntry)):
        if _set(entry, "target", matcher) | _set(entry, "detail", matcher):
            report.places["audit log entries"] += 1
    for info in session.scalars(select(ProjectInfo)):
        if info.key not in IDENTITY_INFO and _set(info, "value", matcher):
            report.places["project facts"] += 1
    session.flush()
    report.remaining = scan(session, matcher)
    audit(
        session,
        "pseudonymise",
        f"{len(report.transcripts)} transcript(s)",
        f"{report.total} replacement(s) of {len(names)} listed name(s)",
    )
    return report


def _set(row: Any, column: str, matcher: NameMatcher) -> bool:
    value = getattr(row, column)
    if not value:
        return False
    new = matcher.replace(value)
    if new == value:
        return False
    setattr(row, column, new)
    return True


def _json_replace(value: str, matcher: NameMatcher) -> str:
    """The names replaced in every string value of a JSON document (not the field names)."""

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return matcher.replace(item)
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, dict):
            return {k: walk(v) for k, v in item.items()}
        return item

    try:
        data = json.loads(value)
    except ValueError:
        return matcher.replace(value)
    return json.dumps(walk(data), ensure_ascii=False, sort_keys=True)


def _unique(kind: str, rows: list[Any], column: str, matcher: NameMatcher) -> None:
    """Refuse before changing anything when two rows would end up with one (unique) name."""
    new: dict[tuple[Any, str], Any] = {}
    for row in rows:
        value = matcher.replace(getattr(row, column))
        scope = getattr(row, "parent_id", None)
        other = new.get((scope, value.casefold() if kind == "code" else value))
        if other is not None and other is not row:
            raise QualcodeError(
                f"pseudonymise: {kind} {getattr(other, column)!r} and "
                f"{getattr(row, column)!r} would both become {value!r}; give them different "
                "placeholders (nothing was changed)"
            )
        new[(scope, value.casefold() if kind == "code" else value)] = row


def _transcripts(session: Session, matcher: NameMatcher, report: PseudonymReport) -> None:
    transcripts = list(session.scalars(select(Transcript).order_by(Transcript.name)))
    _unique("transcript", transcripts, "name", matcher)
    for transcript in transcripts:
        found = matcher.find(transcript.text)
        segments = list(
            session.scalars(select(Segment).where(Segment.transcript_id == transcript.id))
        )
        for segment in segments:
            if _set(segment, "speaker", matcher):
                report.speakers += 1
        if _set(transcript, "source", matcher):
            report.places["source paths"] += 1
        if _set(transcript, "name", matcher):
            report.places["transcript names"] += 1
        if not found:
            continue
        shift = Shift(found)
        new_text = apply(transcript.text, found)
        for segment in segments:
            segment.start, segment.end = shift.map(segment.start), shift.map(segment.end, "end")
            segment.text = new_text[segment.start : segment.end]
        for coding in session.scalars(select(Coding).where(Coding.transcript_id == transcript.id)):
            start, end = shift.map(coding.start), shift.map(coding.end, "end")
            if (start, end) != (coding.start, coding.end):
                coding.start, coding.end = start, end
                report.codings_moved += 1
        transcript.text = new_text
        transcript.sha256 = hashlib.sha256(new_text.encode("utf-8")).hexdigest()
        report.transcripts[transcript.name] = len(found)  # by its new name: no real name shown


def _participants(session: Session, matcher: NameMatcher, report: PseudonymReport) -> None:
    participants = list(session.scalars(select(Participant)))
    _unique("participant", participants, "key", matcher)
    for participant in participants:
        if _set(participant, "key", matcher):
            report.places["participant ids"] += 1
    for attribute in session.scalars(select(ParticipantAttribute)):
        if _set(attribute, "name", matcher) | _set(attribute, "value", matcher):
            report.places["participant attributes"] += 1


def _codes(session: Session, matcher: NameMatcher, report: PseudonymReport) -> None:
    codes = list(session.scalars(select(Code)))
    _unique("code", codes, "name", matcher)
    for code in codes:
        if _set(code, "name", matcher):
            report.places["code names"] += 1
        changed = False
        for column in ("description", "include", "exclude", "example"):
            changed |= _set(code, column, matcher)
        if changed:
            report.places["code definitions and examples"] += 1


# what the scan reads: place -> (model, columns)
SCANNED: dict[str, tuple[Any, tuple[str, ...]]] = {
    "transcript texts": (Transcript, ("text",)),
    "transcript names": (Transcript, ("name",)),
    "source paths": (Transcript, ("source",)),
    "segment texts and speaker labels": (Segment, ("text", "speaker")),
    "participant ids": (Participant, ("key",)),
    "participant attributes": (ParticipantAttribute, ("name", "value")),
    "memos": (Memo, ("text",)),
    "coding memos": (Coding, ("memo",)),
    "consensus notes": (ConsensusDecision, ("note",)),
    "codes (names, definitions, examples)": (
        Code,
        ("name", "description", "include", "exclude", "example"),
    ),
    "codebook tags": (CodebookTag, ("label",)),
    "codebook history": (CodebookEvent, ("before", "after", "rationale")),
    "audit log": (AuditEntry, ("target", "detail")),
    "project facts": (ProjectInfo, ("value",)),
    "coder names (identities: not changed)": (Coder, ("name",)),
}


def scan(session: Session, matcher: NameMatcher) -> dict[str, int]:
    """Every occurrence of a listed name still in the project, counted per place."""
    found: dict[str, int] = {}
    for place, (model, columns) in SCANNED.items():
        for row in session.execute(select(*(getattr(model, c) for c in columns))):
            count = sum(matcher.count(value) for value in row)
            if count:
                found[place] = found.get(place, 0) + count
    return found


def purge_free_pages(engine: Engine) -> str:
    """SQLite: VACUUM with ``secure_delete`` and truncate the write-ahead log, so the replaced
    text is left neither in free pages nor in the WAL. Returns a note when it could not."""
    if engine.dialect.name != "sqlite":
        return (
            "PostgreSQL keeps old row versions until VACUUM (FULL) and in its WAL and backups: "
            "ask the database administrator to run VACUUM FULL on the project's tables"
        )
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("VACUUM")
        busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        raw.close()
    if busy and busy[0]:
        return (
            "another program has the project open: the write-ahead log could not be emptied; "
            "run 'qualcode pseudonymise' again when everyone has closed it"
        )
    return ""


def old_backups(path: Path | None) -> list[Path]:
    """The upgrade backups beside a SQLite project file (``NAME.db.<rev>-<time>.bak``)."""
    if path is None:
        return []
    return sorted(path.parent.glob(f"{path.name}.*.bak"))
