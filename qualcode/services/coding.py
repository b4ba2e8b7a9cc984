"""Coding use cases: apply and remove codes, mark progress, import and export codings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.audit import audit, require_own_or_lead
from qualcode.services.codebook_events import current_seq
from qualcode.services.lookup import (
    CONSENSUS,
    RESERVED_CONSENSUS,
    CodeIndex,
    ensure_coder,
    get_segment,
    get_transcript,
)
from qualcode.store.models import (
    Code,
    Coder,
    Coding,
    Progress,
    Segment,
    Transcript,
    iso_utc,
    new_guid,
    utcnow,
)

PROGRESS_RANK = {"not_started": 0, "in_progress": 1, "done": 2}  # a merge keeps the furthest

EXPORT_COLUMNS = (
    "coder",
    "transcript",
    "segment",
    "code",
    "start",
    "end",
    "text",
    "memo",
    "created_at",
)
IMPORT_REQUIRED = ("coder", "transcript", "segment", "code")


def usable_code(index: CodeIndex, ref: str, coder: Coder) -> Code:
    """The code to apply for ``ref``: merged codes lead to their target; retired ones refuse."""
    return check_usable(index, index.resolve(ref), coder)


def check_usable(index: CodeIndex, code: Code, coder: Coder) -> Code:
    """``code``, or the code it was merged into; refuses retired codes and others' proposals."""
    code = index.target(code)
    if code.status == "retired":
        raise QualcodeError(f"code {index.path(code)!r} is retired; choose another code")
    if code.status == "proposed" and coder.role != "lead" and code.created_by_id != coder.id:
        raise QualcodeError(
            f"code {index.path(code)!r} is a proposal by another coder, "
            "not yet accepted by the lead"
        )
    return code


def set_progress(session: Session, coder: Coder, transcript: Transcript, status: str) -> None:
    progress = session.scalar(
        select(Progress).where(
            Progress.coder_id == coder.id, Progress.transcript_id == transcript.id
        )
    )
    if progress is None:
        session.add(Progress(coder_id=coder.id, transcript_id=transcript.id, status=status))
    elif status == "done" or progress.status == "not_started":
        progress.status = status
        progress.updated_at = utcnow()


@dataclass(frozen=True)
class ApplyResult:
    created: bool
    coder: str
    transcript: str
    segment: int
    code: str


def _not_consensus(coder_name: str, what: str) -> None:
    if coder_name == CONSENSUS:
        raise QualcodeError(f"{what}: {RESERVED_CONSENSUS}")


def apply_code(
    session: Session,
    coder_name: str,
    transcript_name: str,
    ordinal: int,
    code_ref: str,
    memo: str = "",
) -> ApplyResult:
    """Apply a code to a whole segment; applying it again is a no-op."""
    _not_consensus(coder_name, "apply")
    require_own_or_lead(session, coder_name, "apply")
    coder = ensure_coder(session, coder_name)
    transcript = get_transcript(session, transcript_name)
    segment = get_segment(session, transcript, ordinal)
    index = CodeIndex.load(session)
    code = usable_code(index, code_ref, coder)
    created = add_coding(
        session, coder, transcript, segment, segment.start, segment.end, code, memo
    )
    set_progress(session, coder, transcript, "in_progress")
    if created:
        audit(
            session, "apply", f"{transcript.name} #{ordinal}", f"{index.path(code)} by {coder.name}"
        )
    return ApplyResult(created, coder.name, transcript.name, ordinal, index.path(code))


def add_coding(
    session: Session,
    coder: Coder,
    transcript: Transcript,
    segment: Segment,
    start: int,
    end: int,
    code: Code,
    memo: str = "",
) -> bool:
    """Store one span coding unless the same coder already applied the code to that span."""
    if not (0 <= start < end <= len(transcript.text)):
        raise QualcodeError(f"span {start}–{end} lies outside transcript {transcript.name!r}")
    existing = session.scalar(
        select(Coding).where(
            Coding.transcript_id == transcript.id,
            Coding.start == start,
            Coding.end == end,
            Coding.code_id == code.id,
            Coding.coder_id == coder.id,
        )
    )
    if existing is not None:
        if memo and existing.memo != memo:
            existing.memo = memo
        return False
    session.add(
        Coding(
            transcript_id=transcript.id,
            segment_id=segment.id,
            start=start,
            end=end,
            code_id=code.id,
            coder_id=coder.id,
            memo=memo,
            codebook_seq=current_seq(session),
        )
    )
    session.flush()
    return True


def unapply_code(
    session: Session, coder_name: str, transcript_name: str, ordinal: int, code_ref: str
) -> int:
    """Remove the coder's codings of a code on a segment (its spans too); returns how many."""
    _not_consensus(coder_name, "unapply")
    require_own_or_lead(session, coder_name, "unapply")
    coder = ensure_coder(session, coder_name)
    transcript = get_transcript(session, transcript_name)
    segment = get_segment(session, transcript, ordinal)
    code = CodeIndex.load(session).resolve(code_ref)
    result = session.execute(
        delete(Coding).where(
            Coding.segment_id == segment.id,
            Coding.code_id == code.id,
            Coding.coder_id == coder.id,
        )
    )
    removed = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if removed:
        audit(session, "unapply", f"{transcript.name} #{ordinal}", f"{code_ref} by {coder.name}")
    return removed


def mark_done(session: Session, coder_name: str, transcript_names: list[str]) -> list[str]:
    require_own_or_lead(session, coder_name, "done")
    coder = ensure_coder(session, coder_name)
    done = []
    for name in transcript_names:
        transcript = get_transcript(session, name)
        set_progress(session, coder, transcript, "done")
        done.append(transcript.name)
    audit(session, "done", ", ".join(done), f"by {coder.name}")
    return done


def _codings_row(header: list[str], fields: list[str]) -> bool:
    """A line inside a quoted field that is a codings row: as many fields as the header and
    a segment number in the segment column (an unclosed quote swallowed it)."""
    if len(fields) != len(header) or "segment" not in header:
        return False
    return fields[header.index("segment")].strip().isdigit()


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """The file's rows as (line, columns): names stripped, every cell's formula guard
    removed (see export.csv_safe), the memo otherwise exactly as written."""
    from qualcode.export.csv_safe import read_csv_file, unguard_cell

    table = read_csv_file(path, looks_like_row=_codings_row)
    missing = [c for c in IMPORT_REQUIRED if c not in table.header]
    if missing:
        raise QualcodeError(
            f"{path}: line {table.header_line}: missing column(s) {', '.join(missing)}; "
            f"the file needs the columns {','.join(IMPORT_REQUIRED)} (and optionally memo)"
        )
    for record in table.records:
        row = dict(zip(table.header, record.cells, strict=True))
        values = {name: unguard_cell(row[name].strip()) for name in IMPORT_REQUIRED}
        values["memo"] = unguard_cell(row.get("memo", ""))
        yield record.line, values


@dataclass(frozen=True)
class CodingsImport:
    added: int
    already_there: int
    coders: tuple[str, ...]
    done_pairs: int


CodingKey = tuple[int, int, int, int, int]  # transcript, start, end, code, coder: unique


def coding_keys(session: Session, transcript_ids: Iterable[int]) -> set[CodingKey]:
    """The identities of the codings already in these transcripts (to add each one once)."""
    wanted = list(transcript_ids)
    if not wanted:
        return set()
    query = select(
        Coding.transcript_id, Coding.start, Coding.end, Coding.code_id, Coding.coder_id
    ).where(Coding.transcript_id.in_(wanted))
    return {(r[0], r[1], r[2], r[3], r[4]) for r in session.execute(query)}


class Quotes:
    """The text a coding covers: from its segment when it lies inside it, else from the
    transcript (read once per transcript)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.texts: dict[int, str] = {}

    def text(self, transcript_id: int, segment: tuple[int, int, str], start: int, end: int) -> str:
        seg_start, seg_end, seg_text = segment
        if seg_start <= start and end <= seg_end:
            return seg_text[start - seg_start : end - seg_start]
        if transcript_id not in self.texts:
            self.texts[transcript_id] = (
                self.session.scalar(select(Transcript.text).where(Transcript.id == transcript_id))
                or ""
            )
        return self.texts[transcript_id][start:end]


def import_codings(session: Session, path: Path, mark_as_done: bool = False) -> CodingsImport:
    """Import ``coder,transcript,segment,code[,memo]`` rows; any bad row stops the whole file."""
    index = CodeIndex.load(session)
    coders: dict[str, Coder] = {}
    transcripts: dict[str, Transcript] = {}
    segments: dict[int, dict[int, tuple[int, int, int]]] = {}
    codes: dict[tuple[str, int], Code] = {}
    existing: set[tuple[int, int, int, int, int]] = set()
    pending: list[dict[str, Any]] = []
    pairs: set[tuple[int, int]] = set()
    already = 0
    seq = current_seq(session)
    now = utcnow()
    for line, row in _csv_rows(path):
        where = f"{path}: line {line}"
        try:
            name = row["coder"]
            if name == CONSENSUS:  # reserved: only the lead's consensus commands create these
                raise QualcodeError(RESERVED_CONSENSUS)
            if name not in coders:
                require_own_or_lead(session, name, "codings import")
                coders[name] = ensure_coder(session, name)
            coder = coders[name]
            tname = row["transcript"]
            if tname not in transcripts:
                transcript = get_transcript(session, tname)
                transcripts[tname] = transcript
                segments[transcript.id] = {
                    r.ordinal: (r.id, r.start, r.end)
                    for r in session.execute(
                        select(Segment.ordinal, Segment.id, Segment.start, Segment.end).where(
                            Segment.transcript_id == transcript.id
                        )
                    )
                }
                existing.update(coding_keys(session, [transcript.id]))
            transcript = transcripts[tname]
            try:
                ordinal = int(row["segment"])
            except ValueError:
                raise QualcodeError(f"segment {row['segment']!r} is not a number") from None
            if ordinal not in segments[transcript.id]:
                raise QualcodeError(
                    f"transcript {tname!r} has no segment {ordinal} "
                    f"(it has 1–{len(segments[transcript.id])})"
                )
            key = (row["code"], coder.id)
            if key not in codes:
                codes[key] = usable_code(index, row["code"], coder)
            code = codes[key]
        except QualcodeError as exc:
            raise QualcodeError(
                f"{where}: {exc.message}; nothing from the file was stored"
            ) from None
        segment_id, start, end = segments[transcript.id][ordinal]
        identity = (transcript.id, start, end, code.id, coder.id)
        pairs.add((coder.id, transcript.id))
        if identity in existing:
            already += 1
            continue
        existing.add(identity)
        pending.append(
            {
                "guid": new_guid(),
                "transcript_id": transcript.id,
                "segment_id": segment_id,
                "start": start,
                "end": end,
                "code_id": code.id,
                "coder_id": coder.id,
                "memo": row.get("memo", ""),
                "created_at": now,
                "codebook_seq": seq,
            }
        )
    if pending:
        session.execute(insert(Coding), pending)
    by_id = {c.id: c for c in coders.values()}
    tby_id = {t.id: t for t in transcripts.values()}
    for coder_id, transcript_id in sorted(pairs):
        status = "done" if mark_as_done else "in_progress"
        set_progress(session, by_id[coder_id], tby_id[transcript_id], status)
    audit(session, "import codings", path.name, f"{len(pending)} added, {already} already there")
    return CodingsImport(
        len(pending), already, tuple(sorted(coders)), len(pairs) if mark_as_done else 0
    )


def export_codings(session: Session, only_coder: str | None = None) -> list[tuple[Any, ...]]:
    """Every coding (or only ``only_coder``'s), in transcript and text order, with
    EXPORT_COLUMNS."""
    index = CodeIndex.load(session)
    query = (
        select(
            Coder.name,
            Transcript.name,
            Transcript.id,
            Segment.ordinal,
            Segment.start,
            Segment.end,
            Segment.text,
            Coding.code_id,
            Coding.start,
            Coding.end,
            Coding.memo,
            Coding.created_at,
        )
        .join(Coder, Coding.coder_id == Coder.id)
        .join(Transcript, Coding.transcript_id == Transcript.id)
        .join(Segment, Coding.segment_id == Segment.id)
        .order_by(Transcript.name, Coding.start, Coding.end, Coder.name, Coding.code_id)
    )
    if only_coder is not None:
        query = query.where(Coder.name == only_coder)
    rows = session.execute(query).all()
    quotes = Quotes(session)
    out = []
    for (
        coder,
        tname,
        tid,
        ordinal,
        seg_start,
        seg_end,
        seg_text,
        code_id,
        start,
        end,
        memo,
        created,
    ) in rows:
        quote = quotes.text(tid, (seg_start, seg_end, seg_text), start, end)
        label = index.label(index.by_id[code_id])
        out.append((coder, tname, ordinal, label, start, end, quote, memo, _iso(created)))
    return out


def _iso(value: datetime) -> str:
    return iso_utc(value)
