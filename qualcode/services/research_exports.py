"""Research exports beside the theme table: quotes, code × participant matrix, code
co-occurrence and the codebook appendix (with participant counts).

Whose codings count is chosen as for theme frequencies (:func:`themes.choose_selection`):
the consensus coder when consensus exists, else every coder with rule ``any``; a coder's
codings count in the transcripts they finished (or coded, if they marked none done). Counts
are distinct segments, a span coding counting for every segment it overlaps, and a merged
code counting as the code it was merged into.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import Session

from qualcode.services.coding import Quotes
from qualcode.services.lookup import CodeIndex
from qualcode.services.themes import (
    Selection,
    choose_selection,
    code_maps,
    count_units,
    coverage,
    participant_keys,
    row_specs,
    scope_participants,
    theme_frequencies,
    unit_tables,
    visible,
)
from qualcode.store.models import Code, Coder, Coding, Participant, Segment, Transcript

QUOTE_COLUMNS = (
    "theme",
    "code",
    "participant",
    "transcript",
    "segment",
    "speaker",
    "quote",
    "coder",
    "memo",
    "start",
    "end",
)
APPENDIX_COLUMNS = (
    "theme",
    "name",
    "description",
    "include",
    "exclude",
    "example",
    "participants",
)


def _theme_and_code(index: CodeIndex, code: Code) -> tuple[str, str]:
    path = index.path(code)
    return index.theme(code).name, path.split("/", 1)[1] if "/" in path else ""


def _subtree(index: CodeIndex, code: Code) -> set[int]:
    """Ids of every code whose live code is ``code`` or lies under it."""
    found = set()
    for other in index.by_id.values():
        current: Code | None = index.target(other)
        seen: set[int] = set()
        while current is not None and current.id not in seen:
            if current.id == code.id:
                found.add(other.id)
                break
            seen.add(current.id)
            current = index.by_id.get(current.parent_id) if current.parent_id else None
    return found


def export_quotes(
    session: Session,
    code: str | None = None,
    coders: str | Sequence[str] | None = None,
    consensus: bool = False,
    selection: Selection | None = None,
) -> list[tuple[Any, ...]]:
    """One row per coding (QUOTE_COLUMNS), in codebook order, then transcript and position.

    ``quote`` is the coded text: the span for a sub-span coding, the segment otherwise;
    ``segment`` and ``speaker`` are those of the segment holding the span's start. ``code``
    (a name or path) keeps the codings of that code and of the codes under it.
    """
    if selection is None:
        selection = choose_selection(session, coders, consensus)
    index = CodeIndex.load(session)
    if not selection.pairs:
        return []
    maps = code_maps(index, [])
    with unit_tables(session, selection, maps) as tables:
        fin = tables.fin
        query = (
            select(
                Coding.code_id,
                Participant.key,
                Transcript.name,
                Transcript.id,
                Segment.ordinal,
                Segment.speaker,
                Segment.start,
                Segment.end,
                Segment.text,
                Coding.start,
                Coding.end,
                Coder.name,
                Coding.memo,
            )
            .join(
                fin,
                and_(
                    fin.c.coder_id == Coding.coder_id,
                    fin.c.transcript_id == Coding.transcript_id,
                ),
            )
            .join(Coder, Coding.coder_id == Coder.id)
            .join(Transcript, Coding.transcript_id == Transcript.id)
            .join(Participant, Transcript.participant_id == Participant.id)
            .join(Segment, Coding.segment_id == Segment.id)
        )
        if code is not None:
            query = query.where(Coding.code_id.in_(sorted(_subtree(index, index.resolve(code)))))
        found = _quote_rows(session, index, query)
    found.sort(key=lambda item: item[0])
    return [row for _key, row in found]


def _quote_rows(
    session: Session, index: CodeIndex, query: Any
) -> list[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    place = {c.id: i for i, c in enumerate(index.ordered())}
    quotes = Quotes(session)
    found = []
    for (
        code_id,
        participant,
        tname,
        tid,
        ordinal,
        speaker,
        seg_start,
        seg_end,
        seg_text,
        start,
        end,
        coder,
        memo,
    ) in session.execute(query):
        quote = quotes.text(tid, (seg_start, seg_end, seg_text), start, end)
        target = index.target(index.by_id[code_id])
        theme, below = _theme_and_code(index, target)
        key = (place.get(target.id, len(place)), tname, start, end, coder)
        row = (
            theme,
            below,
            participant,
            tname,
            ordinal,
            speaker or "",
            quote,
            coder,
            memo,
            start,
            end,
        )
        found.append((key, row))
    return found


@dataclass(frozen=True)
class Matrix:
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    selection: Selection


def export_matrix(
    session: Session,
    coders: str | Sequence[str] | None = None,
    consensus: bool = False,
    rule: str | None = None,
    level: str = "code",
    selection: Selection | None = None,
) -> Matrix:
    """Code × participant: ``theme,code`` then one column per participant in scope (by key);
    a cell is the number of distinct segments of that participant coded with the row's code
    (a theme row: with any code under it). Rows as in the theme table."""
    if selection is None:
        selection = choose_selection(session, coders, consensus, rule)
    index = CodeIndex.load(session)
    specs = row_specs(index, level)
    maps = code_maps(index, specs)
    participants = scope_participants(session, selection.transcripts)
    keys = participant_keys(session, participants)
    order = sorted(keys, key=lambda pid: (keys[pid].casefold(), keys[pid]))
    counts = count_units(session, selection, maps, per_participant=True)
    rows = []
    for spec in visible(specs, {row_id for row_id, _pid in counts}):
        cells = [counts.get((spec.id, pid), (0, 0))[1] for pid in order]
        rows.append((spec.theme, spec.code, *cells))
    return Matrix(("theme", "code", *(keys[pid] for pid in order)), rows, selection)


def export_cooccurrence(
    session: Session,
    coders: str | Sequence[str] | None = None,
    consensus: bool = False,
    rule: str | None = None,
    level: str = "code",
    selection: Selection | None = None,
) -> Matrix:
    """Code × code: ``theme,code`` then one column per code (its path); a cell is the number
    of distinct segments counted for both codes, the diagonal the segments with the code.
    ``level=code`` has the codes (no theme rows), ``level=theme`` the themes."""
    if selection is None:
        selection = choose_selection(session, coders, consensus, rule)
    index = CodeIndex.load(session)
    specs = [s for s in row_specs(index, level) if level == "theme" or not s.is_theme]
    maps = code_maps(index, specs)
    together: dict[tuple[int, int], int] = {}
    if selection.pairs and maps.rows:
        with unit_tables(session, selection, maps) as tables:
            units = coverage(tables).subquery("units")
            rowmap = tables.rowmap
            covered = (
                select(units.c.segment_id, rowmap.c.row_id)
                .join(rowmap, rowmap.c.code_id == units.c.code_id)
                .distinct()
                .cte("covered")
            )
            a = covered.alias("a")
            b = covered.alias("b")
            statement = (
                select(a.c.row_id, b.c.row_id, func.count(distinct(a.c.segment_id)))
                .join(b, a.c.segment_id == b.c.segment_id)
                .group_by(a.c.row_id, b.c.row_id)
            )
            together = {(r1, r2): int(n) for r1, r2, n in session.execute(statement)}
    shown = visible(specs, {r1 for r1, _r2 in together})
    rows = [(s.theme, s.code, *(together.get((s.id, o.id), 0) for o in shown)) for s in shown]
    return Matrix(("theme", "code", *(s.path for s in shown)), rows, selection)


@dataclass(frozen=True)
class Appendix:
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    participants_total: int
    selection: Selection
    title: str


def codebook_appendix(
    session: Session,
    coders: str | Sequence[str] | None = None,
    consensus: bool = False,
    rule: str | None = None,
) -> Appendix:
    """The codebook table for a paper appendix (APPENDIX_COLUMNS): each theme (``name``
    empty) and code with its definition and the number of participants it was coded for."""
    from qualcode.store.models import ProjectInfo

    table = theme_frequencies(session, coders, consensus, rule)
    index = CodeIndex.load(session)
    rows = []
    for row in table.rows:
        code = index.by_id[row.code_id]
        rows.append(
            (
                row.theme,
                row.code,
                code.description,
                code.include,
                code.exclude,
                code.example,
                row.participants,
            )
        )
    name = session.get(ProjectInfo, "codebook_name")
    return Appendix(
        APPENDIX_COLUMNS,
        rows,
        table.participants_total,
        table.selection,
        name.value if name and name.value else "Codebook",
    )
