"""Consensus: the lead's decision for each segment the coders disagree on.

The consensus is stored as codings of a special coder, ``consensus`` (whole-segment
codings), so every export and count can use it like any coder. A ``ConsensusDecision`` row
records that a segment was decided, by whom and how (``auto:all``, ``auto:majority``,
``coder:NAME``, ``union``, ``edit``) — also when the decision is "no code" — so the process
behind the figures can be reported, not only the figures.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.agreement_data import ReliabilityData, reliability_data
from qualcode.services.audit import audit
from qualcode.services.codebook_events import current_seq
from qualcode.services.lookup import (
    CONSENSUS,
    CodeIndex,
    get_coder,
    get_segment,
    get_transcript,
    require_lead,
)
from qualcode.store.models import (
    Coder,
    Coding,
    ConsensusDecision,
    Progress,
    Segment,
    Transcript,
    new_guid,
    utcnow,
)

RULES = ("all", "majority")


def consensus_coder(session: Session) -> Coder:
    """The special coder holding consensus codings (created on first use)."""
    coder = get_coder(session, CONSENSUS)
    if coder is None:
        coder = Coder(name=CONSENSUS, role="coder")
        session.add(coder)
        session.flush()
    return coder


def decided_segments(session: Session) -> dict[int, str]:
    """Segment id -> how its consensus was reached."""
    return dict(session.execute(select(ConsensusDecision.segment_id, ConsensusDecision.how)).all())


def _store(
    session: Session,
    actor: str,
    segment: tuple[int, int, int, int],
    code_ids: set[int],
    how: str,
    note: str = "",
) -> None:
    """Replace the consensus codings of one segment and record the decision."""
    segment_id, transcript_id, start, end = segment
    coder = consensus_coder(session)
    session.execute(
        delete(Coding).where(Coding.segment_id == segment_id, Coding.coder_id == coder.id)
    )
    seq = current_seq(session)
    now = utcnow()
    for code_id in sorted(code_ids):
        session.add(
            Coding(
                guid=new_guid(),
                transcript_id=transcript_id,
                segment_id=segment_id,
                start=start,
                end=end,
                code_id=code_id,
                coder_id=coder.id,
                created_at=now,
                codebook_seq=seq,
            )
        )
    decision = session.scalar(
        select(ConsensusDecision).where(ConsensusDecision.segment_id == segment_id)
    )
    if decision is None:
        decision = ConsensusDecision(transcript_id=transcript_id, segment_id=segment_id)
        session.add(decision)
    decision.how, decision.actor, decision.note, decision.at = how, actor, note, now
    session.flush()


def _segment_rows(session: Session, ids: list[int]) -> dict[int, tuple[int, int, int, int]]:
    return {
        row[0]: (row[0], row[1], row[2], row[3])
        for row in session.execute(
            select(Segment.id, Segment.transcript_id, Segment.start, Segment.end).where(
                Segment.id.in_(ids)
            )
        )
    }


def _update_progress(session: Session, data: ReliabilityData) -> None:
    """The consensus coder is done with a transcript once no disagreement is left open."""
    coder = consensus_coder(session)
    decided = decided_segments(session)
    open_units = _disagreeing_units(data) & ~np.isin(data.unit_segments, list(decided))
    names = set(data.transcripts)
    ids = dict(
        session.execute(
            select(Transcript.name, Transcript.id).where(Transcript.name.in_(names))
        ).all()
    )
    touched = set(
        session.scalars(
            select(ConsensusDecision.transcript_id).where(
                ConsensusDecision.transcript_id.in_(list(ids.values()))
            )
        )
    )
    for ti, name in enumerate(data.transcripts):
        tid = ids[name]
        if tid not in touched:
            continue
        left = bool(open_units[data.unit_transcript == ti].any())
        status = "in_progress" if left else "done"
        progress = session.scalar(
            select(Progress).where(Progress.coder_id == coder.id, Progress.transcript_id == tid)
        )
        if progress is None:
            session.add(Progress(coder_id=coder.id, transcript_id=tid, status=status))
        else:
            progress.status = status
    session.flush()


def _disagreeing_units(data: ReliabilityData) -> np.ndarray:
    """Units where, for some code, some finished coders applied it and others did not."""
    finished = data.done.sum(axis=0)  # coders per unit
    applied = data.present.sum(axis=1)  # codes × units
    split = (applied > 0) & (applied < finished[np.newaxis, :])
    result: np.ndarray = split.any(axis=0)
    return result


@dataclass
class AutoReport:
    rule: str
    decided: int = 0
    already: int = 0
    agreed_empty: int = 0
    left: int = 0
    codings: int = 0
    transcripts: list[str] = field(default_factory=list)


def auto_consensus(
    session: Session, actor: str, rule: str, coders: str | None = None
) -> AutoReport:
    """Pre-fill consensus where the coders agree (``all``) or a majority agrees (``majority``).

    Only segments with at least one code applied are recorded; segments nobody coded need no
    decision. Segments already decided (by hand or by an earlier run) are left as they are.
    """
    require_lead(session, actor, "consensus")
    if rule not in RULES:
        raise QualcodeError(f"--rule {rule}: choose all or majority")
    data = reliability_data(session, coders=coders, unit="segment")
    report = AutoReport(rule=rule, transcripts=list(data.transcripts))
    decided = decided_segments(session)
    finished = data.done.sum(axis=0)
    applied = data.present.sum(axis=1)  # codes × units
    if rule == "all":
        chosen = (applied == finished[np.newaxis, :]) & (applied > 0)
        undecidable = (applied > 0) & (applied < finished[np.newaxis, :])
    else:
        chosen = applied * 2 > finished[np.newaxis, :]
        undecidable = (applied > 0) & (applied * 2 == finished[np.newaxis, :])
    coded = (applied > 0).any(axis=0)
    settle = coded & ~undecidable.any(axis=0) & (finished >= 2)
    units = np.flatnonzero(settle)
    segments = _segment_rows(session, [int(data.unit_segments[u]) for u in units])
    for u in units:
        segment_id = int(data.unit_segments[u])
        if segment_id in decided:
            report.already += 1
            continue
        code_ids = {data.codes[c].id for c in np.flatnonzero(chosen[:, u])}
        _store(session, actor, segments[segment_id], code_ids, f"auto:{rule}")
        report.decided += 1
        report.codings += len(code_ids)
        if not code_ids:
            report.agreed_empty += 1
    open_units = coded & undecidable.any(axis=0)
    report.left = int(
        (open_units & ~np.isin(data.unit_segments, list(decided_segments(session)))).sum()
    )
    _update_progress(session, data)
    audit(session, f"consensus auto:{rule}", "", f"{report.decided} segment(s) decided")
    return report


HOW_HELP = "one of: --from CODER, --union, --codes X,Y (or --none)"


def set_consensus(
    session: Session,
    actor: str,
    transcript_name: str,
    ordinal: int,
    *,
    from_coder: str | None = None,
    union: bool = False,
    codes: list[str] | None = None,
    note: str = "",
    coders: str | None = None,
) -> tuple[str, list[str]]:
    """Decide one segment: a coder's codes, the union of every coder's, or given codes.

    Returns how it was decided and the consensus code paths.
    """
    require_lead(session, actor, "consensus")
    if sum((from_coder is not None, union, codes is not None)) != 1:
        raise QualcodeError(f"consensus set: give {HOW_HELP}")
    transcript = get_transcript(session, transcript_name)
    segment = get_segment(session, transcript, ordinal)
    index = CodeIndex.load(session)
    overlapping = select(Coding.code_id, Coder.name).join(Coder, Coding.coder_id == Coder.id)
    overlapping = overlapping.where(
        Coding.transcript_id == transcript.id,
        Coding.start < segment.end,
        Coding.end > segment.start,
        Coder.name != CONSENSUS,
    )
    by_coder: dict[str, set[int]] = {}
    for code_id, name in session.execute(overlapping):
        by_coder.setdefault(name, set()).add(code_id)
    if from_coder is not None:
        if get_coder(session, from_coder) is None:
            raise QualcodeError(f"consensus set --from {from_coder}: no such coder")
        chosen = by_coder.get(from_coder, set())
        how = f"coder:{from_coder}"
    elif union:
        names = {c.strip() for c in (coders or "").split(",") if c.strip()}
        chosen = set().union(*(ids for n, ids in by_coder.items() if not names or n in names))
        how = "union"
    else:
        chosen = set()
        for ref in codes or []:
            code = index.resolve(ref)
            if code.status not in ("active", "proposed"):
                raise QualcodeError(f"consensus set: code {index.path(code)!r} is {code.status}")
            chosen.add(code.id)
        how = "edit"
    chosen = {index.target(index.by_id[code_id]).id for code_id in chosen}
    _store(
        session,
        actor,
        (segment.id, transcript.id, segment.start, segment.end),
        chosen,
        how,
        note.strip(),
    )
    with suppress(QualcodeError):  # progress is a convenience; the decision is stored
        data = reliability_data(session, coders=coders, unit="segment", only={transcript.id})
        _update_progress(session, data)
    paths = sorted(index.path(index.by_id[c]) for c in chosen)
    audit(session, "consensus", f"{transcript.name} #{ordinal}", f"{how}: {', '.join(paths)}")
    return how, paths


DISAGREEMENT_COLUMNS = ("transcript", "segment", "code", "applied_by", "not_by", "decided")


def disagreements(
    session: Session,
    coders: str | None = None,
    code_ref: str | None = None,
    undecided_only: bool = False,
) -> list[tuple[str, int, str, str, str, str]]:
    """Each (segment, code) the coders disagree on, with who applied it and who did not."""
    refs = [code_ref] if code_ref else None  # one code, even if its name has a comma
    data = reliability_data(session, coders=coders, codes=refs, unit="segment")
    decided = decided_segments(session)
    rows: list[tuple[str, int, str, str, str, str]] = []
    applied = data.present.sum(axis=1)
    finished = data.done.sum(axis=0)
    split = (applied > 0) & (applied < finished[np.newaxis, :])
    for c, u in zip(*np.nonzero(split), strict=True):
        segment_id = int(data.unit_segments[u])
        how = decided.get(segment_id, "")
        if undecided_only and how:
            continue
        yes = [data.coders[i] for i in np.flatnonzero(data.present[c, :, u])]
        no = [data.coders[i] for i in np.flatnonzero(data.done[:, u] & ~data.present[c, :, u])]
        transcript, ordinal = data.unit_labels[u]
        rows.append((transcript, ordinal, data.codes[c].path, ",".join(yes), ",".join(no), how))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return rows
