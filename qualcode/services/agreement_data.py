"""The reliability data behind ``qualcode agreement``: who coded what on which units.

Units (``--unit``):

* ``segment`` (default): every segment of the transcripts that at least two of the chosen
  coders marked done;
* ``transcript``: each such transcript as one unit (did the coder apply the code anywhere
  in it — the level at which "k of N participants" is reported).

For each code, coder and unit the value is 1 (the coder applied the code to the unit, or to
a span overlapping it), 0 (the coder finished that transcript without it) or missing (the
coder did not finish that transcript). The result is a dense boolean cube
``present[code, coder, unit]`` and a ``done[coder, unit]`` mask: one byte per cell, which is
about 90 MB for 300 codes × 3 coders × 100,000 units.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.lookup import CONSENSUS, CodeIndex
from qualcode.store.models import Code, Coder, Coding, Progress, Segment, Transcript

UNITS = ("segment", "transcript")


@dataclass(frozen=True)
class CodeRow:
    """A code (or, at theme level, a theme) reported as one row."""

    id: int
    path: str
    theme: str
    status: str


@dataclass
class ReliabilityData:
    coders: list[str]
    codes: list[CodeRow]
    unit: str
    transcripts: list[str]
    unit_transcript: npt.NDArray[np.int32]  # unit -> index into transcripts (for clusters)
    unit_labels: list[tuple[str, int]]  # (transcript, segment ordinal; 0 at transcript level)
    unit_segments: npt.NDArray[np.int64]  # segment id per unit (0 at transcript level)
    done: npt.NDArray[np.bool_]  # coders × units
    present: npt.NDArray[np.bool_]  # codes × coders × units

    def values(self, code: int) -> npt.NDArray[np.float64]:
        """One code as a coders × units matrix of 1.0, 0.0 and NaN (missing)."""
        out = self.present[code].astype(np.float64)
        out[~self.done] = np.nan
        return out


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _done_by(session: Session) -> dict[str, set[int]]:
    done: dict[str, set[int]] = {}
    for name, transcript_id in session.execute(
        select(Coder.name, Progress.transcript_id)
        .join(Coder, Progress.coder_id == Coder.id)
        .where(Progress.status == "done")
    ):
        done.setdefault(name, set()).add(transcript_id)
    return done


def choose_coders(session: Session, coders: str | None) -> tuple[list[str], dict[str, set[int]]]:
    """The coders compared: the ones named, or everyone (but ``consensus``) who finished work."""
    done = _done_by(session)
    known = set(session.scalars(select(Coder.name)))
    if coders:
        chosen = _split(coders)
        unknown = [c for c in chosen if c not in known]
        if unknown:
            raise QualcodeError(
                f"--coders: no coder named {', '.join(unknown)}; "
                f"the coders are: {', '.join(sorted(known)) or 'none'}"
            )
        if len(set(chosen)) != len(chosen):
            raise QualcodeError("--coders: a coder is named twice")
    else:
        chosen = sorted(c for c in done if c != CONSENSUS)
    finished = [c for c in chosen if done.get(c)]
    if len(finished) < 2:
        detail = ", ".join(f"{c}: {len(done.get(c, ()))}" for c in chosen) or "no coders"
        raise QualcodeError(
            "agreement needs at least two coders with transcripts marked done "
            f"(done transcripts per coder — {detail}); "
            "mark finished transcripts with 'qualcode done --coder NAME TRANSCRIPT…'"
        )
    return chosen, done


def choose_codes(
    session: Session, index: CodeIndex, codes: str | list[str] | None, level: str
) -> list[tuple[CodeRow, set[int]]]:
    """Rows to report, each with the code ids it counts (a theme counts its whole subtree)."""
    ordered = index.ordered()
    children: dict[int, list[int]] = {}
    for code in ordered:
        if code.parent_id is not None:
            children.setdefault(code.parent_id, []).append(code.id)

    def subtree(code_id: int) -> set[int]:
        found = {code_id}
        stack = [code_id]
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found

    def row(code: Code) -> CodeRow:
        return CodeRow(code.id, index.path(code), index.theme(code).name, code.status)

    if codes:
        refs = _split(codes) if isinstance(codes, str) else codes
        picked = [index.resolve(ref) for ref in refs]
        if level == "theme":
            return [(row(c), subtree(c.id)) for c in picked]
        return [(row(c), {c.id}) for c in picked]
    if level == "theme":
        return [
            (row(c), subtree(c.id)) for c in ordered if c.parent_id is None and c.status != "merged"
        ]
    used = set(session.scalars(select(Coding.code_id).distinct()))
    # Every active code that can be applied on its own (leaves, or codes someone applied),
    # and codes retired or split meanwhile that still carry codings.
    return [
        (row(c), {c.id})
        for c in ordered
        if (c.status == "active" and (c.id not in children or c.id in used))
        or (c.status in ("retired", "proposed") and c.id in used)
    ]


def reliability_data(
    session: Session,
    coders: str | None = None,
    codes: str | list[str] | None = None,
    level: str = "code",
    unit: str = "segment",
    only: Collection[int] | None = None,
) -> ReliabilityData:
    """Read the codings of the chosen coders into the presence cube described above.

    ``only`` limits the units to these transcript ids (e.g. the one a decision touched).
    """
    if unit not in UNITS:
        raise QualcodeError(f"--unit {unit}: choose one of {', '.join(UNITS)}")
    chosen, done = choose_coders(session, coders)
    index = CodeIndex.load(session)
    rows = choose_codes(session, index, codes, level)
    if not rows:
        raise QualcodeError("no codes to compare; import a codebook first")
    counted = {
        tid
        for tid in set().union(*(done.get(c, set()) for c in chosen))
        if sum(tid in done.get(c, set()) for c in chosen) >= 2
    }
    if only is not None:
        counted &= set(only)
    if not counted:
        raise QualcodeError(
            f"no transcript is marked done by two or more of {', '.join(chosen)}; "
            "agreement compares transcripts that several coders finished"
        )
    if not coders:  # by default, only coders who share at least one finished transcript
        chosen = [c for c in chosen if done.get(c, set()) & counted]
    names = dict(
        session.execute(
            select(Transcript.id, Transcript.name).where(Transcript.id.in_(counted))
        ).all()
    )
    transcript_ids = sorted(counted, key=lambda t: names[t])
    t_index = {tid: i for i, tid in enumerate(transcript_ids)}
    coder_index = {name: i for i, name in enumerate(chosen)}

    # units
    labels: list[tuple[str, int]] = []
    unit_transcript: list[int] = []
    bounds: dict[int, tuple[list[int], list[int], int]] = {}  # tid -> starts, ends, first unit
    segment_ids: dict[int, list[int]] = {}
    unit_segments: list[int] = []
    if unit == "segment":
        current: int | None = None
        starts: list[int] = []
        ends: list[int] = []
        for tid, sid, start, end in session.execute(
            select(Segment.transcript_id, Segment.id, Segment.start, Segment.end)
            .where(Segment.transcript_id.in_(counted))
            .order_by(Segment.transcript_id, Segment.start)
        ):
            if tid != current:
                current, starts, ends = tid, [], []
                bounds[tid] = (starts, ends, -1)
            starts.append(start)
            ends.append(end)
            segment_ids.setdefault(tid, []).append(sid)
        # lay units out in transcript-name order
        for tid in transcript_ids:
            starts, ends, _ = bounds.get(tid, ([], [], -1))
            bounds[tid] = (starts, ends, len(labels))
            ordinals = range(1, len(starts) + 1)
            labels.extend((names[tid], o) for o in ordinals)
            unit_transcript.extend([t_index[tid]] * len(starts))
            unit_segments.extend(segment_ids.get(tid, []))
    else:
        labels = [(names[tid], 0) for tid in transcript_ids]
        unit_segments = [0] * len(labels)
        unit_transcript = list(range(len(transcript_ids)))
    n_units = len(labels)

    done_mask = np.zeros((len(chosen), n_units), dtype=bool)
    ut = np.asarray(unit_transcript, dtype=np.int32)
    for name, ci in coder_index.items():
        finished = [t_index[t] for t in done.get(name, set()) if t in t_index]
        done_mask[ci] = np.isin(ut, finished)

    code_rows = [r for r, _ in rows]
    code_of: dict[int, list[int]] = {}
    for ri, (_row, ids) in enumerate(rows):
        for cid in ids:
            code_of.setdefault(cid, []).append(ri)
    # a code merged away counts as the code it was merged into
    for code in index.by_id.values():
        target = index.target(code)
        if target.id != code.id and target.id in code_of:
            code_of.setdefault(code.id, []).extend(code_of[target.id])

    present = np.zeros((len(code_rows), len(chosen), n_units), dtype=bool)
    coder_ids = dict(
        session.execute(select(Coder.name, Coder.id).where(Coder.name.in_(chosen))).all()
    )
    by_coder_id = {coder_ids[n]: coder_index[n] for n in chosen if n in coder_ids}
    query = select(
        Coding.coder_id, Coding.transcript_id, Coding.start, Coding.end, Coding.code_id
    ).where(Coding.transcript_id.in_(counted), Coding.coder_id.in_(list(by_coder_id)))
    for coder_id, tid, start, end, code_id in session.execute(query):
        targets = code_of.get(code_id)
        if not targets:
            continue
        ci = by_coder_id[coder_id]
        if unit == "segment":
            starts, ends, first = bounds[tid]
            lo = bisect.bisect_right(ends, start)  # first segment ending after the span starts
            hi = bisect.bisect_left(starts, end)  # segments starting before the span ends
            if lo >= hi:
                continue
            present[targets, ci, first + lo : first + hi] = True
        else:
            present[targets, ci, t_index[tid]] = True
    present &= done_mask[np.newaxis, :, :]
    return ReliabilityData(
        coders=chosen,
        codes=code_rows,
        unit=unit,
        transcripts=[names[t] for t in transcript_ids],
        unit_transcript=ut,
        unit_labels=labels,
        unit_segments=np.asarray(unit_segments, dtype=np.int64),
        done=done_mask,
        present=present,
    )


@dataclass
class SpanData:
    """Free character spans for unitizing agreement (``--unit span``).

    The transcripts every chosen coder finished are laid end to end as one continuum
    (transcript ``i`` starts at ``offsets[i]``), so spans from different transcripts never
    touch. ``spans[coder]`` holds ``(start, end, row)`` with ``row`` an index into ``codes``.
    """

    coders: list[str]
    codes: list[CodeRow]
    transcripts: list[str]
    offsets: list[int]
    length: int
    spans: dict[str, list[tuple[int, int, int]]]


def span_data(
    session: Session,
    coders: str | None = None,
    codes: str | list[str] | None = None,
    level: str = "code",
) -> SpanData:
    """The spans of the chosen coders on the transcripts that all of them finished."""
    chosen, done = choose_coders(session, coders)
    if not coders:  # by default, the coders who share a finished transcript with another
        shared = {
            t
            for c in chosen
            for t in done.get(c, set())
            if sum(t in done.get(o, set()) for o in chosen) >= 2
        }
        chosen = [c for c in chosen if done.get(c, set()) & shared]
    common = set.intersection(*(done.get(c, set()) for c in chosen))
    if not common:
        raise QualcodeError(
            f"--unit span compares transcripts that every chosen coder finished; "
            f"{', '.join(chosen)} have none in common (choose coders with --coders)"
        )
    index = CodeIndex.load(session)
    rows = choose_codes(session, index, codes, level)
    row_of: dict[int, list[int]] = {}
    for ri, (_row, ids) in enumerate(rows):
        for cid in ids:
            row_of.setdefault(cid, []).append(ri)
    transcripts = sorted(
        session.execute(
            select(Transcript.id, Transcript.name, Transcript.text).where(Transcript.id.in_(common))
        ).all(),
        key=lambda r: r[1],
    )
    offsets: dict[int, int] = {}
    position = 0
    for tid, _name, text in transcripts:
        offsets[tid] = position
        position += len(text)
    names = dict(session.execute(select(Coder.id, Coder.name).where(Coder.name.in_(chosen))).all())
    spans: dict[str, list[tuple[int, int, int]]] = {c: [] for c in chosen}
    query = select(
        Coding.coder_id, Coding.transcript_id, Coding.start, Coding.end, Coding.code_id
    ).where(Coding.transcript_id.in_(common), Coding.coder_id.in_(list(names)))
    for coder_id, tid, start, end, code_id in session.execute(query):
        for ri in row_of.get(code_id, []):
            spans[names[coder_id]].append((offsets[tid] + start, offsets[tid] + end, ri))
    for found in spans.values():
        found.sort()
    return SpanData(
        coders=chosen,
        codes=[r for r, _ in rows],
        transcripts=[name for _tid, name, _text in transcripts],
        offsets=[offsets[tid] for tid, _n, _t in transcripts],
        length=position,
        spans=spans,
    )
