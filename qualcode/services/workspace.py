"""The coding workspace: what a coder's session reads and changes, as short units of work.

Every function takes an open Session (the caller owns the transaction: one short transaction
per action) and returns the frozen dataclasses of ``workspace_types``, so the TUI can run
them in worker threads and hand the results to widgets.
"""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services import codebook_events
from qualcode.services.audit import audit
from qualcode.services.coding import add_coding, check_usable, set_progress
from qualcode.services.lookup import (
    CONSENSUS,
    RESERVED_CONSENSUS,
    CodeIndex,
    ensure_coder,
    get_coder,
)
from qualcode.services.workspace_types import (
    CodebookView,
    CodeItem,
    CoderInfo,
    CodingItem,
    SegmentItem,
    TranscriptContent,
    TranscriptItem,
    code_item,
)
from qualcode.store.models import (
    Code,
    Coder,
    Coding,
    Memo,
    Participant,
    Progress,
    Segment,
    Transcript,
)

INTERVIEWER_LABELS = re.compile(
    r"^(interviewer|moderator|facilitator|researcher|int|iv|i|q)(\s*\d+)?$", re.IGNORECASE
)


def _not_reserved(name: str) -> None:
    if name.strip() == CONSENSUS:
        raise QualcodeError(f"{RESERVED_CONSENSUS}; open the coding screen as yourself")


def coder_info(session: Session, name: str) -> CoderInfo:
    """The coder of that name (created with role coder when new)."""
    _not_reserved(name)
    coder = ensure_coder(session, name)
    return CoderInfo(coder.id, coder.name, coder.role)


def known_coder(session: Session, name: str) -> CoderInfo | None:
    """The coder of that name, or None: a read, which never waits for another writer."""
    _not_reserved(name)
    coder = get_coder(session, name.strip())
    return None if coder is None else CoderInfo(coder.id, coder.name, coder.role)


def transcript_items(
    session: Session, coder_id: int, only: int | None = None
) -> list[TranscriptItem]:
    """Every transcript (or ``only`` that one) with this coder's progress and codings."""
    segments = select(Segment.transcript_id, func.count()).group_by(Segment.transcript_id)
    mine = (
        select(Coding.transcript_id, func.count())
        .where(Coding.coder_id == coder_id)
        .group_by(Coding.transcript_id)
    )
    progress = select(Progress.transcript_id, Progress.status).where(Progress.coder_id == coder_id)
    listing = (
        select(Transcript.id, Transcript.name, Participant.key, Transcript.words)
        .join(Participant, Transcript.participant_id == Participant.id)
        .order_by(Transcript.name)
    )
    if only is not None:
        segments = segments.where(Segment.transcript_id == only)
        mine = mine.where(Coding.transcript_id == only)
        progress = progress.where(Progress.transcript_id == only)
        listing = listing.where(Transcript.id == only)
    seg_counts = dict(session.execute(segments).all())
    coded = dict(session.execute(mine).all())
    status = dict(session.execute(progress).all())
    items = []
    for tid, name, participant, words in session.execute(listing):
        state = status.get(tid) or ("in_progress" if coded.get(tid) else "not_started")
        items.append(
            TranscriptItem(
                tid, name, participant, seg_counts.get(tid, 0), words, state, coded.get(tid, 0)
            )
        )
    return items


def interviewer_speakers(segments: list[SegmentItem], participant: str) -> frozenset[str]:
    """Speakers who are not the participant: the interviewer(s).

    A label like Interviewer, Moderator or Q is an interviewer; the participant is the
    speaker named like the participant, else the one who says the most.
    """
    words: Counter[str] = Counter()
    for segment in segments:
        if segment.speaker:
            words[segment.speaker] += len(segment.text.split())
    if not words:
        return frozenset()
    named = [s for s in words if s.casefold() == participant.casefold()]
    candidates = [s for s in words if not INTERVIEWER_LABELS.match(s)]
    if named:
        main = named[0]
    elif candidates:
        main = max(candidates, key=lambda s: words[s])
    else:
        return frozenset(words)
    return frozenset(s for s in words if s != main)


def _coding_items(session: Session, transcript_id: int, coder_id: int | None) -> list[CodingItem]:
    query = (
        select(
            Coding.id,
            Coding.guid,
            Coding.transcript_id,
            Coding.segment_id,
            Coding.start,
            Coding.end,
            Coding.code_id,
            Coding.coder_id,
            Coder.name,
            Coding.memo,
            Code.guid,
        )
        .join(Coder, Coding.coder_id == Coder.id)
        .join(Code, Coding.code_id == Code.id)
        .where(Coding.transcript_id == transcript_id)
        .order_by(Coding.start, Coder.name, Coding.id)
    )
    if coder_id is not None:
        query = query.where(Coding.coder_id == coder_id)
    return [
        CodingItem(*r)
        for r in session.execute(query)
    ]


def transcript_codings(
    session: Session, transcript_id: int, coder_id: int, show_all: bool = False
) -> tuple[CodingItem, ...]:
    """The codings shown: the coder's own (blind), or everyone's when the lead asks."""
    if show_all:
        coder = session.get(Coder, coder_id)
        if coder is None or coder.role != "lead":
            raise QualcodeError("only the lead can show all coders' codings")
    return tuple(_coding_items(session, transcript_id, None if show_all else coder_id))


def load_transcript(
    session: Session, transcript_id: int, coder_id: int, show_all: bool = False
) -> TranscriptContent:
    transcript = session.get(Transcript, transcript_id)
    if transcript is None:
        raise QualcodeError("that transcript no longer exists")
    segments = [
        SegmentItem(*row)
        for row in session.execute(
            select(
                Segment.id,
                Segment.ordinal,
                Segment.start,
                Segment.end,
                Segment.speaker,
                Segment.text,
            )
            .where(Segment.transcript_id == transcript_id)
            .order_by(Segment.ordinal)
        )
    ]
    participant = (
        session.scalar(select(Participant.key).where(Participant.id == transcript.participant_id))
        or ""
    )
    (item,) = transcript_items(session, coder_id, only=transcript_id)
    return TranscriptContent(
        transcript=item,
        text=transcript.text,
        segments=tuple(segments),
        codings=transcript_codings(session, transcript_id, coder_id, show_all),
        memos=segment_memos(session, transcript_id, coder_id),
        interviewer_speakers=interviewer_speakers(segments, participant),
    )


def segment_memos(session: Session, transcript_id: int, coder_id: int) -> dict[int, str]:
    """The coder's memos on the transcript's segments, by segment id."""
    rows = session.execute(
        select(Memo.segment_id, Memo.text).where(
            Memo.transcript_id == transcript_id,
            Memo.author_id == coder_id,
            Memo.segment_id.is_not(None),
        )
    ).all()
    return {segment_id: text for segment_id, text in rows if segment_id is not None}


def first_transcript(items: list[TranscriptItem], name: str | None) -> TranscriptItem | None:
    """Where a coding session starts: the named transcript, else the first one not done."""
    if name:
        named = next((t for t in items if t.name == name), None)
        if named is not None:
            return named
    return next((t for t in items if t.status != "done"), items[0] if items else None)


def codebook_view(session: Session, coder_id: int, show_all: bool = False) -> CodebookView:
    """The codebook tree in order, with counts of the codings the coder may see."""
    index = CodeIndex.load(session)
    query = select(Coding.code_id, func.count()).group_by(Coding.code_id)
    if not show_all:
        query = query.where(Coding.coder_id == coder_id)
    counts = dict(session.execute(query).all())
    coder = session.get(Coder, coder_id)
    is_lead = coder is not None and coder.role == "lead"
    items = []
    for code in index.ordered():
        if code.status == "proposed" and not is_lead and code.created_by_id != coder_id:
            continue  # another coder's proposal: not usable before the lead accepts it
        items.append(code_item(code, index, counts.get(code.id, 0)))
    return CodebookView(tuple(items), codebook_events.current_seq(session))


def codebook_seq(session: Session) -> int:
    return codebook_events.current_seq(session)


def _item(session: Session, coding: Coding) -> CodingItem:
    coder = session.get(Coder, coding.coder_id)
    return CodingItem(
        coding.id,
        coding.guid,
        coding.transcript_id,
        coding.segment_id,
        coding.start,
        coding.end,
        coding.code_id,
        coding.coder_id,
        coder.name if coder else "",
        coding.memo,
        session.scalar(select(Code.guid).where(Code.id == coding.code_id)) or "",
    )


def apply_span(
    session: Session, coder_id: int, transcript_id: int, code_id: int, start: int, end: int
) -> CodingItem | None:
    """Apply a code to ``[start, end)``; None when the coder had already applied it there."""
    coder = session.get(Coder, coder_id)
    transcript = session.get(Transcript, transcript_id)
    if coder is None or transcript is None:
        raise QualcodeError("the coder or transcript no longer exists; reopen the project")
    index = CodeIndex.load(session)
    if code_id not in index.by_id:
        raise QualcodeError("that code no longer exists; the codebook was changed")
    code = check_usable(index, index.by_id[code_id], coder)
    segment = session.scalar(
        select(Segment)
        .where(Segment.transcript_id == transcript_id, Segment.start <= start)
        .order_by(Segment.start.desc())
        .limit(1)
    )
    if segment is None:
        raise QualcodeError("that span lies outside the transcript's segments")
    created = add_coding(session, coder, transcript, segment, start, end, code)
    set_progress(session, coder, transcript, "in_progress")
    if not created:
        return None
    audit(
        session, "apply", f"{transcript.name} {start}–{end}", f"{index.path(code)} by {coder.name}"
    )
    coding = session.scalar(
        select(Coding).where(
            Coding.transcript_id == transcript_id,
            Coding.start == start,
            Coding.end == end,
            Coding.code_id == code.id,
            Coding.coder_id == coder_id,
        )
    )
    assert coding is not None
    return _item(session, coding)


def remove_coding(session: Session, coder_id: int, coding_id: int) -> CodingItem:
    """Remove one of the coder's codings; returns it so the removal can be undone."""
    coding = session.get(Coding, coding_id)
    if coding is None:
        raise QualcodeError("that coding was already removed")
    if coding.coder_id != coder_id:
        raise QualcodeError("you can remove only your own codings")
    item = _item(session, coding)
    session.delete(coding)
    audit(session, "remove", _where(session, item), f"code {item.code_id} by {item.coder}")
    return item


def find_coding(
    session: Session, coder_id: int, transcript_id: int, code_id: int, start: int, end: int
) -> Coding | None:
    """The coder's coding of ``code_id`` on exactly ``[start, end)`` (the unique key)."""
    return session.scalar(
        select(Coding).where(
            Coding.transcript_id == transcript_id,
            Coding.start == start,
            Coding.end == end,
            Coding.code_id == code_id,
            Coding.coder_id == coder_id,
        )
    )


def remove_coding_at(
    session: Session, coder_id: int, transcript_id: int, code_id: int, start: int, end: int
) -> CodingItem | None:
    """Remove the coder's coding of a code on a span (found by its unique key, not its row
    id, which a restore changes); returns it, or None when it is not there."""
    coding = find_coding(session, coder_id, transcript_id, code_id, start, end)
    if coding is None:
        return None
    return remove_coding(session, coder_id, coding.id)


def remove_coding_guid(session: Session, coder_id: int, guid: str) -> CodingItem | None:
    """Remove the coder's coding with this GUID (its identity through undo and redo);
    returns it, or None when it is not there."""
    coding_id = session.scalar(select(Coding.id).where(Coding.guid == guid))
    return None if coding_id is None else remove_coding(session, coder_id, coding_id)


def restore_coding(session: Session, item: CodingItem) -> CodingItem | None:
    """Put back a removed coding (undo), with its GUID and memo; None if it is there again."""
    exists = session.scalar(select(Coding.id).where(Coding.guid == item.guid))
    if exists is not None or find_coding(
        session, item.coder_id, item.transcript_id, item.code_id, item.start, item.end
    ):
        return None
    if session.get(Code, item.code_id) is None:
        raise QualcodeError("cannot undo: the code no longer exists")
    coding = Coding(
        guid=item.guid,
        transcript_id=item.transcript_id,
        segment_id=item.segment_id,
        start=item.start,
        end=item.end,
        code_id=item.code_id,
        coder_id=item.coder_id,
        memo=item.memo,
        codebook_seq=codebook_events.current_seq(session),
    )
    session.add(coding)
    session.flush()
    restored = _item(session, coding)
    audit(session, "restore", _where(session, restored), f"code {item.code_id} by {item.coder}")
    return restored


def code_id_for(session: Session, guid: str) -> int:
    """The id of the code with this GUID (the TUI's undo history names codes by GUID)."""
    code_id = session.scalar(select(Code.id).where(Code.guid == guid))
    if code_id is None:
        raise QualcodeError("that code no longer exists; the codebook was changed")
    return code_id


def _where(session: Session, item: CodingItem) -> str:
    name = session.scalar(select(Transcript.name).where(Transcript.id == item.transcript_id))
    return f"{name} {item.start}–{item.end}"


def create_code(
    session: Session,
    coder_id: int,
    name: str,
    parent_id: int | None,
    description: str = "",
    guid: str | None = None,
) -> CodeItem:
    """A new inductive code; a non-lead coder's code is a proposal for the lead to review.
    ``guid``: make it with this GUID (a redo makes the same code again)."""
    from qualcode.services.codebook_changes import create_inductive_code

    coder = session.get(Coder, coder_id)
    if coder is None:
        raise QualcodeError("unknown coder")
    code = create_inductive_code(
        session, coder.name, coder, name, parent_id, description, "created while coding", guid
    )
    return code_item(code, CodeIndex.load(session), 0)


def withdraw_code(session: Session, coder_id: int, code_id: int) -> None:
    """Undo the creation of a code nobody has used yet."""
    code = session.get(Code, code_id)
    if code is None:
        return
    used = session.scalar(select(func.count()).select_from(Coding).where(Coding.code_id == code_id))
    children = session.scalar(
        select(func.count()).select_from(Code).where(Code.parent_id == code_id)
    )
    if used or children or code.created_by_id != coder_id:
        raise QualcodeError(f"cannot undo: code {code.name!r} is in use now")
    coder = session.get(Coder, coder_id)
    codebook_events.record(
        session,
        coder.name if coder else "",
        "withdraw",
        code,
        codebook_events.snapshot(session, code),
        None,
        "creation undone",
    )
    session.delete(code)


def set_memo(
    session: Session, coder_id: int, transcript_id: int, segment_id: int, text: str
) -> str:
    """Write (or with empty text, delete) the coder's memo on a segment; returns the old text."""
    memo = session.scalar(
        select(Memo).where(
            Memo.transcript_id == transcript_id,
            Memo.segment_id == segment_id,
            Memo.author_id == coder_id,
        )
    )
    old = memo.text if memo is not None else ""
    text = text.strip()
    if memo is not None and not text:
        session.execute(delete(Memo).where(Memo.id == memo.id))
    elif memo is not None:
        memo.text = text
    elif text:
        session.add(
            Memo(transcript_id=transcript_id, segment_id=segment_id, author_id=coder_id, text=text)
        )
    return old


def set_status(session: Session, coder_id: int, transcript_id: int, status: str) -> str:
    """Set the coder's progress on a transcript; returns the previous status (for undo)."""
    progress = session.scalar(
        select(Progress).where(
            Progress.coder_id == coder_id, Progress.transcript_id == transcript_id
        )
    )
    old = progress.status if progress is not None else "not_started"
    if progress is None:
        session.add(Progress(coder_id=coder_id, transcript_id=transcript_id, status=status))
    else:
        progress.status = status
    if old != status:
        name = session.scalar(select(Transcript.name).where(Transcript.id == transcript_id))
        audit(session, "status", str(name), f"{old} → {status}")
    return old
