"""The lead's consensus review as plain data: for one code, each segment the coders disagree
on, with every compared coder's codes on it side by side and the consensus so far.

Which segments disagree comes from :func:`qualcode.services.consensus.disagreements` (the
reliability data of ``qualcode agreement``); decisions are written by
:func:`qualcode.services.consensus.set_consensus`. A coder's codes on a segment are all the
codes of their codings overlapping it (not only the code under review, so the lead sees the
context), each counted as the code it stands for now (a merged code as its target) — the
codes ``set_consensus`` would take from that coder.

Blind coding: only the lead may see other coders' codes, so :func:`review_items` needs the
lead role.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.services.consensus import disagreements
from qualcode.services.lookup import CONSENSUS, CodeIndex, require_lead
from qualcode.store.models import Coder, Coding, ConsensusDecision, Segment, Transcript


@dataclass(frozen=True)
class ReviewItem:
    """One segment the compared coders disagree on (for the code under review)."""

    transcript: str
    ordinal: int
    segment_id: int
    speaker: str
    text: str
    # every compared coder who finished the transcript -> all their code paths on the
    # segment, in codebook order (a coder who did not finish it is not a key)
    codes_by_coder: Mapping[str, tuple[str, ...]]
    applied_by: tuple[str, ...]  # the coders who applied the code under review
    consensus: tuple[str, ...]  # the consensus code paths ('' decided: none so far)
    decided: str  # how the consensus was reached: coder:NAME, union, edit, auto:all, … or ''
    decided_by: str = ""
    note: str = ""

    @property
    def is_decided(self) -> bool:
        return bool(self.decided)


@dataclass(frozen=True)
class ReviewView:
    code: str  # the code under review (its path)
    coders: tuple[str, ...]  # the compared coders, in the order of agreement's columns
    items: tuple[ReviewItem, ...]  # by transcript, then segment

    @property
    def undecided(self) -> int:
        return sum(not item.is_decided for item in self.items)

    def next_undecided(self, after: int) -> int | None:
        """The index of the first undecided item after ``after`` (wrapping around)."""
        count = len(self.items)
        for step in range(1, count + 1):
            index = (after + step) % count
            if not self.items[index].is_decided:
                return index
        return None

    def index_of(self, transcript: str, ordinal: int) -> int | None:
        for index, item in enumerate(self.items):
            if (item.transcript, item.ordinal) == (transcript, ordinal):
                return index
        return None


def _names(joined: str) -> tuple[str, ...]:
    return tuple(name for name in joined.split(",") if name)


def _finished(row: tuple[str, int, str, str, str, str]) -> set[str]:
    """The coders compared on a disagreement row: who applied the code and who did not."""
    return {*_names(row[3]), *_names(row[4])}


def review_items(
    session: Session, actor: str, code_ref: str, coders: Sequence[str] | None = None
) -> ReviewView:
    """The segments the coders disagree on for ``code_ref`` (default coders: as agreement's)."""
    require_lead(session, actor, "consensus")
    index = CodeIndex.load(session)
    code_path = index.path(index.resolve(code_ref))
    rows = disagreements(session, ",".join(coders) if coders else None, code_path)
    compared = list(coders) if coders else sorted({n for r in rows for n in _finished(r)})
    if not rows:
        return ReviewView(code_path, tuple(compared), ())
    named = sorted({r[0] for r in rows})
    transcript_ids = dict(
        session.execute(
            select(Transcript.name, Transcript.id).where(Transcript.name.in_(named))
        ).all()
    )
    wanted = {(transcript_ids[r[0]], r[1]) for r in rows}
    segments = {
        (s.transcript_id, s.ordinal): s
        for s in session.scalars(
            select(Segment).where(
                Segment.transcript_id.in_(list(transcript_ids.values())),
                Segment.ordinal.in_(sorted({r[1] for r in rows})),
            )
        )
        if (s.transcript_id, s.ordinal) in wanted
    }
    codings: dict[int, list[tuple[str, int, int, int, int]]] = {}  # transcript -> codings
    for coder, tid, segment_id, start, end, code_id in session.execute(
        select(
            Coder.name,
            Coding.transcript_id,
            Coding.segment_id,
            Coding.start,
            Coding.end,
            Coding.code_id,
        )
        .join(Coder, Coding.coder_id == Coder.id)
        .where(
            Coding.transcript_id.in_(list(transcript_ids.values())),
            Coder.name.in_([*compared, CONSENSUS]),
        )
    ):
        codings.setdefault(tid, []).append((coder, segment_id, start, end, code_id))
    decisions = {
        row[0]: (row[1], row[2], row[3])
        for row in session.execute(
            select(
                ConsensusDecision.segment_id,
                ConsensusDecision.how,
                ConsensusDecision.actor,
                ConsensusDecision.note,
            ).where(ConsensusDecision.segment_id.in_([s.id for s in segments.values()]))
        )
    }
    order = {code.id: position for position, code in enumerate(index.ordered())}

    def paths(code_ids: set[int]) -> tuple[str, ...]:
        live = {index.target(index.by_id[c]).id for c in code_ids}
        return tuple(index.paths[c] for c in sorted(live, key=lambda c: order.get(c, 0)))

    items: list[ReviewItem] = []
    for row in rows:
        transcript, ordinal, applied = row[0], row[1], row[3]
        segment = segments[(transcript_ids[transcript], ordinal)]
        finished = _finished(row)
        found: dict[str, set[int]] = {}
        for coder, segment_id, start, end, code_id in codings.get(segment.transcript_id, []):
            if coder == CONSENSUS:
                if segment_id == segment.id:
                    found.setdefault(coder, set()).add(code_id)
            elif coder in finished and start < segment.end and end > segment.start:
                found.setdefault(coder, set()).add(code_id)
        how, by, note = decisions.get(segment.id, ("", "", ""))
        items.append(
            ReviewItem(
                transcript=transcript,
                ordinal=ordinal,
                segment_id=segment.id,
                speaker=segment.speaker or "",
                text=segment.text,
                codes_by_coder={c: paths(found.get(c, set())) for c in compared if c in finished},
                applied_by=_names(applied),
                consensus=paths(found.get(CONSENSUS, set())),
                decided=how,
                decided_by=by,
                note=note,
            )
        )
    return ReviewView(code_path, tuple(compared), tuple(items))
