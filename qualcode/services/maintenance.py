"""``qualcode check`` (integrity, in plain words) and ``qualcode backup FILE``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, aliased

from qualcode.errors import QualcodeError
from qualcode.store.migrate import sqlite_backup
from qualcode.store.models import (
    Code,
    Coding,
    ConsensusDecision,
    Memo,
    Segment,
    Transcript,
)
from qualcode.store.project import Project

LIMIT = 10  # problems shown per kind


@dataclass
class CheckReport:
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # not damage, but something that does not work as meant (a code shortcut no key reaches)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _some(rows: list[str], total: int) -> list[str]:
    more = [f"… and {total - len(rows)} more"] if total > len(rows) else []
    return rows + more


def _sqlite_checks(project: Project, report: CheckReport) -> None:
    with project.engine.connect() as conn:
        result = [r[0] for r in conn.execute(text("PRAGMA integrity_check")).all()]
        if result != ["ok"]:
            report.problems += [f"SQLite integrity check: {line}" for line in result[:LIMIT]]
        keys = conn.execute(text("PRAGMA foreign_key_check")).all()
        for table, rowid, parent, _fk in keys[:LIMIT]:
            report.problems.append(
                f"row {rowid} of table {table} points to a missing row of {parent}"
            )
        if len(keys) > LIMIT:
            report.problems.append(f"… and {len(keys) - LIMIT} more missing references")
    report.checked.append("SQLite file integrity and foreign keys")


def _lengths(session: Session) -> list[tuple[int, str, int]]:
    """(id, name, length of the text) per transcript: each text is measured once.

    Comparing spans with ``length(transcript.text)`` inside a join measured the text again
    for every row (35–62 s for one 1.3 MB transcript); one query per transcript with its
    length as a parameter keeps ``check`` linear in the size of the project.
    """
    rows = session.execute(
        select(Transcript.id, Transcript.name, func.length(Transcript.text)).order_by(
            Transcript.name
        )
    ).all()
    return [(tid, name, int(length or 0)) for tid, name, length in rows]


def _codings(session: Session, report: CheckReport, lengths: list[tuple[int, str, int]]) -> None:
    outside: list[str] = []
    total = 0
    for tid, name, length in lengths:
        bad = select(Coding.start, Coding.end).where(
            Coding.transcript_id == tid,
            (Coding.start < 0) | (Coding.end <= Coding.start) | (Coding.end > length),
        )
        rows = session.execute(bad.limit(LIMIT)).all()
        if rows:
            total += session.scalar(select(func.count()).select_from(bad.subquery())) or 0
            outside += [
                f"a coding in {name} spans {s}–{e}, outside the transcript's text" for s, e in rows
            ]
    report.problems += _some(outside[:LIMIT], total)
    misplaced = (
        select(Transcript.name, Coding.start, Segment.ordinal)
        .join(Segment, Coding.segment_id == Segment.id)
        .join(Transcript, Coding.transcript_id == Transcript.id)
        .where(
            (Segment.transcript_id != Coding.transcript_id)
            | (Coding.start < Segment.start)
            | (Coding.start >= Segment.end)
        )
    )
    filed = session.execute(misplaced.limit(LIMIT)).all()
    total = session.scalar(select(func.count()).select_from(misplaced.subquery())) or 0
    report.problems += _some(
        [f"a coding in {t} at {s} is filed under segment {o}, which does not hold it"
         for t, s, o in filed],
        total,
    )  # fmt: skip
    count = session.scalar(select(func.count()).select_from(Coding)) or 0
    report.checked.append(f"{count} codings lie inside their transcripts and segments")


def _segments(
    session: Session, report: CheckReport, lengths: list[tuple[int, str, int]]
) -> None:
    outside: list[str] = []
    for tid, name, length in lengths:
        ordinals = session.scalars(
            select(Segment.ordinal)
            .where(
                Segment.transcript_id == tid,
                (Segment.start < 0) | (Segment.end <= Segment.start) | (Segment.end > length),
            )
            .limit(LIMIT)
        ).all()
        outside += [f"segment {o} of {name} lies outside the transcript's text" for o in ordinals]
    report.problems += outside[:LIMIT]
    gaps = session.execute(
        select(Transcript.name, func.count(), func.min(Segment.ordinal), func.max(Segment.ordinal))
        .join(Transcript, Segment.transcript_id == Transcript.id)
        .group_by(Transcript.name)
    ).all()
    for name, count, low, high in gaps:
        if (low, high) != (1, count):
            report.problems.append(f"the segments of {name} are not numbered 1–{count}")
    count = session.scalar(select(func.count()).select_from(Segment)) or 0
    report.checked.append(f"{count} segments are numbered and inside their transcripts")


def _codes(session: Session, report: CheckReport) -> None:
    codes = {c.id: c for c in session.scalars(select(Code))}
    for code in codes.values():
        for attribute, label in (("parent_id", "parent"), ("merged_into_id", "merge target")):
            seen = {code.id}
            current = getattr(code, attribute)
            while current is not None:
                if current not in codes:
                    report.problems.append(f"code {code.name!r} has a missing {label}")
                    break
                if current in seen:
                    report.problems.append(f"code {code.name!r} is in a cycle of {label}s")
                    break
                seen.add(current)
                current = getattr(codes[current], attribute)
        if code.status == "merged" and code.merged_into_id is None:
            report.problems.append(f"code {code.name!r} is merged but names no target")
    used = session.execute(
        select(Code.name, Code.status, func.count())
        .join(Coding, Coding.code_id == Code.id)
        .where(Code.status == "merged")
        .group_by(Code.name, Code.status)
    ).all()
    for name, _status, count in used:
        report.problems.append(
            f"{count} coding(s) still point to {name!r}, which was merged away"
        )
    report.checked.append(f"{len(codes)} codes resolve (parents and merge targets)")


def _shortcuts(session: Session, report: CheckReport) -> None:
    from qualcode.services.lookup import CodeIndex
    from qualcode.shortcuts import shortcut_problems

    keys = [key for key in CodeIndex.load(session).code_keys() if key.holds]
    found = shortcut_problems(keys)
    report.warnings += found
    report.checked.append(
        f"{len(keys)} code shortcut(s): {len(found)} cannot work as meant (warnings below)"
        if found
        else f"{len(keys)} code shortcut(s) are distinct and none is a command's key"
    )


def _others(session: Session, report: CheckReport) -> None:
    seg = aliased(Segment)
    wrong = session.scalar(
        select(func.count())
        .select_from(ConsensusDecision)
        .join(seg, ConsensusDecision.segment_id == seg.id)
        .where(seg.transcript_id != ConsensusDecision.transcript_id)
    )
    if wrong:
        report.problems.append(f"{wrong} consensus decision(s) name the wrong transcript")
    memo_wrong = session.scalar(
        select(func.count())
        .select_from(Memo)
        .join(seg, Memo.segment_id == seg.id)
        .where(seg.transcript_id != Memo.transcript_id)
    )
    if memo_wrong:
        report.problems.append(f"{memo_wrong} memo(s) are filed under another transcript")
    report.checked.append("memos and consensus decisions belong to their transcripts")


def check_project(project: Project) -> CheckReport:
    """Every check, in plain words; problems are listed, nothing is changed."""
    from sqlalchemy.exc import DatabaseError, OperationalError

    report = CheckReport()
    try:
        if project.location.is_sqlite:
            _sqlite_checks(project, report)
        with project.session() as session:
            lengths = _lengths(session)
            _segments(session, report, lengths)
            _codings(session, report, lengths)
            _codes(session, report)
            _shortcuts(session, report)
            _others(session, report)
    except OperationalError:
        raise
    except DatabaseError as exc:  # a damaged file: that is the finding, not a crash
        reason = str(exc.orig or exc).strip().splitlines()[0]
        report.problems.append(
            f"the project file is damaged ({reason}); restore it from a backup, or try "
            "'sqlite3 FILE .recover' into a new file"
        )
    return report


def backup(project: Project, target: Path) -> str:
    """A consistent copy of the project while others keep working.

    SQLite: the online backup API (pages copied under a read snapshot). PostgreSQL: a copy
    of every row into a new SQLite file from one REPEATABLE READ snapshot. The file is
    created private (0600) and must not exist yet.
    """
    target = target.expanduser().resolve()
    if target.exists():
        raise QualcodeError(f"{target}: a file is already there; choose a new backup name")
    if project.location.path is not None and target == project.location.path:
        raise QualcodeError(f"{target}: that is the project itself; choose a new backup name")
    if project.location.path is None:
        from qualcode.services.project_copy import copy_project

        report = copy_project(project, str(target))
        return f"backed up {report.total} rows into {target} (a SQLite project file)"
    from qualcode.services.project_copy import partial_name, publish, write_failure
    from qualcode.store.engine import sqlite3_source

    target.parent.mkdir(parents=True, exist_ok=True)
    # Written under a hidden name and renamed when complete: a killed backup leaves no
    # half-written file under the name the user gave.
    partial = partial_name(target)
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        database, uri = sqlite3_source(project.location.path)
        sqlite_backup(database, partial, uri=uri)
        publish(partial, target)
    except BaseException as exc:
        for suffix in ("", "-journal", "-wal", "-shm"):
            partial.with_name(partial.name + suffix).unlink(missing_ok=True)
        failure = write_failure(target, exc)
        if failure is not None:
            raise failure from exc
        raise
    return f"backed up {project.location.path} into {target}"
