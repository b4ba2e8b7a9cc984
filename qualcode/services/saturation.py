"""Code saturation: transcript by transcript, how many codes were applied for the first time.

A code is counted as the live code its codings point to: a code merged into another counts as
that other code, so a merge does not make the curve jump. Only transcripts the chosen coders
coded at all are rows. One grouped query reads the codings (transcript × code: count and first
time); the rest is arithmetic in Python.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.lookup import CONSENSUS, CodeIndex, require_coder
from qualcode.store.models import Coder, Coding, Participant, Transcript

SATURATION_COLUMNS = (
    "position",
    "transcript",
    "participant",
    "codings",
    "codes_used",
    "new_codes",
    "cumulative_codes",
    "new_code_names",
)
ORDERS = ("coded", "name", "imported")
NAME_SEPARATOR = "; "


@dataclass(frozen=True)
class SaturationRow:
    position: int  # 1-based, in the chosen order
    transcript: str
    participant: str
    codings: int  # codings by the chosen coders in this transcript
    codes_used: int  # distinct (live) codes among them
    new_codes: int  # codes not used in any earlier transcript of the order
    cumulative_codes: int  # distinct codes used so far, this transcript included
    new_code_names: str  # the new codes' paths in codebook order, joined by "; "

    def values(self) -> tuple[Any, ...]:
        """The row in the order of SATURATION_COLUMNS."""
        return astuple(self)


@dataclass
class _Coded:
    codings: int
    first: datetime
    codes: set[int]


def _explicit_order(session: Session, order: str) -> list[str]:
    names = list(dict.fromkeys(n.strip() for n in order.split(",") if n.strip()))
    if not names:
        raise QualcodeError(
            f"order {order!r}: use coded, name, imported or a comma-separated list of transcripts"
        )
    known = set(session.scalars(select(Transcript.name).where(Transcript.name.in_(names))))
    unknown = [n for n in names if n not in known]
    if unknown:
        listed = ", ".join(repr(n) for n in unknown)
        raise QualcodeError(
            f"order: no transcript named {listed}; 'qualcode transcripts' lists them "
            f"(or use coded, name, imported)"
        )
    return names


def saturation(
    session: Session, coders: list[str] | None = None, order: str = "coded"
) -> list[SaturationRow]:
    """Rows of SATURATION_COLUMNS, one per transcript the coders coded, in the given order.

    ``coders``: the codings of these coders (None or empty: every coder's but the
    ``consensus`` coder's). ``order``:
    ``coded`` (each transcript's first coding by these coders; ties by name), ``name``,
    ``imported``, or a comma-separated list of transcript names (transcripts not in the list
    follow it in coded order; a listed transcript the coders did not code is left out).
    """
    order = order.strip()
    explicit = [] if order in ORDERS else _explicit_order(session, order)
    query = select(
        Coding.transcript_id, Coding.code_id, func.count(), func.min(Coding.created_at)
    ).group_by(Coding.transcript_id, Coding.code_id)
    if coders:
        ids = [require_coder(session, name).id for name in dict.fromkeys(coders)]
        query = query.where(Coding.coder_id.in_(ids))
    else:  # the consensus codings repeat the coders' work: not counted unless asked for
        query = query.where(Coding.coder_id.not_in(select(Coder.id).where(Coder.name == CONSENSUS)))
    grouped = session.execute(query).all()
    if not grouped:
        return []
    index = CodeIndex.load(session)
    coded: dict[int, _Coded] = {}
    for transcript_id, code_id, count, first in grouped:
        entry = coded.get(transcript_id)
        if entry is None:
            coded[transcript_id] = entry = _Coded(0, first, set())
        entry.codings += count
        entry.first = min(entry.first, first)
        entry.codes.add(index.target(index.by_id[code_id]).id)
    info = {
        tid: (name, participant, imported)
        for tid, name, participant, imported in session.execute(
            select(Transcript.id, Transcript.name, Participant.key, Transcript.imported_at)
            .join(Participant, Transcript.participant_id == Participant.id)
            .where(Transcript.id.in_(list(coded)))
        )
    }

    def by_name(tid: int) -> tuple[str, str]:
        return info[tid][0].casefold(), info[tid][0]

    def by_coded(tid: int) -> tuple[datetime, str, str]:
        return (coded[tid].first, *by_name(tid))

    ids = list(info)
    if order == "name":
        ids.sort(key=by_name)
    elif order == "imported":
        ids.sort(key=lambda tid: (info[tid][2], tid))
    else:
        ids.sort(key=by_coded)
        if explicit:
            rank = {name: i for i, name in enumerate(explicit)}
            listed = sorted((t for t in ids if info[t][0] in rank), key=lambda t: rank[info[t][0]])
            ids = listed + [t for t in ids if info[t][0] not in rank]
    place = {code.id: i for i, code in enumerate(index.ordered())}
    seen: set[int] = set()
    rows = []
    for position, tid in enumerate(ids, start=1):
        entry = coded[tid]
        new = sorted(entry.codes - seen, key=lambda cid: place.get(cid, len(place)))
        seen |= entry.codes
        name, participant, _imported = info[tid]
        rows.append(
            SaturationRow(
                position,
                name,
                participant,
                entry.codings,
                len(entry.codes),
                len(new),
                len(seen),
                NAME_SEPARATOR.join(index.paths[cid] for cid in new),
            )
        )
    return rows


def coder_saturation(
    session: Session, coder_id: int, show_all: bool = False
) -> list[SaturationRow]:
    """The TUI's view, in coded order: the coder's own codings (blind coding), or every
    coder's when the lead asks."""
    coder = session.get(Coder, coder_id)
    if coder is None:
        raise QualcodeError("unknown coder")
    if show_all and coder.role != "lead":
        raise QualcodeError("only the lead can see all coders' codings")
    return saturation(session, None if show_all else [coder.name], "coded")
