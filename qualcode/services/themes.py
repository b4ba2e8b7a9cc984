"""Theme frequencies: per code and theme, how many participants mentioned it, and in how many
segments — the headline table of an interview study ("k of N participants").

Whose codings count (a :class:`Selection`):

* ``--consensus``: the ``consensus`` coder, on the transcripts with a consensus decision or a
  consensus coding. This is the default when consensus exists and neither ``--coders`` nor
  ``--rule`` is given.
* otherwise the chosen coders (``--coders A,B``; default every coder but ``consensus`` who
  coded or finished something) under a rule. A coder counts in the transcripts they marked
  done; a coder who marked nothing done counts in every transcript they coded.

  - ``any`` (default): transcripts at least one chosen coder finished; a segment counts for a
    code when any of the coders who finished the transcript applied it;
  - ``all``: transcripts every chosen coder finished; a segment counts when every one of them
    applied the code;
  - ``majority``: transcripts more than half of the chosen coders finished; a segment counts
    when more than half of the coders who finished that transcript applied the code.

The rule is decided per segment and code: a span coding counts for every segment it overlaps
(as in agreement). A code merged into another counts as that other code. A theme (or a code
with sub-codes) counts the segments decided for any code under it, and its participants are
distinct participants — never a sum of its codes' counts.

``participants_total`` is the number of distinct participants with a transcript in scope (a
participant with two interviews counts once); with ``--by ATTRIBUTE``, those with that value.

Counting is done by the database: one grouped query with ``COUNT(DISTINCT …)`` over the
codings joined to the segments they overlap (an index range on ``segment(transcript_id,
start)`` starting at the coding's own segment) and to small temporary tables: the counted
(coder, transcript) pairs and the rows each code counts for. ``all`` and ``majority`` first
group by segment and live code with a count of distinct coders.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Select,
    Table,
    and_,
    distinct,
    exists,
    func,
    null,
    select,
)
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.lookup import CONSENSUS, CodeIndex, get_coder
from qualcode.store.bulk import insert_rows
from qualcode.store.models import (
    Coder,
    Coding,
    ConsensusDecision,
    Participant,
    ParticipantAttribute,
    Progress,
    Segment,
    Transcript,
)

THEME_COLUMNS = (
    "theme",
    "code",
    "participants",
    "participants_total",
    "participants_pct",
    "segments",
)
RULES = ("any", "all", "majority")
LEVELS = ("code", "theme")


def split_names(value: str | Sequence[str] | None) -> list[str]:
    """``"A, B"`` or ``["A", "B"]`` -> ``["A", "B"]`` (blanks dropped)."""
    if value is None:
        return []
    parts = value.split(",") if isinstance(value, str) else list(value)
    return [part.strip() for part in parts if part.strip()]


def percent(part: int, total: int) -> float:
    """100 × part / total rounded half up to one decimal (0.0 when total is 0), exactly."""
    if total <= 0:
        return 0.0
    tenths = (2000 * part + total) // (2 * total)
    return tenths / 10


# ---- whose codings count ---------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The coders counted, the rule, and the (coder, transcript) pairs whose codings count."""

    coders: tuple[str, ...]
    rule: str
    consensus: bool
    pairs: frozenset[tuple[int, int]]  # (coder id, transcript id)
    need: dict[int, int]  # transcript in scope -> coders who must apply a code to a segment
    undone: tuple[str, ...] = ()  # coders counted by their coded transcripts (none marked done)

    @property
    def transcripts(self) -> frozenset[int]:
        return frozenset(self.need)

    def describe(self) -> str:
        if self.consensus:
            return "consensus"
        if not self.coders:
            return "no coders"
        if len(self.coders) == 1:
            return self.coders[0]
        return f"{', '.join(self.coders)} (rule {self.rule})"


def has_consensus(session: Session) -> bool:
    coder = get_coder(session, CONSENSUS)
    if coder is None:
        return False
    return bool(
        session.scalar(select(exists().where(Coding.coder_id == coder.id)))
        or session.scalar(select(exists().where(ConsensusDecision.id.is_not(None))))
    )


def _consensus_selection(session: Session) -> Selection:
    coder = get_coder(session, CONSENSUS)
    transcripts = set(session.scalars(select(ConsensusDecision.transcript_id).distinct()))
    if coder is not None:
        transcripts |= set(
            session.scalars(
                select(Coding.transcript_id).where(Coding.coder_id == coder.id).distinct()
            )
        )
    pairs = frozenset((coder.id, t) for t in transcripts) if coder is not None else frozenset()
    return Selection((CONSENSUS,), "any", True, pairs, dict.fromkeys(sorted(transcripts), 1))


def choose_selection(
    session: Session,
    coders: str | Sequence[str] | None = None,
    consensus: bool = False,
    rule: str | None = None,
) -> Selection:
    """Whose codings count: see the module's docstring."""
    if rule is not None and rule not in RULES:
        raise QualcodeError(f"--rule {rule}: choose one of {', '.join(RULES)}")
    names = split_names(coders)
    if consensus and names:
        raise QualcodeError("give --coders or --consensus, not both")
    if consensus:
        if not has_consensus(session):
            raise QualcodeError(
                "--consensus: there is no consensus yet; record it with 'qualcode consensus "
                "auto' or 'qualcode consensus set', or count coders with --coders"
            )
        return _consensus_selection(session)
    if not names and rule is None and has_consensus(session):
        return _consensus_selection(session)
    rule = rule or "any"
    known: dict[str, int] = {
        name: cid for name, cid in session.execute(select(Coder.name, Coder.id))
    }
    if names:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise QualcodeError(
                f"--coders: no coder named {', '.join(unknown)}; "
                f"the coders are: {', '.join(sorted(known)) or 'none'}"
            )
        if len(set(names)) != len(names):
            raise QualcodeError("--coders: a coder is named twice")
    else:
        finished_some = set(
            session.scalars(select(Progress.coder_id).where(Progress.status == "done").distinct())
        )

        def active(coder_id: int) -> bool:  # one index probe per coder, not a scan of codings
            return coder_id in finished_some or bool(
                session.scalar(select(exists().where(Coding.coder_id == coder_id)))
            )

        names = sorted(n for n, cid in known.items() if n != CONSENSUS and active(cid))
    ids = [known[n] for n in names]
    finished: dict[int, set[int]] = {cid: set() for cid in ids}
    for coder_id, transcript_id in session.execute(
        select(Progress.coder_id, Progress.transcript_id).where(
            Progress.status == "done", Progress.coder_id.in_(ids)
        )
    ):
        finished[coder_id].add(transcript_id)
    undone = [cid for cid in ids if not finished[cid]]
    if undone:
        for coder_id, transcript_id in session.execute(
            select(Coding.coder_id, Coding.transcript_id)
            .where(Coding.coder_id.in_(undone))
            .distinct()
        ):
            finished[coder_id].add(transcript_id)
    per_transcript: dict[int, int] = {}
    for done in finished.values():
        for tid in done:
            per_transcript[tid] = per_transcript.get(tid, 0) + 1
    n = len(ids)
    need: dict[int, int] = {}
    for tid, f in sorted(per_transcript.items()):
        if rule == "any":
            need[tid] = 1
        elif rule == "all" and f == n:
            need[tid] = n
        elif rule == "majority" and 2 * f > n:
            need[tid] = f // 2 + 1
    pairs = frozenset((cid, tid) for cid, done in finished.items() for tid in done if tid in need)
    by_id = {cid: name for name, cid in known.items()}
    return Selection(
        tuple(names), rule, False, pairs, need, tuple(by_id[c] for c in undone if finished[c])
    )


def coder_selection(session: Session, coder_id: int, show_all: bool = False) -> Selection:
    """The TUI's choice: a coder's own codings (blind coding), or, for the lead, the default
    (consensus when it exists, else every coder with rule any)."""
    coder = session.get(Coder, coder_id)
    if coder is None:
        raise QualcodeError("unknown coder")
    if show_all and coder.role != "lead":
        raise QualcodeError("only the lead can see all coders' codings")
    return choose_selection(session) if show_all else choose_selection(session, [coder.name])


# ---- rows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowSpec:
    """A row of the table: a theme (``code == ""``, depth 0) or a code (its path below the
    theme); it counts the code and every code under it."""

    id: int
    theme: str
    code: str
    path: str
    status: str
    depth: int

    @property
    def is_theme(self) -> bool:
        return self.depth == 0


def row_specs(index: CodeIndex, level: str = "code") -> list[RowSpec]:
    """Candidate rows in codebook order: themes and codes (``code``) or themes (``theme``).

    Merged codes are never rows (their codings count for the code they were merged into).
    """
    if level not in LEVELS:
        raise QualcodeError(f"--level {level}: choose code or theme")
    specs = []
    for code in index.ordered():
        if code.status == "merged":
            continue
        depth = index.depth(code)
        if level == "theme" and depth:
            continue
        path = index.path(code)
        below = path.split("/", 1)[1] if depth else ""
        specs.append(RowSpec(code.id, index.theme(code).name, below, path, code.status, depth))
    return specs


def visible(specs: Sequence[RowSpec], used: set[int]) -> list[RowSpec]:
    """The rows shown: active codes, others only where they carry counted codings (``used``),
    and the themes and parent codes of any row shown (so no code is left without its theme).
    """
    keep = {s.path for s in specs if s.status == "active" or s.id in used}
    for path in list(keep):
        parts = path.split("/")
        keep.update("/".join(parts[:i]) for i in range(1, len(parts)))
    return [s for s in specs if s.path in keep]


@dataclass(frozen=True)
class CodeMaps:
    """How codings reach rows: ``rows`` pairs (code id, row id) — a coding counts for its
    target's row and the rows of the target's ancestors — and ``targets`` pairs (code id,
    live code id), following merges. Every code is in both (merged ones through their target).
    """

    rows: tuple[tuple[int, int], ...]
    targets: tuple[tuple[int, int], ...]


def code_maps(index: CodeIndex, specs: Sequence[RowSpec]) -> CodeMaps:
    wanted = {spec.id for spec in specs}
    rows = []
    targets = []
    for code in index.by_id.values():
        target = index.target(code).id
        targets.append((code.id, target))
        current: int | None = target
        seen: set[int] = set()
        while current is not None and current not in seen:
            seen.add(current)
            if current in wanted:
                rows.append((code.id, current))
            current = index.by_id[current].parent_id
    return CodeMaps(tuple(sorted(rows)), tuple(sorted(targets)))


# ---- the counting query -------------------------------------------------------------------


@dataclass(frozen=True)
class UnitTables:
    """Temporary tables the counting query joins (each with a primary key, so SQLite looks rows
    up by key instead of scanning an inline ``VALUES`` list for every coding):

    * ``fin(coder_id, transcript_id)``: the selection's counted pairs;
    * ``need(transcript_id, k)``: coders needed per transcript (rules all/majority);
    * ``tmap(code_id, target_id)``: each code's live code;
    * ``rowmap(code_id, row_id)``: the rows each code counts for.
    """

    fin: Table
    need: Table
    tmap: Table
    rowmap: Table
    rule: str


def _temp_table(
    session: Session, name: str, columns: Sequence[str], rows: Sequence[tuple[int, ...]]
) -> Table:
    table = Table(
        f"qc_{name}_{uuid.uuid4().hex[:10]}",
        MetaData(),
        *(Column(c, Integer, primary_key=True, autoincrement=False) for c in columns),
        prefixes=["TEMPORARY"],
        sqlite_with_rowid=False,
    )
    table.create(session.connection())
    insert_rows(session, table, columns, rows)
    return table


@contextmanager
def unit_tables(session: Session, selection: Selection, maps: CodeMaps) -> Iterator[UnitTables]:
    """Create the temporary tables for one query, and drop them afterwards (on an error the
    rollback of the session's transaction removes them)."""
    tables = UnitTables(
        _temp_table(session, "fin", ("coder_id", "transcript_id"), sorted(selection.pairs)),
        _temp_table(session, "need", ("transcript_id", "k"), sorted(selection.need.items())),
        _temp_table(session, "tmap", ("code_id", "target_id"), maps.targets),
        _temp_table(session, "rowmap", ("code_id", "row_id"), maps.rows),
        selection.rule,
    )
    yield tables
    connection = session.connection()
    for table in (tables.fin, tables.need, tables.tmap, tables.rowmap):
        table.drop(connection)


def coverage(tables: UnitTables) -> Select[Any]:
    """The counted units ``(segment_id, transcript_id, code_id)``.

    A span coding covers each segment it overlaps: the segments of its transcript that start
    at or after its own segment (the one holding the span's start) and before its end — an
    index range on ``segment(transcript_id, start)``. With rule ``any`` every coding by a
    counted (coder, transcript) pair gives units (duplicates are left to the caller's
    ``COUNT(DISTINCT …)``; ``code_id`` is the coding's code). With ``all``/``majority`` units
    are grouped by segment and live code (``code_id`` is the merge target) and kept when
    enough distinct coders applied the code.
    """
    coding = Coding.__table__
    own = Segment.__table__.alias("own")
    seg = Segment.__table__.alias("seg")
    fin = tables.fin
    base = (
        select()
        .select_from(coding)
        .join(
            fin,
            and_(
                fin.c.coder_id == coding.c.coder_id,
                fin.c.transcript_id == coding.c.transcript_id,
            ),
        )
        .join(own, own.c.id == coding.c.segment_id)
        .join(
            seg,
            and_(
                # "+ 0" keeps SQLite from starting at the segments and searching the codings
                # by (transcript_id, start): the plan must go coding -> own -> seg
                seg.c.transcript_id == coding.c.transcript_id + 0,
                seg.c.start >= own.c.start,
                seg.c.start < coding.c.end + 0,
                seg.c.end > coding.c.start + 0,
            ),
        )
    )
    if tables.rule == "any":
        return base.add_columns(
            seg.c.id.label("segment_id"),
            coding.c.transcript_id.label("transcript_id"),
            coding.c.code_id.label("code_id"),
        )
    tmap, need = tables.tmap, tables.need
    return (
        base.join(tmap, tmap.c.code_id == coding.c.code_id)
        .join(need, need.c.transcript_id == coding.c.transcript_id)
        .add_columns(
            seg.c.id.label("segment_id"),
            coding.c.transcript_id.label("transcript_id"),
            tmap.c.target_id.label("code_id"),
        )
        .group_by(seg.c.id, coding.c.transcript_id, tmap.c.target_id)
        .having(func.count(distinct(coding.c.coder_id)) >= func.max(need.c.k))
    )


def count_units(
    session: Session,
    selection: Selection,
    maps: CodeMaps,
    *,
    attribute: str | None = None,
    per_participant: bool = False,
) -> dict[tuple[int, Any], tuple[int, int]]:
    """``{(row id, group): (participants, segments)}`` from one grouped query.

    ``group`` is None, the participant's ``attribute`` value ("" when missing) or, with
    ``per_participant``, the participant id. Rows and groups without units are absent.
    """
    if not selection.pairs or not maps.rows:
        return {}
    with unit_tables(session, selection, maps) as tables:
        statement = counting_query(tables, attribute=attribute, per_participant=per_participant)
        return {
            (row_id, key): (int(participants), int(segments))
            for row_id, key, participants, segments in session.execute(statement)
        }


def counting_query(
    tables: UnitTables, *, attribute: str | None = None, per_participant: bool = False
) -> Select[Any]:
    """The single aggregate query behind :func:`count_units` (the benchmark times it alone)."""
    units = coverage(tables).subquery("units")
    rowmap = tables.rowmap
    transcript = Transcript.__table__
    statement = (
        select()
        .select_from(units)
        .join(rowmap, rowmap.c.code_id == units.c.code_id)
        .join(transcript, transcript.c.id == units.c.transcript_id)
    )
    if per_participant:
        key: Any = transcript.c.participant_id
    elif attribute is not None:
        attr = ParticipantAttribute.__table__
        statement = statement.outerjoin(
            attr,
            and_(
                attr.c.participant_id == transcript.c.participant_id,
                attr.c.name == attribute,
            ),
        )
        key = func.coalesce(attr.c.value, "")
    else:
        key = null()
    columns = (
        rowmap.c.row_id,
        key.label("grp"),
        func.count(distinct(transcript.c.participant_id)),
        func.count(distinct(units.c.segment_id)),
    )
    statement = statement.add_columns(*columns).group_by(rowmap.c.row_id)
    if per_participant or attribute is not None:
        statement = statement.group_by(key)
    return statement


# ---- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeRow:
    group: str | None  # the attribute value with --by, else None
    theme: str
    code: str  # "" on a theme's row
    participants: int
    participants_total: int
    participants_pct: float
    segments: int
    code_id: int
    depth: int  # 0 for a theme
    status: str

    def values(self) -> tuple[Any, ...]:
        """The row in the order of :attr:`ThemeTable.header`."""
        numbers = (
            self.theme,
            self.code,
            self.participants,
            self.participants_total,
            self.participants_pct,
            self.segments,
        )
        return numbers if self.group is None else (self.group, *numbers)


@dataclass(frozen=True)
class ThemeTable:
    selection: Selection
    level: str
    by: str | None
    groups: tuple[str, ...]  # the attribute's values with --by (block order), else ()
    totals: dict[str | None, int]  # participants in scope, per group (None without --by)
    rows: tuple[ThemeRow, ...]

    @property
    def header(self) -> tuple[str, ...]:
        return THEME_COLUMNS if self.by is None else (group_column(self.by), *THEME_COLUMNS)

    @property
    def participants_total(self) -> int:
        return sum(self.totals.values())

    def records(self) -> list[tuple[Any, ...]]:
        return [row.values() for row in self.rows]


def group_column(attribute: str) -> str:
    """The --by column's name: the attribute's, unless it clashes with a fixed column."""
    return attribute if attribute not in THEME_COLUMNS else f"participant_{attribute}"


def attribute_names(session: Session) -> list[str]:
    """Participant attributes in the order they were first imported (role, company_size, …)."""
    return list(
        session.scalars(
            select(ParticipantAttribute.name)
            .group_by(ParticipantAttribute.name)
            .order_by(func.min(ParticipantAttribute.id))
        )
    )


def _check_attribute(session: Session, attribute: str) -> None:
    names = attribute_names(session)
    if attribute not in names:
        raise QualcodeError(
            f"--by {attribute}: no participant attribute of that name; "
            f"the attributes are: {', '.join(names) or 'none (qualcode participants import FILE)'}"
        )


def scope_participants(session: Session, transcripts: frozenset[int]) -> set[int]:
    """Distinct participants with a transcript among ``transcripts``."""
    if not transcripts:
        return set()
    return set(
        session.scalars(
            select(Transcript.participant_id)
            .where(Transcript.id.in_(sorted(transcripts)))
            .distinct()
        )
    )


def participant_groups(
    session: Session, attribute: str, in_scope: set[int]
) -> tuple[tuple[str, ...], dict[str | None, int]]:
    """The attribute's values (of every participant with a transcript; "" for a missing value,
    last) and the number of participants in scope with each."""
    with_transcripts = set(session.scalars(select(Transcript.participant_id).distinct()))
    value_of = {
        pid: value
        for pid, value in session.execute(
            select(ParticipantAttribute.participant_id, ParticipantAttribute.value).where(
                ParticipantAttribute.name == attribute
            )
        )
    }
    totals: dict[str | None, int] = {}
    for pid in with_transcripts | in_scope:
        value = value_of.get(pid, "")
        totals[value] = totals.get(value, 0) + (pid in in_scope)
    groups = sorted(totals, key=lambda v: (v == "", (v or "").casefold(), v or ""))
    return tuple(g or "" for g in groups), totals


def theme_frequencies(
    session: Session,
    coders: str | Sequence[str] | None = None,
    consensus: bool = False,
    rule: str | None = None,
    by: str | None = None,
    level: str = "code",
    selection: Selection | None = None,
) -> ThemeTable:
    """The theme frequency table (rows of THEME_COLUMNS, with a --by column first if asked).

    Rows in codebook order: each theme, then its codes. Every active code appears (zero
    counts included); retired and proposed codes appear only where they carry counted
    codings; merged codes never (their codings count for the code they were merged into).
    """
    if selection is None:
        selection = choose_selection(session, coders, consensus, rule)
    index = CodeIndex.load(session)
    specs = row_specs(index, level)
    maps = code_maps(index, specs)
    if by is not None:
        by = by.strip()
        _check_attribute(session, by)
    in_scope = scope_participants(session, selection.transcripts)
    groups: tuple[str, ...]
    totals: dict[str | None, int]
    if by is None:
        groups, totals = (), {None: len(in_scope)}
    else:
        groups, totals = participant_groups(session, by, in_scope)
    counts = count_units(session, selection, maps, attribute=by)
    keys: list[str | None] = list(groups) if by is not None else [None]
    shown = visible(specs, {row_id for row_id, _key in counts})
    rows = []
    for key in keys:
        total = totals.get(key, 0)
        for spec in shown:
            participants, segments = counts.get((spec.id, key), (0, 0))
            rows.append(
                ThemeRow(
                    key,
                    spec.theme,
                    spec.code,
                    participants,
                    total,
                    percent(participants, total),
                    segments,
                    spec.id,
                    spec.depth,
                    spec.status,
                )
            )
    return ThemeTable(selection, level, by, groups, totals, tuple(rows))


def coder_theme_frequencies(
    session: Session,
    coder_id: int,
    show_all: bool = False,
    by: str | None = None,
    level: str = "code",
) -> ThemeTable:
    """The TUI's table: the coder's own codings (blind coding), or the lead's default view."""
    selection = coder_selection(session, coder_id, show_all)
    return theme_frequencies(session, by=by, level=level, selection=selection)


def participant_keys(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    query = select(Participant.id, Participant.key).where(Participant.id.in_(sorted(ids)))
    return {pid: key for pid, key in session.execute(query)}
